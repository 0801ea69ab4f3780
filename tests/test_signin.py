"""Sign in once per role (`Given I am signed in as "ROLE"` and `@sign-in:ROLE`), as a team
meets it: a real temporary project against an app with a session-cookie sign-in
(`apps/signin_app.py`, not the demo app), real Chromium, under `-n 2`."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from tests.apps.signin_app import SignInApp
from tests.support import E2EProject

SIGN_INS = """Feature: How each role signs in

  @sign-in:admin
  Scenario: The admin signs in
    Given I open "/login"
    When I fill in "Username" with "admin"
    And I fill in "Password" with "{admin_password}"
    And I click the "Sign in" button
    Then I see "Welcome, admin"

  @sign-in:viewer
  Scenario: The viewer signs in
    Given I open "/login"
    When I fill in "Username" with "viewer"
    And I fill in "Password" with "viewerpass"
    And I click the "Sign in" button
    Then I see "Welcome, viewer"
"""

ADMIN = """Feature: The admin's pages

  Scenario: The admin sees the home page
    Given I am signed in as "admin"
    When I open "/home"
    Then I see "Welcome, admin"

  Scenario: The admin sees the books
    Given I am signed in as "admin"
    When I open "/books"
    Then I see "Books for admin"

  @quarantine:slow-app
  Scenario: The admin sees the books again
    Given I am signed in as "admin"
    When I open "/books"
    Then I see "Book 20"

  Scenario: The admin and a viewer at once
    Given I am signed in as "admin"
    When I open "/home"
    Then a viewer in a second window sees "Welcome, viewer"
"""

VIEWER = """Feature: The viewer's pages

  Scenario: The viewer sees the home page
    Given I am signed in as "viewer"
    When I open "/home"
    Then I see "Welcome, viewer"

  Scenario: Anyone sees the public page
    Given I open "/"
    Then I see "Public page"
"""

SECOND_ACTOR = """from pytest_bdd import parsers, then


@then(parsers.parse('a viewer in a second window sees "{text}"'))
def _viewer_sees(new_context, text):
    page = new_context(role="viewer").new_page()
    page.goto("/home")
    assert text in page.inner_text("h1"), page.inner_text("body")
"""


@pytest.fixture
def app():
    served = SignInApp(iterations=20_000).start()
    yield served
    served.stop()


def _project(e2e_project: E2EProject, admin_password: str = "adminpass") -> E2EProject:
    e2e_project.add_feature("sign_in.feature", SIGN_INS.format(admin_password=admin_password))
    e2e_project.add_feature("admin.feature", ADMIN)
    e2e_project.add_feature("viewer.feature", VIEWER)
    e2e_project.add_steps("second_actor.py", SECOND_ACTOR)
    return e2e_project


def _every_byte(run_dir: Path) -> bytes:
    chunks = []
    for path in run_dir.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            chunks.append(data)
            if path.suffix == ".zip":
                with zipfile.ZipFile(path) as archive:
                    chunks.extend(archive.read(name) for name in archive.namelist())
    return b"\n".join(chunks)


def test_each_role_signs_in_once_for_all_workers(e2e_project: E2EProject, app: SignInApp) -> None:
    project = _project(e2e_project)
    result = project.pytest("features", "-n", "2", "--strict-markers", E2E_BASE_URL=app.url)
    assert result.returncode == 0, result.output
    assert app.sign_ins == {"admin": 1, "viewer": 1}, result.output

    summary = result.run_json()
    names = [s["name"] for s in summary["scenarios"]]
    assert sorted(names) == sorted(
        [
            "The admin sees the home page",
            "The admin sees the books",
            "The admin sees the books again",
            "The admin and a viewer at once",
            "The viewer sees the home page",
            "Anyone sees the public page",
        ]
    )
    assert summary["counts"]["total"] == 6, summary["counts"]
    cucumber = json.loads((result.run_dir / "cucumber.json").read_text())
    elements = [e["name"] for f in cucumber for e in f["elements"]]
    assert not [n for n in elements if "signs in" in n]
    assert "signs in" not in (result.run_dir / "junit.xml").read_text()

    # In the report: no test of its own; its steps once, under the step of the scenario that signed in.
    results = result.allure_results()
    assert not [r for r in results if "signs in" in r["name"]]
    setups = [
        sub
        for r in results
        for step in r.get("steps", [])
        for sub in step.get("steps", [])
        if sub["name"].startswith('Sign in as "admin"')
    ]
    assert len(setups) == 1, [r["name"] for r in results]
    assert [s["name"] for s in setups[0]["steps"]][:2] == [
        'Given I open "/login"',
        'When I fill in "Username" with "admin"',
    ]

    # The stored states are gone with the run; none was ever in the run folder.
    state_dir = project.root / ".e2e-state"
    assert not list(state_dir.glob("signin-*.json")), list(state_dir.iterdir())
    for token in app.sessions:
        assert token.encode() not in _every_byte(result.run_dir)


def test_a_selection_without_the_sign_in_scenario_still_signs_in(
    e2e_project: E2EProject, app: SignInApp
) -> None:
    project = _project(e2e_project)
    result = project.pytest(
        "features/admin.feature", "-k", "admin_sees_the_home_page", "-p", "no:randomly", E2E_BASE_URL=app.url
    )
    assert result.returncode == 0, result.output
    assert [s["name"] for s in result.run_json()["scenarios"]] == ["The admin sees the home page"]
    assert app.sign_ins == {"admin": 1}


def test_a_failed_sign_in_fails_every_scenario_that_needs_the_role(
    e2e_project: E2EProject, app: SignInApp
) -> None:
    project = _project(e2e_project, admin_password="wrong-password")
    result = project.pytest(
        "features/admin.feature", "-n", "2", "--expect-timeout", "1500", E2E_BASE_URL=app.url
    )
    assert result.returncode == 1, result.output
    scenarios = result.run_json()["scenarios"]
    assert {s["status"] for s in scenarios} == {"failed"}, scenarios
    for scenario in scenarios:
        assert scenario["error"].startswith('signing in as "admin" failed at features/sign_in.feature:9'), (
            scenario
        )
        assert "Welcome, admin" in scenario["error"]
    assert app.failed == 1  # tried once for the run, not once per scenario
    assert app.sign_ins == {}


def test_the_stored_cookie_is_masked_everywhere(e2e_project: E2EProject, app: SignInApp) -> None:
    project = _project(e2e_project)
    project.add_steps(
        "leak.py",
        """from pytest_bdd import then


