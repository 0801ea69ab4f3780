"""The controller's side of an e2e run: its start and its end, once per run.

Registered only in the process that owns the run (the serial pytest process, or xdist's
controller), as xdist's ``DSession`` is: nothing here asks which process it is in. Before
any worker starts it checks Chromium and reaches the app under test; then it starts the
shared browser (and takes a hold on it) in a thread, beside xdist's workers (or a serial
run's collection), and waits for it before the first scenario is handed out. Under load the
browser's start (Node, then Chromium) took as long as a worker's own start (Python, imports,
collection), and the two used to run one after the other. At session end it writes the
summary (``cucumber.json``, ``run.json``), removes secrets from the run folder, points
``reports/latest`` at it and releases the browser.
Each process's per-scenario hooks are ``scenario_hooks.ScenarioHooks``.
"""

from __future__ import annotations

import logging
import os
import sys
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from runner.browser.chromium import ChromiumNotFound, playwright_ffmpeg
from runner.browser.server import SharedBrowser
from runner.plugin import app_under_test, signin, watchdog
from runner.plugin.redaction import redactor_for
from runner.plugin.results import ResultWriter
from runner.plugin.state import RunState
from runner.redact import Redactor
from runner.run.finish import finish_run_folder
from runner.run.folder import RunFolder
from runner.settings import SettingsError

log = logging.getLogger(__name__)

# A run that could not start (bad settings, no browser, app unreachable) exits like any
# pytest usage error.
EXIT_SETUP_ERROR = int(pytest.ExitCode.USAGE_ERROR)


def say(message: str) -> None:
    print(f"e2e: {message}", file=sys.stderr, flush=True)


