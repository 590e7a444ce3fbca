"""`antrian speaker`: the pure decision logic, the I/O loop against a scripted server, and the
command end to end against a real server with real speech and a real external player."""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import websockets
from click.testing import CliRunner

from antrian_voice.cli import speaker as speaker_command
from antrian_voice.speaker import (
    FetchError,
    Queued,
    Refused,
    Resync,
    SeenIds,
    Skipped,
    Speaker,
    SpeakerProtocol,
    Synced,
    default_player,
    player_argv,
    server_urls,
)
from display_server.contract import PING_SECONDS, Backoff, missed_messages
from tests.support.clients import CounterConnection, ScreenConnection, issue

NOW = 1_800_000_000.0  # the local clock in the pure tests, POSIX seconds


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat()


def call(call_id: str, number: str = "A-001", at: float = NOW, recall: bool = False, audio: str | None = None) -> dict:
    return {
        "id": call_id,
        "ticket_id": f"t-{number}",
        "number": number,
        "counter": {"id": "loket-1", "name": "Loket 1", "zone": "lantai1"},
        "text": f"Nomor antrean {number}",
        "audio": audio if audio is not None else f"/audio/{call_id}.wav",
        "recall": recall,
        "at": iso(at),
    }


def snapshot(seq: int, calls: list[dict] = (), server_time: float = NOW) -> dict:  # type: ignore[assignment]
    return {
        "type": "snapshot",
        "seq": seq,
        "prev_seq": None,
        "zone": "lantai1",
        "site": {},
        "calls": list(calls),
        "server_time": iso(server_time),
    }


def push(seq: int, prev_seq: int, c: dict) -> dict:
    return {"type": "call", "seq": seq, "prev_seq": prev_seq, "call": c}


def drain(protocol: SpeakerProtocol, now: float = NOW) -> list[str]:
    ids = []
    while True:
        c, _ = protocol.next_call(now)
        if c is None:
            return ids
        ids.append(c["id"])


def connected(**kwargs) -> SpeakerProtocol:  # type: ignore[no-untyped-def]
    protocol = SpeakerProtocol(**kwargs)
    protocol.connection_made()
    return protocol


# --- the pure decision logic ---------------------------------------------------------------


def test_the_first_snapshot_is_history_and_is_not_played() -> None:
    protocol = connected()
    events = protocol.receive(snapshot(10, [call("c2", "A-002"), call("c1", "A-001")]), NOW)
    assert events == [Synced(10, 2, True)]
    assert drain(protocol) == []
    # The same calls pushed again (they cannot be, but if they were) are not played either.
    assert protocol.receive(push(11, 10, call("c1")), NOW) == []


def test_calls_after_the_snapshot_play_once_each_in_the_order_made() -> None:
    protocol = connected()
    protocol.receive(snapshot(10), NOW)
    events = []
    for seq, c in enumerate([call("c1", "A-001"), call("c2", "A-002"), call("c3", "A-003")], start=11):
        events += protocol.receive(push(seq, seq - 1, c), NOW)
    assert [type(e) for e in events] == [Queued, Queued, Queued]
    c, skipped = protocol.next_call(NOW)
    assert c is not None and c["id"] == "c1" and skipped == []
    # A duplicate of a queued or played id is dropped.
    assert protocol.receive(push(14, 13, call("c1")), NOW) == []
    assert protocol.receive(push(15, 14, call("c2")), NOW) == []
    assert drain(protocol) == ["c2", "c3"]


def test_a_recall_has_its_own_id_and_is_played() -> None:
    protocol = connected()
    protocol.receive(snapshot(1), NOW)
    protocol.receive(push(2, 1, call("c1", "A-001")), NOW)
    protocol.receive(push(3, 2, call("c1-recall", "A-001", recall=True)), NOW)
    assert drain(protocol) == ["c1", "c1-recall"]


def test_old_calls_are_skipped_on_arrival_and_when_their_turn_comes() -> None:
    protocol = connected(max_age=60)
    protocol.receive(snapshot(1), NOW)
    [event] = protocol.receive(push(2, 1, call("old", at=NOW - 61)), NOW)
    assert isinstance(event, Skipped) and "61 s old" in event.reason
    assert protocol.receive(push(3, 2, call("fresh", at=NOW - 5)), NOW) == [Queued(call("fresh", at=NOW - 5))]
    protocol.receive(push(4, 3, call("later", at=NOW)), NOW)
    # Fifty-six seconds later "fresh" is 61 s old: skipped when its turn comes; "later" still plays.
    c, skipped = protocol.next_call(NOW + 56)
    assert c is not None and c["id"] == "later"
    assert [s.call["id"] for s in skipped] == ["fresh"]


