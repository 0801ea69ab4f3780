"""Triage across runs in the index: new failure, failing since which run, flaky, red since."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from runner.publish.local_target import LocalTarget
from runner.publish.publisher import publish_run
from runner.settings import resolve
from tests.support.runs import synthetic_run


def _verdicts(page: str) -> dict[str, str]:
    """Scenario name -> verdict text, for the newest run's failures on the page."""
    import re

    newest = page.split('<tr class="triage">', 1)[1].split("</ul>", 1)[0]
    found = re.findall(
        r'<div class="scenario">(.*?) <span class="muted">.*?<span class="verdict [^"]+">(.*?)</span>', newest
    )
    return dict(found)


def test_the_index_tells_new_long_standing_and_flaky_failures_apart(tmp_path: Path) -> None:
    settings = resolve(tmp_path, environ={})
    site = LocalTarget(tmp_path / "site")
    start = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    history = [
        # A: passes, then fails from run 2 on.  B: fails from run 1 on.
        # C: fails, passes, fails (flaky).       D: passes until it fails in run 3 (new).
        [("A", "passed"), ("B", "failed"), ("C", "failed"), ("D", "passed")],
        [("A", "failed"), ("B", "failed"), ("C", "passed"), ("D", "passed")],
        [("A", "failed"), ("B", "failed"), ("C", "failed"), ("D", "failed")],
    ]
    runs = []
    for number, scenarios in enumerate(history):
        run = synthetic_run(
            tmp_path / "reports", scenarios=scenarios, started=start + timedelta(hours=number)
        )
        publish_run(site, run, settings, log=lambda _: None)
        runs.append(run)
    page = (tmp_path / "site" / "index.html").read_text()
    verdicts = _verdicts(page)
    assert verdicts["A"] == f"failing since run {runs[1].name} (2 runs)"
    assert verdicts["B"] == f"failing since run {runs[0].name} (3 runs)"
    assert verdicts["C"] == "flaky: fails and passes between runs"
    assert verdicts["D"] == f"new failure (passed in run {runs[1].name})"
    # The branch has been red since its first run.
    assert f'red since 2026-11-01 09:00:00 UTC (run <a href="#run-{runs[0].name}">' in page
    assert "3 runs)" in page


def test_a_branch_turns_green_and_a_first_run_failure_is_new(tmp_path: Path) -> None:
    settings = resolve(tmp_path, environ={})
    site = LocalTarget(tmp_path / "site")
    start = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    first = synthetic_run(
        tmp_path / "reports", branch="feature/x", scenarios=[("A", "failed")], started=start
    )
    publish_run(site, first, settings, log=lambda _: None)
    page = (tmp_path / "site" / "index.html").read_text()
    assert _verdicts(page) == {"A": "new failure (first run of this branch)"}
    green = synthetic_run(
        tmp_path / "reports",
        branch="feature/x",
        scenarios=[("A", "passed")],
        started=start + timedelta(hours=1),
    )
    publish_run(site, green, settings, log=lambda _: None)
    page = (tmp_path / "site" / "index.html").read_text()
    row = page.split('<tr class="branch" id="branch-feature/x">', 1)[1].split("</tr>", 1)[0]
    assert "green" in row and "red since" not in row
