"""A step with no definition fails with the step, where it is, and code ready to paste."""

from __future__ import annotations

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


def missing_step(feature: Any, scenario: Any, step: Any) -> MissingStepDefinition:
    where = f"{feature.rel_filename}:{step.line_number}"
    return MissingStepDefinition(
        f'No step definition matches this step ({where}, scenario "{scenario.name}"):\n'
        f"    {step.keyword} {step.name}\n"
        "Add one to a module in steps/ (every steps/*.py is loaded), for example:\n\n"
        + snippet(step.type, step.name)
    )
