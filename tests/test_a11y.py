"""Accessibility phrases (issue 20): axe-core pinned with the runner, on pages of our own.

Real temporary projects (``E2EProject``) run real pytest and Chromium against the static
pages of ``tests/apps/a11y`` (served on loopback, one of them behind a strict CSP, one with
an iframe); nothing is fetched (the machine is offline but for loopback). Each run's verdicts
are read from run.json (the first line of each error), its attachments from allure-results
and the evidence folder.
"""

from __future__ import annotations

import http.server
import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from runner.serving import serve_in_background
from tests.conftest import E2EProject

APP = Path(__file__).resolve().parent / "apps" / "a11y"
SHORT = "1500"
BROKEN_FIRST_LINE = (
    "3 accessibility violations: color-contrast (serious, 4 elements), image-alt (critical, 1 element), "
    "label (critical, 2 elements)"
)


class _Handler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self) -> None:
        if self.path.startswith("/csp"):
            # What an app's CSP does to add_script_tag and <style>: refused. evaluate still works.
            self.send_header("Content-Security-Policy", "default-src 'self'; img-src data:")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass


@pytest.fixture(scope="module")
def a11y_app() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(APP)))
    thread = serve_in_background(server, name="a11y-app")
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _scenario(name: str, path: str, check: str) -> str:
    return f'  Scenario: {name}\n    Given I open "{path}"\n    Then {check}\n\n'


def _feature(*scenarios: tuple[str, str, str]) -> str:
    return "Feature: Accessibility\n\n" + "".join(_scenario(*s) for s in scenarios)


def _run(project: E2EProject, app: str, feature: str, **env: str):
    project.add_feature("a11y.feature", feature)
    return project.pytest("features/", E2E_BASE_URL=app, E2E_EXPECT_TIMEOUT=SHORT, E2E_TRACE="off", **env)


def _results(run_dir: Path) -> tuple[dict, dict[str, dict]]:
    data = json.loads((run_dir / "run.json").read_text())
    return data, {s["name"]: s for s in data["scenarios"]}


def _first(scenario: dict) -> str:
    return (scenario.get("error") or "").splitlines()[0] if scenario.get("error") else ""


