"""Every figure of the reports, for a day whose waits and outcomes are known (tests/reports/conftest.py)."""

from __future__ import annotations

import pytest

from display_server.reports import Period, build
from tests.reports.conftest import DAY

pytestmark = pytest.mark.asyncio


async def book_of(played, agencies=("dukcapil", "bpjs-kes")):
    return await build(played.store, played.hall.config, Period(DAY, DAY), list(agencies))


def row(book, service: str) -> dict:
    return next(r for r in book.services["services"] if r["service"] == service)


async def test_a_service_counts_its_tickets_waits_and_service_times(played):
    ktp = row(await book_of(played), "ktp")
    assert (ktp["issued"], ktp["served"], ktp["no_show"], ktp["cancelled"]) == (3, 2, 1, 1)
    assert ktp["priority_share"] == pytest.approx(1 / 3)
    # waits 10, 14 and 17 minutes: nearest-rank p50 is the 2nd, p90 the 3rd
    assert (ktp["wait_p50_seconds"], ktp["wait_p90_seconds"], ktp["wait_max_seconds"]) == (840, 1020, 1020)
    # service times 5:00, and 3:00 counted from the recall
    assert (ktp["service_p50_seconds"], ktp["service_p90_seconds"]) == (180, 300)
    # ktp's target is 15 minutes: 10 and 14 within, 17 not
    assert ktp["service_level"] == pytest.approx(2 / 3)


async def test_a_transfer_counts_its_wait_in_each_service(played):
    book = await book_of(played)
    kk, jkn = row(book, "kk"), row(book, "jkn")
    assert (kk["issued"], kk["transferred_out"], kk["served"], kk["wait_p50_seconds"]) == (1, 1, 0, 1020)
    assert (jkn["issued"], jkn["transferred_in"], jkn["served"], jkn["wait_p50_seconds"]) == (0, 1, 1, 300)
    assert jkn["service_p50_seconds"] == 600
    assert kk["service_level"] == 1.0  # 17 minutes against the hall's 30


async def test_the_totals_add_up_the_services(played):
    totals = (await book_of(played)).services["totals"]
    assert (totals["issued"], totals["served"], totals["no_show"], totals["cancelled"]) == (4, 3, 1, 1)
    assert (totals["transferred_in"], totals["transferred_out"]) == (1, 1)
    assert totals["wait_p50_seconds"] == 840  # of 300, 600, 840, 1020, 1020
    assert totals["service_level"] == pytest.approx(4 / 5)


async def test_the_recap_lays_out_issued_tickets_by_agency_service_and_day(played):
    recap = (await book_of(played)).recap.as_json()
    dukcapil = recap["agencies"][0]
    assert [c["label"] for c in recap["columns"]] == ["2"]
    assert [(s["service"], s["counts"]) for s in dukcapil["services"]] == [("ktp", [3]), ("kk", [1]), ("kuota", [0])]
    assert (dukcapil["counts"], dukcapil["total"]) == ([4], 4)
    assert recap["counts"] == [4] and recap["total"] == 4


async def test_a_counter_and_its_officer_have_their_open_paused_and_idle_time(played):
    book = await book_of(played)
    [loket] = [c for c in book.desks["counters"] if c["counter"] == "loket-1"]
    assert (loket["served"], loket["no_show"], loket["service_p50_seconds"]) == (2, 1, 180)
    # 00:55 to 01:40: open 31 + 4 minutes, paused 10 (Istirahat); serving 5 + 4 + 1 + 2 minutes
    assert (loket["open_seconds"], loket["paused_seconds"], loket["closed_seconds"]) == (2100, 600, 0)
    assert loket["paused_by_reason"] == {"Istirahat": 600}
    assert (loket["serving_seconds"], loket["idle_seconds"]) == (720, 1380)
    [budi] = book.desks["officers"]
    assert (budi["officer"], budi["served"], budi["open_seconds"], budi["idle_seconds"]) == ("budi", 2, 2100, 1380)


async def test_arrivals_and_waits_are_by_the_halls_hour_and_weekday(played):
    hours = (await book_of(played)).hours
    wednesday, nine = 2, hours["hours"].index(9)
    assert hours["arrivals"][wednesday][nine] == 4
    assert hours["wait_p50_seconds"][wednesday][nine] == 840  # waits 600, 840, 1020, 1020: the 2nd of 4


async def test_the_channel_split_counts_issued_tickets(played):
    assert (await book_of(played)).channels == [{"channel": "kiosk", "name": "Kiosk", "issued": 4, "share": 1.0}]


async def test_a_supervisor_sees_only_their_agencies_figures(played):
    book = await book_of(played, agencies=("bpjs-kes",))
    assert [r["service"] for r in book.services["services"]] == ["jkn"]
    assert [a["agency"] for a in book.recap.as_json()["agencies"]] == ["bpjs-kes"]
    assert [c["counter"] for c in book.desks["counters"]] == ["loket-2"]


async def test_the_live_hall_view_shows_the_reports_median_wait(played):
    from display_server import views
    from display_server.announce import TextAnnouncer
    from display_server.hall import Hall
    from display_server.hub import Hub

    hall = played.hall
    live = views.agency_live(hall.config, hall.state, hall.desks, "dukcapil", played.clock())
    report = await book_of(played)
    for service in live["services"]:
        assert service["median_wait_seconds"] == row(report, service["id"])["wait_p50_seconds"], service["id"]
    # and after a restart, the day's waits are read back from the store: the same again
    again = Hall(hall.config, played.store, Hub(), TextAnnouncer(hall.config.voice), played.clock)
    await again.start()
    assert {s: sorted(w) for s, w in again.state.waits.items()} == {s: sorted(w) for s, w in hall.state.waits.items()}


async def test_a_ticket_counts_on_the_halls_local_date_across_midnight(played):
    played.clock.at("15:59")  # 23:59 WITA, 2 December
    await played.hall.issue("ktp")
    played.clock.at("16:01")  # 00:01 WITA, 3 December (still the 2nd in UTC)
    await played.hall.issue("ktp")
    book = await build(played.store, played.hall.config, Period(DAY, DAY.replace(day=3)), ["dukcapil"])
    recap = book.recap.as_json()
    assert [c["label"] for c in recap["columns"]] == ["2", "3"]
    [ktp] = [s for s in recap["agencies"][0]["services"] if s["service"] == "ktp"]
    assert ktp["counts"] == [4, 1]
    hours = book.hours
    assert hours["arrivals"][2][hours["hours"].index(23)] == 1  # Wednesday 23:00
    assert hours["arrivals"][3][hours["hours"].index(0)] == 1  # Thursday 00:00
