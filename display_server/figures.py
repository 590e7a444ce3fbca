"""The figures every view and report computes the same way (docs/reports.md defines them).

Pure functions: the live hall view, the reports and their exports all call these, so a
figure is the same wherever it is shown.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence


def percentile(values: Sequence[float], percent: float, *, presorted: bool = False) -> int | None:
    """The nearest-rank percentile in whole seconds: the smallest value with at least PERCENT %
    of the values at or below it (never an interpolated value nobody had); None for no values."""
    if not values:
        return None
    ordered = values if presorted else sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return round(ordered[rank - 1])


def median(values: Sequence[float]) -> int | None:
    return percentile(values, 50)


def service_level(waits: Iterable[float], target_minutes: int) -> float | None:
    """The share of called visits that waited at most the target (a wait at the target counts
    as within); None when nobody was called."""
    waits = list(waits)
    if not waits:
        return None
    return sum(1 for w in waits if w <= target_minutes * 60) / len(waits)


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None
