"""Finding what a person sees, as a QA engineer on a Django admin meets it (issue 17).

A real temporary project runs real pytest and Chromium against ``tests/apps/shelf`` (static
pages with Django 5's admin markup, not the demo app), using the library's phrases only:
labels ending in ``:`` and ``*``, a ``<select>`` inside its ``<label>``, a search box
labelled by an ``<img alt>``, ``aria-label``/``aria-labelledby`` fields, a tabular inline,
a view-only page and a path that answers 404. Planted failures run with short timeouts and
are judged by the first line of their error in run.json, which is what the index and the
terminal show.
"""

from __future__ import annotations

import http.server
import json
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from runner.serving import serve_in_background

SHELF_APP = Path(__file__).resolve().parent / "apps" / "shelf"
SHORT = "1500"  # ms: every planted failure below fails after about this long

# The runner bounds actions by `action_timeout`; this conftest bounds them the same way in
# any runner version, as a team's own conftest could.
CONFTEST = f"""
import pytest


@pytest.fixture(autouse=True)
def _short_actions(context):
    context.set_default_timeout({SHORT})
"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass


@pytest.fixture(scope="module")
def shelf_app() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(_QuietHandler, directory=str(SHELF_APP))
    )
    thread = serve_in_background(server, name="shelf-app")
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, shelf_app: str) -> pytest.Pytester:
    monkeypatch.setenv("E2E_BASE_URL", shelf_app)
    monkeypatch.setenv("E2E_ACTION_TIMEOUT", SHORT)
    monkeypatch.setenv("E2E_EXPECT_TIMEOUT", SHORT)
    monkeypatch.setenv("E2E_TRACE", "off")
    pytester.makefile(".toml", pyproject='[project]\nname = "shelf-checks"\nversion = "0"\n')
    pytester.makeconftest(CONFTEST)
    return pytester


def _run(project: pytest.Pytester, *args: str) -> pytest.RunResult:
    return project.runpytest_subprocess("-p", "no:cacheprovider", "-v", *args)


def _scenarios(project: pytest.Pytester) -> dict[str, dict]:
    (run_json,) = [p for p in project.path.glob("reports/*/run.json") if p.parent.name != "latest"]
    return {s["name"]: s for s in json.loads(run_json.read_text())["scenarios"]}


PASSING = """
Feature: The admin as a person reads it

  Scenario: Labels ending with a colon
    Given I open "/login.html"
    When I fill in "Username" with "admin"
    And I fill in "Password:" with "secret"
    And I click the "Log in" button
    Then I see the heading "Select book to change"
    And the URL contains "username=admin"

  Scenario: A select wrapped in its label, and an action's message
    Given I open "/books.html"
    When I select "Mark as out of stock" from "Action:"
    And I click the "Go" button
    Then I see "1 book marked as out of stock."

  Scenario: A search box labelled by an image, fields named by aria attributes
    Given I open "/books.html"
    When I fill in "Filter by year" with "1965"
    And I fill in "Publisher" with "Chilton"
    Then the field "Publisher" has the value "Chilton"
    And the field "Filter by year" has the value "1965"
    When I fill in "Search" with "dune"
    And I press "Enter"
    Then the URL contains "q=dune"

  Scenario: A form table and a row of a tabular inline
    Given I open "/book.html"
    When I fill in the form:
      | Title    | Dune Messiah    |
      | Genre:   | Science fiction |
      | In stock | true            |
    And I fill in row 2 of the "Chapters" table with:
      | column | value   |
      | Title  | The Box |
      | Pages  | 12      |
    And I fill in row 1 of the "Chapters" table with:
      | Delete? | yes |
    And I click the "Save" button
    Then the element with test id "saved" contains "title=Dune Messiah; genre=sf; in_stock=on"
    And the element with test id "saved" contains "chapter_set-0-DELETE=on"
    And the element with test id "saved" contains "chapter_set-1-title=The Box; chapter_set-1-pages=12"

  Scenario: A view-only user has no add link and no delete button
    Given I open "/books-view.html"
    Then I do not see the "Add book" link
    And I do not see the "Delete" button
    And I do not see the "Change book" heading
