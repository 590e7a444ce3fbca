"""Crash proof: SIGKILL the server at random moments while kiosks issue and counters call.

    python -m bench.crash --kills 30            # from the repository root

Kiosks POST /api/tickets with a `request_id` and retry with the same id after any failure;
counters send commands with request ids and resend the same id after a reconnect; screens
reconnect with backoff. The server is SIGKILLed `--kills` times and started again on the
same data folder. Afterwards the clients' own records are checked against the store
(read-only SQLite, plus the admin API for the last service date):

- no acknowledged ticket or call is lost;
- no ticket number is issued twice in a service date;
- no ticket is called by two counters;
- every retried request acted once (same request id -> same ticket; tickets in the store
  are never more than the distinct request ids sent);
- every sign-in, pause, opening and closing acknowledged is in the journal once, and each
  counter's stored desk (state, reason, officer) is what its last acknowledged command left;
- every screen is back in sync by itself after each restart: its first snapshot's calls
  equal the store's latest calls of its zone at the snapshot's `seq` (time measured), within
  3 s of the server being ready. Most up-times are shorter than that (0.5-1.5 s), and a
  screen still in its reconnect backoff when the next kill comes cannot be held to 3 s, so
  every fifth up-time lasts 3.5 s: those restarts, and the last, check the rule for every
  screen; the rest check it for the screens that made it.

With `--nodes 3` the same proof runs against a cluster: three nodes on one PostgreSQL behind
nginx, every client going through nginx, and each kill takes one node at random (SIGKILL, then
started again). The checks are the same, read from PostgreSQL; a screen is held to resync
within 3 s of losing its node, and no screen may hear a call twice (a replayed announcement).

All traffic stays on 127.0.0.1; every loop is bounded by the run's deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
import websockets

from display_server.contract import kiosk_scope
from tests.support.hall_config import loopback_hall, test_config_text, token_for
from tests.support.nginx import Nginx, require_nginx
from tests.support.postgres import PostgresServer, require_postgres
from tests.support.server import ServerProcess
from tests.support.staff import ROSTER, SECRETS, set_pins

ADMIN_TOKEN = "admin-secret-token"
ISSUE_SERVICES = ("ktp", "kk", "jkn")  # "kuota" is capped at 2 a day: left out on purpose
SCREENS = ("tv1", "tv1-grid", "tv2")
SCREEN_ZONE = {"tv1": "lantai1", "tv1-grid": "lantai1", "tv2": "lantai2"}
SCREEN_HISTORY = 6  # the test hall's screens keep the default history: history + 1 calls shown
REPLY_TIMEOUT = 5.0
BACKOFF_START, BACKOFF_CAP = 0.05, 0.5
RESYNC_REQUIREMENT = 3.0
GATEWAY_ERRORS = (502, 503, 504)  # nginx's answers for a node that went away: retry, same request id
KIOSKS_SCOPE = kiosk_scope("api", "127.0.0.1")  # every bench kiosk posts /api/tickets from loopback
DESK_OFFICERS = {"loket-1": "budi", "loket-3": "ani"}  # each signs in, pauses, closes... at their counter
DESK_KINDS = ("signed_in", "signed_out", "paused", "opened", "closed")


@dataclass
class Settings:
    kills: int = 30
    counters: int = 4
    kiosks: int = 4
    min_up: float = 1.0  # seconds the server stays up between a restart and the next kill
    max_up: float = 3.0
    pace: float = 0.05  # pause between one client's requests
    seed: int = 7
    workdir: Path | None = None
    nodes: int = 1  # more than one: a cluster on PostgreSQL behind nginx


@dataclass
class Restart:
    killed_at: float
    spawned_at: float
    ready_at: float
    orphans: int = 0  # children of the killed server still alive 5 s later


@dataclass
class Snapshot:
    screen: str
    at: float
    seq: int
    call_ids: list[str]


@dataclass
class Records:
    """What the clients saw, kept by the clients themselves."""

    issue_ids: set[str] = field(default_factory=set)  # every request id a kiosk sent
    issue_acks: dict[str, dict] = field(default_factory=dict)  # request id -> ticket
    issue_mismatches: list[str] = field(default_factory=list)
    issue_refusals: list[str] = field(default_factory=list)
    command_ids: dict[str, str] = field(default_factory=dict)  # request id -> action
    command_acks: dict[str, dict] = field(default_factory=dict)  # request id -> ack
    messages: dict[str, dict] = field(default_factory=dict)  # request id -> the command as sent
    desk_ids: set[str] = field(default_factory=set)
    desk_acks: dict[str, dict] = field(default_factory=dict)  # request id -> ack, in the order acked
    desk_pending: dict[str, str] = field(default_factory=dict)  # counter -> a desk command never answered
    command_mismatches: list[str] = field(default_factory=list)
    snapshots: list[Snapshot] = field(default_factory=list)
    chain_breaks: list[str] = field(default_factory=list)
    restarts: list[Restart] = field(default_factory=list)
    retries: int = 0
    disconnects: list[tuple[str, float]] = field(default_factory=list)  # (screen, when its node went)
    heard_calls: dict[str, list[str]] = field(default_factory=dict)  # screen -> call ids pushed live


@dataclass
class Report:
    problems: list[str]
    figures: dict[str, float | int | str]

    def render(self) -> str:
        lines = [f"{key}: {value}" for key, value in self.figures.items()]
        lines += [f"PROBLEM: {p}" for p in self.problems] or ["no problems found"]
        return "\n".join(lines)


# --- clients ---------------------------------------------------------------------------


class Window:
    """The run's time window: clients loop while it is open; the driver closes it."""

    def __init__(self, hard_limit: float):
        self.end = time.monotonic() + hard_limit

    def open(self) -> bool:
        return time.monotonic() < self.end

    def close(self) -> None:
        self.end = time.monotonic()


