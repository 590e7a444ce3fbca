"""Indonesian text for the counter UIs (code and logs stay English)."""

from __future__ import annotations

from .protocol import Link, View

ACTION_LABELS = {
    "call_next": "Panggil Berikutnya",
    "recall": "Panggil Ulang",
    "skip": "Lewati",
    "finish": "Selesai",
    "transfer": "Alihkan",
    "call": "Panggil Nomor",
}

ERRORS = {
    "unauthorized": "Gagal: token salah",
    "unknown_counter": "Gagal: loket tidak dikenal",
    "unreachable": "Server tidak dapat dihubungi",
    "queue_empty": "Tidak ada antrean",
    "ticket_taken": "Nomor sudah dipanggil loket lain",
    "ticket_not_found": "Nomor antrean tidak ditemukan",
    "no_current_ticket": "Belum ada nomor yang dipanggil",
    "wrong_service": "Nomor itu bukan layanan loket ini",
    "same_service": "Nomor sudah berada di layanan itu",
    "unknown_service": "Layanan tidak dikenal",
    "bad_request": "Permintaan tidak lengkap",
}

RECALL_LIMIT = "Sudah dipanggil {recalls} kali. Tekan Lewati bila pengunjung tidak hadir."
NO_TICKET = "—"


def error_text(code: str | None, message: str = "") -> str:
    if code in ERRORS:
        return ERRORS[code]
    return message or f"Gagal ({code})"


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
        return ERRORS["unreachable"]
    return ""


def ack_text(action: str, ticket: dict | None) -> str:
    number = (ticket or {}).get("number", "")
    return {
        "call_next": f"Memanggil {number}",
        "call": f"Memanggil {number}",
        "recall": f"Panggil ulang {number}",
        "skip": f"{number} dilewati (tidak hadir)",
        "finish": f"{number} selesai dilayani",
        "transfer": f"{number} dialihkan",
    }.get(action, "OK")
