"""``${NAME}`` in a team's features, as a team meets it: values from the environment typed
into an app that is not the demo (a static sign-in page whose labels end with a colon),
a value remembered from the page, a team's own step with a doc string, a name nobody set.

The pass phrase's variable name does not say "password": it is a secret only because a
feature uses it as ``${NAME}``. Every byte of the run folder and its report is searched for
it (zips opened, base64 at each alignment), under two xdist workers.
"""

from __future__ import annotations

import functools
import http.server
from pathlib import Path

import pytest

from runner.serving import serve_in_background
from tests.support import E2EProject
from tests.test_faults_secrets import _leaks

pytestmark = pytest.mark.slow

SIGNIN_APP = Path(__file__).resolve().parent / "apps" / "signin"
USER = "staff-anna-7731"  # public: listed in E2E_PUBLIC_VARIABLES
PASS_PHRASE = "planted-phrase-c0ffee-42"

FEATURE = """\
Feature: Values from the environment

  Scenario: A pass phrase and a remembered order number
    Given I open "/"
    When I fill in "Username:" with "${STAFF_USER}"
    And I fill in "Pass phrase:" with "${STAFF_PASS_PHRASE}"
    And I remember the text of the element with test id "order" as "ORDER"
    And I fill in the form:
      | field | value                         |
      | Note: | order ${ORDER} for ${STAFF_USER} |
    Then the element with test id "user-echo" has text "${STAFF_USER}"
    And the element with test id "pass-echo" has text "${STAFF_PASS_PHRASE}"
    And the element with test id "note-echo" has text "order ORD-2024-0042 for ${STAFF_USER}"

  Scenario: A team's own step prints what it was given
    Given I open "/"
    When I fill in "Pass phrase:" with "${STAFF_PASS_PHRASE}"
    Then our own check reads:
      \"\"\"
      ${STAFF_USER} typed ${STAFF_PASS_PHRASE}
      \"\"\"

  Scenario: A variable nobody set
    Given I open "/"
    When I fill in "Username:" with "${NOT_SET_ANYWHERE}"
"""
UNSET_LINE = FEATURE.splitlines().index('    When I fill in "Username:" with "${NOT_SET_ANYWHERE}"') + 1

TEAM_STEPS = '''\
from pytest_bdd import then


@then("our own check reads:")
def _(docstring: str) -> None:
    raise AssertionError(f"the check read: {docstring}")
'''


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def signin_app():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=SIGNIN_APP))
    serve_in_background(server)
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_values_from_the_environment_are_typed_masked_and_checked_before_the_scenario(
    e2e_project: E2EProject, signin_app: str
) -> None:
    e2e_project.add_feature("vars.feature", FEATURE)
    e2e_project.add_steps("team_steps.py", TEAM_STEPS)
    env = {
        "E2E_BASE_URL": signin_app,
        "STAFF_USER": USER,
        "STAFF_PASS_PHRASE": PASS_PHRASE,
        "E2E_PUBLIC_VARIABLES": "STAFF_USER",
    }
    run = e2e_project.e2e("run", "-n", "2", "--expect-timeout", "2000", **env)
    assert run.returncode == 1, run.output
    scenarios = {s["name"]: s for s in run.run_json()["scenarios"]}
    assert scenarios["A pass phrase and a remembered order number"]["status"] == "passed", run.output

    own = scenarios["A team's own step prints what it was given"]
    assert own["status"] == "failed"
    # The public variable is shown, the secret one masked, in run.json and the terminal alike.
    assert f"the check read: {USER} typed ***" in own["error"], own["error"]
    assert f"{USER} typed ***" in run.output

    unset = scenarios["A variable nobody set"]
    assert unset["status"] == "failed"
    assert f"NOT_SET_ANYWHERE (features/vars.feature:{UNSET_LINE})" in unset["error"], unset["error"]
    assert "NOT_SET_ANYWHERE" in run.output
    # It failed before its first step: not even the page was opened.
    allure = {r["name"]: r for r in run.allure_results()}
    steps = allure["A variable nobody set"].get("steps", [])
    assert all(step["status"] == "skipped" for step in steps), steps

    # The report shows the step as written, not the value.
    first = allure["A pass phrase and a remembered order number"]
    assert any("${STAFF_PASS_PHRASE}" in step["name"] for step in first["steps"])

    assert (run.run_dir / "report" / "index.html").is_file()
    assert list(run.run_dir.rglob("trace*.zip")), "the failure's trace is kept (scrubbed), not dropped"
    assert _leaks(run.run_dir, [PASS_PHRASE]) == []
    assert PASS_PHRASE not in run.output
