"""The survey's results page in Chromium, and its PDF in the form halls publish, rendered.

With ANTRIAN_SCREENSHOTS=1 the pictures land in docs/screenshots (survey-results.png,
survey-pdf.png).
"""

from __future__ import annotations

import asyncio
import io
import random
from concurrent.futures import ThreadPoolExecutor

import pypdfium2
import pytest
from pypdf import PdfReader

from display_server.announce import TextAnnouncer
from display_server.config import parse_config
from display_server.hall import Hall
from display_server.hub import Hub
from display_server.store import SqliteStore
from display_server.survey_answer import SurveyAnswer
from tests.reports.conftest import Clock, hall_config_text, play_the_day
from tests.support.admin_area import sign_in_admin_area
from tests.support.screenshots import screenshot_folder
from tests.support.server import ServerProcess
from tests.support.staff import SECRETS, set_pins

pytestmark = pytest.mark.browser
DAY = "from=2026-12-02&to=2026-12-02"


async def answered_day(data_dir) -> None:
    config = parse_config(hall_config_text())
    store = SqliteStore(data_dir / "antrian.sqlite3")
    await store.open()
    clock = Clock()
    hall = Hall(config, store, Hub(), TextAnnouncer(config.voice), clock)
    await hall.start()
    await hall.set_staff_secret("budi", SECRETS["budi"])
    await play_the_day(hall, clock)
    rng = random.Random(15)
    for n in range(12):  # a dozen more visitors, served and answering
        await hall.issue("ktp")
        await hall.command("loket-3", "call_next", f"s{n}")
        await hall.command("loket-3", "finish", f"f{n}")
    for ticket in [t for t in hall.state.tickets.values() if t.status == "served"]:
        scores = tuple(rng.choice((3, 3, 4, 4, 4, 2)) for _ in range(9))
        await hall.answer_survey(ticket, SurveyAnswer(scores, sex=rng.choice(["Laki-laki", "Perempuan"]),
                                                      suggestion=rng.choice([None, "Ruang tunggu sejuk, terima kasih."])),
                                 channel="phone")  # fmt: skip
    await store.close()


@pytest.fixture(scope="module")
def survey_server(tmp_path_factory) -> ServerProcess:
    root = tmp_path_factory.mktemp("survey-results")
    config = root / "antrian.toml"
    config.write_text(hall_config_text(), encoding="utf-8")
    (root / "data").mkdir()
    with ThreadPoolExecutor(1) as thread:  # Playwright's loop may already run in this thread
        thread.submit(asyncio.run, answered_day(root / "data")).result()
    set_pins(config, root / "data", {"kepala": SECRETS["kepala"]})
    server = ServerProcess(config, root / "data").start()
    yield server
    server.stop()


def test_the_results_page_and_its_pdf(browser, survey_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in_admin_area(page, survey_server.url, "kepala", "/admin/survey")
    page.goto(f"{survey_server.url}/admin/survey?{DAY}")
    converted = page.locator("#skm-converted").inner_text()
    assert converted != "-"
    assert page.locator('table[data-report="skm"] tr').count() == 1 + 9 + 6
    page.screenshot(path=str(screenshot_folder() / "survey-results.png"), full_page=True)
    body = page.request.get(f"{survey_server.url}/admin/survey/skm.pdf?{DAY}").body()
    text = PdfReader(io.BytesIO(body)).pages[0].extract_text()
    assert "INDEKS KEPUASAN MASYARAKAT" in text and converted in text
    image = pypdfium2.PdfDocument(body)[0].render(scale=1.6).to_pil()
    image.save(screenshot_folder() / "survey-pdf.png")
    context.close()
