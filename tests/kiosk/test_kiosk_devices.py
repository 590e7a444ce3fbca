"""Serial and USB slips through python-escpos, without a printer: a pseudo-terminal is the serial line."""

from __future__ import annotations

import os
import pty

import pytest

from display_server.config.model import SerialPrinter, UsbPrinter
from display_server.printing import PrinterError
from display_server.printing.device import send_bytes


def test_a_slip_goes_out_on_a_serial_line_byte_for_byte():
    controller, line = pty.openpty()
    os.set_blocking(controller, False)
    slip = b"\x1b@" + b"A-001 KTP Elektronik\n" + b"\x1dV\x00"
    try:
        send_bytes(SerialPrinter(kind="serial", device=os.ttyname(line)), slip, timeout=2.0)
        received = b""
        while len(received) < len(slip):
            received += os.read(controller, 4096)
    finally:
        os.close(controller)
        os.close(line)
    assert received == slip


def test_a_missing_serial_device_is_a_printer_error():
    with pytest.raises(PrinterError, match="cannot open printer serial /dev/nonexistent-printer"):
        send_bytes(SerialPrinter(kind="serial", device="/dev/nonexistent-printer"), b"x", timeout=1.0)


def test_a_missing_usb_printer_is_a_printer_error():
    with pytest.raises(PrinterError, match="cannot open printer usb 0416:5011"):
        send_bytes(UsbPrinter(kind="usb", vendor_id=0x0416, product_id=0x5011), b"x", timeout=1.0)
