"""Answering the survey: one response per served ticket, by phone or at the counter's tablet,
and the index of what was answered (through the app's own doors)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from display_server.announce import TextAnnouncer
from display_server.app import create_app
from display_server.config import parse_config
from tests.reports.conftest import Clock, hall_config_text, play_the_day
from tests.support.staff import SECRETS

ADMIN = {"Authorization": "Bearer admin-secret-token"}
GOOD = [4, 4, 3, 4, 3, 4, 4, 3, 3]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def app(request: pytest.FixtureRequest, tmp_path) -> Iterator[tuple[TestClient, object, Clock]]:
    """The hall's app through its own doors, on SQLite and on PostgreSQL."""
    database = request.getfixturevalue("postgres_dsn") if request.param == "postgresql" else None
    config = parse_config(hall_config_text())
    clock = Clock()
    created = create_app(
        config, tmp_path, clock=clock, announcer_factory=lambda c, d: TextAnnouncer(c.voice), database=database
    )
    with TestClient(created) as client:
        hall = created.state.context.hall
        client.portal.call(hall.set_staff_secret, "budi", SECRETS["budi"])
        client.portal.call(play_the_day, hall, clock)
        yield client, hall, clock


def token_of(hall, number: str) -> str:
    return next(t.token for t in hall.state.tickets.values() if t.number == number)


def answer(client: TestClient, **body) -> tuple[int, dict]:
    response = client.post("/api/survey", json={"answers": GOOD, **body})
    return response.status_code, response.json()


def test_a_served_visitor_answers_once_from_their_phone(app):
    client, hall, _ = app
    status, _ = answer(client, ticket_token=token_of(hall, "A-001"), profile={"sex": "Perempuan"}, suggestion="Bagus")
    assert status == 201
    again, body = answer(client, ticket_token=token_of(hall, "A-001"))
    assert (again, body["error"]["code"]) == (409, "already_answered")


def test_a_no_show_a_transferred_or_a_cancelled_ticket_cannot_answer(app):
    client, hall, _ = app
    assert answer(client, ticket_token=token_of(hall, "A-003"))[1]["error"]["code"] == "not_served"  # no-show
    assert answer(client, ticket_token=token_of(hall, "A-004"))[1]["error"]["code"] == "not_served"  # cancelled
    assert answer(client, ticket_token="no-such-token")[0] == 404


def test_a_wrong_answer_list_or_profile_is_a_clear_error_and_keeps_nothing(app):
    client, hall, _ = app
    token = token_of(hall, "A-001")
    for bad in ([4] * 8, [4] * 10, [0] + [4] * 8, [5] + [4] * 8, ["4"] * 9):
        status, body = answer(client, ticket_token=token, answers=bad)
        assert (status, body["error"]["code"]) == (400, "bad_request"), bad
    status, body = answer(client, ticket_token=token, profile={"sex": "Budi Santoso, NIK 5108..."})
    assert status == 400 and "profile.sex" in body["error"]["message"]
    assert answer(client, ticket_token=token)[0] == 201  # nothing was kept: the ticket may still answer


def test_the_phone_may_answer_for_a_while_after_service_then_not(app):
    client, hall, clock = app
    clock.at("01:20", day=3)  # the next morning: more than 24 hours after A-002 was served at 01:20
    clock.now = clock.now.replace(minute=21)
    assert answer(client, ticket_token=token_of(hall, "A-002"))[1]["error"]["code"] == "survey_closed"


def test_the_counters_tablet_answers_for_the_ticket_it_served_with_its_device_token(app):
    client, hall, clock = app
    ticket_id = next(t.id for t in hall.state.tickets.values() if t.number == "B-001")  # served at loket-2
    body = {"counter": "loket-2", "ticket_id": ticket_id}
    assert client.post("/api/survey", json={"answers": GOOD, **body}).status_code == 401
    wrong = client.post(
        "/api/survey", json={"answers": GOOD, **body}, headers={"Authorization": "Bearer token-loket-1"}
    )
    assert wrong.status_code == 401
    elsewhere = {"counter": "loket-1", "ticket_id": ticket_id}  # loket-1 did not serve B-001 in the end
    refused = client.post(
        "/api/survey", json={"answers": GOOD, **elsewhere}, headers={"Authorization": "Bearer token-loket-1"}
    )
    assert refused.json()["error"]["code"] == "not_served"
    clock.at("01:45")
    done = client.post("/api/survey", json={"answers": GOOD, **body}, headers={"Authorization": "Bearer token-loket-2"})
    assert done.status_code == 201
    phone = answer(client, ticket_token=token_of(hall, "B-001"))
    assert phone[1]["error"]["code"] == "already_answered"  # one response per ticket, whichever channel
    reader = client.app.state.context.reader
    assert reader.survey_offer(hall.config.counter("loket-2")) is None  # a reloaded tablet offers nobody


def test_the_index_of_the_answers_is_reported_by_the_served_tickets_date(app):
    client, hall, _ = app
    answer(client, ticket_token=token_of(hall, "A-001"), answers=[4, 4, 3, 4, 3, 4, 4, 3, 3])
    answer(client, ticket_token=token_of(hall, "A-002"), answers=[3, 3, 3, 4, 3, 3, 4, 2, 3], suggestion="<b>Antre</b>")
    results = client.get("/api/reports/ikm?from=2026-12-02&to=2026-12-02", headers=ADMIN).json()
    hall_figures = results["hall"]
    assert hall_figures["respondents"] == 2
    assert hall_figures["nrr"] == [3.5, 3.5, 3.0, 4.0, 3.0, 3.5, 4.0, 2.5, 3.0]
    assert hall_figures["converted"] == round(30 / 9 * 25, 2)  # sum of NRR 30, / 9, x 25 = 83.33: B
    assert hall_figures["grade"] == "B"
    assert hall_figures["population"] == 3  # served: A-001, A-002 (ktp) and B-001 (in jkn)
    assert hall_figures["min_sample"] == 3
    [dukcapil] = [a for a in results["agencies"] if a["agency"] == "dukcapil"]
    assert (dukcapil["respondents"], dukcapil["population"]) == (2, 2)
    assert [s["text"] for s in results["suggestions"]] == ["<b>Antre</b>"]
    assert results["channels"] == {"phone": 2}


def test_suggestions_stay_private_until_an_admin_publishes_one_and_then_show_as_text(app):
    client, hall, clock = app
    answer(client, ticket_token=token_of(hall, "A-001"), suggestion="<script>alert(1)</script> Kursi kurang")
    clock.now = clock.now.replace(year=2027, month=1, day=5)  # /skm shows the last complete semester
    client.portal.call(hall.refresh_day)
    public = client.get("/skm")
    assert "Juli 2026 - 31 Desember 2026" in public.text and "Kursi kurang" not in public.text
    [suggestion] = client.get("/api/reports/ikm?from=2026-12-02&to=2026-12-02", headers=ADMIN).json()["suggestions"]
    client.get("/admin/survey?token=admin-secret-token")
    published = client.post(
        f"/admin/survey/suggestions/{suggestion['id']}",
        data={"published": "1"},
        headers={"Origin": "http://testserver"},
    )
    assert published.status_code in (200, 303)
    results = client.get("/api/reports/ikm?from=2026-12-02&to=2026-12-02", headers=ADMIN).json()
    assert results["suggestions"][0]["published"] is True
    shown = client.get("/skm").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Kursi kurang" in shown and "<script>alert" not in shown