def test_ages_are_measured_on_the_servers_clock() -> None:
    # This PC's clock is one hour fast: a call made 5 s ago by the server's clock is fresh.
    local = NOW + 3600
    protocol = connected(max_age=60)
    protocol.receive(snapshot(1, server_time=NOW), local)
    assert protocol.receive(push(2, 1, call("c1", at=NOW - 5)), local + 0)[0] == Queued(call("c1", at=NOW - 5))
    assert protocol.age(call("x", at=NOW - 5), local) == pytest.approx(5)
    # max_age 0 plays any age.
    any_age = connected(max_age=0)
    any_age.receive(snapshot(1), NOW)
    assert isinstance(any_age.receive(push(2, 1, call("ancient", at=NOW - 86400)), NOW)[0], Queued)


def test_a_prev_seq_gap_asks_for_a_resync_and_the_new_snapshot_catches_up_without_replaying() -> None:
    protocol = connected()
    protocol.receive(snapshot(10, [call("h1", at=NOW - 30)]), NOW)
    protocol.receive(push(12, 10, call("c1", at=NOW - 3)), NOW)
    assert drain(protocol) == ["c1"]
    # The server skipped us a message: seq 14 says it followed 13, we saw 12.
    [event] = protocol.receive(push(14, 13, call("c3", at=NOW - 1)), NOW)
    assert isinstance(event, Resync) and "prev_seq 13" in event.reason
    # Messages after a resync request and before the next snapshot are not trusted.
    assert isinstance(protocol.receive(push(15, 14, call("c4")), NOW)[0], Resync)
    protocol.connection_lost()
    protocol.connection_made()
    fresh = snapshot(
        15,
        [
            call("c4", at=NOW),
            call("c3", at=NOW - 1),
            call("c2", at=NOW - 2),
            call("c1", at=NOW - 3),
            call("h1", at=NOW - 30),
            call("stale", at=NOW - 100),
        ],
    )
    events = protocol.receive(fresh, NOW)
    assert events[0] == Synced(15, 0, False)
    # The calls missed during the gap, oldest first; neither history nor played ones again.
    assert [e.call["id"] for e in events[1:] if isinstance(e, Queued)] == ["c2", "c3", "c4"]
    assert [e.call["id"] for e in events[1:] if isinstance(e, Skipped)] == ["stale"]
    assert drain(protocol) == ["c2", "c3", "c4"]


def test_a_reconnect_keeps_what_is_queued_and_never_queues_it_twice() -> None:
    protocol = connected()
    protocol.receive(snapshot(1), NOW)
    protocol.receive(push(2, 1, call("c1")), NOW)
    protocol.receive(push(3, 2, call("c2")), NOW)
    protocol.connection_lost()
    protocol.connection_made()
    events = protocol.receive(snapshot(3, [call("c2"), call("c1")]), NOW)
    assert events == [Synced(3, 0, False)]
    assert drain(protocol) == ["c1", "c2"]


def test_other_messages_and_refusals() -> None:
    protocol = connected()
    assert protocol.receive({"type": "counter", "seq": 1, "prev_seq": None}, NOW)[0] == Resync(
        "a 'counter' message (seq 1) came before the snapshot"
    )
    protocol.receive(snapshot(5), NOW)
    assert protocol.receive({"type": "counter", "seq": 6, "prev_seq": 5, "counter": {}}, NOW) == []
    assert protocol.receive({"type": "pong"}, NOW) == []
    assert protocol.last_seq == 6
    assert protocol.receive({"type": "error", "code": "unknown_zone", "message": "no zone 'x'"}, NOW) == [
        Refused("unknown_zone", "no zone 'x'")
    ]


def test_the_wire_rules_come_from_the_contract() -> None:
    protocol = connected()
    protocol.receive(snapshot(5), NOW)
    # The contract's prev_seq rule: only a prev_seq that differs from the last seq is a loss.
    assert protocol.receive({"type": "counter", "seq": 9, "counter": {}}, NOW) == []
    assert missed_messages(9, push(11, 10, call("c1")))
    assert isinstance(protocol.receive(push(11, 10, call("c1")), NOW)[0], Resync)
    speaker = Speaker("http://127.0.0.1:9", "lantai1", "true {file}")
    assert isinstance(speaker.backoff, Backoff) and (speaker.backoff.base, speaker.backoff.cap) == (0.5, 15.0)
    assert speaker.ping_interval == PING_SECONDS


def test_seen_ids_are_bounded() -> None:
    seen = SeenIds(limit=3)
    for i in range(5):
        seen.add(f"c{i}")
    assert len(seen) == 3 and "c0" not in seen and "c1" not in seen and "c4" in seen


