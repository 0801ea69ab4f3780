"""runner.publish.notify: the message after a publish, POSTed to a real HTTP server on loopback
(one that records, one that answers 500, one that never answers), once per run."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from runner.publish.index import RunIndex, entry_from_run
from runner.publish.layout import notified_key
from runner.publish.local_target import LocalTarget
from runner.publish.notify import MAX_BLOCKS, MAX_SECTION, Listed, message, notify_published
from runner.run.summary import RunSummary, ScenarioResult
from tests.support.web import webhook


def _run(run_id: str, scenarios: list[ScenarioResult], started: str) -> RunSummary:
    return RunSummary.build(
        run_id, scenarios, started=started, finished=started, exit_code=0, metadata={"branch": "main"}
    )


def _failed(name: str, **extra) -> ScenarioResult:
    return ScenarioResult(
        id=f"features/shop.feature::{name}",
        name=name,
        feature="Shop",
        status="failed",
        failed_step='Then I see "Total: 10"',
        error='the page has no text "Total: 10"; it shows "Total: 12"',
        **extra,
    )


def _index(*summaries: RunSummary) -> RunIndex:
    index = RunIndex()
    for summary in summaries:
        entry = entry_from_run(summary, published_files={"history.jsonl"})
        index.entries[summary.run_id] = ("etag", entry)
    return index


RUN = "20250101-120000-aaaaaa"
EARLIER = "20250101-110000-bbbbbb"


def test_a_failing_run_names_its_new_failure_not_the_quarantined_one_once(tmp_path: Path) -> None:
    target = LocalTarget(tmp_path / "site")
    previous = _run(
        EARLIER,
        [ScenarioResult(id="features/shop.feature::Basket total", name="Basket total")],
        "2025-01-01T11:00:00+00:00",
    )
    summary = _run(
        RUN,
        [_failed("Basket total"), _failed("Known bug", quarantined=True, quarantine_reason="BUG-7")],
        "2025-01-01T12:00:00+00:00",
    )
    index = _index(previous, summary)
    entry = index.entries[RUN][1]
    warnings: list[str] = []
    with webhook() as (url, received):
        told = notify_published(
            target,
            entry,
            index,
            url=url,
            notify_on="failure",
            report_link="https://site/report",
            warn=warnings.append,
        )
        again = notify_published(
            target,
            entry,
            index,
            url=url,
            notify_on="always",
            report_link="https://site/report",
            warn=warnings.append,
        )
    assert (told, again) == (True, False) and len(received) == 1, warnings
    text = received[0]["text"]
    assert "FAILED" in text and "https://site/report" in text
    new_part, _, quarantined_part = text.partition("Quarantined")
    assert "New failures (1)" in new_part and "Basket total" in new_part and "Known bug" not in new_part
    assert 'step: Then I see "Total: 10"' in new_part and f"passed in run {EARLIER}" in new_part
    assert "Known bug" in quarantined_part
    assert (tmp_path / "site" / notified_key(RUN)).is_file()


@pytest.mark.parametrize("mode", ["error", "hang"])
def test_a_webhook_that_fails_or_hangs_costs_a_warning_and_a_few_seconds(tmp_path: Path, mode: str) -> None:
    target = LocalTarget(tmp_path / "site")
    summary = _run(RUN, [_failed("Basket total")], "2025-01-01T12:00:00+00:00")
    index = _index(summary)
    warnings: list[str] = []
    with webhook(500, hang=mode == "hang") as (url, received):
        started = time.monotonic()
        told = notify_published(
            target,
            index.entries[RUN][1],
            index,
            url=url,
            notify_on="failure",
            report_link=None,
            warn=warnings.append,
            timeout=1.5,
        )
        took = time.monotonic() - started
    assert told is False and len(received) == 1
    assert took < 3, took
    assert len(warnings) == 1 and ("500" in warnings[0] or "did not answer" in warnings[0]), warnings
    assert "SECRET" not in warnings[0], "the webhook URL is a secret"
    assert not (tmp_path / "site" / notified_key(RUN)).exists(), "not sent: the next publish may try again"


def test_notify_on_decides_against_the_branchs_previous_run(tmp_path: Path) -> None:
    target = LocalTarget(tmp_path / "site")
    previous = _run(EARLIER, [ScenarioResult(id="a", name="a")], "2025-01-01T11:00:00+00:00")
    summary = _run(RUN, [ScenarioResult(id="a", name="a")], "2025-01-01T12:00:00+00:00")
    index = _index(previous, summary)
    with webhook() as (url, received):
        for notify_on in ("failure", "change"):
            assert not notify_published(
                target,
                index.entries[RUN][1],
                index,
                url=url,
                notify_on=notify_on,
                report_link=None,
                warn=print,
            )
        assert notify_published(
            target, index.entries[RUN][1], index, url=url, notify_on="always", report_link=None, warn=print
        )
    assert len(received) == 1 and "PASSED" in received[0]["text"]


def test_a_long_list_is_capped_within_slacks_limits() -> None:
    summary = _run(
        RUN, [_failed(f"Scenario {n} " + "x" * 200) for n in range(60)], "2025-01-01T12:00:00+00:00"
    )
    entry = entry_from_run(summary, published_files=set())
    payload = message(entry, [Listed(f, "new failure") for f in entry.failures * 6], "https://r")
    assert len(payload["blocks"]) <= MAX_BLOCKS
    assert all(len(b["text"]["text"]) <= MAX_SECTION for b in payload["blocks"] if b["type"] == "section")
    assert "more" in payload["text"]
