"""The pure parts of triage: quarantine in run.json's counts and the index, the trace link,
the viewer's headers, Allure's trace button pointed at the site, the secret webhook setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.publish.headers import IMMUTABLE, headers_for
from runner.publish.index import RunIndex, entry_from_run
from runner.publish.pages import render_index
from runner.report.allure import ReportError, same_origin_viewer
from runner.report.trace_viewer import viewer_root
from runner.run.summary import RunSummary, ScenarioResult
from runner.settings import SettingsError, resolve

RUN = "20250101-120000-aaaaaa"
TRACE = "evidence/s-1/trace.zip"


def _summary() -> RunSummary:
    return RunSummary.build(
        RUN,
        [
            ScenarioResult(
                id="a", name="Real failure", status="failed", error='no text "Total"\nmore', trace=TRACE
            ),
            ScenarioResult(
                id="b", name="Known bug", status="failed", quarantined=True, quarantine_reason="BUG-1"
            ),
            ScenarioResult(id="c", name="Fixed", status="passed", quarantined=True),
        ],
        started=None,
        finished=None,
        exit_code=0,
    )


def test_a_quarantined_failure_is_counted_apart_and_does_not_fail_the_run() -> None:
    summary = _summary()
    assert (summary.counts.failed, summary.counts.quarantined, summary.counts.passed) == (1, 1, 1)
    assert summary.status == "failed"
    only_quarantined = RunSummary.build(RUN, summary.scenarios[1:], started=None, finished=None, exit_code=0)
    assert only_quarantined.status == "passed" and only_quarantined.counts.quarantined == 1
    assert [s.name for s in summary.scenarios if s.quarantine_can_go] == ["Fixed"]
    assert RunSummary.from_dict(summary.to_dict()).scenarios[1].quarantine_reason == "BUG-1"


def test_the_index_lists_quarantined_failures_apart_and_links_the_trace() -> None:
    entry = entry_from_run(_summary(), published_files={TRACE})
    assert entry.failed_keys and len(entry.failed_keys) == 1, "a quarantined failure is no failure to triage"
    real, held = entry.failures
    assert real.trace == f"runs/{RUN}/{TRACE}" and not real.quarantined
    assert held.quarantined and held.quarantine_reason == "BUG-1"
    index = RunIndex({RUN: ("", entry)})
    served = render_index(index, title="t").decode()
    assert f'href="{viewer_root()}index.html?trace=../../runs/{RUN}/{TRACE}">trace</a>' in served
    assert "quarantined (1)" in served and "quarantined: BUG-1" in served
    assert served.index("Real failure") < served.index("quarantined (1)") < served.index("Known bug")
    from_disk = render_index(index, title="t", single_file=True).decode()
    assert (
        f'href="runs/{RUN}/{TRACE}" download>trace</a>' in from_disk and "playwright show-trace" in from_disk
    )


def test_the_viewer_is_cached_as_immutable_with_its_content_types() -> None:
    root = viewer_root()
    assert headers_for(f"{root}assets/x.js").cache_control == IMMUTABLE
    assert headers_for(f"{root}manifest.webmanifest").content_type.startswith("application/manifest+json")
    assert headers_for("index.html").cache_control != IMMUTABLE


def test_allures_trace_button_is_pointed_at_the_sites_viewer(tmp_path: Path) -> None:
    app = tmp_path / "app-1.js"
    app.write_text('x;const Rs="https://trace.playwright.dev",Ns=`${Rs}/`,Ls=1;', encoding="utf-8")
    same_origin_viewer(app)
    text = app.read_text(encoding="utf-8")
    assert "playwright.dev" not in text
    assert f'Rs=window.location.origin,Ns=new URL("../../../{viewer_root()}index.html"' in text
    unknown = tmp_path / "app-2.js"
    unknown.write_text('open("https://trace.playwright.dev/")', encoding="utf-8")
    with pytest.raises(ReportError, match="needs a new rewrite"):
        same_origin_viewer(unknown)


def test_the_webhook_url_is_a_secret(tmp_path: Path) -> None:
    url = "https://hooks.example.test/services/T0/B0/tok3n"
    settings = resolve(tmp_path, environ={"E2E_NOTIFY_URL": url, "E2E_NOTIFY_ON": "change"})
    assert settings.notify_url == url and settings.notify_on == "change" and url not in repr(settings)
    with pytest.raises(SettingsError) as bad:
        resolve(tmp_path, environ={"E2E_NOTIFY_URL": "hooks.example.test/tok3n"})
    assert "E2E_NOTIFY_URL (environment)" in str(bad.value) and "tok3n" not in str(bad.value)
    with pytest.raises(SettingsError, match="E2E_NOTIFY_ON"):
        resolve(tmp_path, environ={"E2E_NOTIFY_ON": "sometimes"})


def test_the_index_marks_runs_with_visual_changes() -> None:
    visual = [
        {"name": "home", "baseline": "features/__baselines__/home/s/home.local-linux.png", "outcome": "mismatch"},
        {"name": "card", "baseline": "features/__baselines__/home/s/card.local-linux.png", "outcome": "written"},
    ]
    changed = RunSummary.build(
        RUN,
        [ScenarioResult(id="v", name="Looks", status="failed", visual=visual)],
        started=None,
        finished=None,
        exit_code=1,
    )
    entry = entry_from_run(changed, published_files=set())
    assert (entry.visual_mismatches, entry.visual_written) == (1, 1)
    served = render_index(RunIndex({RUN: ("", entry)}), title="t").decode()
    assert "visual changes: 1 differ, 1 baselines written" in served
    unchanged = entry_from_run(_summary(), published_files=set())
    assert "visual changes" not in render_index(RunIndex({RUN: ("", unchanged)}), title="t").decode()
