"""A loopback TCP proxy a test controls, to lose a reply on purpose.

`cut_after_next_send()` arms it: the next bytes the client sends are forwarded to the server,
then the client's side is closed at once and whatever the server answers is thrown away. The
server thus acts on the command while its ack is lost. `pause()` refuses new connections
(as if the network were down) until `resume()`.
"""

from __future__ import annotations

import asyncio
import contextlib


class CuttingProxy:
    def __init__(self, target_port: int, linger: float = 1.0):
        self.target_port = target_port
        self.linger = linger  # how long the server side stays open after a cut, unread by the client
        self.port = 0
        self.accepted = 0
        self.cuts = 0
        self._armed = False
        self._accepting = True
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task] = set()
        self.cut_done = asyncio.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> CuttingProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()

    def cut_after_next_send(self) -> None:
        self.cut_done.clear()
        self._armed = True

    def pause(self) -> None:
        self._accepting = False

    def resume(self) -> None:
        self._accepting = True

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if not self._accepting:
            client_writer.transport.abort()
            return
        self.accepted += 1
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_writer.transport.abort()
            return
        cut = asyncio.Event()
        upstream = self._spawn(self._client_to_server(client_reader, server_writer, client_writer, cut))
        downstream = self._spawn(self._server_to_client(server_reader, client_writer, cut))
        await asyncio.wait({upstream, downstream}, return_when=asyncio.FIRST_COMPLETED)
        for task in (upstream, downstream):
            task.cancel()
        for writer in (client_writer, server_writer):
            writer.transport.abort()

    async def _client_to_server(self, reader, server_writer, client_writer, cut: asyncio.Event) -> None:
        while data := await reader.read(65536):
            server_writer.write(data)
            await server_writer.drain()
            if self._armed:
                self._armed = False
                self.cuts += 1
                cut.set()
                client_writer.transport.abort()
                self.cut_done.set()
                await asyncio.sleep(self.linger)  # keep the server side open while it answers
                return

    async def _server_to_client(self, reader, client_writer, cut: asyncio.Event) -> None:
        while data := await reader.read(65536):
            if cut.is_set():
                continue  # the reply is lost
            client_writer.write(data)
            with contextlib.suppress(ConnectionError):
                await client_writer.drain()

    def _spawn(self, coroutine) -> asyncio.Task:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task