def test_urls_and_players() -> None:
    assert server_urls("http://10.0.0.5:8000", "lantai1") == (
        "ws://10.0.0.5:8000/ws/zone/lantai1",
        "http://10.0.0.5:8000",
    )
    assert server_urls("https://hall.lan/antrian/", "lantai 2") == (
        "wss://hall.lan/antrian/ws/zone/lantai%202",
        "https://hall.lan/antrian",
    )
    assert server_urls("10.0.0.5:8000", "l1") == ("ws://10.0.0.5:8000/ws/zone/l1", "http://10.0.0.5:8000")
    assert player_argv("sh -c 'cat {file} > /dev/null'", "/tmp/a b.wav") == ["sh", "-c", "cat /tmp/a b.wav > /dev/null"]
    assert default_player(lambda p: "/usr/bin/paplay" if p in ("paplay", "ffplay") else None) == "paplay {file}"
    assert default_player(lambda p: None) is None


# --- the command line ----------------------------------------------------------------------


def test_no_player_installed_exits_2_naming_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing in it
    result = CliRunner().invoke(speaker_command, ["--server", "http://127.0.0.1:9", "--zone", "lantai1"])
    assert result.exit_code == 2
    assert "no audio player found" in result.output and "apt install alsa-utils" in result.output


@pytest.mark.parametrize(
    ("player", "message"),
    [
        ("aplay -q", "must contain {file}"),
        ("no-such-player-xyz {file}", "'no-such-player-xyz' not found"),
        ("'unclosed {file}", "not a valid command"),
    ],
)
def test_bad_player_exits_2(player: str, message: str) -> None:
    result = CliRunner().invoke(speaker_command, ["--server", "http://127.0.0.1:9", "--zone", "z", "--player", player])
    assert result.exit_code == 2 and message in result.output


def test_an_unknown_zone_exits_2(server) -> None:  # type: ignore[no-untyped-def]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "display_server",
            "speaker",
            "--server",
            server.url,
            "--zone",
            "atap",
            "--player",
            "true {file}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "no zone 'atap' (zones: lantai1, lantai2)" in result.stderr


# --- the I/O loop against a scripted server ------------------------------------------------


RECORDER = """
import json, sys, time, wave
path, out = sys.argv[1], sys.argv[2]
start = time.time()
with open(path, "rb") as f:
    head = f.read(12)
with wave.open(path) as w:
    info = {"rate": w.getframerate(), "channels": w.getnchannels(), "width": w.getsampwidth(), "frames": w.getnframes()}
time.sleep(float(sys.argv[3]) if len(sys.argv) > 3 else 0.3)
with open(out, "a") as f:
    f.write(json.dumps({"file": path, "riff": head[:4] == b"RIFF" and head[8:12] == b"WAVE",
                        "start": start, "end": time.time(), **info}) + "\\n")
"""


def recorder(tmp_path: Path, seconds: float = 0.3) -> tuple[str, Path]:
    script = tmp_path / "player.py"
    script.write_text(RECORDER)
    out = tmp_path / "played.jsonl"
    template = f"{shlex.quote(sys.executable)} {shlex.quote(str(script))} {{file}} {shlex.quote(str(out))} {seconds}"
    return template, out


def plays(out: Path) -> list[dict]:
    if not out.exists():
        return []
    return [json.loads(line) for line in out.read_text().splitlines() if line.strip()]


def tiny_wav() -> bytes:
    import io
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(22050)
        w.writeframes(b"\0\0" * 2205)
    return buffer.getvalue()