def test_pages_scopes_and_impacts(e2e_project: E2EProject, a11y_app: str) -> None:
    run = _run(
        e2e_project,
        a11y_app,
        _feature(
            ("clean", "/clean.html", "the page has no accessibility violations"),
            ("broken", "/broken.html", "the page has no accessibility violations"),
            ("broken critical", "/broken.html", 'the page has no "critical" accessibility violations'),
            ("broken serious", "/broken.html", 'the page has no "serious" accessibility violations'),
            ("bad impact", "/broken.html", 'the page has no "severe" accessibility violations'),
            (
                "clean part",
                "/broken.html",
                'the element with test id "clean-part" has no accessibility violations',
            ),
            ("form part", "/broken.html", 'the element with test id "form" has no accessibility violations'),
            (
                "no such part",
                "/broken.html",
                'the element with test id "nope" has no accessibility violations',
            ),
            ("main landmark", "/broken.html", 'the "main" landmark has no accessibility violations'),
            ("named landmark", "/broken.html", 'the "Primary" landmark has no accessibility violations'),
            ("nav critical", "/broken.html", 'the "nav" landmark has no "critical" accessibility violations'),
            ("faint critical", "/faint.html", 'the page has no "critical" accessibility violations'),
            ("faint serious", "/faint.html", 'the page has no "serious" accessibility violations'),
            ("behind a CSP", "/csp.html", "the page has no accessibility violations"),
            ("in a frame", "/frame.html", "the page has no accessibility violations"),
        ),
    )
    assert run.run_dir is not None, run.output
    data, scenarios = _results(run.run_dir)
    statuses = {name: s["status"] for name, s in scenarios.items()}
    assert statuses == {
        "clean": "passed",
        "broken": "failed",
        "broken critical": "failed",
        "broken serious": "failed",
        "bad impact": "failed",
        "clean part": "passed",
        "form part": "failed",
        "no such part": "failed",
        "main landmark": "failed",
        "named landmark": "passed",
        "nav critical": "passed",
        "faint critical": "passed",
        "faint serious": "failed",
        "behind a CSP": "failed",
        "in a frame": "failed",
    }, run.output
    assert _first(scenarios["broken"]) == BROKEN_FIRST_LINE
    assert _first(scenarios["broken critical"]) == (
        "2 critical accessibility violations: image-alt (critical, 1 element), label (critical, 2 elements)"
    )
    assert _first(scenarios["broken serious"]).startswith("3 serious or critical accessibility violations: ")
    assert "minor, moderate, serious, critical" in _first(scenarios["bad impact"])
    assert _first(scenarios["form part"]) == "1 accessibility violation: label (critical, 2 elements)"
    assert 'test id "nope"' in _first(scenarios["no such part"]) and "'clean-part'" in _first(
        scenarios["no such part"]
    )
    assert _first(scenarios["main landmark"]) == (
        "2 accessibility violations: color-contrast (serious, 4 elements), label (critical, 2 elements)"
    )
    assert _first(scenarios["faint serious"]) == (
        "1 serious or critical accessibility violation: color-contrast (serious, 1 element)"
    )
    assert _first(scenarios["behind a CSP"]) == "1 accessibility violation: image-alt (critical, 1 element)"
    assert _first(scenarios["in a frame"]) == "1 accessibility violation: image-alt (critical, 1 element)"
    assert "#inner >> " in scenarios["in a frame"]["error"] or "iframe" in scenarios["in a frame"]["error"]

    # The version is recorded with the run, and the run counts violations by impact.
    version = json.loads((_axe_package()).read_text())["version"]
    assert data["metadata"]["axe_core"] == version
    summary = data["accessibility"]
    assert summary["axe_core"] == version
    # Elements once per page: broken.html 2 labels + 1 image, 4 contrast; faint 1; csp and frame 1 each.
    assert summary["violations"] == {"critical": 5, "serious": 5, "moderate": 0, "minor": 0}
    props = (run.run_dir / "allure-results" / "environment.properties").read_text()
    assert f"axe-core = {version}" in props

    # Each scan is attached (readable: help text, URL, selectors, HTML), a failing one with
    # a screenshot of the failing elements outlined.
    texts = _attachments(run.run_dir, "text/plain", "accessibility: /broken.html")
    assert any(
        "How to fix: https://dequeuniversity.com/rules/axe/" in t and '<img class="logo"' in t for t in texts
    )
    shots = list((run.run_dir / "evidence").glob("*broken*/*accessibility-violations-outlined.png"))
    assert shots, sorted(p.name for p in (run.run_dir / "evidence").rglob("*"))
    assert _has_outline_colour(shots[0])
    assert _has_outline_colour(next((run.run_dir / "evidence").glob("*csp*/*outlined.png")))


def test_tags_and_disabled_rules_settings(e2e_project: E2EProject, a11y_app: str) -> None:
    feature = _feature(("broken", "/broken.html", "the page has no accessibility violations"))
    run = _run(e2e_project, a11y_app, feature, E2E_A11Y_TAGS="wcag2aa")
    assert (
        _first(_results(run.run_dir)[1]["broken"])
        == "1 accessibility violation: color-contrast (serious, 4 elements)"
    )
    run = _run(e2e_project, a11y_app, feature, E2E_A11Y_DISABLED_RULES="color-contrast, label")
    assert (
        _first(_results(run.run_dir)[1]["broken"])
        == "1 accessibility violation: image-alt (critical, 1 element)"
    )
    run = _run(
        e2e_project,
        a11y_app,
        feature,
        E2E_A11Y_DISABLED_RULES="no-such-rule",
        E2E_A11Y_TAGS="wcag2a,nonsense",
    )
    error = _first(_results(run.run_dir)[1]["broken"])
    assert "a11y_tags (E2E_A11Y_TAGS (environment)): axe-core" in error and "nonsense" in error
    assert "a11y_disabled_rules (E2E_A11Y_DISABLED_RULES (environment))" in error and "no-such-rule" in error


