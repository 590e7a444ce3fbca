"""The wire contract between the server and every client, in one pure module.

Counters (desktop, web, `antrian call`), screens, speakers, kiosks and phones speak to the
server through the names defined here, and nothing restates them: the actions a counter
may send, the error codes with their HTTP status and Indonesian text, the close codes, the
hub's topic names, the one ticket-number grammar, the `prev_seq` rule and the reconnect
policy. The pages get the same facts from `/contract.js`, rendered from this module.

It imports nothing but the standard library, so any package (the voice, the counter
client) may import it without importing the server.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

# --- counter actions ---------------------------------------------------------------------


class Action(StrEnum):
    """What a counter may ask of the hall over `/ws/counter` (the message's `type`)."""

    CALL_NEXT = "call_next"
    RECALL = "recall"
    SKIP = "skip"
    FINISH = "finish"
    TRANSFER = "transfer"
    CALL = "call"  # a given number: needs `number`
    # the counter itself: who serves at it, and whether it is open
    SIGN_IN = "sign_in"  # needs `officer` and `pin`
    SIGN_OUT = "sign_out"
    PAUSE = "pause"  # needs a `reason` from the hall's list
    OPEN = "open"  # open, or resume after a pause
    CLOSE = "close"


ACTIONS: Final = tuple(str(a) for a in Action)
CALL_ACTIONS: Final = frozenset({Action.CALL_NEXT.value, Action.CALL.value})  # they take a new ticket
# Calls need an open counter (and, where the hall asks for it, an officer signed in).
CALLING_ACTIONS: Final = frozenset({Action.CALL_NEXT.value, Action.CALL.value, Action.RECALL.value})
DESK_ACTIONS: Final = frozenset(
    {Action.SIGN_IN.value, Action.SIGN_OUT.value, Action.PAUSE.value, Action.OPEN.value, Action.CLOSE.value}
)


class DeskState(StrEnum):
    """Whether a counter serves: calls only when it is open."""

    OPEN = "open"
    PAUSED = "paused"  # with a reason from the hall's list, and since when
    CLOSED = "closed"


DESK_STATE_LABELS: Final = {"open": "Buka", "paused": "Jeda", "closed": "Tutup"}


def call_refusal(action: str, state: str, *, signed_in: bool, require_sign_in: bool) -> str | None:
    """The error code a counter in STATE gets for ACTION, or None when it may act.

    Calls need an open counter and, where the hall asks for it, an officer signed in;
    finishing, skipping and transferring the ticket in hand always work. The server decides
    with this rule and every counter UI greys out its buttons with it."""
    if action not in CALLING_ACTIONS:
        return None
    if state == DeskState.PAUSED:
        return "counter_paused"
    if state == DeskState.CLOSED:
        return "counter_closed"
    if require_sign_in and not signed_in:
        return "not_signed_in"
    return None


class Role(StrEnum):
    """Who a person on the hall's roster is."""

    ADMIN = "admin"  # the whole hall
    SUPERVISOR = "supervisor"  # one or more agencies: sees and acts on those only
    OFFICER = "officer"  # serves at the counters of their agency


MAX_REQUEST_ID: Final = 100  # a command's `id` (and a kiosk's `request_id`): 1-100 characters

# Indonesian labels of the actions, for every counter UI.
ACTION_LABELS: Final = {
    "call_next": "Panggil Berikutnya",
    "recall": "Panggil Ulang",
    "skip": "Lewati",
    "finish": "Selesai",
    "transfer": "Alihkan",
    "call": "Panggil Nomor",
    "sign_in": "Masuk",
    "sign_out": "Keluar",
    "pause": "Jeda",
    "open": "Buka Loket",
    "close": "Tutup Loket",
}

# --- errors ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ErrorCode:
    code: str
    status: int  # the HTTP status when it answers a request
    text: str  # what a person at a counter, kiosk or phone reads


_ERRORS = (
    # input
    ErrorCode("bad_request", 400, "Permintaan tidak lengkap"),
    ErrorCode("bad_json", 400, "Pesan tidak dapat dibaca"),
    ErrorCode("message_too_large", 413, "Pesan terlalu besar"),
    ErrorCode("unknown_type", 400, "Jenis pesan tidak dikenal"),
    ErrorCode("unknown_action", 400, "Perintah tidak dikenal"),
    ErrorCode("hello_required", 400, "Sambungan harus diawali salam (hello)"),
    ErrorCode("hello_timeout", 408, "Salam (hello) tidak diterima tepat waktu"),
    # who is asking
    ErrorCode("unauthorized", 401, "Gagal: token salah"),
    ErrorCode("forbidden", 403, "Tidak diizinkan"),
    ErrorCode("rate_limited", 429, "Terlalu banyak permintaan, tunggu sebentar"),
    ErrorCode("wrong_pin", 401, "PIN atau kata sandi salah"),
    ErrorCode("unknown_officer", 401, "ID petugas tidak dikenal"),
    ErrorCode("account_locked", 423, "Akun dikunci sementara karena terlalu banyak PIN salah"),
    ErrorCode("no_pin_set", 401, "PIN belum dibuat; hubungi admin"),
    ErrorCode("wrong_agency", 403, "Petugas bukan dari instansi loket ini"),
    ErrorCode("other_agency", 403, "Data instansi lain tidak dapat dilihat"),
    ErrorCode("weak_pin", 400, "PIN terlalu pendek atau tidak sesuai aturan"),
    # what is asked for
    ErrorCode("not_found", 404, "Tidak ditemukan"),
    ErrorCode("unknown_counter", 404, "Gagal: loket tidak dikenal"),
    ErrorCode("unknown_service", 404, "Layanan tidak dikenal"),
    ErrorCode("unknown_screen", 404, "Layar tidak dikenal"),
    ErrorCode("unknown_zone", 404, "Zona tidak dikenal"),
    ErrorCode("unknown_kiosk", 404, "Kiosk tidak dikenal"),
    ErrorCode("ticket_not_found", 404, "Nomor antrean tidak ditemukan"),
    # the queue's state does not allow it
    ErrorCode("queue_empty", 409, "Tidak ada antrean"),
    ErrorCode("ticket_taken", 409, "Nomor sudah dipanggil loket lain"),
    ErrorCode("no_current_ticket", 409, "Belum ada nomor yang dipanggil"),
    ErrorCode("wrong_service", 409, "Nomor itu bukan layanan loket ini"),
    ErrorCode("same_service", 409, "Nomor sudah berada di layanan itu"),
    ErrorCode("ticket_not_pending", 409, "Tiket tidak sedang dicetak"),
    ErrorCode("closed", 409, "Pengambilan nomor sudah ditutup untuk hari ini"),
    ErrorCode("break", 409, "Layanan sedang istirahat"),
    ErrorCode("holiday", 409, "Tutup: hari libur"),
    ErrorCode("closed_day", 409, "Tutup hari ini"),
    ErrorCode("not_open_yet", 409, "Layanan belum buka"),
    ErrorCode("quota_reached", 409, "Kuota hari ini sudah habis"),
    # the counter's own state does not allow it
    ErrorCode("counter_paused", 409, "Loket sedang jeda; buka loket untuk memanggil"),
    ErrorCode("counter_closed", 409, "Loket tutup; buka loket untuk memanggil"),
    ErrorCode("not_signed_in", 409, "Belum ada petugas yang masuk di loket ini"),
    ErrorCode("unknown_reason", 400, "Alasan jeda tidak ada dalam daftar"),
    ErrorCode("already_so", 409, "Loket sudah dalam keadaan itu"),
    # booking ahead
    ErrorCode("booking_not_found", 404, "Kode booking tidak ditemukan"),
    ErrorCode("booking_off", 409, "Layanan ini tidak menerima booking"),
    ErrorCode("slot_full", 409, "Sesi ini sudah penuh, silakan pilih sesi lain"),
    ErrorCode("too_far_ahead", 409, "Tanggal itu belum dapat dibooking"),
    ErrorCode("session_over", 409, "Sesi itu sudah lewat"),
    ErrorCode("too_early", 409, "Terlalu awal untuk check-in, silakan kembali mendekati jam sesi Anda"),
    ErrorCode("too_late", 409, "Waktu check-in untuk booking ini sudah lewat"),
    ErrorCode("already_checked_in", 409, "Booking ini sudah check-in"),
    ErrorCode("booking_cancelled", 409, "Booking ini sudah dibatalkan"),
    ErrorCode("other_day", 409, "Booking ini untuk hari lain"),
    ErrorCode("booking_limit", 429, "Terlalu banyak booking dari perangkat ini"),
    # the survey
    ErrorCode("already_answered", 409, "Survei untuk tiket ini sudah diisi. Terima kasih!"),
    ErrorCode("not_served", 409, "Survei dapat diisi setelah Anda selesai dilayani"),
    ErrorCode("survey_closed", 409, "Waktu pengisian survei untuk tiket ini sudah lewat"),
    # the server or its devices
    ErrorCode("printer_error", 503, "Printer bermasalah, silakan hubungi petugas"),
    ErrorCode("internal_error", 500, "Server gagal menyimpan, coba lagi"),
    ErrorCode("busy", 503, "Antrean sedang berubah, silakan coba lagi"),
    # only clients say these (no server sends them)
    ErrorCode("unreachable", 503, "Server tidak dapat dihubungi"),
    ErrorCode("timeout", 504, "Server tidak menjawab tepat waktu"),
)
ERRORS: Final = {e.code: e for e in _ERRORS}
# A counter that is refused one of these stops retrying: only a person can fix it.
FATAL_CODES: Final = frozenset({"unauthorized", "unknown_counter"})


def http_status(code: str) -> int:
    """The HTTP status of an error code; an unknown code is "the queue's state does not allow it"."""
    known = ERRORS.get(code)
    return known.status if known else 409


def error_text(code: str | None, message: str = "") -> str:
    """The Indonesian text for an error code; the server's message, or the code, when unknown."""
    known = ERRORS.get(code or "")
    if known:
        return known.text
    return message or f"Gagal ({code})"


def error_body(code: str, message: str) -> dict:
    """Every refusal over HTTP has this shape."""
    return {"error": {"code": code, "message": message}}


def error_message(code: str, message: str, request_id: str | None = None, *, with_id: bool = False) -> dict:
    """Every refusal over a WebSocket has this shape (`id` when it answers a command)."""
    reply: dict = {"type": "error", "code": code, "message": message}
    if with_id or request_id is not None:
        reply = {"type": "error", "id": request_id, "code": code, "message": message}
    return reply


# --- close codes -------------------------------------------------------------------------


class Close:
    """WebSocket close codes the server uses (4000-4999 are the application's own)."""

    REFUSED: Final = 4001  # hello missing, wrong or too late; the error message says which
    CROSS_ORIGIN: Final = 4003  # a browser on another origin
    NOT_FOUND: Final = 4004  # no such screen, zone or ticket
    TOO_SLOW: Final = 4008  # the hub dropped this client: reconnect and resync from a snapshot


CLOSE_CODES: Final = {
    "refused": Close.REFUSED,
    "cross_origin": Close.CROSS_ORIGIN,
    "not_found": Close.NOT_FOUND,
    "too_slow": Close.TOO_SLOW,
}

# --- topics ------------------------------------------------------------------------------


class Topic:
    """The hub's topic names: who hears what."""

    @staticmethod
    def zone(zone_id: str) -> str:
        """A zone's calls and counters: its screens and speakers."""
        return f"zone:{zone_id}"

    @staticmethod
    def counter(counter_id: str) -> str:
        """One counter's own state: its counter clients."""
        return f"counter:{counter_id}"

    @staticmethod
    def service(service_id: str) -> str:
        """How many wait for a service: its counters and the phones in its queue."""
        return f"service:{service_id}"

    @staticmethod
    def ticket(token: str) -> str:
        """One visitor's ticket: their phone."""
        return f"ticket:{token}"

    @staticmethod
    def booking(token: str) -> str:
        """One booking: its holder's page (cancelled, checked in, its ticket)."""
        return f"booking:{token}"

    @staticmethod
    def survey(counter_id: str) -> str:
        """The tickets a counter has just served: its survey tablet offers them."""
        return f"survey:{counter_id}"

    @staticmethod
    def agency(agency_id: str) -> str:
        """An agency's live figures: the hall view of its supervisors and the hall's admins."""
        return f"agency:{agency_id}"


def command_scope(counter_id: str) -> str:
    """Where a counter's request ids are unique (a retried id returns the first reply)."""
    return f"counter:{counter_id}"


KIOSK_SCOPE: Final = "kiosk"  # the hall's own issues (no door): settling a printed ticket


def kiosk_scope(kiosk_id: str, address: str) -> str:
    """Where a kiosk's request ids are unique: one kiosk at one address, so a request id seen
    elsewhere never hands back another visitor's ticket (and its status link)."""
    return f"kiosk:{kiosk_id}@{address}"


# --- booking codes -----------------------------------------------------------------------

# Read aloud and typed from a phone: no look-alikes (0/O, 1/I/L, 2/Z, 5/S, 8/B), six characters.
BOOKING_ALPHABET: Final = "ACDEFGHJKMNPQRTUVWXY34679"
BOOKING_CODE_LENGTH: Final = 6


def normal_booking_code(text: str) -> str | None:
    """A typed or scanned code as stored (`k7m-3pq` -> `K7M3PQ`); None when it cannot be one."""
    code = "".join(c for c in text.upper() if c.isalnum())
    if len(code) != BOOKING_CODE_LENGTH or any(c not in BOOKING_ALPHABET for c in code):
        return None
    return code


# --- ticket numbers ----------------------------------------------------------------------

MAX_PREFIX: Final = 3
_NUMBER = re.compile(r"^\s*([A-Za-z]{0,3})\s*[-_./ ]?\s*(\d{1,9})\s*$")


@dataclass(frozen=True, slots=True)
class TicketNumber:
    """`A-007`: a service's prefix (1-3 letters, or none) and the sequence within its day."""

    prefix: str
    digits: str  # as written, zero padding kept: "007"

    @property
    def sequence(self) -> int:
        return int(self.digits)

    def __str__(self) -> str:
        return f"{self.prefix}-{self.digits}" if self.prefix else self.digits

    def after(self, step: int) -> TicketNumber:
        """The number STEP places on, padded as this one: A-009 -> A-010."""
        return TicketNumber(self.prefix, f"{self.sequence + step:0{len(self.digits)}d}")


def format_number(prefix: str, sequence: int) -> str:
    """`A-007`: three digits at least, more when a busy service passes 999."""
    return str(ticket_number(prefix, sequence))


def ticket_number(prefix: str, sequence: int) -> TicketNumber:
    return TicketNumber(prefix, f"{sequence:03d}")


def parse_number(text: str) -> TicketNumber | None:
    """`A-123`, `a123`, `a 123`, `PID-12`, `123` -> the number; None when it is not one."""
    match = _NUMBER.match(text)
    if not match:
        return None
    return TicketNumber(match.group(1).upper(), match.group(2))


# --- the prev_seq rule -------------------------------------------------------------------


def missed_messages(last_seq: int | None, message: dict) -> bool:
    """True when `message` shows that this client missed one: resync from a snapshot.

    Every pushed message carries `seq` (the event's global number) and `prev_seq` (the `seq`
    of the previous message sent to this same connection). A filtered client sees gaps in
    `seq` by design; only a `prev_seq` that differs from the last `seq` it saw is a loss.
    A snapshot starts the chain over, so it is never a loss.
    """
    if last_seq is None or message.get("type") == "snapshot" or "prev_seq" not in message:
        return False
    return message["prev_seq"] != last_seq


# --- reconnecting ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with full jitter in its upper half, so a hall's clients do not all
    reconnect in step after the server restarts. The pages use the same numbers (`client.js`)."""

    base: float = 0.3
    cap: float = 5.0  # a TV is back within seconds of the server
    rng: Callable[[], float] = random.random

    def delay(self, attempt: int) -> float:
        ceiling = min(self.cap, self.base * 2 ** min(attempt, 30))
        return ceiling / 2 + ceiling / 2 * self.rng()


PING_SECONDS: Final = 10.0  # clients ping this often; a connection silent for SILENCE_SECONDS is dead
SILENCE_SECONDS: Final = 30.0


def for_pages() -> dict:
    """What `/contract.js` gives the pages: the same facts, so no page restates them."""
    backoff = Backoff()
    return {
        "actions": list(ACTIONS),
        "actionLabels": dict(ACTION_LABELS),
        "callActions": sorted(CALL_ACTIONS),
        "deskActions": sorted(DESK_ACTIONS),
        "callingActions": sorted(CALLING_ACTIONS),  # need an open (and, where required, staffed) counter
        "deskStates": dict(DESK_STATE_LABELS),
        "errors": {e.code: e.text for e in _ERRORS},
        "fatal": sorted(FATAL_CODES),
        "close": dict(CLOSE_CODES),
        "backoff": {"baseMs": int(backoff.base * 1000), "capMs": int(backoff.cap * 1000)},
        "pingMs": int(PING_SECONDS * 1000),
        "silenceMs": int(SILENCE_SECONDS * 1000),
        "maxRequestId": MAX_REQUEST_ID,
    }
