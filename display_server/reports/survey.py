"""SKM results: the index per element, service, agency and the hall, against the minimum sample,
with the respondents' profile and their suggestions (docs/skm.md)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

from ..config import Config
from ..skm import Index, index, minimum_sample
from ..store import SurveyResponse
from .tables import Only, Period

PROFILE_FIELDS = {"age_group": "Usia", "sex": "Jenis kelamin", "education": "Pendidikan", "occupation": "Pekerjaan"}


def unit(answers: Sequence[Sequence[int]], population: int) -> dict:
    """One unit's figures (the hall, an agency, a service): the API's shape."""
    found: Index | None = index(answers)
    figures = found.as_json() if found else {"respondents": 0, "nrr": None, "ikm": None, "converted": None,
                                             "grade": None, "grade_name": None}  # fmt: skip
    needed = minimum_sample(population)
    return {**figures, "population": population, "min_sample": needed,
            "sample_progress": round(len(answers) / needed, 3) if needed else None}  # fmt: skip


def results(
    config: Config,
    responses: Iterable[SurveyResponse],
    served: dict[str, int],
    period: Period,
    agencies: Sequence[str],
    only: Only = None,
    *,
    with_suggestions: bool = True,
) -> dict:
    """`GET /api/reports/ikm`: by the served tickets' service dates."""
    services = [s for s in config.services if s.agency in agencies and (only is None or s.id in only)]
    wanted = {s.id for s in services}
    chosen = [r for r in responses if r.service in wanted]
    by_service: dict[str, list[tuple[int, ...]]] = defaultdict(list)
    for response in chosen:
        by_service[response.service].append(response.answers)
    agency_rows = []
    for agency_id in agencies:
        agency = config.agency(agency_id)
        if agency is None:
            continue
        own = [s.id for s in services if s.agency == agency_id]
        answers = [a for sid in own for a in by_service[sid]]
        agency_rows.append(
            {"agency": agency_id, "name": agency.name, **unit(answers, sum(served.get(s, 0) for s in own))}
        )
    body = {
        **period.as_json(),
        "elements": [q.element for q in config.survey.questions],
        "hall": unit([r.answers for r in chosen], sum(served.get(s, 0) for s in wanted)),
        "agencies": agency_rows,
        "services": [
            {"service": s.id, "name": s.name, "agency": s.agency, **unit(by_service[s.id], served.get(s.id, 0))}
            for s in services
        ],
        "profile": profile(chosen),
        "channels": dict(Counter(r.channel for r in chosen)),
    }
    if with_suggestions:
        body["suggestions"] = [
            {"id": r.id, "service": r.service, "service_date": r.service_date.isoformat(), "text": r.suggestion,
             "published": r.published}
            for r in chosen
            if r.suggestion
        ]  # fmt: skip
    return body


def profile(responses: Sequence[SurveyResponse]) -> dict[str, dict[str, int]]:
    breakdown: dict[str, dict[str, int]] = {}
    for field in PROFILE_FIELDS:
        counts = Counter(getattr(r, field) or "Tidak diisi" for r in responses)
        breakdown[field] = dict(sorted(counts.items()))
    return breakdown


def last_complete_period(today: date, kind: str) -> Period:
    """The last quarter, semester or year that has ended before TODAY (what /skm publishes)."""
    months = {"quarter": 3, "semester": 6, "year": 12}[kind]
    start_month = ((today.month - 1) // months) * months + 1  # the current period's first month
    current = date(today.year, start_month, 1)
    last = _day_before(current)
    first_month = ((last.month - 1) // months) * months + 1
    return Period(date(last.year, first_month, 1), last)


def _day_before(day: date) -> date:
    return date.fromordinal(day.toordinal() - 1)