class Backoff:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.delay = BACKOFF_START

    async def wait(self) -> None:
        await asyncio.sleep(self.delay * (0.5 + self.rng.random()))
        self.delay = min(self.delay * 2, BACKOFF_CAP)

    def reset(self) -> None:
        self.delay = BACKOFF_START


async def kiosk(url: str, records: Records, window: Window, rng: random.Random, pace: float) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=REPLY_TIMEOUT) as client:
        while window.open():
            request_id = uuid.uuid4().hex
            records.issue_ids.add(request_id)
            body = {"service": rng.choice(ISSUE_SERVICES), "request_id": request_id}
            ticket = await _issue_until_acked(client, body, records, window, rng)
            if ticket is not None:
                records.issue_acks[request_id] = ticket
                await _reissue_check(client, body, ticket, records, rng)
            await asyncio.sleep(pace * rng.random() * 2)


async def _issue_until_acked(
    client: httpx.AsyncClient, body: dict, records: Records, window: Window, rng: random.Random
) -> dict | None:
    backoff = Backoff(rng)
    while window.open():
        try:
            response = await client.post("/api/tickets", json=body)
        except httpx.HTTPError:
            records.retries += 1
            await backoff.wait()
            continue
        if response.status_code == 201:
            return response.json()
        if response.status_code in GATEWAY_ERRORS:  # the node behind the balancer died mid-request
            records.retries += 1
            await backoff.wait()
            continue
        records.issue_refusals.append(f"{body['request_id']}: {response.status_code} {response.text[:120]}")
        return None
    return None


async def _reissue_check(
    client: httpx.AsyncClient, body: dict, ticket: dict, records: Records, rng: random.Random
) -> None:
    """Now and then send an acknowledged request again: it must return the same ticket."""
    if rng.random() > 0.1:
        return
    try:
        response = await client.post("/api/tickets", json=body)
    except httpx.HTTPError:
        return  # the server is down right now; the next check will do
    if response.status_code in GATEWAY_ERRORS:
        return  # so is the node the balancer chose
    again = response.json() if response.status_code == 201 else {}
    if (again.get("id"), again.get("token")) != (ticket["id"], ticket["token"]):
        records.issue_mismatches.append(f"{body['request_id']}: {ticket['id']} then {again.get('id')}")


