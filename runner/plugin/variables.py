"""``${NAME}`` in step arguments: a value the scenario remembered, else the environment's.

- Where: every quoted value of a step (the arguments its parser takes from the text), every
  data-table cell and the doc string, for the step library and a team's own steps alike.
  pytest-bdd hands a step's arguments to ``pytest_bdd_before_step_call`` as one dict that
  the step is then called with; the values are replaced there, never in fixtures.
- When: after the other plugins have seen the arguments (a hook wrapper's second half), so
  the report's step parameters keep ``${PASSWORD}``, not the password.
- Secrets: every name used as ``${NAME}`` in the run's feature files is known before any
  scenario runs (the names are static text), so the controller and every xdist worker add
  them to the run's secret variables at configure time, except the ``public_variables``.
  The values are then masked in every file of the run folder, like any secret.
- Before a scenario's first step, each ``${NAME}`` it uses is checked: remembered by an
  earlier step (a phrase registered with ``runner.steps.memory.remembers``) or set in the
  environment; otherwise the scenario fails there, naming the variable and ``file:line``.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from runner.steps.memory import ScenarioMemory, forget, memory_for, remembered_by

REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def references(text: str) -> list[str]:
    """The names ``text`` uses as ``${NAME}``, in order (repeats kept once)."""
    return list(dict.fromkeys(REFERENCE.findall(text)))


def substitute(text: str, lookup: Callable[[str], str | None]) -> str:
    """``text`` with each ``${NAME}`` replaced by ``lookup(NAME)`` (kept as written when None)."""

    def value(match: re.Match[str]) -> str:
        found = lookup(match[1])
        return match[0] if found is None else found

    return REFERENCE.sub(value, text)


def _feature_files(args: Iterable[str], norecurse: list[str]) -> list[Path]:
    files: list[Path] = []
    for arg in args:
        candidate = Path(arg.split("::", 1)[0])
        if candidate.suffix == ".feature" and candidate.is_file():
            files.append(candidate)
        elif candidate.is_dir():
            for path in sorted(candidate.rglob("*.feature")):
                parts = path.relative_to(candidate).parts[:-1]
                if not any(fnmatch.fnmatch(part, pattern) for part in parts for pattern in norecurse):
                    files.append(path)
    return files


def names_in_features(args: Iterable[str], norecurse: list[str]) -> set[str]:
    """Every ``${NAME}`` written in the feature files the run's arguments name."""
    names: set[str] = set()
    for path in _feature_files(args, norecurse):
        try:
            names.update(REFERENCE.findall(path.read_text(encoding="utf-8", errors="replace")))
        except OSError:
            continue  # collection reports an unreadable file, with its name
    return names


def secret_names(config: pytest.Config, public: Iterable[str]) -> tuple[str, ...]:
    """The environment variables the run's features use as ``${NAME}``, minus the public ones."""
    args = config.args or [str(config.rootpath)]
    found = names_in_features(args, list(config.getini("norecursedirs"))) - set(public)
    return tuple(sorted(found))


def _step_texts(step: Any) -> list[str]:
    texts = [step.name]
    if step.datatable is not None:
        texts.extend(cell for row in step.datatable.raw() for cell in row)
    if step.docstring is not None:
        texts.append(step.docstring)
    return texts


def unknown_names(feature: Any, scenario: Any, environ: Mapping[str, str]) -> list[str]:
    """``NAME (file:line)`` for each ``${NAME}`` that no earlier step remembers and the
    environment does not set, in the order the steps use them."""
    remembered: set[str] = set()
    problems: list[str] = []
    for step in scenario.steps:
        for name in dict.fromkeys(n for text in _step_texts(step) for n in references(text)):
            if name not in remembered and name not in environ:
                problems.append(f"{name} ({feature.rel_filename}:{step.line_number})")
        remembered.update(remembered_by(step.name))
    return problems


def _unknown_message(problems: list[str]) -> str:
    one = len(problems) == 1
    return (
        f"${{NAME}} not set: {'; '.join(problems)}: no earlier step of the scenario remembers "
        f"{'it' if one else 'them'} and the environment does not set {'it' if one else 'them'}. "
        "Set the environment variable (in CodeBuild: the project's environment or Secrets Manager), "
        'or remember the value in an earlier step (e.g. When I remember ... as "NAME").'
    )


class Variables:
    """Registered by the plugin for an active run: the check before a scenario, the
    substitution before each step, and the ``scenario_memory`` fixture."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    @pytest.fixture
    def scenario_memory(self, request: pytest.FixtureRequest) -> ScenarioMemory:
        """What this scenario remembered (``remember(name, value)``), for ``${NAME}`` in later steps."""
        return memory_for(request.node)

    @pytest.hookimpl(trylast=True)
    def pytest_bdd_before_scenario(self, request, feature, scenario) -> None:
        forget(request.node)  # a rerun starts as the first attempt did
        problems = unknown_names(feature, scenario, self.environ)
        if problems:
            pytest.fail(_unknown_message(problems), pytrace=False)

    @pytest.hookimpl(wrapper=True)
    def pytest_bdd_before_step_call(self, request, feature, scenario, step, step_func, step_func_args):
        outcome = yield
        memory = memory_for(request.node)

        def lookup(name: str) -> str | None:
            if name in memory:
                return memory.get(name)
            return self.environ.get(name)

        for key in _gherkin_arguments(step_func_args, request):
            value = step_func_args[key]
            if isinstance(value, str):
                step_func_args[key] = substitute(value, lookup)
            elif key == "datatable" and isinstance(value, list):
                step_func_args[key] = [
                    [substitute(cell, lookup) if isinstance(cell, str) else cell for cell in row] for row in value
                ]
        missing = [
            name
            for key in _gherkin_arguments(step_func_args, request)
            for name in references(str(step_func_args[key]))
            if lookup(name) is None
        ]
        if missing:
            # The check before the scenario knew only what the step texts say; a phrase that
            # declared it remembers a name and did not is met here.
            where = f"{feature.rel_filename}:{step.line_number}"
            pytest.fail(_unknown_message([f"{n} ({where})" for n in dict.fromkeys(missing)]), pytrace=False)
        return outcome


def _gherkin_arguments(step_func_args: dict[str, Any], request: pytest.FixtureRequest) -> list[str]:
    """The arguments taken from the step's text, table and doc string, not its fixtures."""
    active = set(request.fixturenames)
    return [name for name in step_func_args if name in {"datatable", "docstring"} or name not in active]
