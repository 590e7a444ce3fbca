"""Issue 12, item 1: hostile text in the config never runs as script on any page.

Every text field of the config holds markup that would run script if it reached a page
unescaped (closing a `<script>`, an attribute, a comment). Every page is opened in Chromium
with its Content-Security-Policy bypassed, so escaping alone must hold: no script of the
config's runs, none of its markup reaches the page, and the text is shown literally where it
is shown.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import pytest

from tests.support.server import ServerProcess

ADMIN_TOKEN = "admin-secret-token-for-proofs"
# Each one would set window.__pwned (or open a dialog) if written into a page unescaped.
PAYLOADS = (
    "</script><script>window.top.__pwned=1</script>",
    '"><img src=x onerror="window.top.__pwned=1">',
    "'><svg onload=window.top.__pwned=1>",
    "<!--<script>window.top.__pwned=1</script>-->",
    "\u2028</style><script>alert(document.domain)</script>",
)


def hostile(label: str) -> str:
    """A readable name followed by every payload: `label` finds it on the page."""
    return label + " " + " ".join(PAYLOADS)


SITE = hostile("Situs")
SERVICE = hostile("Layanan")
AGENCY = hostile("Instansi")
COUNTER = hostile("Loket")
TITLE = hostile("Judul")
PRIORITY = hostile("Prioritas")
RUNNING = hostile("Teks berjalan")


def toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def hostile_config() -> str:
    return f"""
[site]
name = {toml(SITE)}
timezone = "Asia/Jakarta"
running_text = {toml(RUNNING)}
logo = {toml("/static/" + PAYLOADS[1])}

[security]
admin_token = "{ADMIN_TOKEN}"
issue_rate_per_minute = 10000

[queue]
priority_labels = [{toml(PRIORITY)}]

[[zones]]
id = "z1"
name = {toml(hostile("Zona"))}

[[agencies]]
id = "ag"
name = {toml(AGENCY)}
short_name = {toml(hostile("Singkat"))}
booth = {toml(hostile("Gerai"))}
spoken_booth = {toml(hostile("Gerai lisan"))}

[[agencies]]
id = "ag2"
name = {toml(hostile("Instansi kedua"))}

[[services]]
id = "svc2"
name = {toml(hostile("Layanan kedua"))}
agency = "ag2"
prefix = "C"

[[services]]
id = "svc"
name = {toml(SERVICE)}
agency = "ag"
prefix = "A"
spoken_name = {toml(hostile("Layanan lisan"))}

[[services]]
id = "closed"
name = {toml(hostile("Tutup"))}
agency = "ag"
prefix = "B"
[[services.schedule.breaks]]
start = "00:00"
end = "23:59:58"
reason = {toml(hostile("Istirahat"))}

[[counters]]
id = "k1"
name = {toml(COUNTER)}
spoken_name = {toml(hostile("Loket lisan"))}
services = ["svc", "closed"]
zone = "z1"
token = "token-k1-for-proofs"

[[kiosks]]
id = "lobi"
name = {toml(hostile("Kiosk"))}

[[screens]]
id = "tv-standard"
zone = "z1"
layout = "standard"
title = {toml(TITLE)}
running_text = {toml(hostile("Teks layar"))}

[[screens]]
id = "tv-grid"
zone = "z1"
layout = "grid"
title = {toml(TITLE)}