class ResilientCounter:
    """A counter that resends its pending command, with the same id, after any failure."""

    def __init__(self, ws_url: str, counter: str, records: Records, rng: random.Random):
        self.url = f"{ws_url}/ws/counter"
        self.counter = counter
        self.records = records
        self.rng = rng
        self.socket = None
        self.last_ack: dict | None = None

    async def run(self, window: Window, pace: float) -> None:
        try:
            while window.open():
                action = "recall" if self.rng.random() < 0.15 else "call_next"
                request_id = f"{self.counter}-{uuid.uuid4().hex}"
                self.records.command_ids[request_id] = action
                reply = await self._send_until_answered({"type": action, "id": request_id}, window)
                if reply is not None and reply.get("type") == "ack":
                    self.records.command_acks[request_id] = reply
                    self.last_ack = reply
                    await asyncio.sleep(pace * self.rng.random() * 2)
                else:
                    await asyncio.sleep(pace * 4)  # queue empty, nothing to recall or paused: wait a little
        finally:
            await self._close()

    async def _send_until_answered(self, message: dict, window: Window) -> dict | None:
        self.records.messages[message["id"]] = message
        backoff = Backoff(self.rng)
        while window.open():
            try:
                if self.socket is None:
                    await self._connect()
                    backoff.reset()
                return await self._exchange(message)
            except (TimeoutError, OSError, websockets.WebSocketException):
                self.records.retries += 1
                await self._close()
                await backoff.wait()
        return None

    async def _connect(self) -> None:
        self.socket = await asyncio.wait_for(websockets.connect(self.url, open_timeout=REPLY_TIMEOUT), REPLY_TIMEOUT)
        await self.socket.send(json.dumps({"type": "hello", "counter": self.counter, "token": token_for(self.counter)}))
        welcome = json.loads(await asyncio.wait_for(self.socket.recv(), REPLY_TIMEOUT))
        if welcome.get("type") != "welcome":
            raise websockets.WebSocketException(f"not welcomed: {welcome}")
        await self._resend_last_ack()

    async def _resend_last_ack(self) -> None:
        """After a reconnect the last acknowledged command, sent again, must not act again."""
        if self.last_ack is None:
            return
        request_id = self.last_ack["id"]
        again = await self._exchange(self.records.messages[request_id])
        if again != self.last_ack:
            self.records.command_mismatches.append(f"{request_id}: {self.last_ack} then {again}")

    async def _exchange(self, message: dict) -> dict:
        await self.socket.send(json.dumps(message))
        while True:
            reply = json.loads(await asyncio.wait_for(self.socket.recv(), REPLY_TIMEOUT))
            if reply.get("type") in ("ack", "error") and reply.get("id") in (message["id"], None):
                return reply

    async def _close(self) -> None:
        if self.socket is not None:
            try:
                await asyncio.wait_for(self.socket.close(), 1)
            except Exception:  # the server may be gone mid-close; nothing to keep
                pass
            self.socket = None


class DeskKeeper(ResilientCounter):
    """An officer at a counter: signs in, pauses, resumes, closes, opens, signs out, over and over,
    resending each command with the same id until it is answered (the PIN goes with each resend)."""

    def steps(self) -> list[dict]:
        officer = DESK_OFFICERS[self.counter]
        return [
            {"type": "sign_in", "officer": officer, "pin": SECRETS[officer]},
            {"type": "pause", "reason": self.rng.choice(["Istirahat", "Salat", "Rapat"])},
            {"type": "open"},
            {"type": "close"},
            {"type": "open"},
            {"type": "sign_out"},
        ]

    async def run(self, window: Window, pace: float) -> None:
        try:
            while window.open():
                for step in self.steps():
                    if not window.open():
                        return
                    request_id = f"{self.counter}-desk-{uuid.uuid4().hex}"
                    self.records.desk_ids.add(request_id)
                    self.records.desk_pending[self.counter] = request_id
                    reply = await self._send_until_answered({**step, "id": request_id}, window)
                    if reply is None:
                        return
                    del self.records.desk_pending[self.counter]
                    if reply.get("type") == "ack":
                        self.records.desk_acks[request_id] = reply
                        self.last_ack = reply
                    await asyncio.sleep(pace * 4)
        finally:
            await self._close()


async def screen(ws_url: str, screen_id: str, records: Records, window: Window, rng: random.Random) -> None:
    """A TV: reconnects with backoff, records every snapshot, checks the prev_seq chain."""
    backoff = Backoff(rng)
    while window.open():
        connected = False
        try:
            async with websockets.connect(f"{ws_url}/ws/screen/{screen_id}", open_timeout=REPLY_TIMEOUT) as socket:
                connected = True
                backoff.reset()
                await _follow_screen(socket, screen_id, records, window)
        except (TimeoutError, OSError, websockets.WebSocketException):
            if connected and window.open():
                records.disconnects.append((screen_id, time.monotonic()))
            await backoff.wait()


