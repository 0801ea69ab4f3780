"""Values a scenario remembers, for ``${NAME}`` in its later steps.

A phrase that remembers a value says so twice: statically, by registering its parser with
``remembers`` (so the runner knows, before a scenario's first step, which ``${NAME}`` an
earlier step will provide), and at run time, by calling ``ScenarioMemory.remember``::

    from pytest_bdd import when
    from runner.steps.memory import ScenarioMemory, remembers
    from runner.steps.web import phrase

    @when(remembers(phrase('I remember the order number as "{name}"'), "name"))
    def _(page, scenario_memory: ScenarioMemory, name: str) -> None:
        scenario_memory.remember(name, page.get_by_test_id("order").inner_text())

``${NAME}`` in a later step is then the remembered value; a name nothing remembers is the
environment variable NAME (see ``runner.plugin.variables``). Remembered values live in
the scenario only: the next scenario starts with an empty memory.

This module is also a step module (registered with the step library, so its phrase is
active only where the library is; importing it registers nothing): it holds the generic
remembering phrase ``When I remember the text of the element with test id "ID" as "NAME"``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from pytest_bdd import given, then, when
from pytest_bdd.parsers import StepParser

from runner.steps.web import phrase

__all__ = ["ScenarioMemory", "memory_for", "remembered_by", "remembers", "remember_text_of_test_id"]

# A name as ``${NAME}`` writes it: an environment variable's name.
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class ScenarioMemory:
    """The values one scenario remembered, by name."""

    values: dict[str, str] = field(default_factory=dict)

    def remember(self, name: str, value: Any) -> None:
        if not NAME.fullmatch(name):
            raise ValueError(
                f'cannot remember a value as "{name}": a name is letters, digits and _ '
                '(not starting with a digit), as in "ORDER_ID"; it is used as ${ORDER_ID}'
            )
        self.values[name] = str(value)

    def __contains__(self, name: object) -> bool:
        return name in self.values

    def get(self, name: str) -> str | None:
        return self.values.get(name)


_MEMORY = pytest.StashKey[ScenarioMemory]()


def memory_for(item: pytest.Item) -> ScenarioMemory:
    """The memory of the scenario ``item`` runs (made on first use)."""
    memory = item.stash.get(_MEMORY, None)
    if memory is None:
        memory = item.stash[_MEMORY] = ScenarioMemory()
    return memory


def forget(item: pytest.Item) -> None:
    """A rerun starts with an empty memory, as the first attempt did."""
    item.stash[_MEMORY] = ScenarioMemory()


# (parser, the name of the argument that holds the remembered name)
_REMEMBERING: list[tuple[StepParser, str]] = []


def remembers(parser: StepParser, argument: str = "name") -> StepParser:
    """Declare that the phrase ``parser`` matches remembers a value under its ``argument``;
    returns the parser, for the step decorator."""
    if not any(known is parser for known, _ in _REMEMBERING):
        _REMEMBERING.append((parser, argument))
    return parser


def remembered_by(step_text: str) -> list[str]:
    """The names a step with this text remembers, known from its text alone."""
    names = []
    for parser, argument in _REMEMBERING:
        if parser.is_matching(step_text):
            value = parser.parse_arguments(step_text) or {}
            if argument in value:
                names.append(str(value[argument]))
    return names


# -- the generic remembering phrase ------------------------------------------------------


def remember_text_of_test_id(page: Any, memory: ScenarioMemory, test_id: str, name: str) -> None:
    """Remember the visible text of the ``data-testid`` element as ``name``."""
    memory.remember(name, page.get_by_test_id(test_id).inner_text().strip())


_REMEMBER_TEXT = remembers(phrase('I remember the text of the element with test id "{test_id}" as "{name}"'))


@given(_REMEMBER_TEXT)
@when(_REMEMBER_TEXT)
@then(_REMEMBER_TEXT)
def _remember_text(page: Any, scenario_memory: ScenarioMemory, test_id: str, name: str) -> None:
    remember_text_of_test_id(page, scenario_memory, test_id, name)
