"""Indonesian text that is the counter UI's own (code and logs stay English).

Action labels and error texts are the contract's (`display_server.contract`), shared with the
web counter; only the link state, the ack lines and the counter's own hints live here.
"""

from __future__ import annotations

from datetime import datetime

from display_server.contract import DESK_STATE_LABELS, Action, DeskState, error_text

from .protocol import Desk, Link, View

__all__ = [
    "BAD_NUMBER",
    "NO_TICKET",
    "OFFICER_ID",
    "PICK_REASON",
    "PIN",
    "RECALL_LIMIT",
    "RESUME",
    "SIGN_IN_HINT",
    "ack_text",
    "desk_text",
    "detail_text",
    "error_text",
    "link_text",
    "officer_text",
]

RECALL_LIMIT = "Sudah dipanggil {recalls} kali. Tekan Lewati bila pengunjung tidak hadir."
BAD_NUMBER = "Nomor “{text}” tidak dikenali (contoh: A-012)"
NO_TICKET = "—"
RESUME = "Lanjutkan"  # `open` on a paused counter: back from the break
SIGN_IN_HINT = "Masukkan ID petugas dan PIN"
OFFICER_ID = "ID petugas"
PIN = "PIN"
PICK_REASON = "Alasan jeda:"


def link_text(view: View) -> str:
    match view.link:
        case Link.ONLINE:
            return "Terhubung"
        case Link.RECONNECTING:
            return "Menghubungkan ulang…"
        case Link.FAILED:
            return error_text(view.fatal)
        case Link.STOPPED:
            return "Berhenti"
    return "Menghubungkan…"


def detail_text(view: View) -> str:
    """A second line under the link state: why it is not connected."""
    if view.link in (Link.CONNECTING, Link.RECONNECTING) and view.failures >= 2:
        return error_text("unreachable")
    return ""


def desk_text(desk: Desk) -> str:
    """The counter's state as its officer reads it: 'Jeda: Istirahat · sejak 10.15'."""
    text = DESK_STATE_LABELS[desk.state]
    if desk.state is DeskState.PAUSED and desk.reason:
        text += f": {desk.reason}"
    if desk.since:
        text += f" · sejak {clock_text(desk.since)}"
    return text


def officer_text(desk: Desk) -> str:
    return f"Petugas: {desk.officer.name}" if desk.officer else SIGN_IN_HINT


def clock_text(moment: str) -> str:
    """An ISO time from the server as this PC's local time, written the Indonesian way: 10.15."""
    try:
        return datetime.fromisoformat(moment).astimezone().strftime("%H.%M")
    except ValueError:
        return moment


def ack_text(action: str, ticket: dict | None, counter: dict | None = None) -> str:
    number = (ticket or {}).get("number", "")
    desk = Desk.of(counter)
    match action:
        case Action.CALL_NEXT | Action.CALL:
            return f"Memanggil {number}"
        case Action.RECALL:
            return f"Panggil ulang {number}"
        case Action.SKIP:
            return f"{number} dilewati (tidak hadir)"
        case Action.FINISH:
            return f"{number} selesai dilayani"
        case Action.TRANSFER:
            return f"{number} dialihkan"
        case Action.SIGN_IN:
            return f"Selamat bertugas, {desk.officer.name}" if desk.officer else "OK"
        case Action.SIGN_OUT:
            return "Petugas sudah keluar"
        case Action.PAUSE:
            return f"Loket dijeda: {desk.reason}" if desk.reason else "Loket dijeda"
        case Action.OPEN:
            return "Loket dibuka kembali"
        case Action.CLOSE:
            return "Loket ditutup"
    return "OK"
