"""uvicorn's h11 protocol with deadlines on requests and caps on connections.

uvicorn arms no timer while a request is arriving, so a client that sends one byte every
few seconds, of its headers (slowloris) or of a body its `Content-Length` announced, holds
a connection and a file descriptor for as long as it likes. Enough of them would stop the
TVs from reconnecting. Here:

- a request's headers must be complete within `HEADER_SECONDS`, and its body within
  `BODY_SECONDS` after them, or the connection is closed (a connection that is running a
  request, upgraded to a WebSocket, or idle between requests is left alone: uvicorn's
  keep-alive timeout covers the last);
- at most `max_connections` connections, WebSockets included, are open at once: one more is
  answered 503 and closed as soon as it is accepted, before it can hold anything;
- at most `max_websockets_per_address` WebSockets come from one address, except from the
  hall's trusted proxies, whose connections carry many visitors.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from dataclasses import dataclass
from typing import ClassVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from ..config.model import Security

log = logging.getLogger(__name__)

HEADER_SECONDS = 10.0
BODY_SECONDS = 10.0  # the server's bodies are small JSON: a phone on poor Wi-Fi needs well under a second
_HEADERS = "headers"


def _busy(reason: bytes) -> bytes:
    """A complete 503 response, written straight to the socket before it is closed."""
    return (
        b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\nretry-after: 5\r\n"
        b"connection: close\r\ncontent-length: %d\r\n\r\n%s" % (len(reason), reason)
    )


@dataclass(frozen=True)
class ConnectionLimits:
    max_connections: int = 2000
    websockets_per_address: int = 20
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    @classmethod
    def of(cls, security: Security) -> ConnectionLimits:
        return cls(
            max_connections=security.max_connections,
            websockets_per_address=security.max_websockets_per_address,
            trusted_proxies=tuple(ipaddress.ip_network(p, strict=False) for p in security.trusted_proxies),
        )

    def is_trusted_proxy(self, host: str) -> bool:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.trusted_proxies)


def guarded_protocol(limits: ConnectionLimits) -> type[GuardedH11Protocol]:
    """The protocol class for `uvicorn.run(http=...)`, with this hall's limits."""
    return type("GuardedH11Protocol", (GuardedH11Protocol,), {"limits": limits})


class GuardedH11Protocol(H11Protocol):
    limits: ClassVar[ConnectionLimits] = ConnectionLimits()
    _deadline: asyncio.TimerHandle | None = None
    _deadline_for: object = None  # _HEADERS, or the request cycle whose body is awaited

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # uvicorn's own signature is narrower than BaseProtocol's
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections:
            log.warning("refusing %s: %d connections open (max_connections)", self.client, len(self.connections) - 1)
            self._refuse(b"Server busy, try again\n")
            return
        self._arm(_HEADERS, HEADER_SECONDS)

    def data_received(self, data: bytes) -> None:
        if self._waiting_for_headers():
            self._arm(_HEADERS, HEADER_SECONDS)
        super().data_received(data)
        if self.transport.get_protocol() is not self:
            self._disarm()  # it became a WebSocket
        elif self._receiving_body():
            self._arm(self.cycle, BODY_SECONDS)
        elif not self._waiting_for_headers():
            self._disarm()  # the request is complete and runs

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def handle_websocket_upgrade(self, event: h11.Request) -> None:
        host = self.client[0] if self.client else ""
        cap = self.limits.websockets_per_address
        if not self.limits.is_trusted_proxy(host) and self._websockets_from(host) >= cap:
            log.warning(
                "refusing a WebSocket from %s: %d open from that address (max_websockets_per_address)", host, cap
            )
            self._disarm()
            self._refuse(b"Too many connections from this address\n")
            return
        super().handle_websocket_upgrade(event)

    def _websockets_from(self, host: str) -> int:
        return sum(
            1
            for c in self.connections
            if not isinstance(c, H11Protocol) and (getattr(c, "client", None) or ("",))[0] == host
        )

    def _refuse(self, reason: bytes) -> None:
        self.transport.write(_busy(reason))
        self.transport.close()

    def _waiting_for_headers(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _receiving_body(self) -> bool:
        return self.cycle is not None and self.cycle.more_body

    def _arm(self, waiting_for: object, seconds: float) -> None:
        if self._deadline is not None and self._deadline_for is waiting_for:
            return  # already running for this: a byte that arrives does not extend it
        self._disarm()
        self._deadline_for = waiting_for
        self._deadline = self.loop.call_later(seconds, self._too_slow, waiting_for)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
            self._deadline_for = None

    def _too_slow(self, waiting_for: object) -> None:
        self._deadline = None
        self._deadline_for = None
        if self.transport.get_protocol() is not self or self.transport.is_closing():
            return
        if waiting_for is _HEADERS and self._waiting_for_headers():
            log.warning("closing %s: request headers not complete within %.0f s", self.client, HEADER_SECONDS)
            self.transport.close()
        elif waiting_for is self.cycle and self._receiving_body():
            log.warning("closing %s: request body not complete within %.0f s", self.client, BODY_SECONDS)
            self.transport.close()
