"""The queue's rules as pure code: no I/O, no clock reads (time is passed in).

See `queue.py` for the decide/commit/apply cycle every command follows.
"""

from .desks import (
    Desk,
    DeskChange,
    DeskDecision,
    decide_close,
    decide_open,
    decide_pause,
    decide_sign_in,
    decide_sign_out,
    desk_of,
    refuse_call,
)
from .queue import (
    Call,
    CounterState,
    Decision,
    Outcome,
    QueueState,
    Rejection,
    decide_call_next,
    decide_call_number,
    decide_cancel,
    decide_confirm,
    decide_finish,
    decide_issue,
    decide_recall,
    decide_skip,
    decide_transfer,
    outcome_from_record,
    outcome_record,
)
from .schedule import Availability, availability, service_date
from .tickets import FINAL_STATES, Status, Ticket

__all__ = [
    "FINAL_STATES",
    "Availability",
    "Call",
    "CounterState",
    "Decision",
    "Desk",
    "DeskChange",
    "DeskDecision",
    "Outcome",
    "QueueState",
    "Rejection",
    "Status",
    "Ticket",
    "availability",
    "decide_call_next",
    "decide_call_number",
    "decide_cancel",
    "decide_close",
    "decide_confirm",
    "decide_finish",
    "decide_issue",
    "decide_open",
    "decide_pause",
    "decide_recall",
    "decide_sign_in",
    "decide_sign_out",
    "decide_skip",
    "decide_transfer",
    "desk_of",
    "outcome_from_record",
    "outcome_record",
    "refuse_call",
    "service_date",
]
