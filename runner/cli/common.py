"""What every command shares: settings resolved once, and errors turned into click's.

Every domain error of the pipeline carries a message that already says what is wrong and
what to do; a command only turns it into a ``ClickException`` (exit 1, ``Error: ...``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import click

from runner.settings import Settings, SettingsError, resolve


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
