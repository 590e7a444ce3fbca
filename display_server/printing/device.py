"""Talking to the kiosk's printer. Every call blocks, so the server runs them in a thread with a timeout."""

from __future__ import annotations

import asyncio
import logging
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..config.model import NetworkPrinter, Printer, SerialPrinter, UsbPrinter
from .library import escpos_printers

if TYPE_CHECKING:
    from escpos.escpos import Escpos

log = logging.getLogger(__name__)


class PrinterError(Exception):
    """The slip did not reach the printer (or its status could not be read)."""


@dataclass(frozen=True, slots=True)
class PrinterHealth:
    ok: bool
    message: str  # Indonesian, for the admin page
    online: bool | None = None  # None: the printer did not answer a status query
    paper: str | None = None  # "ok" | "low" | "out" | None

    def as_json(self) -> dict:
        return {"ok": self.ok, "message": self.message, "online": self.online, "paper": self.paper}


def describe(printer: Printer) -> str:
    match printer:
        case NetworkPrinter():
            return f"network {printer.host}:{printer.port}"
        case UsbPrinter():
            return f"usb {printer.vendor_id:04x}:{printer.product_id:04x}"
        case SerialPrinter():
            return f"serial {printer.device}"
    raise AssertionError(printer)


def _open(printer: Printer, timeout: float) -> Escpos:
    """An open python-escpos device; USB and serial need pyusb / pyserial installed."""
    printers = escpos_printers()
    match printer:
        case NetworkPrinter():
            device: Escpos = printers.Network(printer.host, printer.port, timeout=timeout)
        case UsbPrinter():
            device = printers.Usb(printer.vendor_id, printer.product_id, timeout=int(timeout * 1000))
        case SerialPrinter():
            device = printers.Serial(printer.device, baudrate=printer.baudrate, timeout=timeout)
        case _:
            raise AssertionError(printer)
    device.open()
    return device


def send_bytes(printer: Printer, data: bytes, timeout: float) -> None:
    """Blocking: open, write the whole slip, close. Any failure becomes PrinterError."""
    try:
        device = _open(printer, timeout)
    except Exception as exc:
        raise PrinterError(f"cannot open printer {describe(printer)}: {exc}") from exc
    try:
        device._raw(data)  # the slip is rendered once (slip_bytes); the device only transports it
    except Exception as exc:
        raise PrinterError(f"printing on {describe(printer)} failed: {exc}") from exc
    finally:
        _close(device)


async def print_bytes(printer: Printer, data: bytes, timeout: float) -> None:
    """Send in a worker thread; give up after `timeout` seconds (the socket times out too)."""
    try:
        await asyncio.wait_for(asyncio.to_thread(send_bytes, printer, data, timeout), timeout + 1)
    except TimeoutError as exc:
        raise PrinterError(f"printer {describe(printer)} did not finish within {timeout:.0f} s") from exc


def health(printer: Printer, timeout: float) -> PrinterHealth:
    """Blocking: connect, then ask for online and paper status (DLE EOT) if the printer answers."""
    try:
        device = _open(printer, timeout)
    except Exception as exc:
        return PrinterHealth(False, f"Tidak terhubung: {_last_line(exc)}")
    try:
        if isinstance(device.device, socket.socket):
            device.device.settimeout(min(timeout, 1.0))  # printers that ignore DLE EOT must not stall the check
        online = device.is_online()
        paper = {2: "ok", 1: "low", 0: "out"}[device.paper_status()]
    except Exception:
        return PrinterHealth(True, "Terhubung (status tidak dilaporkan printer)")
    finally:
        _close(device)
    if not online:
        return PrinterHealth(False, "Printer offline (tutup terbuka atau error)", online, paper)
    if paper == "out":
        return PrinterHealth(False, "Kertas habis", online, paper)
    return PrinterHealth(True, "Kertas hampir habis" if paper == "low" else "Siap", online, paper)


async def check_printer(printer: Printer, timeout: float = 3.0) -> PrinterHealth:
    try:
        return await asyncio.wait_for(asyncio.to_thread(health, printer, timeout), timeout + 2)
    except TimeoutError:
        return PrinterHealth(False, f"Tidak menjawab dalam {timeout:.0f} detik")


def _last_line(exc: Exception) -> str:
    """python-escpos wraps the OS error in a multi-line message; its last line is the useful part."""
    lines = [line.strip(" ()") for line in str(exc).splitlines() if line.strip()]
    return lines[-1] if lines else type(exc).__name__


def _close(device: Escpos) -> None:
    try:
        device.close()
    except Exception:  # closing a half-open device must not hide the real error
        pass
