"""Issue 12, items 6 and 9: owner-only files, hidden media, forwarded addresses, weak tokens,
and ticket links that expire.
"""

from __future__ import annotations

import sqlite3
import stat
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from click.testing import CliRunner

from display_server.cli import main
from tests.proof.wire import OP_CLOSE, close_code, open_websocket, read_frame
from tests.support.clients import issue
from tests.support.hall_config import test_config_text
from tests.support.server import ServerProcess

HALL_ZONE = ZoneInfo("Asia/Makassar")  # the test hall's time zone


def start(tmp_path: Path, name: str, extra_security: str = "", extra: str = "") -> ServerProcess:
    text = test_config_text(extra=extra).replace(
        "issue_rate_per_minute = 10000\n", f"issue_rate_per_minute = 10000\n{extra_security}\n", 1
    )
    config = tmp_path / f"{name}.toml"
    config.write_text(text, encoding="utf-8")
    return ServerProcess(config, tmp_path / f"data-{name}").start()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_the_data_folder_and_database_are_owner_only(server) -> None:
    await issue(server.url, "ktp", request_id="modes-1")
    data = server.data_dir
    files = [data / "antrian.sqlite3", data / "antrian.sqlite3-wal", data / "antrian.sqlite3-shm"]
    modes = {p.name: oct(mode(p)) for p in [data, *files, data / "audio"] if p.exists()}
    print(f"\nmodes: {modes}")
    assert mode(data) == 0o700
    assert all(p.exists() and mode(p) == 0o600 for p in files), modes
    assert all(mode(p) & 0o077 == 0 for p in (data / "audio").rglob("*")), "audio cache readable by others"


def test_media_dotfiles_are_not_served(tmp_path: Path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    (media / "promo.mp4").write_bytes(b"\x00" * 64)
    (media / ".secret.mp4").write_bytes(b"\x00" * 64)
    screen = f'\n[[screens]]\nid = "tv-media"\nzone = "lantai1"\nlayout = "media"\nmedia_folder = "{media}"\n'
    server = start(tmp_path, "media", extra=screen)
    try:
        shown = httpx.get(f"{server.url}/media/tv-media/promo.mp4").status_code
        hidden = httpx.get(f"{server.url}/media/tv-media/.secret.mp4").status_code
    finally:
        server.stop()
    print(f"\nmedia: promo.mp4 {shown}, .secret.mp4 {hidden}")
    assert (shown, hidden) == (200, 404)


def issue_as(server: ServerProcess, forwarded_for: str) -> int:
    response = httpx.post(
        f"{server.url}/api/tickets", json={"service": "kk"}, headers={"X-Forwarded-For": forwarded_for}
    )
    return response.status_code


def issued_statuses(tmp_path: Path, name: str, security: str) -> list[int]:
    """Six tickets at 3 a minute, each claiming another address in X-Forwarded-For."""
    config = tmp_path / f"{name}.toml"
    config.write_text(test_config_text().replace("issue_rate_per_minute = 10000", security, 1), encoding="utf-8")
    server = ServerProcess(config, tmp_path / f"data-{name}").start()
    try:
        return [issue_as(server, f"10.0.0.{i}") for i in range(6)]
    finally:
        server.stop()


def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(tmp_path: Path) -> None:
    spoofed = issued_statuses(tmp_path, "plain", "issue_rate_per_minute = 3")
    proxied = issued_statuses(tmp_path, "proxied", 'issue_rate_per_minute = 3\ntrusted_proxies = ["127.0.0.1"]')
    print(f"\nX-Forwarded-For, 6 tickets at 3/min: no proxy trusted {spoofed}, loopback trusted {proxied}")
    assert spoofed.count(429) == 3  # forged addresses do not dodge the rate limit
    assert proxied.count(201) == 6  # behind the hall's proxy each visitor keeps its own address


def test_weak_tokens_are_warned_at_start_and_by_check_config(tmp_path: Path, server) -> None:
    config = tmp_path / "weak.toml"
    config.write_text(test_config_text(), encoding="utf-8")  # counter tokens "token-loket-N": 13 characters
    result = CliRunner().invoke(main, ["check-config", str(config)])
    warnings = [line for line in result.output.splitlines() if ": warning: " in line]
    print(f"\ncheck-config: exit {result.exit_code}, {len(warnings)} warnings, e.g. {warnings[:1]}")
    assert result.exit_code == 0
    assert len(warnings) == 4 and all("counters." in w and "weak token" in w for w in warnings)
    assert "admin_token" not in result.output  # "admin-secret-token" has 18 characters
    assert "WARNING: counters.0.token: weak token" in server.log()


async def test_a_ticket_link_of_an_old_service_date_expires(server) -> None:
    """`security.ticket_days` (7 by default): a ticket 7 days old still opens, one 8 days old does not."""
    old = await issue(server.url, "ktp", request_id="old-1")
    recent = await issue(server.url, "ktp", request_id="recent-1")
    server.stop()
    today = datetime.now(HALL_ZONE).date()
    tokens = {}
    with sqlite3.connect(server.data_dir / "antrian.sqlite3") as db:
        for name, ticket, days in (("8 days", old, 8), ("7 days", recent, 7)):
            (tokens[name],) = db.execute("SELECT token FROM tickets WHERE id = ?", (ticket["id"],)).fetchone()
            day = (today - timedelta(days=days)).isoformat()
            db.execute("UPDATE tickets SET service_date = ? WHERE id = ?", (day, ticket["id"]))
    server.start()
    seen = {}
    for name, token in tokens.items():
        paths = (f"/t/{token}", f"/t/{token}/slip", f"/t/{token}/qr.svg")
        seen[name] = [httpx.get(f"{server.url}{path}").status_code for path in paths] + [
            first_message_or_close(server.port, f"/ws/ticket/{token}")
        ]
    print(f"\nticket links (page, slip, qr, live): {seen}")
    assert seen == {"8 days": [404, 404, 404, "close 4004"], "7 days": [200, 200, 200, "message"]}


def first_message_or_close(port: int, path: str) -> str:
    """ "message" when the live feed sends its snapshot, else how the server closed it."""
    sock = open_websocket(port, path)
    try:
        for _ in range(10):  # bounded: a refusal is an error message, then a close frame
            opcode, payload = read_frame(sock)
            if opcode == OP_CLOSE:
                return f"close {close_code(payload)}"
            if b'"snapshot"' in payload:
                return "message"
    finally:
        sock.close()
    return "neither"
