"""Skip locally, fail in CI: a missing part there (Docker, an S3 server) is a broken setup."""

from __future__ import annotations

import os


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require(condition: bool, reason: str) -> None:
    """Skip locally, but FAIL in CI: a missing part there (Docker, an S3 server) is a broken setup."""
    import pytest  # here: the benchmarks import this package, and pytest's import costs their children

    if condition:
        return
    if in_ci():
        pytest.fail(f"{reason} (CI=true: required)", pytrace=False)
    pytest.skip(reason)
