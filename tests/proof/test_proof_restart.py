"""A server killed with SIGKILL after calls must start again with its calls intact."""

from __future__ import annotations

from tests.support.clients import CounterConnection, ScreenConnection, issue


async def test_restart_after_a_call_keeps_the_call_on_screens(server) -> None:
    ticket = await issue(server.url, "ktp", request_id="restart-1")
    async with CounterConnection(server.ws_url, "loket-1") as counter:
        ack = await counter.send("call_next", "restart-call-1")
    assert ack["type"] == "ack" and ack["ticket"]["id"] == ticket["id"]

    server.kill()
    server.start()  # used to fail: the journal's event data was read as if it were the call

    async with ScreenConnection(server.ws_url, "tv1") as screen:
        calls = screen.snapshot["calls"]
    assert [c["ticket_id"] for c in calls] == [ticket["id"]]
    assert calls[0]["counter"]["id"] == "loket-1"
