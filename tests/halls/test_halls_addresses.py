"""No page, template or script hard-codes a hall-relative address: every link, form, socket,
API call and audio file goes through the hall's base (`{{ base }}` in templates, `Antrian.url`,
`Antrian.socketUrl` and `Antrian.connect` in scripts). Static files stay global at /static/."""

from __future__ import annotations

import re

import httpx

from display_server.app.templating import SCREENS_DIR
from tests.halls.conftest import ADMIN_TOKENS, KOTA, HallAddress

# An address attribute whose value starts with "/" (a path on this server).
ADDRESS = re.compile(r'\b(href|action|src|data-live|content)="(/[^"]*)"')
# A string literal that starts like one of a hall's addresses.
HALL_LITERAL = re.compile(
    r"""(["'])/(api|ws|admin|audio|b/|t/|logo|media|kiosk|screen|counter|booking|survey|skm|staff|contract)"""
)
THROUGH_THE_BASE = ("Antrian.url(", "Antrian.socketUrl(", "Antrian.connect(")


def test_no_template_hard_codes_a_hall_address():
    offenders = []
    for template in sorted((SCREENS_DIR / "templates").glob("*.html")):
        for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), 1):
            for match in ADDRESS.finditer(line):
                if not match.group(2).startswith("/static/"):
                    offenders.append(f"{template.name}:{number}: {match.group(0)}")
    assert not offenders, "use {{ base }}/... for a hall's address:\n" + "\n".join(offenders)


def test_every_page_with_a_head_gives_its_scripts_the_base():
    for template in sorted((SCREENS_DIR / "templates").glob("*.html")):
        text = template.read_text(encoding="utf-8")
        if "<head>" in text:
            assert '<meta name="antrian-base" content="{{ base }}">' in text, template.name


def test_no_script_hard_codes_a_hall_address():
    offenders = []
    for script in sorted((SCREENS_DIR / "static").glob("*.js")):
        for number, line in enumerate(script.read_text(encoding="utf-8").splitlines(), 1):
            if line.lstrip().startswith(("*", "/*", "//")):
                continue
            for match in HALL_LITERAL.finditer(line):
                if not line[: match.start()].endswith(THROUGH_THE_BASE):
                    offenders.append(f"{script.name}:{number}: {line.strip()}")
    assert not offenders, "resolve a hall's address with Antrian.url / socketUrl / connect:\n" + "\n".join(offenders)


def _issued_ticket_token(hall: HallAddress) -> str:
    issued = httpx.post(f"{hall.url}/api/kiosk/default/tickets", json={"service": "ktp", "request_id": "addr-1"})
    assert issued.status_code == 201, issued.text
    return issued.json()["status_url"].rsplit("/", 1)[1]


def _booking_token(hall: HallAddress) -> str:
    agencies = httpx.get(f"{hall.url}/api/booking/services").json()["agencies"]
    kk = next(s for agency in agencies for s in agency["services"] if s["id"] == "kk")
    day = kk["dates"][1]
    start = httpx.get(f"{hall.url}/api/booking/slots", params={"service": "kk", "date": day}).json()["sessions"][0]
    booked = httpx.post(f"{hall.url}/api/bookings", json={"service": "kk", "date": day, "session": start["start"]})
    assert booked.status_code == 201, booked.text
    return booked.json()["token"]


def test_every_page_of_a_hall_links_under_its_base(kota: HallAddress):
    ticket, booking = _issued_ticket_token(kota), _booking_token(kota)
    public = [
        "/screen/tv1", "/screen/tv1-grid", "/screen/no-such-screen", "/kiosk", "/counter/loket-1",
        "/survey/loket-1", f"/t/{ticket}", f"/t/{ticket}/slip", "/t/no-such-ticket", "/booking",
        f"/b/{booking}", "/b/no-such-booking", "/skm", "/staff/pin", "/admin/hall",
    ]  # fmt: skip
    admin = ["/admin/hall", "/admin/reports", "/admin/survey", "/admin/bookings", "/admin/screens"]
    admin += ["/admin/printers", "/admin/staff"]
    pages = {f"{path} (public)": httpx.get(kota.url + path) for path in public}
    with httpx.Client() as signed_in:
        login = signed_in.post(
            f"{kota.url}/admin/login",
            data={"token": ADMIN_TOKENS[KOTA], "next": "/admin/hall"},
            headers={"Origin": kota.server.url},
        )
        assert login.status_code == 303
        pages |= {path: signed_in.get(kota.url + path) for path in admin}
    problems = []
    for name, page in pages.items():
        if page.status_code not in (200, 401, 404) or "text/html" not in page.headers["content-type"]:
            problems.append(f"{name}: {page.status_code} {page.headers['content-type']}")
            continue
        if f'<meta name="antrian-base" content="{kota.base}">' not in page.text:
            problems.append(f"{name}: no antrian-base meta")
        for match in ADDRESS.finditer(page.text):
            value = match.group(2)
            if not value.startswith(("/static/", f"{kota.base}/")) and not (
                match.group(1) == "content" and value == kota.base
            ):
                problems.append(f"{name}: {match.group(0)}")
    assert not problems, "\n".join(problems)
    assert all(page.status_code == 200 for name, page in pages.items() if "(public)" not in name)


def test_static_files_are_served_once_for_all_halls(deployment, kota: HallAddress):
    for script in sorted(p.name for p in (SCREENS_DIR / "static").glob("*.js")):
        assert httpx.get(f"{deployment.url}/static/{script}").status_code == 200, script
    assert httpx.get(f"{kota.url}/static/client.js").status_code == 404
