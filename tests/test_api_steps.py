"""The API steps, as a team uses them: a real app with a JSON API (session cookie + CSRF),
requests through the scenario's browser context, test data made through the API and seen
in the UI, failures that name what came back, every request attached, no secret in any byte.

The app is ``tests/apps/notes/app.py`` (not the demo app), started once per module.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

NOTES_APP = Path(__file__).resolve().parent / "apps" / "notes" / "app.py"
PASSWORD = "s3cret-Editor-pw"


@pytest.fixture(scope="module")
def notes_url() -> Iterator[str]:
    proc = subprocess.Popen([sys.executable, str(NOTES_APP), "0"], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("listening on "), line
        url = f"http://127.0.0.1:{line.split()[-1]}"
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _project(e2e_project, url: str):
    (e2e_project.root / "pyproject.toml").write_text(
        f'[project]\nname = "notes-suite"\nversion = "0"\n\n[tool.e2e]\nbase_url = "{url}"\n'
    )
    return e2e_project


SIGN_IN_STEPS = '''
    Given I send a GET request to "/api/csrf/"
    And requests send the cookie "csrftoken" as the header "X-CSRFToken"
    When I send a POST request to "/api/login/" with:
      """
      {"username": "editor", "password": "${NOTES_PASSWORD}"}
      """
    Then the response status is 200
'''

CRUD = f'''
Feature: Notes through the API and the UI

  Scenario: Anonymous reads, a refused write
    When I send a GET request to "/api/notes/"
    Then the response status is 200
    And the response JSON at "results[0].title" is "Welcome"
    And the response JSON at "results[0].done" is "false"
    And the response JSON at "count" is "1"
    Given I send a GET request to "/api/csrf/"
    And requests send the cookie "csrftoken" as the header "X-CSRFToken"
    When I send a POST request to "/api/notes/" with:
      """
      {{"title": "Not allowed"}}
      """
    Then the response status is 403
    And the response JSON at "detail" is "Authentication credentials were not provided."

  Scenario: A signed-in editor creates, reads, changes and deletes a note
{SIGN_IN_STEPS}
    When I send a POST request to "/api/notes/" with:
      """
      {{"title": "Shopping", "body": "milk"}}
      """
    Then the response status is 201
    And the response JSON matches:
      """
      {{"title": "Shopping", "done": false}}
      """
    When I remember the response JSON at "id" as "NOTE_ID"
    And I send a GET request to "/api/notes/${{NOTE_ID}}/"
    Then the response JSON at "body" is "milk"
    When I open "/notes/${{NOTE_ID}}/"
    Then I see the heading "Shopping"
    When I open "/login/"
    Then I see the heading "Sign in"
    When I send a PATCH request to "/api/notes/${{NOTE_ID}}/" with:
      """
      {{"done": true}}
      """
    Then the response status is 200
    And the response JSON at "done" is "true"
    When I send a DELETE request to "/api/notes/${{NOTE_ID}}/"
    Then the response status is 204
    When I send a GET request to "/api/notes/${{NOTE_ID}}/"
    Then the response status is 404

  Scenario: A bad body gets its field error
{SIGN_IN_STEPS}
    When I send a POST request to "/api/notes/" with:
      """
      {{"body": "no title"}}
      """
    Then the response status is 400
    And the response JSON at "title[0]" is "This field is required."
    And the response JSON at "title" has 1 item
'''


def test_crud_through_the_api_and_the_ui(e2e_project, notes_url: str) -> None:
    project = _project(e2e_project, notes_url)
    project.add_feature("notes.feature", CRUD)
    result = project.pytest("features/", NOTES_PASSWORD=PASSWORD, E2E_EXPECT_TIMEOUT="3000", E2E_TRACE="on")
    assert result.returncode == 0, result.output
    summary = result.run_json()
    assert summary["counts"]["passed"] == 3, summary["counts"]
    # Each request is attached to its step, with the cookies and the CSRF header masked.
    attachments = []
    for res in result.allure_results():
        for step in _walk_steps(res):
            attachments += [(step["name"], a) for a in step.get("attachments", [])]
    api_records = [(s, a) for s, a in attachments if a["name"].startswith(("GET ", "POST ", "PATCH ", "DELETE "))]
    assert any("I send a POST request" in s and a["name"].startswith("POST /api/notes/") for s, a in api_records), api_records
    record = (result.run_dir / "allure-results" / api_records[0][1]["source"]).read_text()
    assert "X-CSRFToken: ***" in record or "X-CSRFToken" not in record
    # No password, session or CSRF value in any byte of the run folder.
    _assert_not_in_run(result.run_dir, [PASSWORD])
    cookies = _cookie_values(result.run_dir)
    assert cookies == [], cookies


def _walk_steps(node: dict) -> Iterator[dict]:
    for step in node.get("steps", []):
        yield step
        yield from _walk_steps(step)


def _assert_not_in_run(run_dir: Path, secrets: list[str]) -> None:
    for path in run_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in secrets:
                assert secret.encode() not in data, f"{secret!r} in {path}"


def _cookie_values(run_dir: Path) -> list[str]:
    """Session and CSRF values (cookies, and the form token of the sign-in page) in any byte of
    the run folder, traces opened."""
    import re
    import zipfile

    found = []
    pattern = re.compile(rb"(sessionid|csrftoken)=([0-9a-f]{32,40})|mw[0-9a-f]{30}")
    for path in run_dir.rglob("*"):
        if not path.is_file():
            continue
        blobs = [path.read_bytes()]
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                blobs += [archive.read(name) for name in archive.namelist()]
        for blob in blobs:
            found += [m.group(0).decode() for m in pattern.finditer(blob)]
    return found


PLANTED = '''
Feature: Planted API failures

  Scenario: A wrong status names both
    When I send a GET request to "/api/notes/999/"
    Then the response status is 200

  Scenario: A wrong value names what came back
    When I send a GET request to "/api/notes/"
    Then the response JSON at "results[0].title" is "Goodbye"

  Scenario: An API that hangs
    When I send a GET request to "/api/slow/"

  Scenario: An API that is down
    When I send a GET request to "http://127.0.0.1:9/api/"
'''


def test_planted_failures_say_what_came_back(e2e_project, notes_url: str) -> None:
    project = _project(e2e_project, notes_url)
    project.add_feature("planted.feature", PLANTED)
    started = time.monotonic()
    result = project.pytest("features/", E2E_API_TIMEOUT="2000")
    assert result.returncode == 1, result.output
    assert time.monotonic() - started < 120
    errors = {s["name"]: s for s in result.run_json()["scenarios"]}
    first = {name: s["error"].splitlines()[0] for name, s in errors.items()}
    assert first["A wrong status names both"].startswith("Expected status 200, got 404"), first
    assert 'found "Welcome"' in first["A wrong value names what came back"], first
    assert "no answer within 2000 ms (api_timeout)" in first["An API that hangs"], first
    assert "http://127.0.0.1:9/api/" in first["An API that is down"] and "request failed" in first["An API that is down"], first
    assert all(s["status"] == "failed" for s in errors.values()), errors
