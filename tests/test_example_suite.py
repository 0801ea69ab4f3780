"""The example suite, run the two ways a user runs it, and its report opened in Chromium."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.support import E2E, REPO
from tests.support.browser import chromium
from tests.support.project import clean_env

pytestmark = pytest.mark.slow


def _env(tmp_path: Path) -> dict[str, str]:
    return clean_env(tmp_path / "state", E2E_REPORTS_DIR=str(tmp_path / "reports"))


def _junit_cases(run_dir: Path) -> set[str]:
    root = ET.parse(run_dir / "junit.xml").getroot()
    return {f"{c.get('classname')}::{c.get('name')}" for c in root.iter("testcase")}


def _cucumber(run_dir: Path) -> set[tuple[str, str, str]]:
    doc = json.loads((run_dir / "cucumber.json").read_text())
    return {
        (feature["uri"], element["id"], ",".join(step["result"]["status"] for step in element["steps"]))
        for feature in doc
        for element in feature["elements"]
    }


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("example-suite")
    env = _env(tmp)
    e2e = E2E
    serial = subprocess.run([e2e, "run"], cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert serial.returncode == 0, serial.stdout[-4000:] + serial.stderr[-4000:]
    serial_dir = (tmp / "reports" / "latest").resolve()
    parallel = subprocess.run(
        [sys.executable, "-m", "pytest", "features/", "-n", "2", "-p", "no:cacheprovider"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert parallel.returncode == 0, parallel.stdout[-4000:]
    parallel_dir = max(
        (p for p in (tmp / "reports").iterdir() if p.is_dir() and p.name != "latest"), key=lambda p: p.name
    )
    assert parallel_dir != serial_dir
    return {"serial": serial_dir, "parallel": parallel_dir}


def test_the_example_suite_is_big_enough_and_green(runs: dict[str, Path]) -> None:
    summary = json.loads((runs["serial"] / "run.json").read_text())
    assert summary["status"] == "passed"
    assert summary["counts"]["total"] >= 12
    assert len({s["id"].split("::")[0] for s in summary["scenarios"]}) >= 4


def test_xdist_run_has_the_same_results_as_the_serial_run(runs: dict[str, Path]) -> None:
    assert _junit_cases(runs["serial"]) == _junit_cases(runs["parallel"])
    assert _cucumber(runs["serial"]) == _cucumber(runs["parallel"])
    serial = {
        s["id"]: s["status"] for s in json.loads((runs["serial"] / "run.json").read_text())["scenarios"]
    }
    parallel = {
        s["id"]: s["status"] for s in json.loads((runs["parallel"] / "run.json").read_text())["scenarios"]
    }
    assert serial == parallel
    assert len(list((runs["parallel"] / "allure-results").glob("*-result.json"))) == len(serial)


def test_every_scenario_has_a_screenshot_in_its_results(runs: dict[str, Path]) -> None:
    for run_dir in runs.values():
        for path in (run_dir / "allure-results").glob("*-result.json"):
            result = json.loads(path.read_text())
            images = [a for a in result.get("attachments", []) if a["type"] == "image/png"]
            assert images, f"{result['name']}: no screenshot"


def _expand_tree(page: Page) -> None:
    # A wait, not a speed check: on a machine shared with other jobs, a 4 MB report can take
    # longer than Playwright's default 30 s to parse (the speed is benchmarks/report_size.py's).
    page.get_by_test_id("tree-section-title").first.wait_for(timeout=90_000)
    expanded = 0
    while (count := page.get_by_test_id("tree-section-title").count()) > expanded:
        for index in range(expanded, count):
            page.get_by_test_id("tree-section-title").nth(index).click()
        expanded = count


def test_the_html_report_shows_every_scenario_with_its_steps_and_a_screenshot(runs: dict[str, Path]) -> None:
    index = runs["serial"] / "report" / "index.html"
    summary = json.loads((runs["serial"] / "run.json").read_text())
    html = index.read_text(encoding="utf-8")
    assert "googletagmanager" not in html, "the report must not call third parties"
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        outside: list[str] = []
        page.on("request", lambda r: outside.append(r.url) if r.url.startswith(("http:", "https:")) else None)
        page.goto(index.as_uri())
        _expand_tree(page)
        titles = page.get_by_test_id("tree-leaf-title").all_inner_texts()
        assert len(titles) == summary["counts"]["total"]
        for scenario in summary["scenarios"]:
            assert any(t.startswith(scenario["name"].split("<")[0]) for t in titles), scenario["name"]

        page.get_by_test_id("tree-leaf").first.click()
        for _ in range(summary["counts"]["total"]):
            page.get_by_test_id("test-result-step-title").first.wait_for()
            assert page.get_by_test_id("test-result-step-title").count() >= 2
            headers = page.get_by_test_id("test-result-attachment-header").filter(has_text="image/webp")
            headers.first.wait_for(timeout=15000)  # the result's attachments render after its steps
            headers.first.click()
            page.wait_for_function("Array.from(document.images).some(i => i.complete && i.naturalWidth > 0)")
            next_button = page.get_by_test_id("test-result-nav-next")
            if next_button.is_disabled():
                break
            next_button.click()
    assert outside == [], f"the report loaded from the network: {outside[:3]}"
