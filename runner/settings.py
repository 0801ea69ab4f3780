"""One typed settings object, resolved once from three layers.

Precedence, lowest first: ``[tool.e2e]`` in ``pyproject.toml``, then ``E2E_*``
environment variables, then command-line flags. Every value remembers where it came
from, so a bad value is reported as "``E2E_VIEWPORT`` (environment)" or
"``pyproject.toml`` [tool.e2e] viewport" rather than as a bare parse error.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class SettingsError(Exception):
    """A configuration value is wrong; the message names where it came from and what to do."""


def _parse_bool(text: str) -> bool:
    lowered = str(text).strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("expected true or false")


# The largest viewport accepted: 8K UHD. Larger ones exhaust a build machine's memory on the first
# full-page screenshot and are always a typo (an extra digit) rather than a real screen.
MAX_VIEWPORT = (7680, 4320)


def _parse_viewport(text: str) -> tuple[int, int]:
    parts = str(text).lower().replace(" ", "").split("x")
    # isascii: str.isdigit() also accepts digits such as "²" that int() then refuses.
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() and int(p) > 0 for p in parts):
        raise ValueError("expected WIDTHxHEIGHT, for example 1920x1080, both at least 1")
    width, height = int(parts[0]), int(parts[1])
    if width > MAX_VIEWPORT[0] or height > MAX_VIEWPORT[1]:
        raise ValueError(f"expected at most {MAX_VIEWPORT[0]}x{MAX_VIEWPORT[1]} (8K), for example 1920x1080")
    return width, height


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = str(text).strip().lower()
        if value not in allowed:
            raise ValueError(f"expected one of: {', '.join(allowed)}")
        return value

    return parse


# pytest-playwright's --screenshot values, as aliases: "on" keeps the final state, as ours does.
_SCREENSHOT_ALIASES = {"on": "final"}
SCREENSHOT_MODES = ("final", "every-step", "only-on-failure", "off")


def _screenshots(text: str) -> str:
    value = str(text).strip().lower()
    value = _SCREENSHOT_ALIASES.get(value, value)
    if value not in SCREENSHOT_MODES:
        raise ValueError(
            f"expected one of: {', '.join(SCREENSHOT_MODES)} (or 'on', as pytest-playwright says)"
        )
    return value


# Node's timers hold at most 2**31 - 1 ms; Playwright turns a longer delay into 1 ms without a word.
MAX_TIMER_MS = 2**31 - 1
MAX_SLOW_MO_MS = MAX_TIMER_MS


def _slow_mo_ms(text: str | float) -> float:
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


def _timeout_ms(text: str) -> int:
    """A timeout in whole milliseconds, > 0 and one Node's timers can hold."""
    value = int(str(text).strip())
    if not 0 < value <= MAX_TIMER_MS:
        raise ValueError(f"expected a whole number of milliseconds between 1 and {MAX_TIMER_MS}")
    return value


def _non_negative_int(text: str) -> int:
    value = int(str(text).strip())
    if value < 0:
        raise ValueError("expected a whole number >= 0")
    return value


def _positive_int(text: str) -> int:
    value = int(str(text).strip())
    if value <= 0:
        raise ValueError("expected a whole number > 0")
    return value


def _quality(text: str) -> int:
    """A JPEG quality, as Playwright takes it: a whole number from 1 to 100."""
    value = int(str(text).strip())
    if not 1 <= value <= 100:
        raise ValueError("expected a whole number from 1 to 100")
    return value


def _optional_str(text: str) -> str | None:
    value = str(text).strip()
    return value or None


