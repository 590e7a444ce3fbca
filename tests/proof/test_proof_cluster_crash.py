"""The crash proof against a cluster: three nodes on one PostgreSQL behind nginx, 20 SIGKILLs of
a node chosen at random, while kiosks issue, counters call, officers sign in and screens watch.

The full run is `python -m bench.crash --nodes 3`; see docs/reliability.md and docs/scaling.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.crash import RESYNC_REQUIREMENT, Settings, run


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.nginx
@pytest.mark.timeout(600)
def test_nothing_acknowledged_is_lost_when_nodes_of_a_cluster_are_killed(tmp_path: Path) -> None:
    report = run(Settings(kills=20, min_up=0.5, max_up=1.5, nodes=3, workdir=tmp_path))
    print(report.render())
    assert report.problems == []  # 0 lost, 0 duplicate numbers, 0 double calls, 0 replayed calls
    assert report.figures["kills"] == 20
    assert report.figures["issue_acks"] > 0 and report.figures["command_acks"] > 0
    assert report.figures["desk_acks"] > 0
    assert report.figures["screen_disconnects"] > 0  # screens did lose their node, and came back:
    assert report.figures["resync_missing"] == 0
    assert report.figures["resync_max_s"] <= RESYNC_REQUIREMENT
