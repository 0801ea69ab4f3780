"""The hooks of one e2e run, on one object registered only while a run is active.

Each hook delegates to the module of its concern (``results``, ``evidence``,
``step_errors``, ``collection``); nothing here asks "am I active?": the object exists only
when the run is.
"""

from __future__ import annotations

import errno
import functools
import logging
import os
import sys
from pathlib import Path

import pytest

from runner.browser import server as browser_server
from runner.browser.chromium import ChromiumNotFound, find_chromium, launch_args, playwright_ffmpeg
from runner.plugin import app_under_test, results
from runner.plugin.collection import collect_feature_file
from runner.plugin.evidence import ScenarioEvidence, first_line
from runner.plugin.fixtures import EVIDENCE_KEY, evidence_for
from runner.plugin.secrets import redactor_for
from runner.plugin.state import RunState
from runner.plugin.step_errors import MissingStepDefinition, missing_step, registered_phrases
from runner.redact import Redactor, make_private
from runner.run import hand_over, point_latest
from runner.settings import SettingsError

log = logging.getLogger(__name__)

# A run that could not start (bad settings, no browser, app unreachable) exits like any
# pytest usage error.
EXIT_SETUP_ERROR = int(pytest.ExitCode.USAGE_ERROR)


# Frames of the machinery between pytest and a step: cut from failures, as --tb=short
# cuts pytest's own. What stays starts at the user's step code (or the step library's).
_INTERNAL_PACKAGES = ("_pytest", "pluggy", "pytest_bdd", "playwright", "allure_pytest_bdd", "allure_commons")
_RUNNER = Path(__file__).resolve().parents[1]
_INTERNAL_RUNNER = (_RUNNER / "plugin", _RUNNER / "browser")


def _internal(path: Path | str) -> bool:
    path = Path(path)
    if any(path.is_relative_to(folder) for folder in _INTERNAL_RUNNER):
        return True
    parts = path.parts
    for index, part in enumerate(parts[:-1]):
        if part in ("site-packages", "dist-packages") and parts[index + 1] in _INTERNAL_PACKAGES:
            return True
    return False


def user_traceback(item: pytest.Item, excinfo: pytest.ExceptionInfo):
    """The failure as pytest would show it, starting at the user's code."""
    kept = excinfo.traceback.filter(lambda entry: not _internal(entry.path))
    if len(kept):
        excinfo.traceback = kept
    return item.repr_failure(excinfo)


def fixture_arguments(step_func_args: dict, request: pytest.FixtureRequest) -> list[str]:
    """The arguments of a step that are fixtures, not values parsed from its Gherkin text.

    pytest-bdd fills a step's parameters from the step text first, then asks for the rest
    as fixtures, which makes them active fixtures of the request.
    """
    active = set(request.fixturenames)
    return [name for name in step_func_args if name in active and name not in {"datatable", "docstring"}]


def _say(message: str) -> None:
    print(f"e2e: {message}", file=sys.stderr, flush=True)


def _safely(what: str, func, *args) -> None:
    """Evidence is best effort: a failed capture is logged, never turned into a test failure."""
    try:
        func(*args)
    except Exception as exc:  # noqa: BLE001
        log.warning("e2e: could not capture %s: %s: %s", what, type(exc).__name__, exc)


