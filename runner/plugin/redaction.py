"""The run's redactor: the secrets of this process's environment, the configured variables
and the base URL's password (which may come from pyproject.toml rather than a variable)."""

from __future__ import annotations

from runner.redact import Redactor, url_passwords
from runner.settings import Settings


def redactor_for(settings: Settings) -> Redactor:
    redactor = Redactor.from_environment(extra_names=settings.secret_variables)
    return redactor.with_values(url_passwords(settings.base_url or ""))