class RunController:
    """The run's start and end; registered by the plugin's ``pytest_configure`` in the controller only."""

    def __init__(self, state: RunState, writer: ResultWriter) -> None:
        self.state = state
        self.writer = writer
        self.app: app_under_test.AppUnderTest | None = None
        self.held_browser: SharedBrowser | None = None  # the shared browser this run holds, if any
        self._browser_start: Future | None = None  # its start, until waited for

    def fail_run(self, message: str) -> None:
        """The run cannot start: record it in run.json, say it once, stop before collecting anything."""
        self.writer.session_error = message
        # Finished like any run (owner-only, reports/latest), whatever the outcome.
        self._finish_run_folder(self._write_summary(EXIT_SETUP_ERROR, []))
        raise pytest.UsageError(message)

    def prepare_run(self) -> None:
        """Controller only, before any worker starts: browser found, app reachable, the shared
        browser's start under way (waited for in ``pytest_runtestloop``)."""
        state, settings = self.state, self.state.settings
        try:
            shared = SharedBrowser.from_settings(settings)  # Chromium found, its flags checked
        except (ChromiumNotFound, SettingsError) as exc:
            self.fail_run(str(exc))
        if settings.video != "off" and playwright_ffmpeg() is None:
            self.fail_run(
                f"{settings.source_of('video')} = {settings.video!r}: recording video needs Playwright's ffmpeg "
                "build, which is not installed. Run `python -m playwright install ffmpeg`, or turn video off "
                "(traces of failures already show every step)."
            )
        try:
            self.app = app_under_test.start(settings)
        except app_under_test.AppUnreachable as exc:
            self.fail_run(str(exc))
        state.base_url = self.app.url
        print(app_under_test.describe(self.app, settings.source_of("base_url")), file=sys.stderr, flush=True)
        if settings.browser_server == "shared" and not settings.headed:
            starter = ThreadPoolExecutor(1, thread_name_prefix="e2e-browser-start")
            self._browser_start = starter.submit(shared.ensure, hold=True)
            starter.shutdown(wait=False)  # its one thread ends with the start
            self.held_browser = shared

    def _browser_started(self) -> Exception | None:
        """Waits for the shared browser's start, if one is under way: its error, if it failed
        (then this run holds no browser). Interrupted (Ctrl-C), it is waited for again at
        session end, so a browser this run started is always released."""
        start = self._browser_start
        if start is None:
            return None
        problem = start.exception()  # raises only if this wait itself is interrupted
        self._browser_start = None
        if problem is not None:
            self.held_browser = None
        return problem

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> None:
        """The shared browser is up before any scenario is handed out (workers waiting on its
        lock meanwhile); a browser that could not start stops the run here, as a usage error."""
        problem = self._browser_started()
        if problem is not None:
            self.writer.session_error = str(problem)
            raise pytest.UsageError(str(problem))  # the summary is written at session end

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node) -> None:
        """xdist: hand the run folder and app URL to each worker."""
        node.workerinput["e2e_run_dir"] = str(self.state.run_dir)
        node.workerinput["e2e_base_url"] = self.state.base_url

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int):
        """The run's summary is written after every other end-of-session hook, and even when
        one of them failed (pytest's JUnit writer on a full disk, another plugin's bug)."""
        problem: BaseException | None = None
        try:
            return (yield)
        except OSError as exc:  # a file of the run could not be written: said clearly, below
            problem = exc
            return None
        finally:
            self._finish(session, problem)

    def _finish(self, session: pytest.Session, problem: OSError | None) -> None:
        try:
            if problem is not None:
                say(f"could not write a result file of the run: {problem}")
                session.exitstatus = max(int(session.exitstatus), int(pytest.ExitCode.INTERNAL_ERROR))
            if not session.config.option.collectonly:
                incomplete = [f"{problem}"] if problem is not None else []
                written = self._write_summary(int(session.exitstatus), incomplete)
                self._finish_run_folder(written)
                if not written:
                    session.exitstatus = max(int(session.exitstatus), int(pytest.ExitCode.INTERNAL_ERROR))
        finally:
            self._browser_started()  # a run stopped before its loop still releases what it started
            if self.held_browser is not None:
                # Stopped only if this run started it and no other run still holds it; a browser a
                # worker started to replace one that died is covered by the same hold.
                self.held_browser.release()
            if self.app is not None:
                self.app.stop()

    def redactor(self) -> Redactor:
        """The run's secrets, with every value its roles' sign-ins and API steps saw so far."""
        settings = self.state.settings
        return redactor_for(settings.secret_variables, settings.base_url).with_values(
            signin.secret_values(self.state)
        )

    def _finish_run_folder(self, written: bool) -> None:
        """Secrets out of every file of the run (traces included), owner-only modes;
        ``reports/latest`` moves to the run once its summary is written (an explicit
        --e2e-run-dir elsewhere gets no link beside it); what this process made is handed to
        the checkout's owner (``e2e run`` hands over the folder it made itself)."""
        settings = self.state.settings
        problems = finish_run_folder(
            RunFolder(self.state.run_dir, self.state.made),
            project_root=settings.project_root,
            reports_dir=settings.reports_dir if written else None,
            private=settings.run_folder_mode == "private",
            redactor=self.redactor(),
        )
        for problem in problems:
            say(problem)

    def _write_summary(self, exit_code: int, incomplete: list[str]) -> bool:
        """run.json (and cucumber.json); False, said clearly, when the folder cannot take them."""
        try:
            self.writer.write(exit_code, incomplete=incomplete)
        except OSError as exc:
            say(
                f"could not write the run's summary into {self.state.run_dir} ({exc.strerror or exc}). "
                "What was written there is kept; reports/latest was not moved to it. Free space (or fix "
                "the folder's permissions) and run again."
            )
            return False
        return True

    def pytest_terminal_summary(self, terminalreporter, exitstatus: int, config: pytest.Config) -> None:
        if config.option.collectonly:
            return
        rel = os.path.relpath(self.state.run_dir)
        terminalreporter.write_sep("-", "e2e results")
        terminalreporter.write_line(
            f"run folder: {rel}  (allure-results/, junit.xml, cucumber.json, evidence/)"
        )
        for line in watchdog.ended_lines(terminalreporter.stats):
            terminalreporter.write_line(line)
        if not config.getoption("e2e_run_dir"):  # under `e2e run`, which names the report itself
            terminalreporter.write_line(f"HTML report: e2e report {rel}   (e2e run does this for you)")
