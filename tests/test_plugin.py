"""The pytest plugin as a user meets it: real pytest runs, real Chromium, the bundled demo app."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from tests.support import DATA, E2EProject

FAST = {"E2E_EXPECT_TIMEOUT": "1500"}


def _by_name(results: list[dict], name: str) -> dict:
    matches = [r for r in results if r["name"] == name]
    assert matches, f"no Allure result named {name!r}: {[r['name'] for r in results]}"
    return matches[0]


def test_failing_scenario_keeps_the_failing_steps_screenshot_and_a_trace(e2e_project: E2EProject) -> None:
    e2e_project.add_feature("failing.feature")
    run = e2e_project.pytest(**FAST)
    assert run.returncode == 1, run.output
    summary = run.run_json()
    assert summary["counts"]["failed"] == 1 and summary["counts"]["passed"] == 1
    failed = next(s for s in summary["scenarios"] if s["status"] == "failed")
    assert failed["name"] == "Login shows a message that is not there"
    assert failed["failed_step"] == 'Then I see "This text is never on the page"'
    assert "This text is never on the page" in run.output
    assert (run.run_dir / failed["screenshot"]).stat().st_size > 1000

    results = run.allure_results()
    failing = _by_name(results, "Login shows a message that is not there")
    assert failing["status"] == "failed"
    step = next(s for s in failing["steps"] if "never on the page" in s["name"])
    assert step["status"] == "failed"
    shots = [a for a in step.get("attachments", []) if a["type"] == "image/png"]
    assert shots, "the failing step has no screenshot attached"
    png = run.run_dir / "allure-results" / shots[0]["source"]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    traces = [
        a for a in failing.get("attachments", []) if a["type"] == "application/vnd.allure.playwright-trace"
    ]
    assert len(traces) == 1
    assert (run.run_dir / "allure-results" / traces[0]["source"]).stat().st_size > 1000
    # Recording from the first step on: its trace's start is sent with the page's creation and
    # waited for before the step runs, so the first page action traced is that step's page load.
    with zipfile.ZipFile(run.run_dir / "allure-results" / traces[0]["source"]) as archive:
        events = [json.loads(line) for line in archive.read("trace.trace").splitlines() if line.strip()]
    frame_calls = [e for e in events if e.get("type") == "before" and e.get("class") == "Frame"]
    assert frame_calls and frame_calls[0]["method"] == "goto", [e["method"] for e in frame_calls[:5]]
    assert frame_calls[0]["params"]["url"].endswith("/login")
    assert any(a["name"] == "page URL" for a in failing["attachments"])

    passing = _by_name(results, "The home page opens")
    assert passing["status"] == "passed"
    assert [a["name"] for a in passing["attachments"] if a["type"] == "image/png"] == ["final state"]
    assert not any(a["type"].endswith("playwright-trace") for a in passing["attachments"]), (
        "trace kept for a pass"
    )

    junit = ET.parse(run.run_dir / "junit.xml").getroot()
    assert junit.find(".//testsuite").get("failures") == "1"
    cucumber = json.loads((run.run_dir / "cucumber.json").read_text())
    element = next(e for f in cucumber for e in f["elements"] if e["name"] == failed["name"])
    assert [s["result"]["status"] for s in element["steps"]] == ["passed", "passed", "failed", "skipped"]
    assert all(
        isinstance(s["result"]["duration"], int) for f in cucumber for e in f["elements"] for s in e["steps"]
    )


def test_gherkin_syntax_error_names_file_line_and_text(e2e_project: E2EProject) -> None:
    e2e_project.add_feature("syntax_error.feature")
    run = e2e_project.pytest()
    assert run.returncode == 2, run.output
    assert re.search(r"syntax_error\.feature:5: Gherkin syntax error", run.output), run.output
    assert "line 5: This line is not a step at all" in run.output


def test_missing_step_prints_the_step_and_a_snippet_that_works_when_pasted(e2e_project: E2EProject) -> None:
    e2e_project.add_feature("missing_step.feature")
    run = e2e_project.pytest(**FAST)
    assert run.returncode == 1, run.output
    assert 'When I teleport to "Mars" with 3 friends' in run.output
    assert "missing_step.feature:5" in run.output
    snippet = run.output[run.output.index("from pytest_bdd import") :]
    snippet = snippet[: snippet.index("raise NotImplementedError")] + "    pass\n"
    assert "@when(parsers.parse('I teleport to \"{value1}\" with 3 friends'))" in snippet
    assert run.output.count("Traceback") == 0

    e2e_project.add_steps("teleport.py", snippet)
    again = e2e_project.pytest(**FAST)
    assert again.returncode == 0, again.output


def test_unreachable_base_url_is_reported_once_before_any_scenario(e2e_project: E2EProject) -> None:
    e2e_project.add_feature("two_scenarios.feature")
    url = "http://127.0.0.1:9/app"  # the discard port: nothing listens there
    run = e2e_project.pytest(E2E_BASE_URL=url)
    assert run.returncode == 4, run.output
    assert run.output.count("The app under test is unreachable") == 1
    assert f"{url} (E2E_BASE_URL (environment))" in run.output
    assert "Connection refused" in run.output
    assert "Traceback" not in run.output
    assert run.run_json()["status"] == "error"


def test_no_chromium_says_what_to_install(e2e_project: E2EProject, tmp_path: Path) -> None:
    import sys

    e2e_project.add_feature("two_scenarios.feature")
    empty = tmp_path / "no-browsers"
    empty.mkdir()
    run = e2e_project.pytest(PATH=str(Path(sys.executable).parent), PLAYWRIGHT_BROWSERS_PATH=str(empty))
    assert run.returncode == 4, run.output
    assert "No Chromium found" in run.output
    assert "apt-get install -y chromium" in run.output and "playwright install chromium" in run.output


def test_bad_setting_names_its_source(e2e_project: E2EProject) -> None:
    e2e_project.add_feature("two_scenarios.feature")
    run = e2e_project.pytest(E2E_VIEWPORT="huge")
    assert run.returncode == 4, run.output
    assert "E2E_VIEWPORT (environment) = 'huge': expected WIDTHxHEIGHT" in run.output

    run = e2e_project.pytest(E2E_BROWSER_ARGS="--mute-audio --disable-features=Translate")
    assert run.returncode == 4, run.output
    assert (
        "E2E_BROWSER_ARGS (environment): --disable-features would replace the list Playwright" in run.output
    )

    pyproject = e2e_project.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + 'screenshot = "always"\n')
    run = e2e_project.pytest()
    assert "unknown key(s) in [tool.e2e]: screenshot" in run.output


def test_a_browser_that_dies_mid_run_is_replaced_for_the_next_scenario(e2e_project: E2EProject) -> None:
    e2e_project.add_feature("browser_dies.feature")
    e2e_project.add_steps("killer.py")
    run = e2e_project.pytest(**FAST)
    assert run.returncode == 0, run.output
    assert "2 passed" in run.output
    # The replacement browser was this session's to stop: nothing is left behind.
    assert not list((e2e_project.root / ".e2e-state").glob("browser-*.json"))


def test_evidence_does_not_depend_on_the_users_own_fixtures(e2e_project: E2EProject) -> None:
    e2e_project.add_feature("failing.feature")
    e2e_project.add_file("own_fixtures_conftest.py", "conftest.py")
    run = e2e_project.pytest(**FAST)
    assert run.returncode == 1, run.output
    failing = _by_name(run.allure_results(), "Login shows a message that is not there")
    step = next(s for s in failing["steps"] if "never on the page" in s["name"])
    assert any(a["type"] == "image/png" for a in step.get("attachments", []))
    assert any(a["type"].endswith("playwright-trace") for a in failing["attachments"])


def test_every_step_screenshots_is_one_option(e2e_project: E2EProject) -> None:
    e2e_project.add_feature("two_scenarios.feature")
    run = e2e_project.pytest("--screenshots", "every-step")
    assert run.returncode == 0, run.output
    for result in run.allure_results():
        for step in result["steps"]:
            assert [a["type"] for a in step.get("attachments", [])] == ["image/png"], step["name"]


def test_jpeg_screenshots_are_a_setting_and_their_quality_too(e2e_project: E2EProject) -> None:
    e2e_project.add_feature("two_scenarios.feature")
    run = e2e_project.pytest("--screenshot-format", "jpeg", "--screenshot-quality", "30")
    assert run.returncode == 0, run.output
    shots = sorted((run.run_dir / "evidence").rglob("*.jpg"))
    assert shots and not list((run.run_dir / "evidence").rglob("*.png")), run.output
    assert all(shot.read_bytes()[:3] == b"\xff\xd8\xff" for shot in shots), "not JPEG files"
    for result in run.allure_results():
        types = [a["type"] for a in result.get("attachments", []) if a["name"] != "browser console errors"]
        types += [a["type"] for s in result["steps"] for a in s.get("attachments", [])]
        assert "image/jpeg" in types and "image/png" not in types, result["name"]
    bad = e2e_project.pytest(E2E_SCREENSHOT_QUALITY="101")
    assert bad.returncode != 0 and "E2E_SCREENSHOT_QUALITY" in bad.output, bad.output


def test_each_run_gets_its_own_folder(e2e_project: E2EProject) -> None:
    e2e_project.add_feature("two_scenarios.feature")
    first = e2e_project.pytest()
    second = e2e_project.pytest()
    assert first.returncode == second.returncode == 0
    assert first.run_dir != second.run_dir
    assert (first.run_dir / "run.json").is_file() and (second.run_dir / "run.json").is_file()


def test_a_flaky_scenario_rerun_is_marked_flaky_and_keeps_both_attempts(e2e_project: E2EProject) -> None:
    e2e_project.add_feature("flaky.feature")
    e2e_project.add_steps("flaky.py")
    run = e2e_project.pytest("--reruns", "1")
    assert run.returncode == 0, run.output
    scenario = run.run_json()["scenarios"][0]
    assert scenario["status"] == "passed" and scenario["flaky"] is True and scenario["retries"] == 1
    assert run.run_json()["counts"]["flaky"] == 1
    folders = sorted(p.name for p in (run.run_dir / "evidence").iterdir())
    assert len(folders) == 2 and folders[1].endswith("-attempt2"), folders
    assert list((run.run_dir / "evidence" / folders[0]).glob("*failed-step*.png")), (
        "first attempt's failure lost"
    )


def test_console_errors_and_viewport_are_in_the_evidence(e2e_project: E2EProject) -> None:
    e2e_project.add_feature(
        "console.feature",
        """Feature: Console errors

  Scenario: A page logs an error
    Given I open "/"
    When the page logs the error "payment widget failed to load"
