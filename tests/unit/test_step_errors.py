"""runner/plugin/step_errors.py: a missing step says where it is and gives code ready to paste."""

from __future__ import annotations

from pathlib import Path

from pytest_bdd.feature import get_features

from runner.plugin.step_errors import missing_step, snippet

FEATURE = """\
Feature: Shop
  Scenario: Buy
    Given I am on the shop
    When I add "2" of "Tea"
    Then I see the total
"""


def test_a_snippet_is_valid_python_with_one_argument_per_quoted_value() -> None:
    code = snippet("when", 'I add "2" of "Tea"')
    namespace: dict = {}
    exec(compile(code, "snippet.py", "exec"), namespace)  # the code a user pastes must run
    assert '@when(parsers.parse(\'I add "{value1}" of "{value2}"\'))' in code
    assert "def _(page, value1: str, value2: str):" in code


def test_a_step_without_quotes_matches_its_text_and_an_unknown_keyword_is_given() -> None:
    code = snippet("and", "I am on the shop")
    assert "@given('I am on the shop')" in code and "def _(page):" in code


def test_the_message_names_file_line_scenario_and_step(tmp_path: Path) -> None:
    path = tmp_path / "shop.feature"
    path.write_text(FEATURE)
    feature = get_features([str(path)])[0]
    scenario = feature.scenarios["Buy"].render({})
    step = scenario.steps[1]
    message = str(missing_step(feature, scenario, step))
    assert f'({feature.rel_filename}:4, scenario "Buy")' in message
    assert '    When I add "2" of "Tea"' in message
    assert "every steps/*.py is loaded" in message and "def _(page, value1: str, value2: str):" in message