[[screens]]
id = "tv-media"
zone = "z1"
layout = "media"
title = {toml(TITLE)}
media_folder = "media"
"""


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory):
    root: Path = tmp_path_factory.mktemp("injection")
    (root / "media").mkdir()
    config = root / "antrian.toml"
    config.write_text(hostile_config(), encoding="utf-8")
    process = ServerProcess(config, root / "data").start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def status_path(hostile_server) -> str:
    """A real priority ticket, so its pages show the service and the priority label."""
    body = {"service": "svc", "priority": True, "priority_label": PRIORITY}
    response = httpx.post(f"{hostile_server.url}/api/kiosk/lobi/tickets", json=body, timeout=30)
    assert response.status_code == 201, response.text
    return urlsplit(response.json()["status_url"]).path


# Markup the payloads would add to a page if they were not escaped.
INJECTED = "img[src='x'], svg[onload], script:not([src]):not([type='application/json'])"


class Watch:
    """A page that records every dialog it (or a frame of it) opens.

    The Content-Security-Policy is bypassed: escaping alone must hold (the CSP is proved
    apart, in test_proof_headers.py).
    """

    def __init__(self, browser) -> None:
        self.context = browser.new_context(bypass_csp=True)
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.page.wait_for_load_state("load")

    def assert_nothing_ran(self, where: str) -> None:
        for frame in self.page.frames:
            assert frame.evaluate("typeof window.__pwned") == "undefined", f"script ran on {where} ({frame.url})"
            injected = frame.evaluate(f"document.querySelectorAll({INJECTED!r}).length")
            assert injected == 0, f"markup from the config reached {where} ({frame.url})"
        assert not self.dialogs, f"a dialog opened on {where}: {self.dialogs}"

    def text(self, selector: str) -> str:
        return self.page.locator(selector).first.text_content() or ""

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watch(browser):
    watched = Watch(browser)
    yield watched
    watched.close()


@pytest.mark.browser
@pytest.mark.parametrize("screen", ["tv-standard", "tv-grid", "tv-media"])
def test_a_screen_in_every_layout_shows_hostile_names_as_text(hostile_server, status_path, watch, screen):
    httpx.post(f"{hostile_server.url}/api/kiosk/lobi/tickets", json={"service": "svc"}, timeout=30)
    watch.open(f"{hostile_server.url}/screen/{screen}")
    watch.page.wait_for_function("document.body.getAttribute('data-connected') === '1'")
    assert watch.text("#site-name") == SITE
    assert watch.text("#screen-title") == TITLE
    watch.assert_nothing_ran(f"/screen/{screen}")


@pytest.mark.browser
def test_the_visitors_status_page_and_slip_show_hostile_names_as_text(hostile_server, status_path, watch):
    watch.open(hostile_server.url + status_path)
    assert watch.text("#service") == SERVICE
    assert watch.text(".site") == SITE
    watch.assert_nothing_ran("the status page")
    watch.open(f"{hostile_server.url}{status_path}/slip?label={quote(PRIORITY)}")
    assert watch.text(".hall") == SITE and watch.text(".service") == SERVICE
    assert PRIORITY in watch.text(".slip")
    watch.assert_nothing_ran("the slip")


@pytest.mark.browser
def test_the_kiosk_walk_through_shows_hostile_names_as_text(hostile_server, watch):
    watch.open(f"{hostile_server.url}/kiosk/lobi")
    assert watch.text(".hall-name") == SITE
    watch.page.locator("#agency-list button").first.click()
    watch.page.locator("#step-service.active").wait_for()
    assert AGENCY.split(" ")[0] in watch.text("#agency-list")
    watch.page.locator("#service-list button").first.click()
    watch.page.locator("#priority-list button.priority-row").first.click()
    watch.page.locator("#step-ticket.active").wait_for()
    assert watch.text("#t-service") == SERVICE
    watch.page.wait_for_function("document.getElementById('print-frame').contentDocument.readyState === 'complete'")
    watch.assert_nothing_ran("the kiosk and its slip frame")


@pytest.mark.browser
def test_the_web_counter_shows_hostile_names_as_text(hostile_server, watch):
    watch.open(f"{hostile_server.url}/counter/k1")
    watch.page.fill("#token-input", "token-k1-for-proofs")
    watch.page.click("#token-submit")
    watch.page.locator("#desk").wait_for()
    watch.page.click("button.next")
    watch.page.wait_for_function("document.getElementById('current').textContent !== '\u2014'")
    assert watch.text("header .name") == COUNTER
    watch.assert_nothing_ran("the web counter")


@pytest.mark.browser
def test_admin_pages_show_hostile_names_as_text(hostile_server, watch):
    watch.open(f"{hostile_server.url}/admin/screens")
    watch.assert_nothing_ran("the admin login")
    watch.page.fill("input[name=token]", ADMIN_TOKEN)
    watch.page.locator("form button[type=submit]").click()
    watch.page.locator("#screen-status").wait_for()
    assert TITLE in watch.text("#screen-status")
    watch.assert_nothing_ran("/admin/screens")
    watch.open(f"{hostile_server.url}/admin/printers")
    assert SITE in watch.text("h1")
    watch.assert_nothing_ran("/admin/printers")


@pytest.mark.browser
@pytest.mark.parametrize(
    "path",
    ["/screen/{payload}", "/counter/{payload}", "/kiosk/{payload}", "/t/{payload}", "/t/{payload}/slip"],
)
def test_not_found_pages_show_hostile_addresses_and_names_as_text(hostile_server, watch, path):
    payload = quote(PAYLOADS[1], safe="")
    watch.open(hostile_server.url + path.format(payload=payload))
    watch.assert_nothing_ran(path)
    if path.startswith("/screen/"):
        assert TITLE in watch.text(".screen-list") and PAYLOADS[1] in watch.text("h1")
    if path.startswith("/counter/"):
        assert SITE in watch.text("main") and PAYLOADS[1] in watch.text("main")