"""


def test_django_markup_is_found_as_a_person_reads_it(project: pytest.Pytester) -> None:
    project.makefile(".feature", admin=PASSING)
    result = _run(project, "admin.feature")
    result.assert_outcomes(passed=5)


FAILING = """
Feature: Planted failures say what the page has

  Scenario: A label that is not there
    Given I open "/login.html"
    When I fill in "Login" with "admin"

  Scenario: A message worded otherwise
    Given I open "/books.html"
    When I select "Mark as out of stock" from "Action"
    And I click the "Go" button
    Then I see "1 book was successfully marked as out of stock."

  Scenario: A page that answers 404
    Given I open "/no-such-page/"
    When I click the "Save" button

  Scenario: A missing button
    Given I open "/books-view.html"
    When I click the "Delete" button

  Scenario: A link that should not be there
    Given I open "/books.html"
    Then I do not see the "Add book" link

  Scenario: Two fields of one name
    Given I open "/books.html"
    When I fill in "Note" with "x"

  Scenario: An option that is not there
    Given I open "/books.html"
    When I select "Mark as sold" from "Action:"

  Scenario: A row past the end
    Given I open "/book.html"
    When I fill in row 3 of the "Chapters" table with:
      | Title | Three |

  Scenario: A column that is not there
    Given I open "/book.html"
    When I fill in row 1 of the "Chapters" table with:
      | Length | 3 |

  Scenario: A heading that is not there
    Given I open "/books.html"
    Then I see the heading "Select book to view"
"""


def test_planted_failures_say_in_their_first_line_what_the_page_has(project: pytest.Pytester) -> None:
    project.makefile(".feature", planted=FAILING)
    started = time.monotonic()
    result = _run(project, "planted.feature")
    elapsed = time.monotonic() - started
    result.assert_outcomes(failed=10)
    first = {name: (s["error"] or "").splitlines()[0] for name, s in _scenarios(project).items()}

    assert first["A label that is not there"].startswith('No field labelled "Login". Fields here: ')
    assert '"Username:"' in first["A label that is not there"]
    assert '"Password:"' in first["A label that is not there"]
    # The page's own message, in full, first among the closest texts.
    assert first["A message worded otherwise"] == (
        'Did not see "1 book was successfully marked as out of stock.". '
        'Closest texts here: "1 book marked as out of stock."'
    ) or first["A message worded otherwise"].startswith(
        'Did not see "1 book was successfully marked as out of stock.". '
        'Closest texts here: "1 book marked as out of stock.", '
    ), first["A message worded otherwise"]
    assert first["A page that answers 404"].startswith('I open "/no-such-page/": the app answered 404 ')
    assert first["A page that answers 404"].endswith("/no-such-page/"), first["A page that answers 404"]
    assert first["A missing button"] == 'No button named "Delete". Buttons here: "Export"'
    assert (
        first["A link that should not be there"]
        == 'The "Add book" link is still visible (1 link of that name)'
    )
    assert first["Two fields of one name"] == '2 visible fields match "Note"; a step needs exactly one'
    assert first["An option that is not there"] == (
        'No option "Mark as sold" in "Action:". Options here: '
        '"---------", "Delete selected books", "Mark as out of stock"'
    )
    assert first["A row past the end"] == 'The "Chapters" table has 2 visible body rows: there is no row 3'
    assert first["A column that is not there"] == (
        'No column "Length" in the "Chapters" table. Columns here: "Title", "Pages", "Delete?"'
    )
    assert first["A heading that is not there"].startswith(
        'No heading named "Select book to view". Headings here: "Select book to change"'
    )

    # The accessibility snapshot is an attachment, not the message.
    output = result.stdout.str()
    assert "- textbox" not in output and "Locator expected" not in output
    attachments = [
        json.loads(p.read_text()) for p in project.path.glob("reports/latest/allure-results/*-result.json")
    ]
    names = {a["name"] for r in attachments for s in r.get("steps", []) for a in s.get("attachments", [])}
    names |= {a["name"] for r in attachments for a in r.get("attachments", [])}
    assert "accessibility snapshot" in names, names
    # Ten lookups bounded by the short timeouts, not by Playwright's 30 s each.
    assert elapsed < 120, elapsed
