"""The pytest plugin (``pytest11`` entry point ``e2e``): it only wires the modules together.

- ``feature_collection``: every ``.feature`` file is collected with no Python glue;
- ``steps_loader``: ``steps/*.py`` are registered as plugins (their step definitions are global);
- ``app_under_test``: ``E2E_BASE_URL`` checked once, or the demo app started;
- ``browser_server`` / ``browser_session``: one shared Chromium, reconnected if it dies;
- ``fixtures``: browser/context/page ladder; ``evidence``: screenshots, traces, console;
- ``results``: Cucumber JSON and run.json, complete under xdist.

The plugin is active when the run includes ``.feature`` files (or ``--e2e-run-dir`` is
given); a plain unit-test run is left alone.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import pytest

from runner.plugin import app_under_test
from runner.browser import server as browser_server
from runner.plugin import results
from runner import metadata as run_metadata
from runner.browser.chromium import ChromiumNotFound, find_chromium, launch_args, playwright_ffmpeg
from runner.plugin.evidence import ScenarioEvidence, first_line
from runner.plugin.collection import collect_feature_file, has_features
from runner.plugin.fixtures import (  # noqa: F401 - fixtures are found by name in this plugin module
    EVIDENCE_KEY,
    base_url,
    browser,
    browser_context_args,
    browser_type_launch_args,
    context,
    e2e_browser_session,
    e2e_settings,
    evidence,
    evidence_for,
    page,
    playwright,
)
from runner.run import ALLURE_RESULTS, JUNIT_XML, create_run_dir
from runner.plugin.state import RUN_STATE, RunState
from runner.settings import SettingsError, resolve
from runner.plugin.step_errors import MissingStepDefinition, missing_step
from runner.plugin.steps_loader import load_step_modules

log = logging.getLogger(__name__)

pytest_plugins = ["runner.plugin.sharding"]

# A run that could not start (bad settings, no browser, app unreachable) exits like any
# pytest usage error.
EXIT_SETUP_ERROR = int(pytest.ExitCode.USAGE_ERROR)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("e2e", "end-to-end UI tests (e2e runner)")
    group.addoption(
        "--base-url",
        dest="e2e_base_url",
        help="URL of the app under test [E2E_BASE_URL]; unset: the bundled demo app is started",
    )
    group.addoption(
        "--headed",
        dest="e2e_headed",
        action="store_true",
        default=None,
        help="show the browser window, for local debugging [E2E_HEADED]",
    )
    group.addoption(
        "--chromium",
        dest="e2e_chromium",
        metavar="PATH",
        help="Chromium binary [E2E_CHROMIUM]; default: found automatically",
    )
    group.addoption(
        "--viewport",
        dest="e2e_viewport",
        metavar="WxH",
        help="viewport size, default 1920x1080 [E2E_VIEWPORT]",
    )
    group.addoption(
        "--slow-mo", dest="e2e_slow_mo", metavar="MS", help="slow every action down by MS [E2E_SLOW_MO]"
    )
    group.addoption(
        "--expect-timeout",
        dest="e2e_expect_timeout",
        metavar="MS",
        help="how long assertions wait, default 5000 [E2E_EXPECT_TIMEOUT]",
    )
    group.addoption(
        "--screenshots",
        dest="e2e_screenshots",
        choices=("final", "every-step"),
        help="final: the final state and failing steps (default); every-step: also after each step "
        "[E2E_SCREENSHOTS]",
    )
    group.addoption(
        "--tracing",
        dest="e2e_trace",
        choices=("retain-on-failure", "on", "off"),
        help="Playwright trace, default retain-on-failure [E2E_TRACE]",
    )
    group.addoption(
        "--video",
        dest="e2e_video",
        choices=("off", "retain-on-failure", "on"),
        help="video of each scenario, default off [E2E_VIDEO]",
    )
    group.addoption(
        "--browser-server",
        dest="e2e_browser_server",
        choices=("shared", "private"),
        help="shared: one browser server for all processes (default); private: one browser per "
        "process [E2E_BROWSER_SERVER]",
    )
    group.addoption(
        "--reports-dir",
        dest="e2e_reports_dir",
        metavar="DIR",
        help="where run folders are made, default reports/ [E2E_REPORTS_DIR]",
    )
    group.addoption(
        "--e2e-run-dir",
        dest="e2e_run_dir",
        metavar="DIR",
        help="write this run's results into DIR (made if missing) instead of a new folder",
    )


def _overrides(config: pytest.Config) -> dict[str, object]:
    """The flags of the option group above, by setting name (each flag's dest is ``e2e_<setting>``)."""
    return {
        dest[len("e2e_") :]: value for dest, value in vars(config.option).items() if dest.startswith("e2e_")
    }


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.hasplugin("pytest_playwright") or config.pluginmanager.hasplugin("playwright"):
        raise pytest.UsageError(
            "pytest-playwright is installed beside the e2e runner; both define the browser/page fixtures. "
            "Uninstall it (pip uninstall pytest-playwright): the e2e runner provides the same fixture names."
        )
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        if "e2e_run_dir" not in workerinput:
            return
        run_dir = Path(workerinput["e2e_run_dir"])
    elif config.getoption("e2e_run_dir") or has_features(config.args, list(config.getini("norecursedirs"))):
        run_dir = None
    else:
        return
    try:
        settings = resolve(config.rootpath, _overrides(config))
    except SettingsError as exc:
        raise pytest.UsageError(str(exc)) from None
    is_controller = workerinput is None
    if run_dir is None:
        explicit = config.getoption("e2e_run_dir")
        if explicit:
            run_dir = Path(explicit).resolve()
            (run_dir / ALLURE_RESULTS).mkdir(parents=True, exist_ok=True)
        elif config.option.collectonly:
            # Listing tests produces no results: keep reports/ free of empty run folders.
            run_dir = Path(tempfile.mkdtemp(prefix="e2e-collect-"))
        else:
            run_dir = create_run_dir(settings.reports_dir)
    if not getattr(config.option, "allure_report_dir", None):
        config.option.allure_report_dir = str(run_dir / ALLURE_RESULTS)
    if is_controller and not config.option.xmlpath:
        config.option.xmlpath = str(run_dir / JUNIT_XML)
    load_step_modules(config, settings.project_root)

    from playwright.sync_api import expect

    expect.set_options(timeout=settings.expect_timeout)
    state = RunState(settings=settings, run_dir=run_dir, is_controller=is_controller)
    if workerinput is not None:
        state.base_url = workerinput.get("e2e_base_url")
    else:
        state.writer = results.ResultWriter(
            run_dir, run_dir.name, run_metadata.collect(settings.project_root)
        )
        config.pluginmanager.register(state.writer, "e2e-result-writer")
    config.stash[RUN_STATE] = state
    if is_controller and not (config.option.collectonly or config.option.help):
        _prepare_run(state)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """xdist: hand the run folder and app URL to each worker."""
    state = node.config.stash.get(RUN_STATE, None)
    if state is not None:
        node.workerinput["e2e_run_dir"] = str(state.run_dir)
        node.workerinput["e2e_base_url"] = state.base_url


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if parent.config.stash.get(RUN_STATE, None) is not None:
        return collect_feature_file(file_path, parent)
    return None


def _fail_run(state: RunState, message: str) -> None:
    """The run cannot start: record it in run.json, say it once, stop before collecting anything."""
    if state.writer is not None:
        state.writer.session_error = message
        state.writer.write(EXIT_SETUP_ERROR)
    raise pytest.UsageError(message)


def _prepare_run(state: RunState) -> None:
    """Controller only, before any worker starts: browser found, app reachable, shared browser up."""
    settings = state.settings
    try:
        find_chromium(settings)
        launch_args(settings)
    except (ChromiumNotFound, SettingsError) as exc:
        _fail_run(state, str(exc))
    if settings.video != "off" and playwright_ffmpeg() is None:
        _fail_run(
            state,
            f"{settings.source_of('video')} = {settings.video!r}: recording video needs Playwright's ffmpeg build, "
            "which is not installed. Run `python -m playwright install ffmpeg`, or turn video off "
            "(traces of failures already show every step).",
        )
    try:
        state.app = app_under_test.start(settings)
    except app_under_test.AppUnreachable as exc:
        _fail_run(state, str(exc))
    state.base_url = state.app.url
    if settings.browser_server == "shared" and not settings.headed:
        try:
            browser_server.ensure(settings, hold=True)
        except browser_server.BrowserServerError as exc:
            state.app.stop()
            _fail_run(state, str(exc))
        state.holds_server = True


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.config.stash.get(RUN_STATE, None)
    if state is None or not state.is_controller:
        return
    try:
        if state.writer is not None and not session.config.option.collectonly:
            state.writer.write(int(exitstatus))
    finally:
        if state.holds_server:
            # Stopped only if this run started it and no other run still holds it; a browser a
            # worker started to replace one that died is covered by the same hold.
            browser_server.release(state.settings)
        if state.app is not None:
            state.app.stop()


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(RUN_STATE, None)
    if state is None or not state.is_controller or config.option.collectonly:
        return
    rel = os.path.relpath(state.run_dir)
    terminalreporter.write_sep("-", "e2e results")
    terminalreporter.write_line(f"run folder: {rel}  (allure-results/, junit.xml, cucumber.json, evidence/)")
    terminalreporter.write_line(f"HTML report: e2e report {rel}   (e2e run does this for you)")


# --- pytest-bdd hooks: evidence and Cucumber records ------------------------------------------
def _active(request: pytest.FixtureRequest) -> bool:
    return request.config.stash.get(RUN_STATE, None) is not None


def _safely(what: str, func, *args) -> None:
    """Evidence is best effort: a failed capture is logged, never turned into a test failure."""
    try:
        func(*args)
    except Exception as exc:  # noqa: BLE001
        log.warning("e2e: could not capture %s: %s: %s", what, type(exc).__name__, exc)


def pytest_bdd_before_scenario(request, feature, scenario) -> None:
    if not _active(request):
        return
    state = request.config.stash[RUN_STATE]
    results.before_scenario(request.node, feature, scenario, state.settings.project_root)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A rerun of a flaky scenario starts with fresh evidence (the earlier attempt's files stay)."""
    previous = item.stash.get(EVIDENCE_KEY, None)
    if previous is not None:
        item.stash[EVIDENCE_KEY] = ScenarioEvidence(
            item=item, state=previous.state, attempt=previous.attempt + 1
        )


def pytest_bdd_before_step(request, feature, scenario, step, step_func) -> None:
    if _active(request):
        results.before_step(request.node, step, step_func)


def pytest_bdd_before_step_call(request, feature, scenario, step, step_func, step_func_args) -> None:
    """Fixtures are resolved by now: adopt contexts made by a user's own fixtures (trace, console)."""
    if not _active(request):
        return
    scenario_evidence = evidence_for(request.node)
    for ctx in scenario_evidence.contexts():
        _safely("console and trace", scenario_evidence.adopt, ctx)


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_after_step(request, feature, scenario, step, step_func, step_func_args) -> None:
    if not _active(request):
        return
    results.step_done(request.node, step)
    if request.config.stash[RUN_STATE].settings.screenshots == "every-step":
        _safely("step screenshot", evidence_for(request.node).screenshot, f"{step.keyword} {step.name}")


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_step_error(request, feature, scenario, step, step_func, step_func_args, exception) -> None:
    if not _active(request):
        return
    results.step_done(request.node, step, error=exception)
    _safely(
        "failure evidence", evidence_for(request.node).step_failed, f"{step.keyword} {step.name}", exception
    )


@pytest.hookimpl(trylast=True)
def pytest_bdd_step_func_lookup_error(request, feature, scenario, step, exception) -> None:
    if not _active(request):
        return
    error = missing_step(feature, scenario, step)
    results.step_done(request.node, step, error=error, status="undefined")
    scenario_evidence = evidence_for(request.node)
    scenario_evidence.failed, scenario_evidence.failed_step = True, f"{step.keyword} {step.name}"
    scenario_evidence.error = first_line(error)
    raise error


def pytest_bdd_after_scenario(request, feature, scenario) -> None:
    if _active(request):
        _safely("final evidence", evidence_for(request.node).scenario_finished)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    if item.config.stash.get(RUN_STATE, None) is None:
        return
    report = outcome.get_result()
    if call.excinfo is not None and call.excinfo.errisinstance(MissingStepDefinition):
        report.longrepr = str(call.excinfo.value)  # the message is the whole story; no traceback
    results.attach_to_report(item, report, item.stash.get(EVIDENCE_KEY, None))