async def _follow_screen(socket, screen_id: str, records: Records, window: Window) -> None:
    last_seq = None
    while window.open():
        try:
            message = json.loads(await asyncio.wait_for(socket.recv(), 0.5))
        except TimeoutError:
            continue
        if message.get("type") == "snapshot":
            calls = [c["id"] for c in message["calls"]]
            records.snapshots.append(Snapshot(screen_id, time.monotonic(), message["seq"], calls))
        elif "seq" in message and message.get("prev_seq") != last_seq:
            records.chain_breaks.append(f"{screen_id}: prev_seq {message.get('prev_seq')} after {last_seq}")
        if message.get("type") == "call":
            records.heard_calls.setdefault(screen_id, []).append(message["call"]["id"])
        last_seq = message.get("seq", last_seq)


# --- the killer ------------------------------------------------------------------------


async def killer(deployment: Deployment, settings: Settings, records: Records, rng: random.Random) -> None:
    for number in range(1, settings.kills + 1):
        up = RESYNC_REQUIREMENT + 0.5 if number % 5 == 0 else rng.uniform(settings.min_up, settings.max_up)
        await asyncio.sleep(up)
        server = rng.choice(deployment.nodes)
        children = _children(server)
        killed_at = time.monotonic()
        await asyncio.to_thread(server.kill)
        spawned_at = time.monotonic()
        await asyncio.to_thread(server.start)
        restart = Restart(killed_at, spawned_at, time.monotonic())
        records.restarts.append(restart)
        asyncio.get_running_loop().create_task(_count_orphans(children, restart))
    await asyncio.sleep(settings.max_up + RESYNC_REQUIREMENT)  # let screens resync after the last restart


def _children(server: ServerProcess) -> list[psutil.Process]:
    try:
        return psutil.Process(server.process.pid).children(recursive=True)
    except psutil.Error:
        return []


async def _count_orphans(children: list[psutil.Process], restart: Restart) -> None:
    await asyncio.sleep(5)
    restart.orphans = sum(1 for child in children if child.is_running() and child.status() != psutil.STATUS_ZOMBIE)


# --- running and checking --------------------------------------------------------------


async def drive(server: Deployment, settings: Settings) -> Records:
    records = Records()
    rng = random.Random(settings.seed)
    window = Window(settings.kills * (settings.max_up + 30) + 60)  # a hard bound on the run
    kill_task = asyncio.create_task(killer(server, settings, records, random.Random(rng.random())))
    tasks = [
        asyncio.create_task(kiosk(server.url, records, window, random.Random(rng.random()), settings.pace))
        for _ in range(settings.kiosks)
    ]
    for i in range(1, settings.counters + 1):
        counter = ResilientCounter(server.ws_url, f"loket-{i}", records, random.Random(rng.random()))
        tasks.append(asyncio.create_task(counter.run(window, settings.pace)))
    for counter_id in DESK_OFFICERS:
        keeper = DeskKeeper(server.ws_url, counter_id, records, random.Random(rng.random()))
        tasks.append(asyncio.create_task(keeper.run(window, settings.pace)))
    tasks += [
        asyncio.create_task(screen(server.ws_url, s, records, window, random.Random(rng.random()))) for s in SCREENS
    ]
    try:
        await asyncio.wait_for(kill_task, window.end - time.monotonic())
    finally:
        window.close()
        await asyncio.wait(tasks, timeout=REPLY_TIMEOUT * 2)
        for task in tasks:
            task.cancel()
    return records


Query = Callable[..., list[dict]]  # query(sql with ? marks, *params) -> rows as dicts


