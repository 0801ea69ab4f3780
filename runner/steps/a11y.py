"""Accessibility phrases: axe-core (pinned with the runner) on the scenario's page.

=================================================================================  ==========================================
Phrase (Then)                                                                      What it checks
=================================================================================  ==========================================
``the page has no accessibility violations``                                       no axe violation on the page (all frames)
``the page has no "serious" accessibility violations``                             none of that impact or worse
``the element with test id "signup" has no accessibility violations``              only inside that element
``the element with test id "signup" has no "critical" accessibility violations``   the same, by impact
``the "main" landmark has no accessibility violations``                            only inside the landmark(s)
``the "Primary" landmark has no "serious" accessibility violations``               a landmark by its accessible name
=================================================================================  ==========================================

Impacts, least to most severe: minor, moderate, serious, critical. Landmarks by role:
banner (also "header"), navigation ("nav"), main, complementary ("aside"), contentinfo
("footer"), search, form, region; any other word is a landmark's accessible name
(``<nav aria-label="Primary">``). Only axe's ``violations`` count, never ``incomplete``
("needs review"), for the tags of ``a11y_tags`` (default wcag2a, wcag2aa, wcag21a,
wcag21aa), without the rules of ``a11y_disabled_rules``.

Elements listed in ``features/a11y-known.json`` (page path, rule id, target selector) do
not fail; new ones do, and listed ones that are gone are named so the file can shrink
(``e2e a11y accept RUN_DIR`` rewrites it from a run). Each scan attaches a readable report
(every violation's help text and URL, each element's selector and HTML) and, when it
fails, a full-page screenshot with the failing elements outlined.
"""

from __future__ import annotations

from functools import reduce
from typing import Any, Protocol
from urllib.parse import urlsplit

import allure
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page
from pytest_bdd import then

from runner.a11y.axe import AxeError, UnknownOptions, load_axe, outline, remove_outline, run_axe
from runner.a11y.findings import Violation, failure_message, judge, parse_impact, report_text
from runner.a11y.known import KNOWN_FILE, known_issues, known_path, read_known
from runner.a11y.scans import next_scan_path, write_scan
from runner.steps.explain import NotOnPage
from runner.steps.web import phrase

__all__ = ["AccessibilityViolations", "LANDMARKS", "check_accessibility", "landmark", "page_key"]

LANDMARKS = {
    "banner": "banner",
    "header": "banner",
    "navigation": "navigation",
    "nav": "navigation",
    "main": "main",
    "complementary": "complementary",
    "aside": "complementary",
    "contentinfo": "contentinfo",
    "footer": "contentinfo",
    "search": "search",
    "form": "form",
    "region": "region",
}
_ROLES = tuple(dict.fromkeys(LANDMARKS.values()))


class AccessibilityViolations(AssertionError):
    """A scan found new violations; the first line lists each rule, impact and element count."""


class Evidence(Protocol):
    @property
    def folder(self) -> Any: ...

    def screenshot(self, name: str, page: Page | None = None, full_page: bool = False) -> Any: ...


def page_key(url: str) -> str:
    """A page as the known-issues file names it: the URL's path."""
    return urlsplit(url).path or "/"


def landmark(page: Page, word: str) -> Locator:
    """The landmark(s) of a role ("main", "nav" ...), else the landmarks with that accessible name."""
    role = LANDMARKS.get(word.strip().lower())
    if role is not None:
        return page.get_by_role(role)  # type: ignore[arg-type]
    return reduce(Locator.or_, [page.get_by_role(r, name=word, exact=True) for r in _ROLES])  # type: ignore[arg-type]


def _present(page: Page, scope: Locator, what: str, timeout: float) -> None:
    try:
        scope.first.wait_for(state="attached", timeout=timeout)
    except PlaywrightError:
        raise NotOnPage(f"No {what} to scan for accessibility. {_what_is_there(page, what)}") from None


def _what_is_there(page: Page, what: str) -> str:
    try:
        if what.startswith("element with test id"):
            ids = page.eval_on_selector_all("[data-testid]", "els => els.map((e) => e.dataset.testid)")
            return f"Test ids here: {', '.join(repr(i) for i in ids[:15]) or 'none'}."
        found = [f"{role} ({count})" for role in _ROLES if (count := page.get_by_role(role).count())]  # type: ignore[arg-type]
    except PlaywrightError:
        return ""
    return f"Landmarks here: {', '.join(found) or 'none'}."


