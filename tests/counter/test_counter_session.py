"""The reconnecting session against a real server: lost acks, restarts, many counters at once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from counter_client.protocol import Link
from counter_client.session import CounterSession, SessionFailed
from display_server.contract import Backoff
from tests.support.hall_config import test_config_text, token_for

from .helpers import called_by, issue, tickets, until
from .proxy import CuttingProxy

FAST = Backoff(base=0.05, cap=0.5)


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "antrian.toml"
    path.write_text(test_config_text(counters=20), encoding="utf-8")
    return path


def session_for(url: str, counter: str = "loket-1", token: str | None = None) -> CounterSession:
    # long pings: the proxy's cut must fall on a command, not on a keepalive
    return CounterSession(url, counter, token or token_for(counter), backoff=FAST, ping_interval=30)


async def started(session: CounterSession) -> asyncio.Task:
    task = asyncio.create_task(session.run())
    await asyncio.wait_for(session.wait_online(), 15)
    return task


async def stopped(session: CounterSession, task: asyncio.Task) -> None:
    session.stop()
    await asyncio.wait_for(task, 10)


async def test_a_lost_ack_is_retried_with_the_same_id_and_acts_once(server):
    for _ in range(3):
        issue(server.url, "ktp")
    proxy = await CuttingProxy(server.port).start()
    session = session_for(proxy.url)
    task = await started(session)

    proxy.cut_after_next_send()
    proxy.pause()
    command = session.submit("call_next")
    await asyncio.wait_for(proxy.cut_done.wait(), 10)
    await until(lambda: session.view.link is not Link.ONLINE, what="the client to notice the cut")
    await until(lambda: len(called_by(server.url, "loket-1")) == 1, what="the server to act on the command")
    assert session.view.pending == ("call_next",), "the ack was lost, so the command still waits"

    proxy.resume()
    await until(lambda: session.view.link is Link.ONLINE and not session.view.pending, what="the retry's ack")
    assert proxy.accepted >= 2 and command.id not in session.protocol.outbox
    [called] = called_by(server.url, "loket-1")
    assert called["number"] == "A-001" and called["status"] == "called"
    assert session.view.current["number"] == "A-001"
    assert sum(t["status"] == "waiting" for t in tickets(server.url)) == 2
    await until(lambda: session.view.waiting == 2, what="the waiting count")
    await stopped(session, task)
    await proxy.close()


async def test_a_command_made_while_the_server_restarts_is_applied_once(server):
    issue(server.url, "ktp")
    issue(server.url, "ktp")
    session = session_for(server.url)
    task = await started(session)

    server.stop()
    await until(lambda: session.view.link is Link.RECONNECTING, what="the client to see the server gone")
    session.submit("call_next")
    await asyncio.sleep(0.3)  # a few refused reconnects
    assert session.view.pending == ("call_next",)
    server.start()

    await until(lambda: session.view.link is Link.ONLINE and not session.view.pending, what="the queued command")
    assert [t["number"] for t in called_by(server.url, "loket-1")] == ["A-001"]
    assert session.view.current["number"] == "A-001"
    # The ack comes first and the queue's news right after it (the counter is told first).
    await until(lambda: session.view.waiting == 1, what="the waiting count after the call")
    await stopped(session, task)


async def test_a_lost_ack_survives_a_server_restart(server):
    issue(server.url, "jkn")
    issue(server.url, "jkn")
    proxy = await CuttingProxy(server.port).start()
    session = session_for(proxy.url, "loket-2")
    task = await started(session)

    proxy.pause()
    proxy.cut_after_next_send()
    session.submit("call_next")
    await asyncio.wait_for(proxy.cut_done.wait(), 10)
    await until(lambda: len(called_by(server.url, "loket-2")) == 1, what="the server to act")
    server.restart()  # the ack now exists only in the server's database
    proxy.resume()

    await until(lambda: session.view.link is Link.ONLINE and not session.view.pending, what="the stored ack")
    assert [t["number"] for t in called_by(server.url, "loket-2")] == ["C-001"]
    assert session.view.current["number"] == "C-001"
    await stopped(session, task)
    await proxy.close()


async def test_twenty_counters_pressing_at_once_get_twenty_distinct_tickets(server):
    for _ in range(10):
        issue(server.url, "ktp")
        issue(server.url, "jkn")
    sessions = [session_for(server.url, f"loket-{i}") for i in range(1, 21)]
    tasks = [await started(s) for s in sessions]

    replies = await asyncio.wait_for(asyncio.gather(*(s.command("call_next") for s in sessions)), 30)

    assert all(r.ok for r in replies), [r.message for r in replies if not r.ok]
    numbers = [r.message["ticket"]["number"] for r in replies]
    assert len(set(numbers)) == 20
    assert {s.view.current["number"] for s in sessions} == set(numbers)
    assert sum(t["status"] == "called" for t in tickets(server.url)) == 20
    for session, task in zip(sessions, tasks):
        await stopped(session, task)


async def test_a_wrong_token_stops_reconnecting_and_is_reported(server):
    session = session_for(server.url, "loket-1", token="not-the-token")
    view = await asyncio.wait_for(session.run(), 10)
    assert view.link is Link.FAILED and view.fatal == "unauthorized"
    with pytest.raises(SessionFailed):
        await session.wait_online()


async def test_an_unknown_counter_is_fatal(server):
    view = await asyncio.wait_for(session_for(server.url, "loket-99", token="x").run(), 10)
    assert view.fatal == "unknown_counter"


async def test_an_empty_queue_is_an_error_reply_not_a_disconnect(server):
    session = session_for(server.url)
    task = await started(session)
    reply = await asyncio.wait_for(session.command("call_next"), 10)
    assert reply.code == "queue_empty" and session.view.link is Link.ONLINE
    await stopped(session, task)


async def test_a_pending_command_survives_a_client_restart_with_its_id(server, tmp_path):
    issue(server.url, "ktp")
    issue(server.url, "ktp")
    outbox = tmp_path / "outbox-loket-1.json"
    first = CounterSession(server.url, "loket-1", token_for("loket-1"), backoff=FAST, outbox_path=outbox)
    server.stop()
    command = first.submit("call_next")  # the client is closed before it could be sent
    assert command.id in outbox.read_text()
    server.start()

    second = CounterSession(server.url, "loket-1", token_for("loket-1"), backoff=FAST, outbox_path=outbox)
    assert list(second.protocol.outbox) == [command.id]
    task = await started(second)
    await until(lambda: not second.view.pending, what="the restored command's ack")
    assert [t["number"] for t in called_by(server.url, "loket-1")] == ["A-001"]
    assert outbox.read_text() == "[]"
    await stopped(second, task)
