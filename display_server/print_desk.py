"""The print desk: a kiosk with a printer issues a *pending* ticket, prints its slip, then
confirms it; when the printer fails the ticket is cancelled, so no visitor without a slip is
ever called. A retried request waits for the same print job instead of printing twice.
"""

from __future__ import annotations

import asyncio
import logging

from . import views
from .config.model import Kiosk
from .engine import Status, Ticket
from .hall import Hall
from .printing import PrinterError, Slip, escpos_printers, print_bytes, slip_bytes
from .reader import Reader

log = logging.getLogger(__name__)


class PrintDesk:
    def __init__(self, hall: Hall, reader: Reader):
        self.hall = hall
        self.reader = reader
        self._jobs: dict[str, asyncio.Task] = {}
        self.last_prints: dict[str, dict] = {}  # kiosk id -> its last slip: for the printers page

    async def start(self) -> None:
        """Load the printer library now if a kiosk prints, not on the event loop at a visitor's first
        slip: as the server starts, and again after each config reload (a printer may have been added)."""
        if any(kiosk.printer for kiosk in self.reader.config.kiosks):
            await asyncio.to_thread(escpos_printers)

    async def print_once(self, kiosk: Kiosk, ticket: Ticket, slip: Slip) -> Ticket:
        """Print a pending ticket's slip and settle it; the ticket as it is afterwards."""
        if ticket.status == Status.PENDING:
            job = self._jobs.get(ticket.id)
            if job is None:
                job = asyncio.create_task(self._print_and_settle(kiosk, ticket, slip_bytes(slip)))
                self._jobs[ticket.id] = job
                job.add_done_callback(lambda _: self._jobs.pop(ticket.id, None))
            # Shielded: a kiosk that hangs up mid-print must not leave the ticket pending.
            await asyncio.shield(job)
        return self.reader.live_ticket(ticket.id) or ticket

    async def print_copy(self, kiosk: Kiosk, ticket: Ticket, slip: Slip) -> bool:
        """Print the slip of a ticket already in the queue (a booking's check-in); whether it printed.
        A failed print changes nothing: the visitor's booking page leads to the ticket all the same."""
        assert kiosk.printer is not None
        error = None
        try:
            await print_bytes(kiosk.printer, slip_bytes(slip), kiosk.print_timeout_seconds)
        except PrinterError as exc:
            error = str(exc)
            log.warning("kiosk %s: %s; booked ticket %s stands without a slip", kiosk.id, error, ticket.number)
        self.last_prints[kiosk.id] = {
            "at": self.reader.now().isoformat(), "number": ticket.number, "ok": error is None, "error": error,
        }  # fmt: skip
        return error is None

    async def _print_and_settle(self, kiosk: Kiosk, ticket: Ticket, data: bytes) -> None:
        assert kiosk.printer is not None
        error = None
        try:
            await print_bytes(kiosk.printer, data, kiosk.print_timeout_seconds)
        except PrinterError as exc:
            error = str(exc)
            log.warning("kiosk %s: %s; cancelling %s", kiosk.id, error, ticket.number)
        try:
            await self.hall.settle_pending(ticket.id, printed=error is None)
        finally:
            self.last_prints[kiosk.id] = {
                "at": self.reader.now().isoformat(), "number": ticket.number, "ok": error is None, "error": error,
            }  # fmt: skip

    def slip(self, ticket: Ticket, status_url: str, label: str | None, logo_path: str | None) -> Slip:
        """What the slip of TICKET says (its wait is the one the phone and kiosk show)."""
        config = self.reader.config
        service = config.service(ticket.service)
        agency = config.agency(service.agency) if service else None
        ahead = self.reader.ahead_of(ticket)
        return Slip(
            hall=config.site.name,
            number=ticket.number,
            service=service.name if service else ticket.service,
            agency=agency.name if agency else "",
            issued_at=ticket.issued_at,
            timezone=config.site.timezone,
            ahead=ahead,
            wait_minutes=self.reader.wait_minutes(ticket.service, ahead),
            counters=tuple(views.serving_counters(config, ticket.service)),
            status_url=status_url,
            priority_label=label if ticket.priority else None,
            logo_path=logo_path,
        )