def check_accessibility(
    page: Page,
    settings: Any,
    evidence: Evidence | None = None,
    *,
    impact: str = "minor",
    scope: Locator | None = None,
    scope_name: str | None = None,
) -> None:
    """Scan the page (or ``scope``) with axe and fail on new violations of ``impact`` or worse.

    ``settings`` is the run's settings (``a11y_tags``, ``a11y_disabled_rules``,
    ``project_root``); ``evidence`` gets the scan's record and screenshot.
    """
    threshold = parse_impact(impact)
    if scope is not None:
        _present(page, scope, scope_name or "element", settings.expect_timeout)
    axe = load_axe(settings)
    try:
        raw = run_axe(
            page,
            axe,
            tags=tuple(settings.a11y_tags),
            disabled_rules=tuple(settings.a11y_disabled_rules),
            scope=scope,
        )
    except UnknownOptions as exc:
        problems = []
        if exc.tags:
            problems.append(
                f"a11y_tags ({settings.source_of('a11y_tags')}): axe-core {exc.version} has no tag(s) {', '.join(exc.tags)}"
            )
        if exc.rules:
            problems.append(
                f"a11y_disabled_rules ({settings.source_of('a11y_disabled_rules')}): axe-core {exc.version} has no rule(s) {', '.join(exc.rules)}"
            )
        raise AxeError("; ".join(problems) + ".") from None
    violations = [Violation.from_axe(v) for v in raw.violations]
    key = page_key(raw.url)
    known_file = known_path(settings.project_root)
    verdict = judge(
        violations,
        threshold,
        known_issues(read_known(known_file), key),
        rules_run=raw.rules_run,
        whole_page=scope is None,
    )
    where = f"{key} ({raw.url})" + (f", only the {scope_name}" if scope_name else "")
    if raw.frames_missed:
        where += f"; frames not scanned: {'; '.join(raw.frames_missed)}"
    shown_file = KNOWN_FILE.as_posix()
    text = report_text(violations, verdict, where=where, known_file=shown_file, axe=raw.version)
    allure.attach(
        text,
        name=f"accessibility: {key}" + (f" ({scope_name})" if scope_name else ""),
        attachment_type=allure.attachment_type.TEXT,
    )
    if evidence is not None:
        write_scan(
            next_scan_path(evidence.folder),
            {
                "url": raw.url,
                "page": key,
                "scope": scope_name,
                "impact": threshold,
                "tags": list(settings.a11y_tags),
                "disabled_rules": list(settings.a11y_disabled_rules),
                "axe_core": raw.version,
                "seconds": raw.seconds,
                "passed": verdict.passed,
                "violations": [v.as_dict() for v in violations],
                "new": [i.as_dict() for v in verdict.failing for i in v.issues()],
                "known": [i.as_dict() for i in verdict.known],
                "gone": [i.as_dict() for i in verdict.gone],
            },
        )
        if not verdict.passed and outline(page, [e.target for v in verdict.failing for e in v.elements]):
            try:
                evidence.screenshot("accessibility violations outlined", page=page, full_page=True)
            finally:
                remove_outline(page)
    if not verdict.passed:
        raise AccessibilityViolations(failure_message(verdict, where=where, known_file=shown_file))


# -- the phrases ------------------------------------------------------------------------


def _settings(request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue("e2e_settings")


def _evidence(request: pytest.FixtureRequest) -> Evidence | None:
    try:
        return request.getfixturevalue("evidence")
    except pytest.FixtureLookupError:
        return None


@then(phrase("the page has no accessibility violations"))
@then(phrase('the page has no "{impact}" accessibility violations'))
def _page_has_none(page: Page, request: pytest.FixtureRequest, impact: str = "minor") -> None:
    check_accessibility(page, _settings(request), _evidence(request), impact=impact)


@then(phrase('the element with test id "{test_id}" has no accessibility violations'))
@then(phrase('the element with test id "{test_id}" has no "{impact}" accessibility violations'))
def _element_has_none(
    page: Page, request: pytest.FixtureRequest, test_id: str, impact: str = "minor"
) -> None:
    scope = page.get_by_test_id(test_id)
    check_accessibility(
        page,
        _settings(request),
        _evidence(request),
        impact=impact,
        scope=scope,
        scope_name=f'element with test id "{test_id}"',
    )


@then(phrase('the "{name}" landmark has no accessibility violations'))
@then(phrase('the "{name}" landmark has no "{impact}" accessibility violations'))
def _landmark_has_none(page: Page, request: pytest.FixtureRequest, name: str, impact: str = "minor") -> None:
    check_accessibility(
        page,
        _settings(request),
        _evidence(request),
        impact=impact,
        scope=landmark(page, name),
        scope_name=f'"{name}" landmark',
    )