def test_known_issues_new_known_gone_and_accept(e2e_project: E2EProject, a11y_app: str) -> None:
    known = e2e_project.root / "features" / "a11y-known.json"
    known.write_text(
        json.dumps(
            {
                "pages": {
                    "/broken.html": [
                        {"rule": "image-alt", "target": "img"},
                        {"rule": "label", "target": 'input[name="first"]'},
                        {"rule": "label", "target": 'input[name="gone"]'},
                        {"rule": "list", "target": "ul.removed"},
                    ],
                    "/elsewhere": [{"rule": "label", "target": "#kept"}],
                }
            }
        )
    )
    feature = _feature(("broken", "/broken.html", "the page has no accessibility violations"))
    run = _run(e2e_project, a11y_app, feature)
    data, scenarios = _results(run.run_dir)
    # Known ones do not fail; the new ones do; the gone ones are named.
    assert _first(scenarios["broken"]) == (
        "2 accessibility violations: color-contrast (serious, 4 elements), label (critical, 1 element)"
    )
    assert "2 known violations not counted" in scenarios["broken"]["error"]
    gone = {(g["rule"], g["target"]) for g in data["accessibility"]["gone"]}
    assert gone == {("label", 'input[name="gone"]'), ("list", "ul.removed")}
    assert data["accessibility"]["new"] == 5 and data["accessibility"]["known"] == 2
    (text,) = _attachments(run.run_dir, "text/plain", "accessibility: /broken.html")
    assert "gone from this page" in text and "ul.removed" in text and "[known] img (critical)" in text

    accepted = e2e_project.e2e("a11y", "accept", str(run.run_dir))
    assert accepted.returncode == 0, accepted.output
    assert "5 added, 2 gone and removed, 3 kept" in accepted.output
    pages = json.loads(known.read_text())["pages"]
    assert pages["/elsewhere"] == [{"rule": "label", "target": "#kept"}]
    assert {(e["rule"], e["target"]) for e in pages["/broken.html"]} >= {
        ("image-alt", "img"),
        ("label", 'input[name="last"]'),
    }
    assert not any(e["target"] in ('input[name="gone"]', "ul.removed") for e in pages["/broken.html"])

    run = _run(e2e_project, a11y_app, feature)
    assert _results(run.run_dir)[1]["broken"]["status"] == "passed", run.output

    known.write_text('{"pages": {"/broken.html": [\n  {"rule": "label"}\n]}}')
    run = _run(e2e_project, a11y_app, feature)
    error = _results(run.run_dir)[1]["broken"]["error"]
    assert (
        'a11y-known.json: pages["/broken.html"][0]' in error
        and '"target" must be a non-empty string' in error
    )


def test_accept_refuses_a_folder_that_is_not_a_run(e2e_project: E2EProject, tmp_path: Path) -> None:
    result = e2e_project.e2e("a11y", "accept", str(tmp_path))
    assert result.returncode == 1 and "not a run folder" in result.output


def _axe_package() -> Path:
    from runner.report.tools import ReportTools
    from runner.settings import resolve

    found = ReportTools.from_settings(resolve(Path(__file__).resolve().parents[1])).find_axe()
    assert found is not None, "axe-core is not installed: run `e2e install`"
    return found.parent / "package.json"


def _attachments(run_dir: Path, kind: str, name: str) -> list[str]:
    results = run_dir / "allure-results"
    found = []
    for path in results.glob("*-result.json"):
        stack = [json.loads(path.read_text())]
        while stack:
            node = stack.pop()
            for attachment in node.get("attachments", []):
                if attachment.get("type") == kind and attachment.get("name") == name:
                    found.append((results / attachment["source"]).read_text())
            stack.extend(node.get("steps", []))
    return found


def _has_outline_colour(png: Path) -> bool:
    from PIL import Image

    with Image.open(png) as image:
        rgb = image.convert("RGB")
        colours = rgb.getcolors(maxcolors=1 << 20) or []
    return any(
        abs(r - 0xE0) < 24 and g < 40 and abs(b - 0x7A) < 30 and count > 50 for count, (r, g, b) in colours
    )
