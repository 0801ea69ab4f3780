"""Every process's per-scenario hooks: collection, evidence, Cucumber records, failure text.

Registered in every pytest process of a run (the serial process, and each xdist worker),
as xdist's ``WorkerInteractor`` runs in each worker; the run's start and end are the
controller's (``controller.RunController``). Each hook delegates to the module of its
concern (``results``, ``evidence``, ``step_errors``, ``collection``).
"""

from __future__ import annotations

import errno
import functools
import logging
import os
from pathlib import Path

import pytest

from runner.plugin import results, signin, watchdog
from runner.plugin.collection import collect_feature_file
from runner.plugin.controller import say
from runner.plugin.evidence import ScenarioEvidence, first_line
from runner.plugin.fixtures import EVIDENCE_KEY, evidence_for
from runner.plugin.redaction import redactor_for
from runner.plugin.state import RunState
from runner.plugin.step_errors import MissingStepDefinition, missing_step, registered_phrases
from runner.redact import Redactor

log = logging.getLogger(__name__)


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


def _safely(what: str, func, *args) -> None:
    """Evidence is best effort: a failed capture is logged, never turned into a test failure."""
    try:
        func(*args)
    except Exception as exc:  # noqa: BLE001
        log.warning("e2e: could not capture %s: %s: %s", what, type(exc).__name__, exc)


class ScenarioHooks:
    """Registered by the plugin's ``pytest_configure`` in every process of an active run."""

    def __init__(self, state: RunState) -> None:
        self.state = state
        self.watchdog = watchdog.for_run(state)

    def pytest_collect_file(self, file_path: Path, parent: pytest.Collector):
        return collect_feature_file(file_path, parent)

    def pytest_internalerror(self, excrepr, excinfo) -> None:
        """A full or read-only disk inside another plugin (Allure's results writer) stops pytest
        with INTERNALERROR; say plainly which folder and what to do."""
        error = excinfo.value
        if isinstance(error, OSError) and error.errno in (
            errno.ENOSPC,
            errno.EDQUOT,
            errno.EROFS,
            errno.EACCES,
        ):
            say(
                f"the run's results cannot be written into {self.state.run_dir} ({error.strerror}). "
                "Free space (or fix the folder's permissions) and run again; what was written is kept."
            )

    def pytest_bdd_before_scenario(self, request, feature, scenario) -> None:
        results.before_scenario(request.node, feature, scenario, self.state.settings.project_root)
        self.watchdog.scenario_started()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """Each attempt of a scenario starts with its own evidence, made here before any fixture
        runs (a rerun of a flaky scenario gets fresh evidence; the earlier attempt's files stay).
        And a run stops, written up, while its disk still has room for that."""
        self._check_free_space(item.session)
        previous = item.stash.get(EVIDENCE_KEY, None)
        attempt = previous.attempt + 1 if previous is not None else 1
        item.stash[EVIDENCE_KEY] = ScenarioEvidence(item=item, state=self.state, attempt=attempt)

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
        self.watchdog.phase_started(f'the step "{step.keyword} {step.name}"')

    @pytest.hookimpl(hookwrapper=True)
    def pytest_bdd_before_step_call(self, request, feature, scenario, step, step_func, step_func_args):
        """Before the step runs, fixtures are resolved: adopt contexts made by a user's own
        fixtures (trace, console). And the report's step parameters are the Gherkin arguments
        only: the fixtures a step uses (``page``, ``evidence``...) are hidden from the other
        hooks (Allure's) and put back before the step runs."""
        scenario_evidence = evidence_for(request.node)
        for ctx in scenario_evidence.contexts():
            _safely("console and trace", scenario_evidence.adopt, ctx)
            _safely("page targets", self.watchdog.watch, ctx)
        fixtures = {name: step_func_args.pop(name) for name in fixture_arguments(step_func_args, request)}
        try:
            yield
        finally:
            step_func_args.update(fixtures)

    @pytest.hookimpl(tryfirst=True)
    def pytest_bdd_after_step(self, request, feature, scenario, step, step_func, step_func_args) -> None:
        results.step_done(request.node, step)
        self.watchdog.phase_started("the step's screenshot")
        if self.state.settings.screenshots == "every-step":
            _safely("step screenshot", evidence_for(request.node).screenshot, f"{step.keyword} {step.name}")

    @pytest.hookimpl(tryfirst=True)
    def pytest_bdd_step_error(
        self, request, feature, scenario, step, step_func, step_func_args, exception
    ) -> None:
        self.watchdog.name_error(exception)  # a page the watchdog ended is named first
        self.watchdog.phase_started("the failing step's evidence")
        _safely(  # first: it may reword the error (a crashed page is named as such)
            "failure evidence",
            evidence_for(request.node).step_failed,
            f"{step.keyword} {step.name}",
            exception,
            step_func_args,
        )
        results.step_done(request.node, step, error=exception)

    @pytest.hookimpl(trylast=True)
    def pytest_bdd_step_func_lookup_error(self, request, feature, scenario, step, exception) -> None:
        error = missing_step(feature, scenario, step, registered_phrases(request, step.type))
        results.step_done(request.node, step, error=error, status="undefined")
        evidence_for(request.node).step_undefined(f"{step.keyword} {step.name}", first_line(error))
        raise error

    def pytest_bdd_after_scenario(self, request, feature, scenario) -> None:
        self.watchdog.phase_started("the scenario's final evidence")
        _safely("final evidence", evidence_for(request.node).scenario_finished)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        outcome = yield
        report = outcome.get_result()
        if self.watchdog.ended is not None and call.when == "call":
            report.user_properties.append((watchdog.ENDED_PROPERTY, self.watchdog.ended.splitlines()[0]))
        if call.when == "teardown":
            self.watchdog.scenario_ended()
        if call.excinfo is not None and call.excinfo.errisinstance(MissingStepDefinition):
            report.longrepr = str(call.excinfo.value)  # the message is the whole story; no traceback
        elif call.excinfo is not None and report.failed and call.when == "call":
            report.longrepr = user_traceback(item, call.excinfo)
        if report.failed and report.longrepr is not None:
            # A failure printed in a CI log is read as widely as a report: no secrets in it.
            redactor = self.redactor
            text = str(report.longrepr)
            clean = redactor.text(text)
            if clean != text:
                report.longrepr = clean
            # What the step printed is shown with the failure too.
            report.sections = [(title, redactor.text(body)) for title, body in report.sections]
        results.attach_to_report(item, report, item.stash.get(EVIDENCE_KEY, None))

    @functools.cached_property
    def _redactor(self) -> Redactor:
        return redactor_for(self.state.settings.secret_variables, self.state.settings.base_url)

    @property
    def redactor(self) -> Redactor:
        """The run's secrets, with the values its roles' sign-ins and API steps saw so far."""
        return self._redactor.with_values(signin.secret_values(self.state))
