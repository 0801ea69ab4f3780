"""The run's redactor: the secrets of this process's environment, the configured variables
and the base URL's password (which may come from pyproject.toml rather than a variable)."""

from __future__ import annotations

from runner.redact import Redactor, url_passwords


def redactor_for(secret_variables: tuple[str, ...] | list[str], base_url: str | None) -> Redactor:
    """``secret_variables``: names of variables to treat as secrets besides the secret-named ones."""
    redactor = Redactor.from_environment(extra_names=secret_variables)
    return redactor.with_values(url_passwords(base_url or ""))
