"""Indonesian text that is the counter UI's own (code and logs stay English).

Action labels and error texts are the contract's (`display_server.contract`), shared with the
web counter; only the link state, the ack lines and the counter's own hints live here.
"""

from __future__ import annotations

from display_server.contract import Action, error_text

from .protocol import Link, View

__all__ = ["BAD_NUMBER", "NO_TICKET", "RECALL_LIMIT", "ack_text", "detail_text", "error_text", "link_text"]

RECALL_LIMIT = "Sudah dipanggil {recalls} kali. Tekan Lewati bila pengunjung tidak hadir."
BAD_NUMBER = "Nomor “{text}” tidak dikenali (contoh: A-012)"
NO_TICKET = "—"


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


def ack_text(action: str, ticket: dict | None) -> str:
    number = (ticket or {}).get("number", "")
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
    return "OK"
