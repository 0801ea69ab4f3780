"""${NAME}: found, replaced, and checked before a scenario (pure functions, no browser)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from runner.plugin.variables import names_in_features, references, substitute, unknown_names
from runner.steps.memory import ScenarioMemory, remembered_by


@dataclass
class _Table:
    rows: list[list[str]]

    def raw(self) -> list[list[str]]:
        return self.rows


@dataclass
class _Step:
    name: str
    line_number: int
    datatable: _Table | None = None
    docstring: str | None = None


@dataclass
class _Scenario:
    steps: list[_Step] = field(default_factory=list)


@dataclass
class _Feature:
    rel_filename: str = "features/login.feature"


def test_references_and_substitution() -> None:
    assert references("${A} and ${B_2} and ${A} but not $C or ${1X}") == ["A", "B_2"]
    values = {"A": "x", "B_2": "y"}
    assert substitute("${A}-${B_2}-${UNKNOWN}", values.get) == "x-y-${UNKNOWN}"


def test_unknown_names_say_where_and_remembered_names_count_only_after_their_step() -> None:
    scenario = _Scenario(
        [
            _Step('I fill in "Code" with "${CODE}"', 5),
            _Step('I remember the text of the element with test id "code" as "CODE"', 6),
            _Step('I fill in "Code" with "${CODE}"', 7),
            _Step("I fill in the form:", 8, datatable=_Table([["Password", "${LOGIN_WORD}"]])),
            _Step("I see the text:", 10, docstring="${NOWHERE}"),
        ]
    )
    problems = unknown_names(_Feature(), scenario, {"LOGIN_WORD": "secret"})
    assert problems == ["CODE (features/login.feature:5)", "NOWHERE (features/login.feature:10)"]


def test_the_remembering_phrase_declares_its_name() -> None:
    text = 'I remember the text of the element with test id "order" as "ORDER_ID"'
    assert remembered_by(text) == ["ORDER_ID"]
    assert remembered_by('I see "ORDER_ID"') == []


def test_memory_refuses_a_name_that_cannot_be_written_as_a_reference() -> None:
    memory = ScenarioMemory()
    memory.remember("ORDER_ID", 42)
    assert memory.get("ORDER_ID") == "42"
    try:
        memory.remember("order id", "x")
    except ValueError as exc:
        assert "${ORDER_ID}" in str(exc)
    else:
        raise AssertionError("a bad name was accepted")


def test_names_are_found_in_steps_tables_and_doc_strings_of_feature_files(tmp_path: Path) -> None:
    (tmp_path / "a.feature").write_text(
        'Feature: A\n  Scenario: S\n    When I fill in "P" with "${ONE}"\n'
        "    And I fill in the form:\n      | P | ${TWO} |\n"
        '    Then I see the text:\n      """\n      ${THREE}\n      """\n'
    )
    (tmp_path / "skipped").mkdir()
    (tmp_path / "skipped" / "b.feature").write_text('Feature: B\n  Scenario: S\n    When I see "${FOUR}"\n')
    assert names_in_features([str(tmp_path)], ["skipped"]) == {"ONE", "TWO", "THREE"}
