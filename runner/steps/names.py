"""Names as a person reads them: the one rule every phrase uses to compare a name.

A name in a feature and a name on the page are the same when they are equal
(case-sensitive) after collapsing whitespace and stripping trailing ``:``, ``*`` and spaces
on both sides: ``"Username"`` finds the label ``Username:``, ``"Title"`` finds ``Title *``
and ``"Action:"`` finds ``Action``. Nothing else is loosened: ``"Save"`` does not find
``Save and continue``, and ``"save"`` does not find ``Save``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

__all__ = ["closest", "name_pattern", "normalise", "quoted", "same_name"]

_TRAILING = re.compile(r"[\s:*]+$")


def normalise(text: str) -> str:
    """``text`` with whitespace collapsed and trailing ``:``, ``*`` and spaces stripped."""
    return _TRAILING.sub("", " ".join(text.split()))


def same_name(wanted: str, found: str) -> bool:
    return normalise(wanted) == normalise(found)


def name_pattern(name: str) -> re.Pattern[str]:
    """An anchored regex matching every text whose normalised form is ``normalise(name)``.

    Playwright's ``get_by_role(name=...)``, ``get_by_label`` and ``get_by_placeholder`` take
    it; an empty name matches only an empty (or ``:``/``*``-only) one.
    """
    words = normalise(name).split(" ")
    body = r"\s+".join(re.escape(word) for word in words if word)
    return re.compile(rf"^\s*{body}[\s:*]*$")


def closest(wanted: str, candidates: Iterable[str], limit: int = 3) -> list[str]:
    """The candidates nearest ``wanted`` (best first, each once, in full), by difflib's ratio.

    Always some (up to ``limit``) when there are candidates: a far match still tells the
    reader what the page has, which beats saying nothing.
    """
    key = normalise(wanted).lower()
    unique = list(dict.fromkeys(c for c in (" ".join(x.split()) for x in candidates) if c))
    scored = sorted(
        unique,
        key=lambda c: -difflib.SequenceMatcher(None, key, normalise(c).lower(), autojunk=False).ratio(),
    )
    return scored[:limit]


def quoted(names: Iterable[str], limit: int = 8) -> str:
    """``"a", "b", "c"`` (at most ``limit``, then ``and N more``); ``none`` when empty."""
    items = list(names)
    shown = ", ".join(f'"{name}"' for name in items[:limit])
    if len(items) > limit:
        shown += f" and {len(items) - limit} more"
    return shown or "none"
