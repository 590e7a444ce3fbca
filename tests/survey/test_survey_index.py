"""The SKM arithmetic on hand-computed data (PermenPANRB No. 14 Tahun 2017; docs/skm.md)."""

from __future__ import annotations

import pytest

from display_server.skm import grade_of, index, minimum_sample


def test_the_index_of_three_respondents_worked_by_hand():
    answers = [
        (4, 4, 3, 4, 3, 4, 4, 3, 3),
        (3, 3, 3, 4, 3, 3, 4, 2, 3),
        (4, 3, 2, 4, 4, 3, 4, 3, 4),
    ]
    found = index(answers)
    assert found is not None
    # NRR per element: column sums 11, 10, 8, 12, 10, 10, 12, 8, 10 over 3 respondents
    assert found.nrr == pytest.approx([11 / 3, 10 / 3, 8 / 3, 4.0, 10 / 3, 10 / 3, 4.0, 8 / 3, 10 / 3])
    # IKM = sum(NRR) / 9 = (91 / 3) / 9 = 3.370370...; converted = x 25 = 84.26 (two decimals): B, Baik
    assert found.ikm == pytest.approx(91 / 27)
    assert (found.converted, found.grade, found.grade_name) == (84.26, "B", "Baik")


def test_all_fours_is_a_hundred_and_all_ones_is_twenty_five():
    assert index([(4,) * 9]).converted == 100.0
    assert index([(1,) * 9]).converted == 25.0
    assert index([]) is None


@pytest.mark.parametrize(
    ("converted", "grade"),
    [(100.0, "A"), (88.31, "A"), (88.30, "B"), (76.61, "B"), (76.60, "C"), (65.00, "C"), (64.99, "D"), (25.0, "D")],
)
def test_the_grade_boundaries_are_the_rules_table(converted, grade):
    assert grade_of(converted)[0] == grade


def test_a_converted_index_is_graded_by_its_two_decimals_at_the_a_b_boundary():
    # 24 respondents: 19 answer all 4s (684 points); the other five bring the total to 763 or 762.
    # 763 x 25 / (9 x 24) = 88.3102 -> 88.31: A; 762 -> 88.1944 -> 88.19: B.
    top = [(4,) * 9] * 19
    a_side = index(top + [(4, 4, 1, 1, 1, 1, 1, 1, 2)] * 4 + [(4, 4, 1, 1, 1, 1, 1, 1, 1)])
    b_side = index(top + [(4, 4, 1, 1, 1, 1, 1, 1, 2)] * 3 + [(4, 4, 1, 1, 1, 1, 1, 1, 1)] * 2)
    assert a_side is not None and b_side is not None
    assert (a_side.converted, a_side.grade) == (88.31, "A")
    assert (b_side.converted, b_side.grade) == (88.19, "B")


@pytest.mark.parametrize(("population", "sample"), [(0, 0), (10, 10), (100, 80), (1_000, 278), (3_000, 341),
                                                     (10_000, 370), (100_000, 383)])  # fmt: skip
def test_the_minimum_sample_is_krejcie_and_morgans(population, sample):
    assert minimum_sample(population) == sample
