"""The plugin's command-line flags: one option group, each flag made from its setting's
declaration (``runner.settings.SETTINGS``: flag, aliases, help, default, choices).

Every flag's ``dest`` is ``e2e_<setting>``, so ``overrides`` hands them to
``runner.settings.resolve`` by name: a flag overrides its environment variable, which
overrides ``[tool.e2e]``. pytest-playwright's names for the same things (``--slowmo``,
``--screenshot``, ``--output``) are declared as aliases, so its habits work. The flags are
added to every pytest run (pytest must know ``--shard`` to parse a command line), but only
a run of the e2e plugin reads them.
"""

from __future__ import annotations

from typing import Any

import pytest

from runner.run.durations import PLAN_FLAG
from runner.settings import SETTINGS, Setting

# Not a setting: where this run writes (``e2e run`` and the controller hand it down).
RUN_DIR_FLAG = "--e2e-run-dir"


def _argparse_keywords(setting: Setting) -> dict[str, Any]:
    if setting.is_switch:
        return {"action": "store_true", "default": None}
    keywords: dict[str, Any] = {"default": None}
    if setting.choices:
        keywords["choices"] = setting.choices
    if setting.metavar:
        keywords["metavar"] = setting.metavar
    return keywords


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("e2e", "end-to-end UI tests (e2e runner)")
    for setting in SETTINGS.values():
        if setting.flag and setting.on == "pytest":
            group.addoption(
                setting.flag,
                *setting.aliases,
                dest=f"e2e_{setting.name}",
                help=setting.flag_help().replace("%", "%%"),  # argparse formats help with %
                **_argparse_keywords(setting),
            )
    group.addoption(
        RUN_DIR_FLAG,
        dest="e2e_run_dir",
        metavar="DIR",
        help="write this run's results into DIR (made if missing) instead of a new folder",
    )
    group.addoption(
        PLAN_FLAG,
        dest="e2e_shard_plan",
        metavar="FILE",
        help="a sharded run's scenario durations (JSON, written by `e2e run`): the shards' balance",
    )


def overrides(config: pytest.Config) -> dict[str, object]:
    """The flags given, by setting name (each flag's dest is ``e2e_<setting>``)."""
    return {
        dest[len("e2e_") :]: value
        for dest, value in vars(config.option).items()
        if dest.startswith("e2e_") and dest[len("e2e_") :] in SETTINGS
    }
