"""The crash proof, shortened: 20 SIGKILLs while kiosks issue, counters call, officers sign in and
pause, and screens watch.

The full run is `python -m bench.crash`; see docs/reliability.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.crash import RESYNC_REQUIREMENT, Settings, run


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_nothing_acknowledged_is_lost_across_20_kills(tmp_path: Path) -> None:
    report = run(Settings(kills=20, min_up=0.5, max_up=1.5, workdir=tmp_path))
    print(report.render())
    assert report.problems == []
    assert report.figures["kills"] == 20
    assert report.figures["issue_acks"] > 0 and report.figures["command_acks"] > 0
    assert report.figures["desk_acks"] > 0
    # The requirement itself (checked with the generous bound the brief sets, not as a benchmark):
    assert report.figures["resync_missing"] == 0
    # Every screen after the 4 long up-times and after the last restart, at least.
    assert report.figures["resync_checked"] >= 3 * 5
    assert report.figures["resync_max_s"] <= RESYNC_REQUIREMENT
