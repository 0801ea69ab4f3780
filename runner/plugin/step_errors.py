"""A step with no definition fails with the step, where it is, the closest registered
phrases ("did you mean") and code ready to paste."""

from __future__ import annotations

import difflib
import re
from typing import Any

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


_GROUP = re.compile(r"\(\?P<(\w+)>(\\d\+|[^)]*)\)")
_ESCAPED = re.compile(r"\\(.)")


def readable(pattern: str) -> str:
    """A step parser's pattern as a person writes the phrase: ``I click the "{name}" button``."""
    text = _GROUP.sub(lambda m: "{" + m[1] + (":d" if m[2] == r"\d+" else "") + "}", pattern)
    return _ESCAPED.sub(r"\1", text)


def _shape(text: str) -> str:
    # Compare the words, not the values: every quoted value and placeholder becomes "".
    return re.sub(r"\{\w+(:d)?\}", "0", _QUOTED.sub('""', re.sub(r'"\{\w+\}"', '""', text)))


def did_you_mean(text: str, phrases: list[str], limit: int = 3) -> list[str]:
    """The registered phrases closest to a step's text, best first."""
    shapes = {_shape(p): p for p in phrases}
    close = difflib.get_close_matches(_shape(text), list(shapes), n=limit, cutoff=0.6)
    return [shapes[c] for c in close]


def registered_phrases() -> list[str]:
    try:
        from pytest_bdd.steps import step_function_context_registry
    except ImportError:  # another pytest-bdd layout: no suggestions, the rest still stands
        return []
    names = (getattr(c.parser, "name", "") for c in step_function_context_registry.values())
    return list(dict.fromkeys(readable(n) for n in names if isinstance(n, str) and n))


def missing_step(feature: Any, scenario: Any, step: Any) -> MissingStepDefinition:
    where = f"{feature.rel_filename}:{step.line_number}"
    close = did_you_mean(step.name, registered_phrases())
    mean = "".join(f"\n    {step.keyword} {phrase}" for phrase in close)
    return MissingStepDefinition(
        f'No step definition matches this step ({where}, scenario "{scenario.name}"):\n'
        f"    {step.keyword} {step.name}\n"
        + (f"Did you mean:{mean}\n" if close else "")
        + "Add one to a module in steps/ (every steps/*.py is loaded), for example:\n\n"
        + snippet(step.type, step.name)
    )
