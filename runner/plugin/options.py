"""The plugin's command-line flags: one table, one option group, each flag a setting's twin.

Every flag's ``dest`` is ``e2e_<setting>``, so ``overrides`` hands them to
``runner.settings.resolve`` by name: a flag overrides its environment variable, which
overrides ``[tool.e2e]``. pytest-playwright's names for the same things (``--slowmo``,
``--screenshot``, ``--output``, ``--device``) are accepted as aliases, so its habits work.
"""

from __future__ import annotations

from typing import Any

import pytest

# (flags, setting, extra argparse keywords, help); a flag may be "--ours|--pytest-playwrights"
OPTIONS: tuple[tuple[str, str, dict[str, Any], str], ...] = (
    (
        "--base-url",
        "base_url",
        {},
        "URL of the app under test [E2E_BASE_URL]; unset: the bundled demo app is started",
    ),
    (
        "--headed",
        "headed",
        {"action": "store_true", "default": None},
        "show the browser window, for local debugging [E2E_HEADED]",
    ),
    (
        "--chromium",
        "chromium",
        {"metavar": "PATH"},
        "Chromium binary [E2E_CHROMIUM]; default: found automatically",
    ),
    ("--viewport", "viewport", {"metavar": "WxH"}, "viewport size, default 1920x1080 [E2E_VIEWPORT]"),
    ("--slow-mo|--slowmo", "slow_mo", {"metavar": "MS"}, "slow every action down by MS [E2E_SLOW_MO]"),
    (
        "--expect-timeout",
        "expect_timeout",
        {"metavar": "MS"},
        "how long assertions wait, default 5000 [E2E_EXPECT_TIMEOUT]",
    ),
    (
        "--navigation-timeout",
        "navigation_timeout",
        {"metavar": "MS"},
        "how long a page load may take, default 30000 [E2E_NAVIGATION_TIMEOUT]",
    ),
    (
        "--screenshots|--screenshot",
        "screenshots",
        {"choices": ("final", "every-step", "only-on-failure", "off", "on")},
        "final (or on): the final state and failing steps (default); every-step: also after each step; "
        "only-on-failure: failing scenarios only; off: none [E2E_SCREENSHOTS]",
    ),
    (
        "--screenshot-format",
        "screenshot_format",
        {"choices": ("png", "jpeg")},
        "png (lossless, default) or jpeg (at --screenshot-quality) [E2E_SCREENSHOT_FORMAT]",
    ),
    (
        "--screenshot-quality",
        "screenshot_quality",
        {"metavar": "1-100"},
        "JPEG quality of screenshots, default 80 [E2E_SCREENSHOT_QUALITY]",
    ),
    (
        "--tracing",
        "trace",
        {"choices": ("retain-on-failure", "on", "off")},
        "Playwright trace, default retain-on-failure [E2E_TRACE]",
    ),
    (
        "--video",
        "video",
        {"choices": ("off", "retain-on-failure", "on")},
        "video of each scenario, default off [E2E_VIDEO]",
    ),
    (
        "--browser-server",
        "browser_server",
        {"choices": ("shared", "private")},
        "shared: one browser server for all processes (default); private: one browser per process "
        "[E2E_BROWSER_SERVER]",
    ),
    (
        "--reports-dir|--output",
        "reports_dir",
        {"metavar": "DIR"},
        "where run folders are made, default reports/ [E2E_REPORTS_DIR]",
    ),
    (
        "--device",
        "device",
        {"metavar": "NAME"},
        'emulate a device of Playwright\'s registry, e.g. "iPhone 13" or "Pixel 7" [E2E_DEVICE]',
    ),
    (
        "--update-baselines",
        "update_baselines",
        {"choices": ("none", "missing", "changed", "all")},
        "what visual comparisons write: none, missing (absent baselines; the default locally), changed "
        "(also mismatched ones), all; default none under CI=true [E2E_UPDATE_BASELINES]",
    ),
    (
        "--e2e-run-dir",
        "run_dir",
        {"metavar": "DIR"},
        "write this run's results into DIR (made if missing) instead of a new folder",
    ),
)


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("e2e", "end-to-end UI tests (e2e runner)")
    for flags, setting, extra, help_text in OPTIONS:
        group.addoption(*flags.split("|"), dest=f"e2e_{setting}", help=help_text, **extra)


def overrides(config: pytest.Config) -> dict[str, object]:
    """The flags given, by setting name (each flag's dest is ``e2e_<setting>``)."""
    return {
        dest[len("e2e_") :]: value for dest, value in vars(config.option).items() if dest.startswith("e2e_")
    }
