"""``@quarantine`` / ``@quarantine:REASON``: the scenario runs and is reported, its failure alone
does not fail the run.

The decision: an outcome adjustment, not ``xfail``. Every other hook of the scenario (evidence,
the scenario's ``ScenarioResult``, Allure's step statuses) sees the real failure first; this
module's ``pytest_runtest_makereport`` wrapper is the outermost one, and only after the others
have run does it turn a quarantined failure into what pytest calls an expected failure
(``outcome = "skipped"`` with ``wasxfail``). From there pytest's own parts do the rest:

- the exit code of ``pytest`` (and so of ``e2e run``) counts no failure;
- ``junit.xml`` writes ``<skipped type="pytest.xfail" message="quarantined: REASON">``, so
  CodeBuild's Test Report stays green;
- the terminal counts it apart, ``N quarantined`` (``pytest_report_teststatus``), and the summary
  lists each with its reason and first error line; a quarantined scenario that passed is listed
  too ("the tag can go").

run.json keeps the real status with ``quarantined: true`` and the reason (``results``), and its
counts put a quarantined failure in ``quarantined``, never in ``failed``.
"""

from __future__ import annotations

import pytest

MARK = "quarantine"
REPORT_ATTR = "e2e_quarantine"  # the reason ("" when none): plain data, crosses xdist with the report
CATEGORY = "quarantined"
PASSED_CATEGORY = "quarantined-passed"


def reason_of(item: pytest.Item) -> str | None:
    """None when the scenario is not quarantined; its reason ("" when none was given)."""
    closest = getattr(item, "get_closest_marker", None)  # a stand-in item may have no marks at all
    marker = closest(MARK) if closest is not None else None
    if marker is None:
        return None
    return " ".join(str(arg) for arg in marker.args).strip()


def label(reason: str) -> str:
    return f"quarantined: {reason}" if reason else "quarantined"


class Quarantine:
    """Registered in every process of a run: the report adjustment runs where the scenario ran,
    the counting and the summary where the reports are logged (the controller)."""

    def __init__(self) -> None:
        self.failed: list[tuple[str, str, str]] = []  # (node id, reason, first error line)
        self.passed: list[tuple[str, str]] = []

    @pytest.hookimpl(trylast=True)
    def pytest_bdd_before_scenario(self, request, feature, scenario) -> None:
        """The report shows it: a tag ``quarantined: REASON`` on the scenario's Allure result."""
        reason = reason_of(request.node)
        if reason is not None:
            import allure

            allure.dynamic.tag(label(reason))

    @pytest.hookimpl(hookwrapper=True, tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        outcome = yield
        reason = reason_of(item)
        if reason is None:
            return
        report = outcome.get_result()
        setattr(report, REPORT_ATTR, reason)
        if report.failed and call.when in ("setup", "call"):
            report.outcome = "skipped"
            report.wasxfail = label(reason)

    @pytest.hookimpl(tryfirst=True)
    def pytest_report_teststatus(self, report: pytest.TestReport, config: pytest.Config):
        reason = getattr(report, REPORT_ATTR, None)
        if reason is None or report.when not in ("setup", "call"):
            return None
        if report.skipped and getattr(report, "wasxfail", None):
            return CATEGORY, "q", ("QUARANTINED", {"yellow": True})
        if report.passed and report.when == "call":
            return PASSED_CATEGORY, "Q", ("PASSED (quarantined)", {"yellow": True})
        return None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        reason = getattr(report, REPORT_ATTR, None)
        if reason is None:
            return
        if report.skipped and getattr(report, "wasxfail", None) and report.when in ("setup", "call"):
            self.failed.append((report.nodeid, reason, _first_line(report)))
        elif report.passed and report.when == "call":
            self.passed.append((report.nodeid, reason))

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not (self.failed or self.passed):
            return
        terminalreporter.section("quarantined scenarios", sep="-", yellow=True)
        for nodeid, reason, error in self.failed:
            terminalreporter.line(f"FAILED (quarantined{': ' + reason if reason else ''}) {nodeid} - {error}")
        for nodeid, reason in self.passed:
            terminalreporter.line(
                f"PASSED while quarantined{' (' + reason + ')' if reason else ''}: {nodeid} - the @quarantine tag can go"
            )
        terminalreporter.line(
            f"{len(self.failed)} quarantined failure(s) did not fail the run; "
            f"{len(self.passed)} quarantined scenario(s) passed"
        )


def _first_line(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = (crash.message if crash is not None else "") or str(report.longrepr or "")
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[0][:300] if lines else "failed"


def register(config: pytest.Config) -> Quarantine:
    """Declare the mark (``--strict-markers`` runs accept it) and register the hooks."""
    config.addinivalue_line(
        "markers",
        f"{MARK}(reason): the scenario runs and is reported as quarantined; its failure does not fail the run",
    )
    plugin = Quarantine()
    config.pluginmanager.register(plugin, "e2e-quarantine")
    config.add_cleanup(lambda: config.pluginmanager.unregister(plugin))
    return plugin
