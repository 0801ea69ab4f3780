"""Visual comparison as a team uses it: baselines written once, unchanged runs passing, a CSS
change failing the page but not the element outside it, one image-diff attachment per
failure, the run's images accepted as the new baselines, missing baselines failing in CI.

The app is ``tests/apps/visual/`` (static pages of our own, served from a copy per test so
that a test can change its ``theme.css``).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import http.server
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from runner.serving import serve_in_background
from tests.support.browser import chromium
from tests.support.s3 import client_env, make_bucket
from tests.support.s3 import s3_server as s3_server  # noqa: F401 - fixture

APP = Path(__file__).resolve().parent / "apps" / "visual"
IMAGE_DIFF = "application/vnd.allure.image.diff"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def _served(folder: Path) -> Iterator[str]:
    """``folder`` over HTTP on loopback, while the block runs."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder))
    )
    serve_in_background(server)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def app(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """(base URL, folder) of a copy of the app, served on loopback for this test."""
    folder = tmp_path / "app"
    shutil.copytree(APP, folder)
    with _served(folder) as url:
        yield url, folder


def _project(e2e_project, url: str, extra: str = ""):
    (e2e_project.root / "pyproject.toml").write_text(
        f'[project]\nname = "visual-suite"\nversion = "0"\n\n[tool.e2e]\nbase_url = "{url}"\n'
        f'screenshots = "off"\ntrace = "off"\n{extra}'
    )
    return e2e_project


PAGES = """
Feature: Shop pages

  Scenario: Home
    Given I open "/index.html"
    Then the page looks like the baseline "home"
    And the element with test id "card" looks like the baseline "card"
"""

LOCAL = {"CI": "false", "E2E_RENDERER": "local-linux"}


def _baseline_dir(project) -> Path:
    return project.root / "features" / "__baselines__" / "shop" / "Home"


def _image_diffs(run) -> list[tuple[dict, dict]]:
    """(attachment, its JSON) of every image-diff attachment in the run's allure-results."""
    found = []
    results = run.run_dir / "allure-results"

    def walk(node: dict) -> Iterator[dict]:
        yield from node.get("attachments", [])
        for step in node.get("steps", []):
            yield from walk(step)

    for result in run.allure_results():
        for attachment in walk(result):
            if attachment["type"] == IMAGE_DIFF:
                found.append((attachment, json.loads((results / attachment["source"]).read_text())))
    return found


def _png(data_url: str) -> Image.Image:
    head, _, body = data_url.partition(",")
    assert head == "data:image/png;base64", head
    return Image.open(io.BytesIO(base64.b64decode(body)))


def _report_shows_the_diff(project, run_dir: Path) -> None:
    """The run's single-file Allure report, opened in Chromium, shows the diff viewer."""
    from playwright.sync_api import expect

    report = project.e2e("report", str(run_dir))
    assert report.returncode == 0, report.output
    with chromium(project.root) as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto((run_dir / "report" / "index.html").as_uri())
        page.get_by_text("Home", exact=True).first.click()
        page.get_by_text("home (visual diff)").first.click()
        for mode in ("Actual", "Expected", "Diff", "Overlay", "Side by side"):
            expect(page.get_by_text(mode, exact=True).first).to_be_visible()
        expect(page.get_by_text("1920 × 1080").first).to_be_visible()


def test_baselines_written_then_unchanged_runs_pass_then_a_css_change_fails_the_page_and_is_accepted(
    e2e_project, app
) -> None:
    url, folder = app
    project = _project(e2e_project, url)
    project.add_feature("shop.feature", PAGES)

    first = project.pytest("features", **LOCAL)
    assert first.returncode == 0, first.output
    page = _baseline_dir(project) / "home.local-linux.png"
    card = _baseline_dir(project) / "card.local-linux.png"
    assert page.is_file() and card.is_file(), sorted(project.root.rglob("*.png"))
    assert Image.open(card).size == (304, 124)  # the element only, border included
    scenario = first.run_json()["scenarios"][0]
    assert scenario["status"] == "passed"
    assert {v["name"]: v["outcome"] for v in scenario["visual"]} == {"home": "written", "card": "written"}
    tags = {label["value"] for label in first.allure_results()[0]["labels"] if label["name"] == "tag"}
    assert "baseline written" in tags

    # Unchanged: passes with an endless animation, a transition and a focused input on the page.
    for _ in range(2):
        again = project.pytest("features", **LOCAL)
        assert again.returncode == 0, again.output
        assert not again.run_json()["scenarios"][0]["visual"]
        assert not (again.run_dir / "visual").exists()  # actual images only for mismatches

    (folder / "theme.css").write_text("header { background: #a26; }\n")
    changed = project.pytest("features", **LOCAL)
    assert changed.returncode == 1, changed.output
    scenario = changed.run_json()["scenarios"][0]
    assert scenario["status"] == "failed"
    assert 'Then the page looks like the baseline "home"' in scenario["failed_step"]
    assert '"home" does not look like its baseline' in scenario["error"]
    assert [v["name"] for v in scenario["visual"]] == ["home"]  # the card is outside the change
    diffs = _image_diffs(changed)
    assert len(diffs) == 1, diffs
    attachment, content = diffs[0]
    assert attachment["source"].endswith(".imagediff")
    expected, actual, diff = (_png(content[k]) for k in ("expected", "actual", "diff"))
    assert expected.size == actual.size == diff.size
    assert diff.getpixel((5, 5))[:3] == (255, 0, 0)  # the header, in red
    kept = (
        changed.run_dir / "visual" / "features" / "__baselines__" / "shop" / "Home" / "home.local-linux.png"
    )
    assert kept.is_file()

    accepted = project.e2e("baselines", "accept", str(changed.run_dir), **LOCAL)
    assert accepted.returncode == 0, accepted.output
    assert "updated: features/__baselines__/shop/Home/home.local-linux.png" in accepted.output
    assert page.read_bytes() == kept.read_bytes()
    after = project.pytest("features", **LOCAL)
    assert after.returncode == 0, after.output


def test_a_missing_baseline_fails_under_ci_and_is_accepted_from_the_published_run(
    e2e_project, app, s3_server
) -> None:
    url, _ = app
    project = _project(e2e_project, url)
    project.add_feature("shop.feature", PAGES)
    local = _baseline_dir(project) / "home.local-linux.png"
    local.parent.mkdir(parents=True)
    local.write_bytes(b"")  # only its name matters here

    run = project.pytest("features", CI="true", E2E_RENDERER="image")
    assert run.returncode == 1, run.output
    scenario = run.run_json()["scenarios"][0]
    assert scenario["status"] == "failed"
    assert scenario["error"].startswith(
        'No baseline "home" for the renderer image (there is one for: local-linux): '
        "features/__baselines__/shop/Home/home.image.png"
    )
    assert not (_baseline_dir(project) / "home.image.png").exists()  # nothing written under CI

    # The CI's rendering is taken from the published run, without rendering locally.
    bucket = make_bucket(s3_server.endpoint, public=False)
    aws = client_env(s3_server.endpoint)
    published = project.e2e("publish", str(run.run_dir), "--bucket", bucket, **aws)
    assert published.returncode == 0, published.output
    source = f"s3://{bucket}/e2e/runs/{run.run_dir.name}/"
    accepted = project.e2e("baselines", "accept", source, **aws)
    assert accepted.returncode == 0, accepted.output
    assert "added: features/__baselines__/shop/Home/home.image.png" in accepted.output
    assert (_baseline_dir(project) / "home.image.png").is_file()
    # The same run by its URL on a site (here its folder, served over HTTP): nothing left to change.
    with _served(run.run_dir) as url:
        again = project.e2e("baselines", "accept", url, "--dry-run")
    assert again.returncode == 0, again.output
    assert "would be unchanged: features/__baselines__/shop/Home/home.image.png" in again.output
    rerun = project.pytest("features", CI="true", E2E_RENDERER="image", E2E_UPDATE_BASELINES="missing")
    assert rerun.returncode == 0, rerun.output
    assert [v["name"] for v in rerun.run_json()["scenarios"][0]["visual"]] == ["card"]


CLOCK = """
Feature: Clock

  Scenario: Unmasked
    Given I open "/clock.html"
    Then the page looks like the baseline "clock"

  Scenario: Masked in the phrase
    Given I open "/clock.html"
    Then the page looks like the baseline "clock" masking the test ids "clock, counter"

  Scenario: Masked by the setting and the phrase
    Given I open "/clock.html"
    Then the page looks like the baseline "clock" masking the test ids "counter"
"""


def test_masks_make_a_page_that_changes_by_nature_stable(e2e_project, app) -> None:
    url, _ = app
    project = _project(e2e_project, url, 'visual_mask_test_ids = ["clock"]\nexpect_timeout = 1500\n')
    project.add_feature("clock.feature", CLOCK)
    for _ in range(2):
        run = project.pytest("features", **LOCAL)
        by_name = {s["name"]: s for s in run.run_json()["scenarios"]}
        unmasked = by_name["Unmasked"]
        assert unmasked["status"] == "failed", run.output
        assert "did not settle" in unmasked["error"]  # the setting's mask alone leaves the counter
        assert by_name["Masked in the phrase"]["status"] == "passed", run.output
        assert by_name["Masked by the setting and the phrase"]["status"] == "passed", run.output
    shot = Image.open(
        project.root / "features/__baselines__/clock/Masked-in-the-phrase/clock.local-linux.png"
    )
    assert shot.convert("RGB").getpixel((30, 100)) == (255, 0, 255)  # painted in the mask colour


def test_a_size_change_fails_with_both_sizes_and_thresholds_come_from_the_settings(e2e_project, app) -> None:
    url, folder = app
    project = _project(e2e_project, url)
    project.add_feature(
        "shop.feature",
        PAGES.replace('    Then the page looks like the baseline "home"\n    And', "    Then"),
    )
    assert project.pytest("features", **LOCAL).returncode == 0
    # A slightly different card colour: within a loose per-pixel threshold, not the default one.
    (folder / "theme.css").write_text(".card { background: #afafc0; }\n")
    strict = project.pytest("features", **LOCAL)
    assert strict.returncode == 1, strict.output
    loose = project.pytest("features", **LOCAL, E2E_VISUAL_THRESHOLD="0.3")
    assert loose.returncode == 0, loose.output
    allowed = project.pytest("features", **LOCAL, E2E_VISUAL_MAX_DIFF_PIXEL_RATIO="0.99")
    assert allowed.returncode == 0, allowed.output

    (folder / "theme.css").write_text(".card { height: 200px; }\n")
    bigger = project.pytest("features", **LOCAL)
    assert bigger.returncode == 1, bigger.output
    error = bigger.run_json()["scenarios"][0]["error"]
    assert "the size changed: expected 304x124, actual 304x204" in error
    assert len(_image_diffs(bigger)) == 1
