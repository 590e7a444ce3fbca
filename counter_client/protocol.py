"""The counter side of `/ws/counter`, without sockets (sans-I/O).

`CounterProtocol` holds what a counter UI shows and the outbox of commands that still wait
for their reply. An I/O loop feeds it (`connection_made`, `receive`, `connection_lost`) and
sends whatever `data_to_send()` returns. Commands keep their request id until a reply
arrives, so a command resent after a reconnect or a server restart acts once: the server
keeps acks by id and answers a repeated id with the stored ack.

It also answers whether a call is allowed now (`View.call_refusal`), from the desk the server
last described, so every counter UI greys out the same buttons for the same reason; the
server still judges each command. A sign-in's PIN lives only in the outbox, until its reply.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import Enum

from display_server.contract import ACTIONS, FATAL_CODES, Action, DeskState, call_refusal, missed_messages


class Link(str, Enum):
    CONNECTING = "connecting"  # first attempt, nothing heard yet
    ONLINE = "online"  # welcomed
    RECONNECTING = "reconnecting"
    FAILED = "failed"  # fatal: the server refused this counter for good
    STOPPED = "stopped"


SECRET_FIELDS = frozenset({"pin"})  # sent (and resent on a retry), never shown, saved or kept after the reply


@dataclass(frozen=True, slots=True)
class Command:
    id: str
    type: str
    fields: dict = field(default_factory=dict)

    def message(self) -> dict:
        return {"type": self.type, "id": self.id, **self.fields}

    @property
    def has_secrets(self) -> bool:
        return not SECRET_FIELDS.isdisjoint(self.fields)

    def without_secrets(self) -> Command:
        return replace(self, fields={k: v for k, v in self.fields.items() if k not in SECRET_FIELDS})

    def __repr__(self) -> str:
        shown = {k: "***" if k in SECRET_FIELDS else v for k, v in self.fields.items()}
        return f"Command(id={self.id!r}, type={self.type!r}, fields={shown!r})"


@dataclass(frozen=True, slots=True)
class Service:
    id: str
    name: str
    prefix: str
    waiting: int


@dataclass(frozen=True, slots=True)
class Officer:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Desk:
    """Whether the counter serves now and who serves at it (the `counter` view's desk fields)."""

    state: DeskState = DeskState.OPEN
    reason: str | None = None  # why it is paused
    since: str | None = None  # ISO time the state began; None: never changed
    officer: Officer | None = None
    officer_since: str | None = None
    require_sign_in: bool = False  # calls are refused while nobody is signed in

    @classmethod
    def of(cls, counter: dict | None) -> Desk:
        counter = counter or {}
        try:
            state = DeskState(counter.get("state", DeskState.OPEN))
        except ValueError:
            state = DeskState.OPEN  # a newer server's state: let the server judge
        officer = counter.get("officer")
        return cls(
            state=state,
            reason=_text_or_none(counter.get("reason")),
            since=_text_or_none(counter.get("since")),
            officer=Officer(str(officer["id"]), str(officer.get("name") or officer["id"]))
            if isinstance(officer, dict) and officer.get("id")
            else None,
            officer_since=_text_or_none(counter.get("officer_since")),
            require_sign_in=counter.get("require_sign_in") is True,
        )


def _text_or_none(value: object) -> str | None:
    return str(value) if value else None


@dataclass(frozen=True, slots=True)
class View:
    """Everything a counter UI shows, as the server last told it."""

    counter_id: str
    link: Link = Link.CONNECTING
    counter: dict | None = None
    services: tuple[Service, ...] = ()
    transfer_to: tuple[tuple[str, str], ...] = ()  # (service id, name)
    pause_reasons: tuple[str, ...] = ()  # the hall's list, for `pause`
    pending: tuple[str, ...] = ()  # command types awaiting their reply, oldest first
    fatal: str | None = None  # the error code that stopped the session
    connected_once: bool = False
    failures: int = 0  # connection attempts lost or refused since the last welcome

    @property
    def current(self) -> dict | None:
        return self.counter.get("current") if self.counter else None

    @property
    def waiting(self) -> int:
        if self.services:
            return sum(s.waiting for s in self.services)
        return int(self.counter.get("waiting", 0)) if self.counter else 0

    @property
    def desk(self) -> Desk:
        return Desk.of(self.counter)

    def call_refusal(self, action: str) -> str | None:
        """The contract's error code the server would answer ACTION with now, or None
        (`contract.call_refusal`, the rule the server decides with)."""
        desk = self.desk
        return call_refusal(
            action, desk.state, signed_in=desk.officer is not None, require_sign_in=desk.require_sign_in
        )

    @property
    def recall_limit(self) -> int | None:
        limit = self.counter.get("recall_limit") if self.counter else None
        return limit if isinstance(limit, int) and limit > 0 else None

    @property
    def recall_limit_reached(self) -> bool:
        current, limit = self.current, self.recall_limit
        return bool(current and limit is not None and current.get("recalls", 0) >= limit)


@dataclass(frozen=True, slots=True)
class Reply:
    """The server's answer to one command: an ack or an error."""

    command: Command
    message: dict

    @property
    def ok(self) -> bool:
        return self.message.get("type") == "ack"

    @property
    def code(self) -> str | None:
        return None if self.ok else str(self.message.get("code"))


@dataclass(frozen=True, slots=True)
class Fatal:
    code: str
    message: str


Event = Reply | Fatal


class CounterProtocol:
    def __init__(self, counter_id: str, token: str, new_id: Callable[[], str] = lambda: str(uuid.uuid4())):
        self.token = token
        self.new_id = new_id
        self.view = View(counter_id=counter_id)
        self.outbox: dict[str, Command] = {}
        self._to_send: list[dict] = []
        self._sent: set[str] = set()  # command ids sent on the current connection
        self._resent: set[str] = set()  # ids resent after a reconnect: their acks may be old
        self._refresh_after_resends = False
        self._last_seq: int | None = None

    # --- what the I/O loop calls ---------------------------------------------------------

    def connection_made(self) -> None:
        self._to_send = [{"type": "hello", "counter": self.view.counter_id, "token": self.token}]
        self._sent.clear()
        self._last_seq = None

    def connection_lost(self) -> None:
        self._sent.clear()
        self._to_send.clear()
        if self.view.link not in (Link.FAILED, Link.STOPPED):
            link = Link.RECONNECTING if self.view.connected_once else Link.CONNECTING
            self.view = replace(self.view, link=link, failures=self.view.failures + 1)

    def stop(self) -> None:
        self.view = replace(self.view, link=Link.STOPPED)

    def data_to_send(self) -> list[dict]:
        messages, self._to_send = self._to_send, []
        return messages

    def receive(self, message: dict) -> list[Event]:
        self._check_sequence(message)
        match message.get("type"):
            case "welcome":
                self._welcomed(message)
            case "state":
                self._take_snapshot(message)
            case "counter":
                self._set_counter(message.get("counter"))
            case "waiting":
                self._set_waiting(str(message.get("service")), message.get("waiting"))
            case "ack" | "error":
                return self._replied(message)
        return []

    # --- what the UI calls ---------------------------------------------------------------

    def submit(self, kind: Action | str, **fields: str) -> Command:
        if kind not in ACTIONS:
            raise ValueError(f"unknown action {kind!r}")
        command = Command(self.new_id(), str(kind), dict(fields))
        self.outbox[command.id] = command
        if self.view.link is Link.ONLINE:
            self._send(command)
        self._refresh_pending()
        return command

    def restore(self, commands: list[Command]) -> None:
        """Put back commands saved before a restart of the client (same ids, so still once)."""
        for command in commands:
            self.outbox.setdefault(command.id, command)
        self._refresh_pending()

    # --- internals -----------------------------------------------------------------------

    def _welcomed(self, message: dict) -> None:
        self._take_snapshot(message)
        self.view = replace(self.view, link=Link.ONLINE, connected_once=True, fatal=None, failures=0)
        self._resent = set(self.outbox)
        self._refresh_after_resends = bool(self._resent)
        for command in list(self.outbox.values()):
            self._send(command)

    def _take_snapshot(self, message: dict) -> None:
        services = tuple(
            Service(str(s["id"]), str(s.get("name", s["id"])), str(s.get("prefix", "")), int(s.get("waiting", 0)))
            for s in message.get("services", ())
        )
        transfer_to = tuple((str(s["id"]), str(s.get("name", s["id"]))) for s in message.get("transfer_to", ()))
        reasons = tuple(str(r) for r in message.get("pause_reasons", ()))
        self.view = replace(self.view, services=services, transfer_to=transfer_to, pause_reasons=reasons)
        self._set_counter(message.get("counter"))

    def _set_counter(self, counter: object) -> None:
        if isinstance(counter, dict):
            self.view = replace(self.view, counter=counter)

    def _set_waiting(self, service_id: str, waiting: object) -> None:
        if not isinstance(waiting, int):
            return
        services = tuple(replace(s, waiting=waiting) if s.id == service_id else s for s in self.view.services)
        self.view = replace(self.view, services=services)

    def _replied(self, message: dict) -> list[Event]:
        request_id = message.get("id")
        command = self.outbox.pop(request_id, None) if isinstance(request_id, str) else None
        if command is None:
            return self._unsolicited_error(message)
        if message.get("type") == "ack":
            self._set_counter(message.get("counter"))
        self._resent.discard(command.id)
        if self._refresh_after_resends and not self._resent:
            # a replayed ack carries the counter as it was then: ask for the state of now
            self._to_send.append({"type": "state"})
            self._refresh_after_resends = False
        self._refresh_pending()
        return [Reply(command.without_secrets(), message)]

    def _unsolicited_error(self, message: dict) -> list[Event]:
        if message.get("type") != "error":
            return []
        code = str(message.get("code"))
        if code in FATAL_CODES:
            self.view = replace(self.view, link=Link.FAILED, fatal=code)
            return [Fatal(code, str(message.get("message", "")))]
        return []

    def _send(self, command: Command) -> None:
        if command.id in self._sent:
            return
        self._sent.add(command.id)
        self._to_send.append(command.message())

    def _check_sequence(self, message: dict) -> None:
        seq = message.get("seq")
        if not isinstance(seq, int):
            return  # a reply to this client's own request: not part of the push chain
        if missed_messages(self._last_seq, message):
            self._to_send.append({"type": "state"})  # a lost push: take a fresh snapshot
        self._last_seq = seq

    def _refresh_pending(self) -> None:
        self.view = replace(self.view, pending=tuple(c.type for c in self.outbox.values()))
