"""Parsers of setting values: a text (or a TOML value) in, a typed value out.

Each raises ``ValueError`` (or ``TypeError``) with what it expected; ``runner.settings``
adds where the value came from (``E2E_VIEWPORT (environment) = 'huge': expected ...``).
They know nothing of where a value is read: the declarations in ``runner.settings`` pair
each with its variable, flag and default.
"""

from __future__ import annotations

import math
import os
import platform
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

# The viewport of a run unless one is set: the Karate image's window, a common laptop screen.
DEFAULT_VIEWPORT = (1920, 1080)
_EXAMPLE_VIEWPORT = f"{DEFAULT_VIEWPORT[0]}x{DEFAULT_VIEWPORT[1]}"

# The largest viewport accepted: 8K UHD. Larger ones exhaust a build machine's memory on the first
# full-page screenshot and are always a typo (an extra digit) rather than a real screen.
MAX_VIEWPORT = (7680, 4320)

# Node's timers hold at most 2**31 - 1 ms; Playwright turns a longer delay into 1 ms without a word.
MAX_TIMER_MS = 2**31 - 1
MAX_SLOW_MO_MS = MAX_TIMER_MS


def boolean(text: str | bool) -> bool:
    if isinstance(text, bool):  # TOML's true/false
        return text
    lowered = str(text).strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("expected true or false")


def viewport(text: str) -> tuple[int, int]:
    parts = str(text).lower().replace(" ", "").split("x")
    # isascii: str.isdigit() also accepts digits such as "²" that int() then refuses.
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() and int(p) > 0 for p in parts):
        raise ValueError(f"expected WIDTHxHEIGHT, for example {_EXAMPLE_VIEWPORT}, both at least 1")
    width, height = int(parts[0]), int(parts[1])
    if width > MAX_VIEWPORT[0] or height > MAX_VIEWPORT[1]:
        raise ValueError(
            f"expected at most {MAX_VIEWPORT[0]}x{MAX_VIEWPORT[1]} (8K), for example {_EXAMPLE_VIEWPORT}"
        )
    return width, height


@dataclass(frozen=True)
class Choice:
    """One of ``values`` (case-insensitive); ``aliases`` map other accepted words onto them
    (pytest-playwright's ``--screenshot on`` is our ``final``). The flags offer ``accepted``."""

    values: tuple[str, ...]
    aliases: Mapping[str, str] = field(default_factory=dict)
    hint: str = ""

    @property
    def accepted(self) -> tuple[str, ...]:
        return (*self.values, *self.aliases)

    def __call__(self, text: str) -> str:
        value = str(text).strip().lower()
        value = self.aliases.get(value, value)
        if value not in self.values:
            raise ValueError(f"expected one of: {', '.join(self.values)}{self.hint}")
        return value


def slow_mo_ms(text: str | float) -> float:
    """A delay in milliseconds: finite, >= 0 (``float()`` alone takes "nan", "inf" and "1e400")."""
    try:
        value = float(str(text).strip()) if not isinstance(text, bool) else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise ValueError("expected a finite number of milliseconds >= 0")
    if value > MAX_SLOW_MO_MS:
        raise ValueError(
            f"expected at most {MAX_SLOW_MO_MS} milliseconds (the longest delay Playwright keeps)"
        )
    return value


def _whole(text: str | int) -> int:
    if isinstance(text, bool):  # TOML's true is an int to Python, never a number here
        raise TypeError("expected a whole number, not true or false")
    return int(str(text).strip())


def timeout_ms(text: str) -> int:
    """A timeout in whole milliseconds, > 0 and one Node's timers can hold."""
    value = _whole(text)
    if not 0 < value <= MAX_TIMER_MS:
        raise ValueError(f"expected a whole number of milliseconds between 1 and {MAX_TIMER_MS}")
    return value


def non_negative_int(text: str) -> int:
    value = _whole(text)
    if value < 0:
        raise ValueError("expected a whole number >= 0")
    return value


def positive_int(text: str) -> int:
    value = _whole(text)
    if value <= 0:
        raise ValueError("expected a whole number > 0")
    return value


def quality(text: str) -> int:
    """A JPEG quality, as Playwright takes it: a whole number from 1 to 100."""
    value = _whole(text)
    if not 1 <= value <= 100:
        raise ValueError("expected a whole number from 1 to 100")
    return value


def optional_str(text: str) -> str | None:
    value = str(text).strip()
    return value or None


def webhook_url(text: str) -> str | None:
    """An http(s) URL, or nothing; the message never repeats the value (a webhook URL is a secret)."""
    value = str(text).strip()
    if not value:
        return None
    if not re.fullmatch(r"https?://[^\s/?#]+[^\s]*", value):
        raise ValueError("expected an http:// or https:// URL (the value is a secret and is not shown)")
    return value