def _names(text: str | list[str]) -> tuple[str, ...]:
    """Variable names, as a list or separated by commas or spaces."""
    items = text if isinstance(text, list) else re.split(r"[,\s]+", str(text))
    names = tuple(str(n).strip() for n in items if str(n).strip())
    bad = [n for n in names if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", n)]
    if bad:
        raise ValueError(f"not variable names: {', '.join(bad)}")
    return names


def _axe_names(text: str | list[str]) -> tuple[str, ...]:
    """axe-core tags or rule ids (``wcag2aa``, ``color-contrast``), as a list or separated by commas or spaces."""
    items = text if isinstance(text, list) else re.split(r"[,\s]+", str(text))
    names = tuple(dict.fromkeys(str(n).strip() for n in items if str(n).strip()))
    bad = [n for n in names if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", n)]
    if bad:
        raise ValueError(f"not axe-core tags or rule ids: {', '.join(bad)}")
    return names


def _axe_tags(text: str | list[str]) -> tuple[str, ...]:
    tags = _axe_names(text)
    if not tags:
        raise ValueError("expected at least one axe-core tag (for example wcag2a, wcag2aa, wcag21a, wcag21aa)")
    return tags


def _args(text: str | list[str]) -> tuple[str, ...]:
    if isinstance(text, list):
        return tuple(str(a) for a in text)
    return tuple(a for a in str(text).split() if a)


def shard_spec(text: str) -> tuple[int, int] | None:
    """``"2/3"`` -> ``(2, 3)``; indexes count from 1, like Playwright's ``--shard``; empty: none."""
    value = str(text).strip()
    if not value:
        return None
    parts = value.replace(" ", "").split("/")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError("expected INDEX/TOTAL, for example 1/2")
    index, total = int(parts[0]), int(parts[1])
    if total < 1 or not 1 <= index <= total:
        raise ValueError("INDEX must be between 1 and TOTAL (TOTAL >= 1)")
    return index, total


def _folder(value: str | os.PathLike[str]) -> str:
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


def _prefix(text: str) -> str:
    if not isinstance(text, str):
        raise TypeError('expected a key prefix (a string, for example "e2e")')
    value = text.strip().strip("/")
    if ".." in value.split("/"):
        raise ValueError("must not contain '..'")
    return value


# ``base_url = "demo"``: the bundled demo app, started for the run on a free loopback port.
DEMO = "demo"
# Where the app under test can be given, for the message when it is not.
BASE_URL_PLACES = (
    'base_url = "https://..." in [tool.e2e] of pyproject.toml, the E2E_BASE_URL environment variable, '
    'or --base-url (pytest) / -e E2E_BASE_URL=... (e2e codebuild-local); base_url = "demo" runs the '
    "bundled demo app"
)

# name -> (environment variable, parser, default)
_SPEC: dict[str, tuple[str, Callable[[Any], Any], Any]] = {
    "base_url": ("E2E_BASE_URL", _optional_str, None),
    "reports_dir": ("E2E_REPORTS_DIR", _folder, "reports"),
    "headed": ("E2E_HEADED", _parse_bool, False),
    "chromium": ("E2E_CHROMIUM", _optional_str, None),
    "browser_args": ("E2E_BROWSER_ARGS", _args, ()),
    "viewport": ("E2E_VIEWPORT", _parse_viewport, (1920, 1080)),
    "slow_mo": ("E2E_SLOW_MO", _slow_mo_ms, 0.0),
    "expect_timeout": ("E2E_EXPECT_TIMEOUT", _positive_int, 5000),
    # How long a page load may take (Playwright's default, 30 s); an app that never answers fails then.
    "navigation_timeout": ("E2E_NAVIGATION_TIMEOUT", _timeout_ms, 30000),
    # How long one API step's request may take (runner.steps.api).
    "api_timeout": ("E2E_API_TIMEOUT", _timeout_ms, 10000),
    "screenshots": ("E2E_SCREENSHOTS", _screenshots, "final"),
    # png: lossless, as pytest-playwright's; jpeg: lossy at screenshot_quality (smaller files on
    # photo-heavy pages). See benchmarks/throughput.py for what each costs.
    "screenshot_format": ("E2E_SCREENSHOT_FORMAT", _choice("png", "jpeg"), "png"),
    "screenshot_quality": ("E2E_SCREENSHOT_QUALITY", _quality, 80),
    # A device of Playwright's registry ("iPhone 13", "Pixel 7"): viewport, user agent, touch.
    "device": ("E2E_DEVICE", _optional_str, None),
    "trace": ("E2E_TRACE", _choice("retain-on-failure", "on", "off"), "retain-on-failure"),
    "video": ("E2E_VIDEO", _choice("off", "retain-on-failure", "on"), "off"),
    "browser_server": ("E2E_BROWSER_SERVER", _choice("shared", "private"), "shared"),
    "report_bucket": ("E2E_REPORT_BUCKET", _optional_str, None),
    "report_prefix": ("E2E_REPORT_PREFIX", _prefix, "e2e"),
    "report_url": ("E2E_REPORT_URL", _optional_str, None),
    # What the single-file report embeds: compact (WebP screenshots, no traces or videos) or full.
    "report_evidence": ("E2E_REPORT_EVIDENCE", _choice("compact", "full"), "compact"),
    # The generic step library (runner.steps.web), registered unless turned off.
    "step_library": ("E2E_STEP_LIBRARY", _parse_bool, True),
    # More variables whose values are secrets (beyond the names that say so); see runner.redact.
    "secret_variables": ("E2E_SECRET_VARIABLES", _names, ()),
    # Variables used as ${NAME} in features whose values are not secrets (shown, not masked).
    "public_variables": ("E2E_PUBLIC_VARIABLES", _names, ()),
    # Known browser noise in console evidence (a missing favicon): "drop" (default) or "keep".
    "console_noise": ("E2E_CONSOLE_NOISE", _choice("drop", "keep"), "drop"),
    # The accessibility phrases (runner.steps.a11y): axe-core's tags to run, and rules left out.
    "a11y_tags": ("E2E_A11Y_TAGS", _axe_tags, ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")),
    "a11y_disabled_rules": ("E2E_A11Y_DISABLED_RULES", _axe_names, ()),
    # private: run folders owner-only (0700/0600); shared: as the umask makes them.
    "run_folder_mode": ("E2E_RUN_FOLDER_MODE", _choice("private", "shared"), "private"),
    # The whole run's time limit in seconds (0: none): past it the run stops, written up.
    "run_timeout": ("E2E_RUN_TIMEOUT", _non_negative_int, 0),
    # A run stops (written up) when less than this many MB are free where it writes.
    "min_free_mb": ("E2E_MIN_FREE_MB", _non_negative_int, 50),
    # Where a run's branch comes from when git and CodeBuild cannot say (a copied checkout).
    "branch": ("E2E_BRANCH", _optional_str, None),
    # The shared browser's state folder (default: per user, in the temp folder).
    "state_dir": ("E2E_STATE_DIR", _optional_str, None),
    # Report tooling: a folder holding node_modules/allure, and the Node binary to run it.
    "tools_dir": ("E2E_TOOLS_DIR", _optional_str, None),
    "node": ("E2E_NODE", _optional_str, None),
    # Batch builds: this build's shard, where shards meet, and what keys a batch.
    "shard": ("E2E_SHARD", shard_spec, None),
    "shards_url": ("E2E_SHARDS_URL", _optional_str, None),
    "batch_key": ("E2E_BATCH_KEY", _optional_str, None),
    # The image: its name for `e2e codebuild-local`, and whether its ENTRYPOINT starts a browser.
    "image": ("E2E_IMAGE", _optional_str, "e2e-runner:latest"),
    "entrypoint_no_browser": ("E2E_ENTRYPOINT_NO_BROWSER", _parse_bool, False),
}


@dataclass(frozen=True)
class Settings:
    """Everything a step of the pipeline needs to know, resolved once."""

    project_root: Path
    base_url: str | None = None
    reports_dir: Path = Path("reports")
    headed: bool = False
    chromium: str | None = None
    browser_args: tuple[str, ...] = ()
    viewport: tuple[int, int] = (1920, 1080)
    slow_mo: float = 0.0
    expect_timeout: int = 5000
    navigation_timeout: int = 30000
    api_timeout: int = 10000
    screenshots: str = "final"
    screenshot_format: str = "png"
    screenshot_quality: int = 80
    device: str | None = None
    trace: str = "retain-on-failure"
    video: str = "off"
    browser_server: str = "shared"
    report_bucket: str | None = None
    report_prefix: str = "e2e"
    # Public base URL of the publish root (CloudFront, website endpoint) for printed links.
    report_url: str | None = None
    # What the single-file report embeds (runner.report.compact): "compact" or "full".
    report_evidence: str = "compact"
    step_library: bool = True
    min_free_mb: int = 50
    run_timeout: int = 0
    secret_variables: tuple[str, ...] = ()
    public_variables: tuple[str, ...] = ()
    console_noise: str = "drop"
    a11y_tags: tuple[str, ...] = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
    a11y_disabled_rules: tuple[str, ...] = ()
    run_folder_mode: str = "private"
    branch: str | None = None
    state_dir: str | None = None
    tools_dir: str | None = None
    node: str | None = None
    shard: tuple[int, int] | None = None
    shards_url: str | None = None
    batch_key: str | None = None
    image: str = "e2e-runner:latest"
    entrypoint_no_browser: bool = False
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def viewport_size(self) -> dict[str, int]:
        return {"width": self.viewport[0], "height": self.viewport[1]}

    def source_of(self, name: str) -> str:
        return self.sources.get(name, "default")


def find_project_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` holding a pyproject.toml (else ``start``)."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "pyproject.toml").is_file():
            return candidate
    return here


def _read_pyproject(root: Path) -> dict[str, Any]:
    path = root / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML ({exc}). Fix the file and run again.") from exc
    table = data.get("tool", {}).get("e2e", {})
    if not isinstance(table, dict):
        raise SettingsError(f"{path}: [tool.e2e] must be a table")
    return table


def resolve(
    project_root: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Merge pyproject, environment and flags (``overrides``; ``None`` values are ignored)."""
    root = find_project_root(project_root)
    env = os.environ if environ is None else environ
    table = _read_pyproject(root)
    unknown = sorted(set(table) - set(_SPEC))
    if unknown:
        raise SettingsError(
            f"{root / 'pyproject.toml'}: unknown key(s) in [tool.e2e]: {', '.join(unknown)}. "
            f"Known keys: {', '.join(sorted(_SPEC))}."
        )
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name, (env_name, parse, default) in _SPEC.items():
        raw: Any = None
        origin = "default"
        if name in table:
            raw, origin = table[name], f"pyproject.toml [tool.e2e] {name}"
        if env.get(env_name) is not None:
            raw, origin = env[env_name], f"{env_name} (environment)"
        if overrides and overrides.get(name) is not None:
            raw, origin = overrides[name], f"--{name.replace('_', '-')} (command line)"
        if origin == "default":
            values[name] = default
            continue
        try:
            values[name] = raw if isinstance(raw, bool) and parse is _parse_bool else parse(raw)
        except (ValueError, TypeError) as exc:
            raise SettingsError(f"{origin} = {raw!r}: {exc}.") from None
        sources[name] = origin
    reports_dir = Path(values.pop("reports_dir"))
    if not reports_dir.is_absolute():
        reports_dir = root / reports_dir
    base_url = values.pop("base_url")
    if base_url is not None and base_url != DEMO and not base_url.startswith(("http://", "https://")):
        raise SettingsError(
            f"{sources['base_url']} = {base_url!r}: expected an http:// or https:// URL of the app under test "
            f"(or {DEMO!r} for the bundled demo app)."
        )
    return Settings(
        project_root=root,
        base_url=base_url,
        reports_dir=reports_dir,
        sources=sources,
        **values,
    )
