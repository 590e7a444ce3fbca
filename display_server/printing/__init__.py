"""Kiosk slips on ESC/POS thermal printers (network, USB, serial) via python-escpos.

data = slip_bytes(slip)                                    # pure rendering
await print_bytes(kiosk.printer, data, timeout=8.0)        # I/O in a thread, bounded
"""

from .device import PrinterError, PrinterHealth, check_printer, describe, print_bytes
from .library import escpos_printers
from .slip import Slip, format_local_datetime, slip_bytes, zone_abbreviation

__all__ = [
    "PrinterError",
    "PrinterHealth",
    "Slip",
    "check_printer",
    "describe",
    "escpos_printers",
    "format_local_datetime",
    "print_bytes",
    "slip_bytes",
    "zone_abbreviation",
]