def names(text: str | list[str]) -> tuple[str, ...]:
    """Variable names, as a list or separated by commas or spaces."""
    items = text if isinstance(text, list) else re.split(r"[,\s]+", str(text))
    found = tuple(str(n).strip() for n in items if str(n).strip())
    bad = [n for n in found if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", n)]
    if bad:
        raise ValueError(f"not variable names: {', '.join(bad)}")
    return found


def args(text: str | list[str]) -> tuple[str, ...]:
    if isinstance(text, list):
        return tuple(str(a) for a in text)
    return tuple(a for a in str(text).split() if a)


def shard(text: str) -> tuple[int, int] | None:
    """``"2/3"`` -> ``(2, 3)``; indexes count from 1, like Playwright's ``--shard``; empty: none."""
    value = str(text).strip()
    if not value:
        return None
    parts = value.replace(" ", "").split("/")
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() for p in parts):
        raise ValueError("expected INDEX/TOTAL, for example 1/2")
    index, total = int(parts[0]), int(parts[1])
    if total < 1 or not 1 <= index <= total:
        raise ValueError("INDEX must be between 1 and TOTAL (TOTAL >= 1)")
    return index, total


def folder(value: str | os.PathLike[str]) -> str:
    # TOML has numbers, booleans, arrays and tables: `reports_dir = 5` must not become "5/".
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        raise TypeError("expected a folder path (a string)")
    if not value.strip():
        raise ValueError("expected a folder path (a string), not an empty one")
    if "\0" in value:
        raise ValueError("a folder path cannot contain a NUL character")
    return value


def prefix(text: str) -> str:
    if not isinstance(text, str):
        raise TypeError('expected a key prefix (a string, for example "e2e")')
    value = text.strip().strip("/")
    if not value:
        raise ValueError('must not be empty or "/" (that is the bucket\'s root); for example "e2e"')
    segments = value.split("/")
    if "" in segments or "\\" in value:
        raise ValueError(
            "must not contain '//' or '\\' (browsers and S3 tools fold them, so keys would not match)"
        )
    # Browsers resolve "." and ".." (also written %2e) away before a request reaches the site.
    if any(re.sub("%2e", ".", s, flags=re.IGNORECASE) in (".", "..") for s in segments):
        raise ValueError("must not contain '.' or '..' segments (also as %2e)")
    if any(ord(c) < 0x20 or c == "\x7f" for c in value):
        raise ValueError("must not contain control characters")
    return value


def unit_fraction(text: str | float) -> float:
    """A number from 0 to 1, as Playwright's ``threshold`` and ``maxDiffPixelRatio``."""
    try:
        value = float(str(text).strip()) if not isinstance(text, bool) else math.nan
    except ValueError:
        value = math.nan
    if not 0 <= value <= 1:
        raise ValueError("expected a number from 0 to 1, for example 0.2")
    return value


def test_ids(text: str | list[str]) -> tuple[str, ...]:
    """Test ids, as a list or separated by commas."""
    items = text if isinstance(text, list) else str(text).split(",")
    return tuple(str(t).strip() for t in items if str(t).strip())


# The renderer a baseline is named by when E2E_RENDERER is not set (the image sets "image").
LOCAL_RENDERER = f"local-{platform.system().lower() or 'unknown'}"


def renderer(text: str) -> str:
    value = str(text).strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}", value):
        raise ValueError("expected a short name of letters, digits, '-' or '_' (for example image or local-linux)")
    return value


def under_ci(env: Mapping[str, str]) -> bool:
    """CI=true (GitHub, GitLab, most CI services), or a CodeBuild build."""
    return env.get("CI", "").strip().lower() in {"true", "1", "yes"} or bool(env.get("CODEBUILD_BUILD_ID"))


def axe_names(text: str | list[str]) -> tuple[str, ...]:
    """axe-core tags or rule ids (``wcag2aa``, ``color-contrast``), as a list or separated by commas or spaces."""
    items = text if isinstance(text, list) else re.split(r"[,\s]+", str(text))
    found = tuple(dict.fromkeys(str(n).strip() for n in items if str(n).strip()))
    bad = [n for n in found if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", n)]
    if bad:
        raise ValueError(f"not axe-core tags or rule ids: {', '.join(bad)}")
    return found


def axe_tags(text: str | list[str]) -> tuple[str, ...]:
    tags = axe_names(text)
    if not tags:
        raise ValueError("expected at least one axe-core tag (for example wcag2a, wcag2aa, wcag21a, wcag21aa)")
    return tags
