"""Thin real clients for the server's doors, used by end-to-end tests."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid

import httpx
import websockets

from .hall_config import token_for


async def issue(base_url: str, service: str, priority: bool = False, **extra) -> dict:
    async with httpx.AsyncClient(base_url=base_url) as client:
        response = await client.post("/api/tickets", json={"service": service, "priority": priority, **extra})
        response.raise_for_status()
        return response.json()


class CounterConnection:
    """An authenticated `/ws/counter` connection that keeps pushes apart from replies."""

    def __init__(self, ws_url: str, counter: str, token: str | None = None):
        self.url = f"{ws_url}/ws/counter"
        self.counter = counter
        self.token = token if token is not None else token_for(counter)
        self.welcome: dict | None = None
        self.pushes: list[dict] = []

    async def __aenter__(self) -> CounterConnection:
        self.socket = await websockets.connect(self.url)
        await self.socket.send(json.dumps({"type": "hello", "counter": self.counter, "token": self.token}))
        self.welcome = json.loads(await self.socket.recv())
        return self

    async def __aexit__(self, *exc) -> None:
        await self.socket.close()

    async def send(self, kind: str, request_id: str | None = None, **fields) -> dict:
        """Send a command and wait for its reply (ack or error), keeping pushes aside."""
        request_id = request_id or uuid.uuid4().hex
        await self.socket.send(json.dumps({"type": kind, "id": request_id, **fields}))
        while True:
            message = json.loads(await asyncio.wait_for(self.socket.recv(), 10))
            if message.get("type") in ("ack", "error") and message.get("id") in (request_id, None):
                return message
            self.pushes.append(message)


class ScreenConnection:
    def __init__(self, ws_url: str, screen: str):
        self.url = f"{ws_url}/ws/screen/{screen}"
        self.snapshot: dict | None = None

    async def __aenter__(self) -> ScreenConnection:
        self.socket = await websockets.connect(self.url)
        self.snapshot = json.loads(await self.socket.recv())
        return self

    async def __aexit__(self, *exc) -> None:
        await self.socket.close()

    async def next(self, kind: str, timeout: float = 5.0) -> dict:
        """The next pushed message of this type (others are skipped)."""

        async def wait() -> dict:
            while True:
                message = json.loads(await self.socket.recv())
                if message.get("type") == kind:
                    return message

        return await asyncio.wait_for(wait(), timeout)

    async def nothing_of(self, kind: str, within: float = 0.5) -> bool:
        try:
            await self.next(kind, within)
        except TimeoutError:
            return True
        return False


def call_next_in_thread(ws_url: str, counter: str) -> dict:
    """`call_next` from a real counter client in its own thread, for tests that drive a page
    with Playwright's sync API (which owns the test thread's event loop); the ack."""
    result: dict = {}

    async def run() -> None:
        async with CounterConnection(ws_url, counter) as connection:
            result.update(await connection.send("call_next"))

    thread = threading.Thread(target=lambda: asyncio.run(run()))
    thread.start()
    thread.join(30)
    return result
