"""The public satisfaction survey (SKM, PermenPANRB No. 14 Tahun 2017) as pure arithmetic.

Nine elements (unsur), each answered 1-4. Per element NRR = sum of its scores / respondents;
IKM = sum of NRR x 1/9 (the same weight for all nine: the rule prints it as 0,111);
converted index = IKM x 25 (25-100), graded A-D. The minimum sample is Krejcie and Morgan's.
docs/skm.md explains each choice (rounding, the weight, the sample).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

ELEMENTS = 9
WEIGHT = 1 / ELEMENTS
CHI_SQUARE, PROPORTION, MARGIN = 3.841, 0.5, 0.05

# (lowest converted index, grade, its name), best first; the rule's table has two decimals.
GRADES = ((88.31, "A", "Sangat Baik"), (76.61, "B", "Baik"), (65.00, "C", "Kurang Baik"), (25.00, "D", "Tidak Baik"))


@dataclass(frozen=True)
class Index:
    respondents: int
    nrr: list[float]  # per element, unrounded
    ikm: float  # 1-4
    converted: float  # 25-100, rounded to two decimals: what is graded and published
    grade: str
    grade_name: str

    def as_json(self) -> dict:
        return {
            "respondents": self.respondents,
            "nrr": [round(n, 3) for n in self.nrr],
            "ikm": round(self.ikm, 3),
            "converted": self.converted,
            "grade": self.grade,
            "grade_name": self.grade_name,
        }


def index(answers: Sequence[Sequence[int]]) -> Index | None:
    """The index of these responses (each nine scores 1-4); None for no response."""
    if not answers:
        return None
    respondents = len(answers)
    nrr = [sum(response[e] for response in answers) / respondents for e in range(ELEMENTS)]
    ikm = sum(n * WEIGHT for n in nrr)
    converted = round(ikm * 25, 2)
    grade, name = grade_of(converted)
    return Index(respondents, nrr, ikm, converted, grade, name)


def grade_of(converted: float) -> tuple[str, str]:
    for lowest, grade, name in GRADES:
        if converted >= lowest:
            return grade, name
    return GRADES[-1][1], GRADES[-1][2]


def minimum_sample(population: int) -> int:
    """Krejcie and Morgan's sample for a population of N served visitors, rounded up
    (N = 100 -> 80, 1,000 -> 278, 3,000 -> 341, 10,000 -> 370, 100,000 -> 383)."""
    if population <= 0:
        return 0
    variance = CHI_SQUARE * PROPORTION * (1 - PROPORTION)
    sample = CHI_SQUARE * population * PROPORTION * (1 - PROPORTION) / (MARGIN**2 * (population - 1) + variance)
    return min(population, math.ceil(round(sample, 9)))
