"""uvicorn's h11 protocol with a deadline on request headers.

uvicorn arms no timer while a request's headers are arriving, so a client that sends one
header byte every few seconds (slowloris) holds a connection and a file descriptor for as
long as it likes. Enough of them would stop the TVs from reconnecting. Here, a connection
waiting for a request's headers is closed when they are not complete within
`HEADER_SECONDS`; a connection that is mid-request, upgraded to a WebSocket, or idle
between requests (uvicorn's keep-alive timeout covers that) is left alone.
"""

from __future__ import annotations

import asyncio
import logging

from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)

HEADER_SECONDS = 10.0


class HeaderDeadlineH11Protocol(H11Protocol):
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # uvicorn's own signature is narrower than BaseProtocol's
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._waiting_for_headers():
            self._arm()
        before = self.cycle
        super().data_received(data)
        if self.cycle is not before or self.transport.get_protocol() is not self:
            self._disarm()  # the headers are complete: a request runs, or it became a WebSocket

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _waiting_for_headers(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm(self) -> None:
        if self._deadline is None:
            self._deadline = self.loop.call_later(HEADER_SECONDS, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _headers_too_slow(self) -> None:
        self._deadline = None
        if self._waiting_for_headers() and self.transport.get_protocol() is self and not self.transport.is_closing():
            log.warning("closing %s: request headers not complete within %.0f s", self.client, HEADER_SECONDS)
            self.transport.close()