""",
    )
    e2e_project.add_steps("console.py")
    run = e2e_project.pytest("--viewport", "800x600")
    assert run.returncode == 0, run.output
    result = run.allure_results()[0]
    console = next(a for a in result["attachments"] if a["name"] == "browser console errors")
    assert "payment widget failed to load" in (run.run_dir / "allure-results" / console["source"]).read_text()
    final = next(a for a in result["attachments"] if a["name"] == "final state")
    png = (run.run_dir / "allure-results" / final["source"]).read_bytes()
    assert int.from_bytes(png[16:20], "big") == 800 and int.from_bytes(png[20:24], "big") == 600


def test_a_scenario_that_opens_no_page_shows_nothing_of_the_scenario_before(e2e_project: E2EProject) -> None:
    """A finished scenario's context is closed without the next scenario waiting for the answer
    (``runner.browser.background``); until it is gone it is nobody's: a scenario after it that
    opens no page and fails has no screenshot, URL or trace of the earlier page."""
    e2e_project.add_feature(
        "two.feature",
        """Feature: One page, then none

  Scenario: A page opens
    Given I open "/"
    Then I see the heading "Welcome to the Demo Bookshop"

  Scenario: No page is opened
    Given a check that needs no page fails
""",
    )
    e2e_project.add_steps(
        "no_page.py",
        """from pytest_bdd import given


