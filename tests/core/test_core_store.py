"""The SQLite store: what is acknowledged is on disk, and a failed command leaves no trace."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from display_server import engine
from display_server.announce import TextAnnouncer
from display_server.config import parse_config
from display_server.hall import Hall
from display_server.hub import Hub
from display_server.store import Reply, SqliteStore
from tests.support.hall_config import test_config_text


@pytest.fixture
async def hall(tmp_path):
    config = parse_config(test_config_text())
    store = SqliteStore(tmp_path / "antrian.sqlite3")
    await store.open()
    hall = Hall(config, store, Hub(), TextAnnouncer(config.voice))
    await hall.start()
    yield hall
    await store.close()


async def test_the_connection_that_writes_commands_is_in_wal_mode_with_a_full_fsync(hall):
    assert await hall.store.write_settings() == {"journal_mode": "wal", "synchronous": 2}


async def test_an_acknowledged_command_is_on_disk_with_its_reply(hall):
    reply = await hall.issue("ktp", request_id="kiosk-1")
    with sqlite3.connect(hall.store.path) as db:  # another connection: what a restart would read
        rows = db.execute("SELECT number, status FROM tickets").fetchall()
        kinds = db.execute("SELECT kind FROM events").fetchall()
    assert rows == [(reply["ticket"]["number"], "waiting")]
    assert kinds == [("issued",)]
    assert await hall.store.find_reply("kiosk", "kiosk-1") == reply


async def test_a_command_that_fails_to_commit_writes_nothing(hall):
    await hall.issue("ktp", request_id="kiosk-1")
    now = datetime.now(UTC)
    stale = engine.QueueState(hall.state.service_date)  # decides number 1 again: a UNIQUE violation
    decision = engine.decide_issue(
        stale,
        hall.config.service("ktp"),
        priority=False,
        now=now,
        token="t",
        availability=hall.service_availability("ktp"),
        pending=False,
    )
    with pytest.raises(sqlite3.IntegrityError):
        await hall.store.commit(decision, {}, Reply("kiosk", "kiosk-2", {"ok": True}, now), seq=2)
    assert await hall.store.find_reply("kiosk", "kiosk-2") is None
    assert await hall.store.last_seq() == 1
    assert len(await hall.store.tickets_on(hall.state.service_date)) == 1
    assert (await hall.issue("ktp", request_id="kiosk-3"))["ticket"]["number"].endswith("002")


async def test_a_database_of_schema_1_moves_to_the_latest_keeping_its_tickets_events_and_seq(tmp_path):
    from display_server.store.schema import MIGRATIONS

    path = tmp_path / "antrian.sqlite3"
    with sqlite3.connect(path) as db:  # a hall's file from before people at the counters
        db.executescript(MIGRATIONS[0].sqlite + "PRAGMA user_version=1;")
        db.execute(
            "INSERT INTO tickets VALUES ('20261201-ktp-1', '2026-12-01', 'ktp', 'ktp', 1, 'A-001', 0, 'served',"
            " '2026-12-01T01:00:00+00:00', '2026-12-01T01:00:00+00:00', '2026-12-01T01:05:00+00:00',"
            " '2026-12-01T01:09:00+00:00', 'loket-1', 0, NULL, 'tok')"
        )
        for seq in (1, 2, 41):
            db.execute(
                "INSERT INTO events (seq, kind, service_date, ticket_id, counter, at, data)"
                " VALUES (?, 'called', '2026-12-01', '20261201-ktp-1', 'loket-1', '2026-12-01T01:05:00+00:00', '{}')",
                (seq,),
            )
    store = SqliteStore(path)
    await store.open()
    try:
        assert await store.last_seq() == 41
        [ticket] = await store.tickets_on(datetime(2026, 12, 1).date())
        assert (ticket.number, ticket.officer) == ("A-001", None)
        assert [e.seq for e in await store.events_on(ticket.service_date, ("called",), 10)] == [1, 2, 41]
        assert await store.desks() == []
    finally:
        await store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (len(MIGRATIONS),)
        visit = db.execute("SELECT service, outcome, wait_seconds, service_seconds FROM visits").fetchone()
        assert visit == ("ktp", "served", pytest.approx(300), pytest.approx(240))
        db.execute(
            "INSERT INTO events (kind, service_date, counter, at, data) VALUES ('paused', '2026-12-01', 'loket-1', 'x', '{}')"
        )
        assert db.execute("SELECT MAX(seq) FROM events").fetchone() == (42,)  # seq never goes back
