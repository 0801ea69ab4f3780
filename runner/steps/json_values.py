"""JSON values for the API steps: a path into a document, values compared as text, and
"matches" (the expected fields are there, extra ones allowed).

A path is names and indexes: ``count``, ``results[0].title``, ``items[-1]``,
``["key.with.dots"]``; ``""`` or ``$`` is the whole body. Written here rather than taken from
a JSONPath library: the steps need one path form and error messages that say where a path
stopped and what keys were there, which a Gherkin author can act on.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["ApiFailure", "as_text", "json_at", "json_matches", "kind_of", "short"]


class ApiFailure(AssertionError):
    """A request that could not be made, or a check of its response that does not hold."""


_PATH_TOKEN = re.compile(r'\.?([^.\[\]]+)|\[(-?\d+)\]|\["((?:[^"\\]|\\.)*)"\]')


def _path_parts(path: str) -> list[str | int]:
    text = path.strip()
    if text.startswith("$"):
        text = text[1:]
    parts: list[str | int] = []
    position = 0
    while position < len(text):
        match = _PATH_TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ApiFailure(
                f'JSON path "{path}": cannot read it at "{text[position:]}" (write names and [N], e.g. "results[0].title")'
            )
        name, index, quoted = match.groups()
        if index is not None:
            parts.append(int(index))
        elif quoted is not None:
            parts.append(json.loads(f'"{quoted}"'))
        else:
            parts.append(name)
        position = match.end()
    return parts


def json_at(document: Any, path: str) -> Any:
    """The value at ``path`` in ``document``; a path that leads nowhere says where it stopped."""
    value = document
    walked = "$"
    for part in _path_parts(path):
        if isinstance(part, int):
            if not isinstance(value, list):
                raise ApiFailure(f'JSON path "{path}": {walked} is {kind_of(value)}, not an array')
            if not -len(value) <= part < len(value):
                raise ApiFailure(f'JSON path "{path}": {walked} has {len(value)} item(s), no [{part}]')
            value = value[part]
            walked += f"[{part}]"
        else:
            if not isinstance(value, dict):
                raise ApiFailure(f'JSON path "{path}": {walked} is {kind_of(value)}, not an object')
            if part not in value:
                keys = ", ".join(f'"{k}"' for k in list(value)[:20]) or "none"
                raise ApiFailure(f'JSON path "{path}": {walked} has no "{part}" (its keys: {keys})')
            value = value[part]
            walked += f".{part}"
    return value


def kind_of(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return f"the value {as_text(value)}"


def as_text(value: Any) -> str:
    """A JSON value as a Gherkin author writes it: a string bare, anything else as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def json_matches(expected: Any, actual: Any, where: str = "$") -> list[str]:
    """What in ``actual`` differs from ``expected`` (empty when it matches)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {short(actual)}"]
        problems: list[str] = []
        for key, value in expected.items():
            if key not in actual:
                problems.append(f"{where}.{key}: missing")
            else:
                problems += json_matches(value, actual[key], f"{where}.{key}")
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{where}: expected an array, got {short(actual)}"]
        if len(expected) != len(actual):
            return [f"{where}: expected {len(expected)} item(s), got {len(actual)}"]
        problems = []
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            problems += json_matches(want, got, f"{where}[{index}]")
        return problems
    if as_text(expected) != as_text(actual):
        return [f"{where}: expected {short(expected)}, got {short(actual)}"]
    return []


def short(value: Any, limit: int = 200) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"