class RunListener:
    """Registered by the plugin's ``pytest_configure`` when the run includes features."""

    def __init__(self, state: RunState) -> None:
        self.state = state

    # --- start and end of the run (controller) --------------------------------------------

    def fail_run(self, message: str) -> None:
        """The run cannot start: record it in run.json, say it once, stop before collecting anything."""
        if self.state.writer is not None:
            self.state.writer.session_error = message
            if self._write_summary(EXIT_SETUP_ERROR, []):
                # Finished like any run (owner-only, reports/latest), whatever the outcome.
                self._protect()
                self._publish_locally()
        raise pytest.UsageError(message)

    def prepare_run(self) -> None:
        """Controller only, before any worker starts: browser found, app reachable, shared browser up."""
        state, settings = self.state, self.state.settings
        try:
            find_chromium(settings)
            launch_args(settings)
        except (ChromiumNotFound, SettingsError) as exc:
            self.fail_run(str(exc))
        if settings.video != "off" and playwright_ffmpeg() is None:
            self.fail_run(
                f"{settings.source_of('video')} = {settings.video!r}: recording video needs Playwright's ffmpeg "
                "build, which is not installed. Run `python -m playwright install ffmpeg`, or turn video off "
                "(traces of failures already show every step)."
            )
        try:
            state.app = app_under_test.start(settings)
        except app_under_test.AppUnreachable as exc:
            self.fail_run(str(exc))
        state.base_url = state.app.url
        print(app_under_test.describe(state.app, settings), file=sys.stderr, flush=True)
        if settings.browser_server == "shared" and not settings.headed:
            try:
                browser_server.ensure(settings, hold=True)
            except browser_server.BrowserServerError as exc:
                state.app.stop()
                self.fail_run(str(exc))
            state.holds_server = True

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node) -> None:
        """xdist: hand the run folder and app URL to each worker."""
        node.workerinput["e2e_run_dir"] = str(self.state.run_dir)
        node.workerinput["e2e_base_url"] = self.state.base_url

    def pytest_collect_file(self, file_path: Path, parent: pytest.Collector):
        return collect_feature_file(file_path, parent)

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int):
        """The run's summary is written after every other end-of-session hook, and even when
        one of them failed (pytest's JUnit writer on a full disk, another plugin's bug)."""
        if not self.state.is_controller:
            return (yield)
        problem: BaseException | None = None
        try:
            return (yield)
        except OSError as exc:  # a file of the run could not be written: said clearly, below
            problem = exc
            return None
        finally:
            self._finish(session, problem)

    def _finish(self, session: pytest.Session, problem: OSError | None) -> None:
        state = self.state
        try:
            if problem is not None:
                _say(f"could not write a result file of the run: {problem}")
                session.exitstatus = max(int(session.exitstatus), int(pytest.ExitCode.INTERNAL_ERROR))
            if state.writer is not None and not session.config.option.collectonly:
                incomplete = [f"{problem}"] if problem is not None else []
                written = self._write_summary(int(session.exitstatus), incomplete)
                self._protect()
                if written:
                    self._publish_locally()
                else:
                    session.exitstatus = max(int(session.exitstatus), int(pytest.ExitCode.INTERNAL_ERROR))
        finally:
            if state.holds_server:
                # Stopped only if this run started it and no other run still holds it; a browser a
                # worker started to replace one that died is covered by the same hold.
                browser_server.release(state.settings)
            if state.app is not None:
                state.app.stop()

    def _protect(self) -> None:
        """Secrets out of every file of the run (traces included), then owner-only modes."""
        settings, run_dir = self.state.settings, self.state.run_dir
        try:
            redactor_for(settings).scrub_tree(run_dir)
            if settings.run_folder_mode == "private":
                make_private(run_dir)
        except OSError as exc:
            _say(f"could not remove secrets from {run_dir} ({exc}); do not publish this run folder.")

    def _write_summary(self, exit_code: int, incomplete: list[str]) -> bool:
        """run.json (and cucumber.json); False, said clearly, when the folder cannot take them."""
        assert self.state.writer is not None
        try:
            self.state.writer.write(exit_code, incomplete=incomplete)
        except OSError as exc:
            _say(
                f"could not write the run's summary into {self.state.run_dir} ({exc.strerror or exc}). "
                "What was written there is kept; reports/latest was not moved to it. Free space (or fix "
                "the folder's permissions) and run again."
            )
            return False
        return True

    def _publish_locally(self) -> None:
        """``reports/latest`` moves to this run (if it is the newest), and a root process in a
        mounted repository hands the files to the repository's owner."""
        run_dir, settings = self.state.run_dir, self.state.settings
        if run_dir.parent.resolve() != settings.reports_dir.resolve():
            return  # an explicit --e2e-run-dir elsewhere: no latest link beside it
        try:
            point_latest(run_dir)
        except OSError as exc:  # e.g. a file system without symlinks: the run itself is fine
            log.warning("e2e: could not update %s: %s", run_dir.parent / "latest", exc)
        hand_over(run_dir, settings.project_root)

    def pytest_internalerror(self, excrepr, excinfo) -> None:
        """A full or read-only disk inside another plugin (Allure's results writer) stops pytest
        with INTERNALERROR; say plainly which folder and what to do."""
        error = excinfo.value
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES):
            _say(
                f"the run's results cannot be written into {self.state.run_dir} ({error.strerror}). "
                "Free space (or fix the folder's permissions) and run again; what was written is kept."
            )

    def pytest_terminal_summary(self, terminalreporter, exitstatus: int, config: pytest.Config) -> None:
        if not self.state.is_controller or config.option.collectonly:
            return
        rel = os.path.relpath(self.state.run_dir)
        terminalreporter.write_sep("-", "e2e results")
        terminalreporter.write_line(
            f"run folder: {rel}  (allure-results/, junit.xml, cucumber.json, evidence/)"
        )
        if not config.getoption("e2e_run_dir"):  # under `e2e run`, which names the report itself
            terminalreporter.write_line(f"HTML report: e2e report {rel}   (e2e run does this for you)")

    # --- scenarios: evidence and Cucumber records -------------------------------------------

    def pytest_bdd_before_scenario(self, request, feature, scenario) -> None:
        results.before_scenario(request.node, feature, scenario, self.state.settings.project_root)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """A rerun of a flaky scenario starts with fresh evidence (the earlier attempt's files stay).
        And a run stops, written up, while its disk still has room for that."""
        self._check_free_space(item.session)
        previous = item.stash.get(EVIDENCE_KEY, None)
        if previous is not None:
            item.stash[EVIDENCE_KEY] = ScenarioEvidence(
                item=item, state=previous.state, attempt=previous.attempt + 1
            )

    def _check_free_space(self, session: pytest.Session) -> None:
        settings, run_dir = self.state.settings, self.state.run_dir
        try:
            stats = os.statvfs(run_dir)
        except OSError:
            return
        free_mb = stats.f_bavail * stats.f_frsize / 1_048_576
        if free_mb < settings.min_free_mb and not session.shouldstop:
            session.shouldstop = (
                f"e2e: only {free_mb:.0f} MB left on the disk of {run_dir} (min_free_mb = {settings.min_free_mb}, "
                f"from {settings.source_of('min_free_mb')}): the run stops here, before a full disk loses its "
                "results. Free space and run again."
            )

    def pytest_bdd_before_step(self, request, feature, scenario, step, step_func) -> None:
        results.before_step(request.node, step, step_func)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_bdd_before_step_call(self, request, feature, scenario, step, step_func, step_func_args):
        """Before the step runs, fixtures are resolved: adopt contexts made by a user's own
        fixtures (trace, console). And the report's step parameters are the Gherkin arguments
        only: the fixtures a step uses (``page``, ``evidence``...) are hidden from the other
        hooks (Allure's) and put back before the step runs."""
        scenario_evidence = evidence_for(request.node)
        for ctx in scenario_evidence.contexts():
            _safely("console and trace", scenario_evidence.adopt, ctx)
        fixtures = {name: step_func_args.pop(name) for name in fixture_arguments(step_func_args, request)}
        try:
            yield
        finally:
            step_func_args.update(fixtures)

    @pytest.hookimpl(tryfirst=True)
    def pytest_bdd_after_step(self, request, feature, scenario, step, step_func, step_func_args) -> None:
        results.step_done(request.node, step)
        if self.state.settings.screenshots == "every-step":
            _safely("step screenshot", evidence_for(request.node).screenshot, f"{step.keyword} {step.name}")

    @pytest.hookimpl(tryfirst=True)
    def pytest_bdd_step_error(
        self, request, feature, scenario, step, step_func, step_func_args, exception
    ) -> None:
        results.step_done(request.node, step, error=exception)
        _safely(
            "failure evidence",
            evidence_for(request.node).step_failed,
            f"{step.keyword} {step.name}",
            exception,
            step_func_args,
        )

    @pytest.hookimpl(trylast=True)
    def pytest_bdd_step_func_lookup_error(self, request, feature, scenario, step, exception) -> None:
        error = missing_step(feature, scenario, step, registered_phrases(request, step.type))
        results.step_done(request.node, step, error=error, status="undefined")
        scenario_evidence = evidence_for(request.node)
        scenario_evidence.failed, scenario_evidence.failed_step = True, f"{step.keyword} {step.name}"
        scenario_evidence.error = first_line(error)
        raise error

    def pytest_bdd_after_scenario(self, request, feature, scenario) -> None:
        _safely("final evidence", evidence_for(request.node).scenario_finished)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        outcome = yield
        report = outcome.get_result()
        if call.excinfo is not None and call.excinfo.errisinstance(MissingStepDefinition):
            report.longrepr = str(call.excinfo.value)  # the message is the whole story; no traceback
        elif call.excinfo is not None and report.failed and call.when == "call":
            report.longrepr = user_traceback(item, call.excinfo)
        if report.failed and report.longrepr is not None:
            # A failure printed in a CI log is read as widely as a report: no secrets in it.
            text = str(report.longrepr)
            clean = self.redactor.text(text)
            if clean != text:
                report.longrepr = clean
        results.attach_to_report(item, report, item.stash.get(EVIDENCE_KEY, None))

    @functools.cached_property
    def redactor(self) -> Redactor:
        return redactor_for(self.state.settings)
