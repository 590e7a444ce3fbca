"""Issue 12, items 4 and 8: security headers, no framing by other sites, sandboxed files.

A page of another origin (a second server on another loopback port) frames the counter and
the admin pages: Chromium refuses to show them. Every page still loads and works under its
Content-Security-Policy with no violation reported. An SVG logo carrying a script, opened on
its own from our origin, does not run it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.hall_config import test_config_text
from tests.support.server import ServerProcess

ADMIN_TOKEN = "admin-secret-token"
EVIL_SVG = """<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="window.__pwned = 1">
<script>window.__pwned = 1; alert(document.domain);</script>
<rect width="10" height="10" fill="red"/>
</svg>
"""
MEDIA_SCREEN = """
[[screens]]
id = "tv-media"
zone = "lantai1"
layout = "media"
media_folder = "media"
logo = "evil.svg"
"""


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    root: Path = tmp_path_factory.mktemp("headers")
    (root / "media").mkdir()
    (root / "media" / "01.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (root / "evil.svg").write_text(EVIL_SVG, encoding="utf-8")
    config = root / "antrian.toml"
    config.write_text(test_config_text(counters=2, extra=MEDIA_SCREEN), encoding="utf-8")
    process = ServerProcess(config, root / "data").start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def status_path(hall) -> str:
    response = httpx.post(f"{hall.url}/api/kiosk/default/tickets", json={"service": "ktp"}, timeout=30)
    assert response.status_code == 201, response.text
    return urlsplit(response.json()["status_url"]).path


@pytest.fixture(scope="module")
def other_site(hall) -> Iterator[str]:
    """Another origin whose page frames whatever `?src=` names."""

    class Framing(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            src = hall.url + self.path.split("?src=", 1)[-1]
            body = f'<!DOCTYPE html><title>lain</title><iframe id="f" src="{src}" width="800" height="600"></iframe>'
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Framing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class Watch:
    """A page that records CSP violations (from the console and the DOM event) and dialogs."""

    def __init__(self, browser) -> None:
        self.context = browser.new_context()
        self.context.add_init_script(
            "document.addEventListener('securitypolicyviolation', function (e) {"
            " console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI); });"
        )
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda message: self.console.append(message.text))
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))

    def violations(self) -> list[str]:
        return [text for text in self.console if "Content Security Policy" in text]

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watch(browser) -> Iterator[Watch]:
    watched = Watch(browser)
    yield watched
    watched.close()


def test_every_response_says_nosniff_and_keeps_its_addresses_to_itself(hall, status_path):
    for path in ("/screen/tv1", "/kiosk", "/counter/loket-1", status_path, "/static/client.js", "/api/state"):
        headers = httpx.get(hall.url + path, timeout=10).headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] in ("no-referrer", "same-origin"), path
        assert "content-security-policy" in headers, path


def test_pages_forbid_inline_script_and_framing_where_it_matters(hall, status_path):
    for path in ("/screen/tv1", "/kiosk", "/counter/loket-1", "/admin/screens", "/admin/printers", status_path):
        policy = httpx.get(hall.url + path, timeout=10).headers["content-security-policy"]
        script = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
        assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, path
    for path in ("/counter/loket-1", "/counter/nope", "/admin/screens", "/admin/printers", "/kiosk", status_path):
        assert "frame-ancestors 'none'" in httpx.get(hall.url + path, timeout=10).headers["content-security-policy"]
    assert (
        "frame-ancestors 'self'"
        in httpx.get(f"{hall.url}{status_path}/slip", timeout=10).headers["content-security-policy"]
    )


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/counter/loket-1", "/admin/screens", "/admin/printers", "/kiosk"])
def test_another_site_cannot_frame_the_counter_or_the_admin_pages(hall, other_site, watch, path):
    watch.page.goto(f"{other_site}/?src={path}")
    watch.page.wait_for_load_state("load")
    framed = [frame for frame in watch.page.frames if frame is not watch.page.main_frame]
    assert framed, "the framing page has its frame"
    for frame in framed:
        assert not frame.url.startswith(hall.url), f"{path} was displayed inside another site"
        assert frame.locator("form, main, #app").count() == 0, f"{path} was displayed inside another site"


@pytest.mark.browser
def test_every_page_loads_and_works_under_its_policy(hall, status_path, watch):
    page = watch.page
    page.goto(f"{hall.url}/screen/tv1")
    page.locator("body[data-connected='1']").wait_for()
    page.goto(f"{hall.url}/screen/tv1-grid")
    page.locator("body[data-connected='1']").wait_for()
    page.locator("#tiles .tile").first.wait_for()
    page.goto(f"{hall.url}/screen/tv-media")
    page.locator("body[data-connected='1']").wait_for()
    page.goto(f"{hall.url}/kiosk")
    page.locator("#agency-list button").first.click()
    page.locator("#service-list button").first.click()
    page.locator("#priority-list button").first.click()
    page.locator("#step-ticket.active").wait_for()
    page.locator("#print-frame").wait_for(state="attached")
    page.goto(hall.url + status_path)
    page.locator("#net:not(:has-text('Menyambung'))").wait_for()
    page.goto(f"{hall.url}{status_path}/slip")
    page.goto(f"{hall.url}/counter/loket-1")
    page.fill("#token-input", "token-loket-1")
    page.click("#token-submit")
    page.locator("#desk:not([hidden])").wait_for()
    page.goto(f"{hall.url}/admin/screens")
    page.fill("input[name=token]", ADMIN_TOKEN)
    page.locator("form button[type=submit]").click()
    page.locator("#screen-status").wait_for()
    page.goto(f"{hall.url}/admin/printers")
    page.goto(f"{hall.url}/screen/nope")
    page.goto(f"{hall.url}/t/nope")
    assert not watch.violations(), watch.violations()


@pytest.mark.browser
def test_an_svg_logo_opened_on_its_own_runs_no_script(hall, watch):
    response = httpx.get(f"{hall.url}/logo/tv-media", timeout=10)
    assert response.status_code == 200 and response.headers["content-type"].startswith("image/svg+xml")
    assert "sandbox" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    watch.page.goto(f"{hall.url}/logo/tv-media")
    watch.page.wait_for_load_state("load")
    assert watch.page.evaluate("typeof window.__pwned") == "undefined", "the logo's script ran on our origin"
    assert not watch.dialogs, watch.dialogs


def test_media_files_are_sandboxed_too(hall):
    response = httpx.get(f"{hall.url}/media/tv-media/01.png", timeout=10)
    assert response.status_code == 200
    assert "sandbox" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