@contextmanager
def sqlite_reader(db_path: Path) -> Iterator[Query]:
    """Queries on the SQLite file opened read-only."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        db.row_factory = sqlite3.Row
        yield lambda sql, *params: [dict(r) for r in db.execute(sql, params)]


@contextmanager
def postgres_reader(dsn: str, schema: str = "antrian") -> Iterator[Query]:
    import psycopg
    from psycopg.rows import dict_row

    with psycopg.connect(dsn, options=f"-c search_path={schema}", row_factory=dict_row) as db:
        yield lambda sql, *params: list(db.execute(sql.replace("?", "%s"), params))


def read_desks(query: Query) -> tuple[dict[str, dict], int]:
    """The stored desks by counter, and how many desk events the journal holds."""
    desks = {r["counter"]: r for r in query("SELECT * FROM desks")}
    marks = ", ".join("?" for _ in DESK_KINDS)
    (row,) = query(f"SELECT COUNT(*) AS n FROM events WHERE kind IN ({marks})", *DESK_KINDS)
    return desks, row["n"]


def check_desks(records: Records, desks: dict[str, dict], desk_events: int, replies: dict) -> list[str]:
    problems = []
    desk_replies = {rid: r for (scope, rid), r in replies.items() if scope.startswith("counter:") and "ticket" not in r}
    for request_id, ack in records.desk_acks.items():
        stored = desk_replies.get(request_id)
        if stored is None or stored["counter"] != ack["counter"]:
            problems.append(f"acknowledged desk command lost or changed: {request_id}")
    if desk_events != len(desk_replies):
        problems.append(f"{desk_events} desk events but {len(desk_replies)} desk commands acted")
    if set(desk_replies) - records.desk_ids:
        problems.append("the store has desk replies for request ids never sent")
    for counter_id in DESK_OFFICERS:
        acked = [a for a in records.desk_acks.values() if a["counter"]["id"] == counter_id]
        if counter_id in records.desk_pending or not acked:
            continue  # the last command was never answered: it may or may not have acted
        last, stored = acked[-1]["counter"], desks.get(counter_id, {})
        officer = last["officer"]["id"] if last["officer"] else None
        if (stored.get("state"), stored.get("reason"), stored.get("officer")) != (
            last["state"],
            last["reason"],
            officer,
        ):
            problems.append(f"{counter_id}'s stored desk {stored} is not what its last ack said: {last}")
    return problems


def read_store(query: Query) -> tuple[list[dict], list[dict], dict[tuple[str, str], dict]]:
    """Tickets, call events and replies, as the store holds them."""
    tickets = query("SELECT * FROM tickets")
    events = query(
        "SELECT seq, kind, ticket_id, counter, data FROM events WHERE kind IN ('called', 'recalled') ORDER BY seq"
    )
    replies = {(r["scope"], r["request_id"]): json.loads(r["reply"]) for r in query("SELECT * FROM replies")}
    for event in events:
        event["call"] = json.loads(event.pop("data"))["call"]
    return tickets, events, replies


def check(records: Records, tickets: list[dict], events: list[dict], replies: dict) -> list[str]:
    return (
        _check_issues(records, tickets, replies)
        + _check_numbers(tickets)
        + _check_calls(records, tickets, events, replies)
        + _check_screens(records, events)
        + [f"issue refused: {r}" for r in records.issue_refusals]
        + [f"issue retry changed its ticket: {m}" for m in records.issue_mismatches]
        + [f"command retry changed its ack: {m}" for m in records.command_mismatches]
        + [f"screen message chain broken: {b}" for b in records.chain_breaks]
        + _check_replays(records)
    )


def _check_replays(records: Records) -> list[str]:
    """A call pushed twice to one screen would be announced twice."""
    return [
        f"{screen_id} heard call {call_id} twice"
        for screen_id, heard in records.heard_calls.items()
        for call_id in {c for c in heard if heard.count(c) > 1}
    ]


def _check_issues(records: Records, tickets: list[dict], replies: dict) -> list[str]:
    problems = []
    by_id = {t["id"]: t for t in tickets}
    for request_id, ticket in records.issue_acks.items():
        stored = by_id.get(ticket["id"])
        if stored is None or stored["number"] != ticket["number"] or stored["token"] != ticket["token"]:
            problems.append(f"acknowledged ticket lost or changed: {ticket['id']} ({request_id})")
        reply = replies.get((KIOSKS_SCOPE, request_id))
        if reply is None or reply["ticket"]["id"] != ticket["id"]:
            problems.append(f"request {request_id} is not kept with its ticket {ticket['id']}")
    kiosk_replies = {rid: r["ticket"]["id"] for (scope, rid), r in replies.items() if scope == KIOSKS_SCOPE}
    if set(kiosk_replies) - records.issue_ids:
        problems.append(f"store has replies for request ids never sent: {len(set(kiosk_replies) - records.issue_ids)}")
    if len(tickets) != len(set(kiosk_replies.values())) or len(kiosk_replies) != len(set(kiosk_replies.values())):
        problems.append(f"{len(tickets)} tickets but {len(kiosk_replies)} issue requests acted")
    if len(tickets) > len(records.issue_ids):
        problems.append(f"{len(tickets)} tickets from only {len(records.issue_ids)} distinct request ids")
    return problems


def _check_numbers(tickets: list[dict]) -> list[str]:
    seen: dict[tuple[str, str], str] = {}
    problems = []
    for ticket in tickets:
        key = (ticket["service_date"], ticket["number"])
        if key in seen:
            problems.append(f"number {ticket['number']} issued twice on {ticket['service_date']}")
        seen[key] = ticket["id"]
    return problems


def _check_calls(records: Records, tickets: list[dict], events: list[dict], replies: dict) -> list[str]:
    problems = []
    by_id = {t["id"]: t for t in tickets}
    callers: dict[str, set[str]] = {}
    for event in events:
        if event["kind"] == "called":
            callers.setdefault(event["ticket_id"], set()).add(event["counter"])
    problems += [f"ticket {tid} called by {sorted(c)}" for tid, c in callers.items() if len(c) > 1]
    for request_id, ack in records.command_acks.items():
        counter = request_id.rsplit("-", 1)[0]
        stored = by_id.get(ack["ticket"]["id"])
        if stored is None or stored["counter"] != counter:
            problems.append(f"acknowledged call lost: {request_id} -> {ack['ticket']['id']}")
        if (f"counter:{counter}", request_id) not in replies:
            problems.append(f"acknowledged command has no stored reply: {request_id}")
    acted = sum(1 for (scope, _), reply in replies.items() if scope.startswith("counter:") and "ticket" in reply)
    if acted != len(events):
        problems.append(f"{len(events)} call/recall events but {acted} counter commands acted")
    if acted > len(records.command_ids):
        problems.append(f"{acted} commands acted from only {len(records.command_ids)} distinct ids")
    return problems


def _check_screens(records: Records, events: list[dict]) -> list[str]:
    problems = []
    for snap in records.snapshots:
        zone = SCREEN_ZONE[snap.screen]
        expected = [
            e["call"]["id"] for e in reversed(events) if e["seq"] <= snap.seq and e["call"]["counter"]["zone"] == zone
        ][: SCREEN_HISTORY + 1]
        if snap.call_ids != expected:
            problems.append(
                f"{snap.screen} snapshot at seq {snap.seq} shows {snap.call_ids[:3]}…, store says {expected[:3]}…"
            )
    return problems


def resync_delays(records: Records, nodes: int = 1) -> list[float | None]:
    """Per restart and screen: seconds from the server being ready to the screen's fresh snapshot.

    In a cluster only the screens of the killed node lose their connection, and the others take
    them at once: per screen that lost its node, seconds from then to its fresh snapshot (inf:
    none came).

    None when there was none and the next kill came within RESYNC_REQUIREMENT of the
    server being ready (cut short); inf when the server stayed up longer and there was none.
    """
    delays: list[float | None] = []
    if nodes > 1:
        for screen_id, lost_at in records.disconnects:
            fresh = [s.at for s in records.snapshots if s.screen == screen_id and s.at > lost_at]
            delays.append(min(fresh) - lost_at if fresh else float("inf"))
        return delays
    for i, restart in enumerate(records.restarts):
        until = records.restarts[i + 1].killed_at if i + 1 < len(records.restarts) else float("inf")
        for screen_id in SCREENS:
            fresh = [s.at for s in records.snapshots if s.screen == screen_id and restart.spawned_at < s.at < until]
            if fresh:
                delays.append(max(0.0, min(fresh) - restart.ready_at))
            else:
                delays.append(None if until - restart.ready_at < RESYNC_REQUIREMENT else float("inf"))
    return delays


def figures(
    records: Records, tickets: list[dict], events: list[dict], delays: list[float | None], seconds: float
) -> dict:
    finite = [d for d in delays if d is not None and d != float("inf")]
    return {
        "kills": len(records.restarts),
        "run_seconds": round(seconds, 1),
        "issue_requests": len(records.issue_ids),
        "issue_acks": len(records.issue_acks),
        "tickets_in_store": len(tickets),
        "command_requests": len(records.command_ids),
        "command_acks": len(records.command_acks),
        "desk_requests": len(records.desk_ids),
        "desk_acks": len(records.desk_acks),
        "call_events": len(events),
        "client_retries": records.retries,
        "snapshots": len(records.snapshots),
        "resync_max_s": round(max(finite), 3) if finite else "n/a",
        "resync_median_s": round(statistics.median(finite), 3) if finite else "n/a",
        "resync_checked": len(finite) + delays.count(float("inf")),
        "resync_missing": delays.count(float("inf")),
        "resync_cut_short_by_the_next_kill": delays.count(None),
        "restart_median_s": round(statistics.median(r.ready_at - r.spawned_at for r in records.restarts), 3)
        if records.restarts
        else "n/a",
        "orphaned_children": sum(r.orphans for r in records.restarts),
        "screen_disconnects": len(records.disconnects),
        "calls_heard_by_screens": sum(len(h) for h in records.heard_calls.values()),
    }


def admin_ticket_count(url: str, day: str) -> int:
    response = httpx.get(
        f"{url}/api/tickets",
        params={"date": day},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        timeout=10,
    )
    response.raise_for_status()
    return len(response.json()["tickets"])


class Deployment:
    """What the clients talk to and what the killer kills: one server, or nodes behind nginx."""

    def __init__(self, nodes: list[ServerProcess], balancer: Nginx | None = None, database: str | None = None):
        self.nodes = nodes
        self.balancer = balancer
        self.database = database

    @property
    def url(self) -> str:
        return self.balancer.url if self.balancer else self.nodes[0].url

    @property
    def ws_url(self) -> str:
        return self.balancer.ws_url if self.balancer else self.nodes[0].ws_url

    def reader(self, workdir: Path):
        if self.database:
            return postgres_reader(self.database)
        return sqlite_reader(workdir / "data" / "antrian.sqlite3")

    def stop(self) -> None:
        if self.balancer:
            self.balancer.stop()
        for node in self.nodes:
            node.stop()


def start_deployment(settings: Settings, config: Path, workdir: Path) -> tuple[Deployment, PostgresServer | None]:
    pins = {officer: SECRETS[officer] for officer in DESK_OFFICERS.values()}
    if settings.nodes == 1:
        set_pins(config, workdir / "data", pins)
        return Deployment([ServerProcess(config, workdir / "data").start()]), None
    postgres = PostgresServer(require_postgres()).start()
    database = postgres.create_database("crash")
    set_pins(config, workdir / "data", pins, database)
    nodes = [
        ServerProcess(config, workdir / f"node-{i}", database=database).start() for i in range(1, settings.nodes + 1)
    ]
    balancer = Nginx([node.port for node in nodes], workdir / "nginx", require_nginx()).start()
    return Deployment(nodes, balancer, database), postgres


def run(settings: Settings) -> Report:
    workdir = settings.workdir or Path(tempfile.mkdtemp(prefix="antrian-crash-"))
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "antrian.toml"
    config.write_text(loopback_hall(test_config_text(counters=settings.counters, extra=ROSTER)), encoding="utf-8")
    deployment, postgres = start_deployment(settings, config, workdir)
    started = time.monotonic()
    try:
        records = asyncio.run(drive(deployment, settings))
        seconds = time.monotonic() - started
        time.sleep(1)  # let the last orphan counts land
        tickets_by_day: dict[str, int] = {}
        with deployment.reader(workdir) as query:
            tickets, events, replies = read_store(query)
            desks = read_desks(query)
        for ticket in tickets:
            tickets_by_day[ticket["service_date"]] = tickets_by_day.get(ticket["service_date"], 0) + 1
        problems = check(records, tickets, events, replies)
        problems += check_desks(records, *desks, replies)
        for day, count in tickets_by_day.items():
            for node in deployment.nodes:  # every node answers from the same truth
                if admin_ticket_count(node.url, day) != count:
                    problems.append(f"{node.url}'s admin API lists a different number of tickets for {day}")
    finally:
        deployment.stop()
        if postgres is not None:
            postgres.close()
    delays = resync_delays(records, settings.nodes)
    problems += [
        f"a screen took {d:.2f}s to resync (> {RESYNC_REQUIREMENT}s)"
        for d in delays
        if d is not None and d > RESYNC_REQUIREMENT
    ]
    return Report(problems, figures(records, tickets, events, delays, seconds))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--counters", type=int, default=4)
    parser.add_argument("--kiosks", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--nodes", type=int, default=1, help="more than 1: a cluster on PostgreSQL behind nginx")
    args = parser.parse_args(argv)
    settings = Settings(
        kills=args.kills,
        counters=args.counters,
        kiosks=args.kiosks,
        seed=args.seed,
        workdir=args.workdir,
        nodes=args.nodes,
    )
    report = run(settings)
    print(report.render())
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
