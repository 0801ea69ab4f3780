"""Gherkin tags as pytest marks, ``--strict-markers`` included.

A tag ``@smoke`` is the mark ``smoke``; a tag with a value, ``@quarantine:REASON`` or
``@sign-in:ROLE``, is the mark named before the ``:`` with the value as its argument
(``pytest.mark.quarantine("REASON")``): a mark's name cannot hold a ``:`` in pytest's
``markers`` setting, so ``quarantine`` is what gets declared and what ``-m`` selects.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest


def mark_name(tag: str) -> str:
    return tag.split(":", 1)[0]


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_apply_tag(tag: str, function: Callable) -> Callable | None:
    name, sep, value = tag.partition(":")
    if not sep:
        return None  # pytest-bdd's own: getattr(pytest.mark, tag)
    return getattr(pytest.mark, name)(value)(function)
