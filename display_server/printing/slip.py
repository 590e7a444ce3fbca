"""What a kiosk slip says, and its ESC/POS bytes. Pure: no device is touched here."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..indonesian import format_local_datetime, wait_text, zone_abbreviation
from .library import escpos_printers

if TYPE_CHECKING:
    from escpos.printer import Dummy

__all__ = ["Slip", "format_local_datetime", "slip_bytes", "wait_text", "zone_abbreviation"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Slip:
    hall: str
    number: str
    service: str
    agency: str
    issued_at: datetime
    timezone: str
    ahead: int
    wait_minutes: int
    counters: tuple[str, ...]
    status_url: str
    priority_label: str | None = None
    logo_path: str | None = None

    @property
    def wait_line(self) -> str:
        return wait_text(self.ahead, self.wait_minutes)


def slip_bytes(slip: Slip) -> bytes:
    """The slip as ESC/POS bytes (with a native QR code, GS ( k), ready for any transport."""
    printer = escpos_printers().Dummy()
    printer.hw("INIT")
    printer.set(align="center")
    _logo(printer, slip.logo_path)
    printer.set(align="center", bold=True, double_height=True)
    printer.textln(slip.hall)
    printer.set(align="center", normal_textsize=True, bold=False)
    printer.textln(slip.agency)
    printer.textln("-" * 32)
    printer.textln("Nomor Antrean")
    printer.set(align="center", bold=True, custom_size=True, width=4, height=4)
    printer.textln(slip.number)
    # GS ! (custom size) and ESC ! (double height) are separate commands: reset the big size explicitly.
    printer.set(custom_size=True, width=1, height=1)
    printer.set(align="center", bold=True, double_height=True)
    printer.textln(slip.service)
    printer.set(align="center", normal_textsize=True, bold=False)
    if slip.priority_label:
        printer.textln(f"Prioritas: {slip.priority_label}")
    if slip.counters:
        printer.textln("Dilayani di: " + ", ".join(slip.counters))
    printer.textln(f"Antrean di depan Anda: {slip.ahead}")
    printer.textln(slip.wait_line)
    printer.textln(format_local_datetime(slip.issued_at, slip.timezone))
    printer.ln()
    printer.qr(slip.status_url, native=True, size=6)
    printer.set(align="center")
    printer.textln("Pindai untuk memantau antrean Anda")
    printer.textln("Simpan struk ini sampai dipanggil")
    printer.cut()
    return printer.output


def _logo(printer: Dummy, path: str | None) -> None:
    if not path or not Path(path).is_file():
        return
    try:
        printer.image(path, center=True)
    except Exception as exc:  # a bad logo file must never stop a ticket from printing
        log.warning("cannot print logo %s: %s", path, exc)
