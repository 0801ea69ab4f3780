"""What every command shares: settings resolved once, and errors turned into click's.

Every domain error of the pipeline carries a message that already says what is wrong and
what to do; a command only turns it into a ``ClickException`` (exit 1, ``Error: ...``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import click

from runner.settings import SETTINGS, Settings, SettingsError, resolve


def setting_option(name: str, **extra: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A command's option for the setting ``name``: its declared flag and help, and the
    setting's name as the parameter (``load_settings(report_bucket=report_bucket)``).

    Unset, it is ``None``, so the variable and ``[tool.e2e]`` still decide.
    """
    setting = SETTINGS[name]
    if setting.flag is None:
        raise ValueError(f"the setting {name} declares no flag")
    keywords: dict[str, Any] = {"default": None, "help": setting.flag_help()}
    if setting.is_switch:
        keywords["is_flag"] = True
    elif setting.choices:
        keywords["type"] = click.Choice(setting.choices, case_sensitive=False)
    elif setting.metavar:
        keywords["metavar"] = setting.metavar
    return click.option(setting.flag, *setting.aliases, name, **{**keywords, **extra})


def load_settings(**overrides: object) -> Settings:
    """The settings of the project in the current folder, flags given as ``overrides``."""
    try:
        return resolve(None, overrides)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


@contextlib.contextmanager
def user_errors(*kinds: type[BaseException]) -> Iterator[None]:
    """Errors of these kinds end the command with their message and no traceback."""
    try:
        yield
    except (SettingsError, *kinds) as exc:
        raise click.ClickException(str(exc)) from None
