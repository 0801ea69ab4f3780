"""A step with no definition fails with the step, where it is, the closest registered
phrases (a typo reads "did you mean"), and code ready to paste."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

import pytest
from pytest_bdd.steps import StepNamePrefix, step_function_context_registry

_QUOTED = re.compile(r'"([^"]*)"')


class MissingStepDefinition(Exception):
    pass


def snippet(keyword_type: str, text: str) -> str:
    decorator = {"given": "given", "when": "when", "then": "then"}.get(keyword_type, "given")
    names: list[str] = []

    def placeholder(_match: re.Match[str]) -> str:
        names.append(f"value{len(names) + 1}")
        return '"{' + names[-1] + '}"'

    pattern = _QUOTED.sub(placeholder, text)
    args = ", ".join(["page", *[f"{n}: str" for n in names]])
    matcher = f"parsers.parse({pattern!r})" if names else repr(text)
    return (
        "from pytest_bdd import given, when, then, parsers\n\n\n"
        f"@{decorator}({matcher})\n"
        f"def _({args}):\n"
        f"    raise NotImplementedError({text!r})\n"
    )


# A regex group of runner.steps.web.phrase (``(?P<name>[^"]*)``, ``(?P<n>\d+)``) read back as ``{name}``.
_GROUP = re.compile(r"\(\?P<(\w+)>(?:[^()\\]|\\.)*\)")
_ESCAPE = re.compile(r"\\(.)")


def readable(parser: Any) -> str:
    """A step parser as a person writes the phrase: ``I click the "{name}" button``."""
    template = getattr(parser, "template", None)
    if isinstance(template, str):
        return template
    name = str(getattr(parser, "name", parser))
    if type(parser).__name__ == "re":
        name = _ESCAPE.sub(r"\1", _GROUP.sub(lambda m: "{" + m[1] + "}", name)).removeprefix("^").removesuffix("$")
    return name


def _shape(text: str) -> str:
    """What is compared: the words, with every quoted value or placeholder alike."""
    text = _QUOTED.sub('""', text)
    return re.sub(r"\{\w+(?::\w+)?\}", "{}", text)


def closest_phrases(text: str, phrases: Iterable[str], limit: int = 3) -> list[str]:
    """The registered phrases nearest ``text`` (difflib's ratio over their shapes), best first."""
    wanted = _shape(text)
    scored = []
    for phrase in dict.fromkeys(phrases):
        ratio = difflib.SequenceMatcher(None, wanted, _shape(phrase)).ratio()
        if ratio >= 0.6:
            scored.append((-ratio, phrase))
    return [phrase for _, phrase in sorted(scored)[:limit]]


def registered_phrases(request: pytest.FixtureRequest, step_type: str) -> list[str]:
    """The readable forms of every step definition visible to this scenario for ``step_type``."""
    manager = request._fixturemanager
    prefix = f"{StepNamePrefix.step_def.value}_"
    found = []
    for name in list(manager._arg2fixturedefs):
        if not name.startswith(prefix):
            continue
        for fixturedef in manager.getfixturedefs(name, request.node) or ():
            func = fixturedef.func
            context = step_function_context_registry.get(func) or step_function_context_registry.get(
                getattr(func, "__wrapped__", None)
            )
            if context is not None and context.type in (None, step_type):
                found.append(readable(context.parser))
    return found


def missing_step(
    feature: Any, scenario: Any, step: Any, phrases: Iterable[str] = ()
) -> MissingStepDefinition:
    where = f"{feature.rel_filename}:{step.line_number}"
    near = closest_phrases(step.name, phrases)
    hint = "".join(f"    {step.keyword} {phrase}\n" for phrase in near)
    return MissingStepDefinition(
        f'No step definition matches this step ({where}, scenario "{scenario.name}"):\n'
        f"    {step.keyword} {step.name}\n"
        + (f"Did you mean:\n{hint}" if near else "")
        + ("Or add one" if near else "Add one")
        + " to a module in steps/ (every steps/*.py is loaded), for example:\n\n"
        + snippet(step.type, step.name)
    )