@given("a check that needs no page fails")
def fails():
    raise AssertionError("the check failed on its own")
""",
    )
    run = e2e_project.pytest(**FAST)
    assert run.returncode == 1, run.output
    scenarios = {s["name"]: s for s in run.run_json()["scenarios"]}
    assert scenarios["A page opens"]["status"] == "passed", run.output
    alone = scenarios["No page is opened"]
    assert alone["status"] == "failed" and "the check failed on its own" in alone["error"], run.output
    assert alone.get("screenshot") is None and alone.get("final_screenshot") is None, alone
    result = _by_name(run.allure_results(), "No page is opened")
    names = [a["name"] for a in result.get("attachments", [])]
    names += [a["name"] for s in result["steps"] for a in s.get("attachments", [])]
    assert not any(n in ("page URL", "final state", "Playwright trace") or n.startswith("failed step") for n in names)


def test_the_runs_node_processes_share_a_compile_cache(e2e_project: E2EProject, tmp_path: Path) -> None:
    """Playwright's driver and the shared browser server start with Node's compile cache in the
    user's cache folder (the image has one made at build): V8's compiled code is kept there."""
    e2e_project.add_feature("failing.feature")
    cache = tmp_path / "user-cache"
    run = e2e_project.pytest("-k", "home", XDG_CACHE_HOME=str(cache), **FAST)
    assert run.returncode == 0, run.output
    folder = cache / "e2e-runner" / "node-compile-cache"
    assert folder.is_dir() and any(p.is_file() for p in folder.rglob("*")), run.output


@pytest.mark.parametrize("workers", [None, "2"], ids=["serial", "two workers"])
def test_what_a_process_holds_from_its_start_is_frozen_and_a_scenarios_garbage_still_goes(
    e2e_project: E2EProject, workers: str | None
) -> None:
    """Every process of a run (serial, or xdist's controller and workers) keeps what it holds
    from its start (imports, the collected scenarios) out of later garbage collections, while
    the reference cycles a scenario leaves behind are still collected: frozen objects do not
    grow with the scenarios."""
    e2e_project.add_feature(
        "cycles.feature",
        """Feature: Garbage of scenarios

  Scenario Outline: A scenario leaves a reference cycle
    Given a reference cycle is left behind as "<name>"

    Examples:
      | name  |
      | one   |
      | two   |
      | three |
""",
    )
    e2e_project.add_steps(
        "cycles.py",
        """import gc
import os
import weakref

from pytest_bdd import given, parsers

GONE = []


@given(parsers.parse('a reference cycle is left behind as "{name}"'))
def cycle(name):
    node = {"name": name}
    node["self"] = node
    holder = type("Holder", (), {})()
    holder.node = node
    holder.me = holder
    weakref.finalize(holder, GONE.append, name)


def pytest_sessionfinish(session):
    gc.collect()
    who = os.environ.get("PYTEST_XDIST_WORKER", "controller")
    with open(os.path.join(str(session.config.rootpath), f"heap-{who}.txt"), "w") as out:
        out.write(f"{gc.get_freeze_count()} {len(GONE)}")
""",
    )
    args = ("-n", workers) if workers else ()
    run = e2e_project.pytest(*args, **FAST)
    assert run.returncode == 0, run.output
    seen = {p.stem: p.read_text().split() for p in e2e_project.root.glob("heap-*.txt")}
    assert set(seen) == ({"heap-controller", "heap-gw0", "heap-gw1"} if workers else {"heap-controller"}), seen
    for who, (frozen, _gone) in seen.items():
        assert int(frozen) > 20_000, f"{who}: only {frozen} objects frozen"
    assert sum(int(gone) for _frozen, gone in seen.values()) == 3, seen


def test_an_unset_app_is_an_error_listing_where_to_set_it(e2e_project: E2EProject) -> None:
    e2e_project.add_feature("two_scenarios.feature")
    pyproject = e2e_project.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('base_url = "demo"\n', ""))
    run = e2e_project.pytest()
    assert run.returncode == 4, run.output
    assert "No app under test is set" in run.output
    for place in ("[tool.e2e]", "E2E_BASE_URL", "--base-url", 'base_url = "demo"'):
        assert place in run.output
    assert "passed" not in run.output


def test_the_first_line_names_the_app_under_test(e2e_project: E2EProject) -> None:
    e2e_project.add_feature("two_scenarios.feature")
    run = e2e_project.e2e("run", "--no-report")
    assert run.returncode == 0, run.output
    first = run.stderr.splitlines()[0]
    assert first.startswith("e2e: testing the bundled demo app at http://127.0.0.1:"), first
    assert "pyproject.toml [tool.e2e] base_url" in first


def test_pytest_moves_latest_like_e2e_run_and_only_to_a_complete_run(e2e_project: E2EProject) -> None:
    e2e_project.add_feature("two_scenarios.feature")
    first = e2e_project.pytest()
    assert first.returncode == 0, first.output
    latest = e2e_project.root / "reports" / "latest"
    assert latest.resolve() == first.run_dir.resolve()
    # An older run finishing after a newer one does not take latest back.
    from runner.run.folder import point_latest

    older = e2e_project.root / "reports" / "20000101-000000-aaaaaa"
    older.mkdir()
    (older / "run.json").write_text("{}")
    assert point_latest(older) is False
    assert latest.resolve() == first.run_dir.resolve()
    second = e2e_project.e2e("run", "--no-report")
    assert latest.resolve() == second.run_dir.resolve()


@pytest.mark.skipif(os.geteuid() != 0, reason="handing files over needs root, as in a container")
def test_a_root_run_in_someone_elses_repository_hands_its_files_over(e2e_project: E2EProject) -> None:
    e2e_project.add_feature("two_scenarios.feature")
    os.chown(e2e_project.root, 12345, 12345)
    run = e2e_project.e2e("run")
    assert run.returncode == 0, run.output
    owned = {(p.stat(follow_symlinks=False).st_uid) for p in [run.run_dir, *run.run_dir.rglob("*")]}
    assert owned == {12345}
    assert (e2e_project.root / "reports").stat().st_uid == 12345
    assert (e2e_project.root / "reports" / "latest").lstat().st_uid == 12345


@pytest.mark.skipif(os.geteuid() != 0, reason="handing files over needs root, as in a container")
def test_a_root_run_never_hands_over_a_reports_folder_that_was_there(e2e_project: E2EProject) -> None:
    """Issue 22: a root-owned reports folder that existed before the run keeps its owner, by
    ``e2e run`` and ``pytest features/`` alike; the run folders they made are given away."""
    e2e_project.add_feature("two_scenarios.feature")
    (e2e_project.root / "reports").mkdir()
    os.chown(e2e_project.root, 12345, 12345)
    for run in (e2e_project.e2e("run", "--no-report"), e2e_project.pytest()):
        assert run.returncode == 0, run.output
        assert {p.lstat().st_uid for p in [run.run_dir, *run.run_dir.rglob("*")]} == {12345}
    assert (e2e_project.root / "reports").lstat().st_uid == 0
    assert (e2e_project.root / "reports" / "latest").lstat().st_uid == 0


def test_two_actors_failure_shows_the_failing_actors_page_first_and_both_traces(
    e2e_project: E2EProject,
) -> None:
    import zipfile

    e2e_project.add_feature("two_actors.feature")
    e2e_project.add_steps("two_actors.py", (DATA / "two_actors_steps.py").read_text())
    run = e2e_project.pytest("--expect-timeout", "1500")
    assert run.returncode == 1, run.output
    summary = run.run_json()
    (scenario,) = summary["scenarios"]
    assert scenario["failed_step"] == 'Then Bob sees the heading "Your account"'
    # What was expected and what was there, in the first line.
    assert scenario["error"].startswith('No heading named "Your account". Headings here: '), scenario["error"]
    (result,) = run.allure_results()
    step = next(s for s in result["steps"] if s["name"].startswith("Then Bob sees"))
    shots = [a["name"] for a in step.get("attachments", []) if a["type"] == "image/png"]
    assert len(shots) == 2, shots
    assert shots[0].startswith("failed step: ") and "[bob, context 2 page 1: http" in shots[0], shots
    assert "context 1 page 1: http" in shots[1] and "/account" in shots[1], shots
    # The failure screenshot in run.json is the failing actor's page (the first one taken).
    assert scenario["screenshot"] and "failed-step" in scenario["screenshot"]
    # Step parameters are the Gherkin arguments only, never fixtures.
    sign_in = next(s for s in result["steps"] if s["name"].startswith("When Alice signs in"))
    assert {p["name"] for p in sign_in.get("parameters", [])} == {"username", "password"}
    assert all(
        p["name"] not in {"alice", "bob", "page"} for s in result["steps"] for p in s.get("parameters", [])
    )
    # Each context's trace holds all of its actions, from its first one.
    traces = sorted((run.run_dir / "evidence").glob("*/trace*.zip"))
    assert len(traces) == 2, traces
    texts = []
    for trace in traces:
        with zipfile.ZipFile(trace) as zf:
            texts.append(
                "\n".join(
                    zf.read(n).decode("utf-8", "replace") for n in zf.namelist() if n.endswith(".trace")
                )
            )
    # Alice's context: her first action (goto) and her sign-in; Bob's: his first action.
    assert all('"method":"goto"' in text for text in texts)
    assert sorted('"method":"fill"' in text for text in texts) == [False, True]


def test_failure_output_starts_at_the_users_step_code(e2e_project: E2EProject) -> None:
    e2e_project.add_feature("two_actors.feature")
    e2e_project.add_steps("two_actors.py", (DATA / "two_actors_steps.py").read_text())
    run = e2e_project.pytest("--expect-timeout", "1500")
    assert run.returncode == 1
    failure = run.output[run.output.index("___ ") :]
    assert "call_fixture_func" not in failure and "pluggy" not in failure and "_pytest" not in failure
    # The first frame is the user's step, then the library function it called.
    assert failure.index("def bob_sees") < failure.index("steps/two_actors.py:") < failure.index("def see_heading")


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[16:24]
    return int.from_bytes(data[:4], "big"), int.from_bytes(data[4:], "big")


def test_pytest_playwright_flags_work_as_aliases(e2e_project: E2EProject) -> None:
    e2e_project.add_feature("two_scenarios.feature")
    run = e2e_project.pytest("--device", "iPhone 13", "--output", "out", "--slowmo", "0")
    assert run.returncode == 0, run.output
    assert run.run_dir is None and (e2e_project.root / "out").is_dir(), "--output is where run folders go"
    (run_dir,) = [p for p in (e2e_project.root / "out").iterdir() if p.is_dir() and not p.is_symlink()]
    shots = sorted(run_dir.glob("evidence/*/*.png"))
    assert shots and all(_png_size(s) == (390 * 3, 664 * 3) for s in shots), [_png_size(s) for s in shots]

    quiet = e2e_project.pytest("--screenshot", "only-on-failure")
    assert quiet.returncode == 0, quiet.output
    assert not list(quiet.run_dir.glob("evidence/*/*.png")), "passing scenarios keep no screenshot"

    wrong = e2e_project.pytest("--device", "iPhone 99")
    assert wrong.returncode != 0
    assert "not a device Playwright knows" in wrong.output and "iPhone" in wrong.output


def test_browser_context_args_is_overridden_at_session_scope_as_pytest_playwright_documents(
    e2e_project: E2EProject,
) -> None:
    e2e_project.add_feature(
        "language.feature",
        'Feature: Language\n  Scenario: German\n    Given I open "/"\n    Then the browser speaks "de-DE"\n',
    )
    e2e_project.add_file("locale_conftest.py", "conftest.py")
    e2e_project.add_steps("language.py")
    run = e2e_project.pytest()
    assert run.returncode == 0, run.output


ACTION_TIMEOUT_STEPS = '''from pytest_bdd import parsers, then, when


@when(parsers.parse('I click "{selector}" in my own step'))
def click_myself(page, selector):
    page.locator(selector).click()


@then(parsers.parse("an action waits at most {ms:d} ms"))
def action_waits(page, ms):
    # Playwright has no public getter; its client keeps the context's default timeout here.
    assert page.context._impl_obj._timeout_settings.timeout(None) == ms
'''


def test_action_timeout_bounds_every_action_not_the_default_30_seconds(e2e_project: E2EProject) -> None:
    e2e_project.add_steps("actions.py", ACTION_TIMEOUT_STEPS)
    e2e_project.add_feature(
        "missing.feature",
        "Feature: Actions on what is not there\n"
        '  Scenario: A library click\n    Given I open "/"\n    When I click the "Never there" button\n\n'
        '  Scenario: A custom step\'s click\n    Given I open "/"\n'
        '    When I click "#never-there" in my own step\n\n'
        '  Scenario: The timeout given\n    Given I open "/"\n    Then an action waits at most 1500 ms\n',
    )
    run = e2e_project.pytest("features/missing.feature", **FAST, E2E_ACTION_TIMEOUT="1500")
    assert run.returncode == 1, run.output
    results = run.allure_results()
    for name in ("A library click", "A custom step's click"):
        failing = _by_name(results, name)
        # (Allure calls a step's timeout "broken" today; the outcome work makes it "failed".)
        assert failing["status"] in ("failed", "broken"), failing
        step = next(s for s in failing["steps"] if s["status"] in ("failed", "broken"))
        took = (step["stop"] - step["start"]) / 1000
        assert took < 6, f"{name}: the click failed after {took:.1f} s, not within the 1.5 s action timeout"
    custom = _by_name(results, "A custom step's click")
    assert "1500ms" in custom["statusDetails"]["message"], custom["statusDetails"]
    assert _by_name(results, "The timeout given")["status"] == "passed"

    e2e_project.add_feature(
        "default.feature",
        'Feature: The default\n  Scenario: Ten seconds\n    Given I open "/"\n    Then an action waits at most 10000 ms\n',
    )
    default = e2e_project.pytest("features/default.feature")
    assert default.returncode == 0, default.output


def test_workers_start_while_the_shared_browser_starts(e2e_project: E2EProject, tmp_path: Path) -> None:
    """xdist's workers are started beside the shared browser, not after it: a Chromium that
    waits (up to 20 s) for both workers to have configured before it starts sees them, and the
    run passes on that browser (the first scenario is handed out once it is up). Started one
    after the other, the workers would not exist yet, and it would start after its 20 s alone."""
    from tests.support.browser import chromium_path

    marks = tmp_path / "marks"
    marks.mkdir()
    slow = tmp_path / "slow-chromium"
    slow.write_text(
        "#!/bin/sh\n"
        f"for _ in $(seq 200); do [ -e {marks}/gw0 ] && [ -e {marks}/gw1 ] && break; sleep 0.1; done\n"
        f"date +%s.%N > {marks}/chromium-launched\n"
        f'exec {chromium_path()} "$@"\n'
    )
    slow.chmod(0o755)
    e2e_project.add_feature("failing.feature")
    (e2e_project.root / "conftest.py").write_text(
        "import os, time\n\n\n"
        "def pytest_configure(config):\n"
        "    worker = os.environ.get('PYTEST_XDIST_WORKER')\n"
        "    if worker:\n"
        f"        with open(os.path.join({str(marks)!r}, worker), 'w') as out:\n"
        "            out.write(repr(time.time()))\n"
    )
    run = e2e_project.pytest("-n", "2", "-k", "home", E2E_CHROMIUM=str(slow), **FAST)
    assert run.returncode == 0, run.output
    launched = float((marks / "chromium-launched").read_text())
    configured = {w: float((marks / w).read_text()) for w in ("gw0", "gw1")}
    assert all(t < launched for t in configured.values()), (configured, launched)
    assert run.run_json()["counts"]["passed"] == 1, run.output