@then("the session cookie is printed")
def _leak(context):
    values = [c["value"] for c in context.cookies()]
    print("cookies:", values)
    raise AssertionError(f"the session is {values}")
""",
    )
    project.add_feature(
        "leak.feature",
        """Feature: A step that shows the session

  Scenario: The cookie is printed
    Given I am signed in as "admin"
    When I open "/home"
    Then the session cookie is printed
""",
    )
    result = project.pytest("features/leak.feature", "--tracing", "retain-on-failure", E2E_BASE_URL=app.url)
    assert result.returncode == 1, result.output
    [token] = app.sessions
    assert token not in result.output
    assert token.encode() not in _every_byte(result.run_dir)
    assert "the session is ['***']" in result.run_json()["scenarios"][0]["error"]


def test_a_state_that_no_longer_works_is_made_once_more(e2e_project: E2EProject, app: SignInApp) -> None:
    project = _project(e2e_project)
    project.add_feature(
        "expiry.feature",
        """Feature: Sessions end

  Scenario: First
    Given I am signed in as "admin"
    When I open "/home"
    Then I see "Welcome, admin"

  Scenario: The app forgets every session
    Given I open "/forget-sessions"
    Then I see "Every session ended"

  Scenario: Right after
    Given I am signed in as "admin"
    When I open "/home"
    Then I see "Welcome, admin"

  Scenario: Later
    Given I am signed in as "admin"
    When I open "/home"
    Then I see "Welcome, admin"
""",
    )
    result = project.pytest(
        "features/expiry.feature", "-p", "no:xdist", "--expect-timeout", "1500", E2E_BASE_URL=app.url
    )
    statuses = {s["name"]: s["status"] for s in result.run_json()["scenarios"]}
    # The scenario that met the expired state fails, saying so; the next one signs in again.
    assert statuses == {
        "First": "passed",
        "The app forgets every session": "passed",
        "Right after": "failed",
        "Later": "passed",
    }
    assert 'The stored sign-in of "admin" no longer works' in result.output
    assert app.sign_ins == {"admin": 2}


def test_an_unknown_role_names_the_roles_there_are(e2e_project: E2EProject, app: SignInApp) -> None:
    project = _project(e2e_project)
    project.add_feature(
        "typo.feature",
        'Feature: A typo\n\n  Scenario: Wrong role\n    Given I am signed in as "admn"\n    When I open "/home"\n',
    )
    result = project.pytest("features/typo.feature", E2E_BASE_URL=app.url)
    assert result.returncode == 1
    error = result.run_json()["scenarios"][0]["error"]
    assert 'no scenario says how "admn" signs in' in error, error
    assert '"admin" (features/sign_in.feature:4)' in error


def test_a_role_can_sign_in_through_python(e2e_project: E2EProject, app: SignInApp) -> None:
    project = _project(e2e_project)
    project.add_steps(
        "api_sign_in.py",
        """from runner.plugin.signin_catalog import sign_in


@sign_in("api-admin")
def _through_the_api(context):
    response = context.request.post("/login", form={"username": "admin", "password": "adminpass"})
    assert response.ok, response.status
""",
    )
    project.add_feature(
        "api.feature",
        """Feature: Signed in through the API

  Scenario: One
    Given I am signed in as "api-admin"
    When I open "/home"
    Then I see "Welcome, admin"

  Scenario: Two
    Given I am signed in as "api-admin"
    When I open "/books"
    Then I see "Books for admin"
""",
    )
    result = project.pytest("features/api.feature", E2E_BASE_URL=app.url)
    assert result.returncode == 0, result.output
    assert app.sign_ins == {"admin": 1}
