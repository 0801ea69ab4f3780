"""A typo in a phrase: the failure lists the closest registered phrases, a team's own too."""

from __future__ import annotations

from tests.support import E2EProject

FEATURE = """\
Feature: Typos

  Scenario: A typo in a library phrase
    When I clik the "Save" button

  Scenario: A typo in a team's phrase
    When I archive the ordr "42"
"""

TEAM_STEPS = '''\
from pytest_bdd import when

from runner.steps.web import phrase


@when(phrase('I archive the order "{number}"'))
def _(number: str) -> None:
    pass
'''


def test_a_step_with_no_definition_says_did_you_mean(e2e_project: E2EProject) -> None:
    e2e_project.add_feature("typos.feature", FEATURE)
    e2e_project.add_steps("team_steps.py", TEAM_STEPS)
    run = e2e_project.pytest()
    assert run.returncode == 1, run.output
    assert 'Did you mean:\n    When I click the "{name}" button\n' in run.output, run.output
    assert 'Did you mean:\n    When I archive the order "{number}"\n' in run.output, run.output
    assert "Or add one to a module in steps/" in run.output