async def wait_until(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def assert_one_at_a_time(records: list[dict]) -> None:
    records = sorted(records, key=lambda r: r["start"])
    for before, after in zip(records, records[1:]):
        assert before["end"] <= after["start"], f"overlap: {before} and {after}"


async def test_fetch_failures_retry_then_skip_and_4008_resyncs_without_replay(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    """A scripted zone socket: first connection gets a snapshot and three calls, then closes 4008
    (too slow); the second gets a snapshot holding those calls plus one missed meanwhile."""
    now = time.time()
    c_ok, c_flaky, c_dead, c_missed = (
        call(i, f"A-00{n}", at=now) for n, i in enumerate(["ok", "flaky", "dead", "missed"], 1)
    )
    connections = 0

    async def handler(ws) -> None:  # type: ignore[no-untyped-def]
        nonlocal connections
        connections += 1
        if connections == 1:
            await ws.send(json.dumps(snapshot(100, [call("history", at=now)], server_time=time.time())))
            for seq, c in enumerate([c_ok, c_flaky, c_dead], start=101):
                await ws.send(json.dumps(push(seq, seq - 1, c)))
            await asyncio.sleep(0.2)
            await ws.close(4008, "too slow")
        else:
            calls = [c_missed, c_dead, c_flaky, c_ok, call("history", at=now)]
            await ws.send(json.dumps(snapshot(110, calls, server_time=time.time())))
            await ws.wait_closed()

    attempts: dict[str, int] = {}

    def fetch(url: str) -> bytes:
        key = url.rsplit("/", 1)[-1].removesuffix(".wav")
        attempts[key] = attempts.get(key, 0) + 1
        if key == "dead" or (key == "flaky" and attempts[key] < 3):
            raise FetchError("HTTP 404")
        return tiny_wav()

    template, out = recorder(tmp_path, 0.1)
    async with websockets.serve(handler, "127.0.0.1", 0) as ws_server:
        port = ws_server.sockets[0].getsockname()[1]
        instance = Speaker(
            f"http://127.0.0.1:{port}", "lantai1", template, fetch=fetch, retry_delays=(0.05, 0.05, 0.05)
        )
        task = asyncio.create_task(instance.run())
        try:
            await wait_until(lambda: len(instance.played) >= 3, 30, "three plays")
            await asyncio.sleep(0.5)
        finally:
            instance.stop()
            await asyncio.wait_for(task, 10)
    assert connections == 2
    assert instance.played == ["ok", "flaky", "missed"]
    assert attempts == {"ok": 1, "flaky": 3, "dead": 4, "missed": 1}
    records = plays(out)
    assert [Path(r["file"]).name for r in records] == ["A-001-ok.wav", "A-002-flaky.wav", "A-004-missed.wav"]
    assert_one_at_a_time(records)
    text = caplog.text
    assert "skipped A-003 to Loket 1: cannot fetch" in text and "gave up after 4 tries" in text
    assert "close code 4008" in text


# --- end to end: real server, real speech, real player process -----------------------------


def start_speaker(server, template: str, log_path: Path) -> subprocess.Popen:  # type: ignore[no-untyped-def]
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "display_server",
            "speaker",
            "--server",
            server.url,
            "--zone",
            "lantai1",
            "--player",
            template,
        ],
        stdout=subprocess.DEVNULL,
        stderr=open(log_path, "wb"),
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


@pytest.mark.audio
async def test_end_to_end_plays_new_calls_in_order_once_and_survives_a_server_restart(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        await issue(server.url, "ktp")
    # A-001 is called before the speaker starts: history, never played.
    async with CounterConnection(server.ws_url, "loket-1") as counter:
        assert (await counter.send("call_next"))["type"] == "ack"

    template, out = recorder(tmp_path, 0.3)
    log_path = tmp_path / "speaker.log"
    process = start_speaker(server, template, log_path)
    speaker_log = lambda: log_path.read_text(errors="replace")  # noqa: E731
    try:
        await wait_until(lambda: "listening" in speaker_log(), 30, f"the speaker to connect: {speaker_log()}")
        assert "1 earlier calls are history" in speaker_log()

        async with ScreenConnection(server.ws_url, "tv1") as tv, CounterConnection(server.ws_url, "loket-1") as counter:
            for kind in ("call_next", "call_next", "recall"):  # two quick calls and a recall
                assert (await counter.send(kind))["type"] == "ack"
            calls = [(await tv.next("call", 10))["call"] for _ in range(3)]
        assert [(c["number"], c["recall"]) for c in calls] == [("A-002", False), ("A-003", False), ("A-003", True)]

        await wait_until(lambda: len(plays(out)) >= 3, 60, f"three plays: {speaker_log()}")
        records = plays(out)
        assert [Path(r["file"]).stem for r in records] == [f"{c['number']}-{c['id']}" for c in calls]
        assert_one_at_a_time(records)
        for r in records:
            assert r["riff"] and (r["rate"], r["channels"], r["width"]) == (22050, 1, 2) and r["frames"] > 22050

        server.restart()
        await wait_until(
            lambda: "connected to" in speaker_log() and "again" in speaker_log(),
            60,
            f"the speaker to reconnect: {speaker_log()}",
        )
        async with CounterConnection(server.ws_url, "loket-1") as counter:
            assert (await counter.send("call_next"))["type"] == "ack"
        await wait_until(lambda: len(plays(out)) >= 4, 60, f"the call after the restart: {speaker_log()}")
        await asyncio.sleep(2)  # room for a wrong replay to show up
        records = plays(out)
        names = [Path(r["file"]).name for r in records]
        assert len(records) == 4, names
        assert names[3].startswith("A-004-")
        assert_one_at_a_time(records)
        assert process.poll() is None
    finally:
        process.send_signal(2)  # Ctrl-C
        try:
            code = process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert code == 0, speaker_log()
    assert "Traceback" not in speaker_log()
    assert speaker_log().rstrip().endswith("stopped")
