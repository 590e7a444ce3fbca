"""The queue's rules as pure code: no I/O, no clock reads (time is passed in).

See `queue.py` for the decide/commit/apply cycle every command follows.
"""

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
)
from .schedule import Availability, availability, service_date
from .tickets import FINAL_STATES, Status, Ticket

__all__ = [
    "FINAL_STATES",
    "Availability",
    "Call",
    "CounterState",
    "Decision",
    "Outcome",
    "QueueState",
    "Rejection",
    "Status",
    "Ticket",
    "availability",
    "decide_call_next",
    "decide_call_number",
    "decide_cancel",
    "decide_confirm",
    "decide_finish",
    "decide_issue",
    "decide_recall",
    "decide_skip",
    "decide_transfer",
    "service_date",
]
