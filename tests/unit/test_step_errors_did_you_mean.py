"""Did you mean: the closest registered phrases, as a person writes them."""

from __future__ import annotations

from runner.plugin.step_errors import closest_phrases, readable
from runner.steps.web import phrase


def test_a_phrase_parser_reads_back_as_its_template() -> None:
    assert readable(phrase('I click the "{name}" button')) == 'I click the "{name}" button'
    assert readable(phrase('the list "{name}" has {count:d} items')) == 'the list "{name}" has {count} items'
    assert readable(phrase("the page title (today) is \"{title}\"")) == 'the page title (today) is "{title}"'


def test_a_typo_lists_the_phrase_meant_first() -> None:
    phrases = [
        'I click the "{name}" button',
        'I click the "{name}" link',
        'I click "{text}"',
        'I fill in "{label}" with "{value}"',
        'I see "{text}"',
    ]
    near = closest_phrases('I clik the "Save" button', phrases)
    assert near[0] == 'I click the "{name}" button'
    assert 'I fill in "{label}" with "{value}"' not in near


def test_nothing_close_lists_nothing() -> None:
    assert closest_phrases("the moon is made of cheese", ['I click the "{name}" button']) == []
