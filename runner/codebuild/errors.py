"""The error that stops a local build for a reason outside the buildspec."""

from __future__ import annotations


class CodebuildLocalError(Exception):
    """Something outside the buildspec stops the local build; the message says what to do."""
