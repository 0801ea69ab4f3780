"""A team's runs, once more (issue 17): a plain ``pytest`` run folder is finished like any
run, even when the app is down; a missing favicon is not console evidence unless asked
for; ``e2e run`` names its report once."""

from __future__ import annotations

import os

import pytest

from tests.support import E2EProject
from tests.test_environment_values import signin_app  # noqa: F401 - the static app, a fixture

pytestmark = pytest.mark.slow

FEATURE = """\
Feature: Staff sign-in page

  Scenario: The page opens
    Given I open "/"
    Then I see the heading "Staff sign-in"
"""


def _owner_only(run_dir) -> list[str]:
    wrong = []
    for path in [run_dir, *run_dir.rglob("*")]:
        mode = path.stat().st_mode & 0o777
        if mode != (0o700 if path.is_dir() else 0o600):
            wrong.append(f"{path}: {oct(mode)}")
    return wrong


def test_a_plain_pytest_run_with_the_app_down_is_private_and_latest(e2e_project: E2EProject) -> None:
    e2e_project.add_feature("page.feature", FEATURE)
    run = e2e_project.pytest(E2E_BASE_URL="http://127.0.0.1:9/")
    assert run.returncode == 4, run.output
    assert run.run_json()["status"] == "error"
    assert _owner_only(run.run_dir) == []
    latest = e2e_project.root / "reports" / "latest"
    assert latest.is_symlink() and latest.resolve() == run.run_dir.resolve(), os.listdir(latest.parent)


def _console_text(run_dir) -> str:
    texts = []
    for path in run_dir.rglob("*"):
        if path.is_file() and path.suffix in {".txt", ".json"}:
            texts.append(path.read_text(errors="replace"))
    return "\n".join(texts)


def test_a_missing_favicon_is_noise_unless_kept_and_e2e_run_names_its_report_once(
    e2e_project: E2EProject,
    signin_app: str,  # noqa: F811 - the app has no favicon: the browser's request gets a 404
) -> None:
    e2e_project.add_feature("page.feature", FEATURE)
    plain = e2e_project.pytest(E2E_BASE_URL=signin_app)
    assert plain.returncode == 0, plain.output
    assert "favicon.ico" not in _console_text(plain.run_dir)
    assert "HTML report: e2e report" in plain.output, "plain pytest says how to make the report"

    # Chromium asks for no favicon in a context whose requests are routed, which the static
    # cache does (README, "Static assets"): the browser's own request needs the cache off.
    kept = e2e_project.e2e(
        "run", E2E_BASE_URL=signin_app, E2E_CONSOLE_NOISE="keep", E2E_STATIC_CACHE="off"
    )
    assert kept.returncode == 0, kept.output
    assert "favicon.ico" in _console_text(kept.run_dir), "kept: the browser's own 404 is evidence again"
    assert "HTML report: e2e report" not in kept.output
    assert kept.output.count(f"e2e: report reports/{kept.run_dir.name}/report/index.html") == 1, kept.output
