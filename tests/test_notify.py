"""The team told after a publish, as a team meets it: a real failing run (one quarantined failure
beside a real one) published with ``E2E_NOTIFY_URL`` at a webhook on loopback: one message
naming the new failure and not the quarantined one, with the report link; a re-publish stays
quiet; a webhook that answers 500 or never answers costs a warning and a few seconds, and the
publish still succeeds."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from runner.publish.layout import notified_key
from runner.publish.local_target import LocalTarget
from runner.publish.publisher import publish_run
from runner.settings import resolve
from tests.support import E2EProject
from tests.support.web import webhook

pytestmark = pytest.mark.slow

FEATURE = """\
Feature: Checkout

  @quarantine:BUG-9
  Scenario: The known bug
    Given I open "/"
    Then I see "Never there either"

  Scenario: The basket shows its total
    Given I open "/"
    Then I see "A total that is not shown"
"""


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = E2EProject(tmp_path_factory.mktemp("p") / "project")
    project.add_feature("checkout.feature", FEATURE)
    run = project.e2e("run", E2E_EXPECT_TIMEOUT="800", E2E_BRANCH="main")
    assert run.returncode == 1 and run.run_dir is not None, run.output
    return run.run_dir


def test_a_failing_run_notifies_once_naming_the_new_failure(tmp_path: Path, run_dir: Path) -> None:
    site = tmp_path / "site"
    lines: list[str] = []
    with webhook() as (url, received):
        settings = resolve(run_dir, environ={"E2E_NOTIFY_URL": url})
        assert url not in repr(settings), "the webhook URL is a secret"
        publish_run(LocalTarget(site), run_dir, settings, log=lines.append)
        publish_run(LocalTarget(site), run_dir, settings, log=lines.append)
    assert len(received) == 1, (received, lines)
    text = received[0]["text"]
    new, _, quarantined = text.partition("Quarantined")
    assert "New failures (1)" in new and "The basket shows its total" in new and "The known bug" not in new
    assert "The known bug" in quarantined and "Report: file://" in text
    assert (site / notified_key(run_dir.name)).is_file()
    assert not any(url in line for line in lines)


@pytest.mark.parametrize("hang", [False, True], ids=["answers-500", "never-answers"])
def test_a_broken_webhook_never_fails_nor_holds_the_publish(
    tmp_path: Path, run_dir: Path, hang: bool
) -> None:
    lines: list[str] = []
    with webhook(500, hang=hang) as (url, received):
        settings = resolve(run_dir, environ={"E2E_NOTIFY_URL": url, "E2E_NOTIFY_ON": "always"})
        started = time.monotonic()
        result = publish_run(LocalTarget(tmp_path / "site"), run_dir, settings, log=lines.append)
        took = time.monotonic() - started
    assert result.run_id == run_dir.name and len(received) == 1
    assert took < 30, took  # the report is made too; the webhook itself costs at most its 5 s
    warning = [line for line in lines if line.startswith("notify_url:")]
    assert len(warning) == 1 and "the run is published" in warning[0], lines
    assert "SECRET" not in warning[0]
