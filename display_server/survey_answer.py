"""A visitor's SKM answers as the write path takes them: validated at the door (app/requests.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SurveyAnswer:
    answers: tuple[int, ...]  # nine scores, 1-4, in the elements' order
    age_group: str | None = None
    sex: str | None = None
    education: str | None = None
    occupation: str | None = None
    suggestion: str | None = None
