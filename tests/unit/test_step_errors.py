"""runner.plugin.step_errors: the closest registered phrases for a step with no definition."""

from __future__ import annotations

import runner.steps.web  # noqa: F401 - registers the library's phrases
from runner.plugin.step_errors import did_you_mean, readable, registered_phrases


def test_readable_turns_a_parser_pattern_back_into_the_phrase() -> None:
    assert readable('I click the "(?P<name>[^"]*)" button') == 'I click the "{name}" button'
    assert (
        readable(r'the list "(?P<name>[^"]*)" has (?P<count>\d+) items')
        == 'the list "{name}" has {count:d} items'
    )
    assert readable(r"I take a screenshot \(now\)") == "I take a screenshot (now)"


def test_a_typo_gets_the_phrase_it_meant_first() -> None:
    phrases = registered_phrases()
    assert did_you_mean('I clik the "Save" button', phrases)[0] == 'I click the "{name}" button'
    assert (
        did_you_mean('I fil in "Username" with "admin"', phrases)[0] == 'I fill in "{label}" with "{value}"'
    )
    assert did_you_mean("the weather is fine", phrases) == []
