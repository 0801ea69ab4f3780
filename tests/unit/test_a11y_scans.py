"""runner.a11y.scans: a run's scan records summed for run.json, and `accept` into the known file."""

from __future__ import annotations

import json
from pathlib import Path

from runner.a11y.scans import accept, next_scan_path, record_engine, run_summary, write_scan


def _element(target: str, impact: str) -> dict:
    return {"target": target, "html": "<x>", "impact": impact, "summary": ""}


def _scan(run_dir: Path, scenario: str, page: str, violations: dict, **lists: list) -> None:
    folder = run_dir / "evidence" / scenario
    folder.mkdir(parents=True, exist_ok=True)
    record = {
        "page": page,
        "axe_core": "4.14.1",
        "violations": [
            {"rule": rule, "impact": elements[0][1], "elements": [_element(t, i) for t, i in elements]}
            for rule, elements in violations.items()
        ],
        **{key: [{"rule": r, "target": t} for r, t in value] for key, value in lists.items()},
    }
    write_scan(next_scan_path(folder), record)


def test_a_run_without_scans_has_no_summary(tmp_path: Path) -> None:
    assert run_summary(tmp_path) is None


def test_the_summary_counts_each_pages_element_once_by_impact(tmp_path: Path) -> None:
    both = {"label": [("#a", "critical")], "color-contrast": [("p", "serious"), ("q", "serious")]}
    _scan(tmp_path, "one", "/signup", both, new=[("label", "#a")], gone=[("list", "ul"), ("label", "#old")])
    _scan(tmp_path, "two", "/signup", both)  # the same page again: the same elements
    # A scan of part of the page found #old after all: it is not gone.
    _scan(tmp_path, "three", "/signup", {"label": [("#old", "critical")]}, known=[("label", "#old")])
    summary = run_summary(tmp_path)
    assert summary == {
        "axe_core": "4.14.1",
        "scans": 3,
        "violations": {"critical": 2, "serious": 2, "moderate": 0, "minor": 0},
        "new": 1,
        "known": 1,
        "gone": [{"page": "/signup", "rule": "list", "target": "ul"}],
    }
    assert [p.name for p in sorted((tmp_path / "evidence" / "one").iterdir())] == ["a11y-01.json"]


def test_accept_adds_found_removes_gone_and_keeps_the_rest(tmp_path: Path) -> None:
    run_dir, known = tmp_path / "run", tmp_path / "features" / "a11y-known.json"
    known.parent.mkdir()
    known.write_text(
        json.dumps(
            {
                "pages": {
                    "/signup": [
                        {"rule": "list", "target": "ul"},
                        {"rule": "label", "target": "#a", "note": "T-1"},
                    ],
                    "/other": [{"rule": "label", "target": "#kept"}],
                }
            }
        )
    )
    _scan(
        run_dir, "one", "/signup", {"label": [("#a", "critical"), ("#b", "critical")]}, gone=[("list", "ul")]
    )
    result = accept(run_dir, known)
    assert (result.added, result.removed, result.kept, result.pages) == (1, 1, 2, 2)
    pages = json.loads(known.read_text())["pages"]
    assert pages == {
        "/other": [{"rule": "label", "target": "#kept"}],
        "/signup": [{"rule": "label", "target": "#a", "note": "T-1"}, {"rule": "label", "target": "#b"}],
    }
    assert oct(known.stat().st_mode & 0o777) == "0o644"


def test_the_engine_goes_into_the_reports_environment(tmp_path: Path) -> None:
    (tmp_path / "environment.properties").write_text("Browser = Chromium\naxe-core = 4.0\n")
    record_engine(tmp_path, "4.14.1")
    assert (tmp_path / "environment.properties").read_text() == "Browser = Chromium\naxe-core = 4.14.1\n"
