"""A page whose renderer crashed is named as such in the step's failure.

When a renderer runs out of memory (or is killed), Playwright's pending call only times out
(``Page.goto: Timeout 30000ms exceeded``) and "Target crashed" is a log warning nobody
reads. Each page of a scenario is watched for Playwright's ``crash`` event; a step that
fails after one is reported as "the page crashed (renderer ...)", with Playwright's own
message after it. The exception itself is reworded, so the terminal, junit.xml, Cucumber
JSON, run.json and the report all say the same.
"""

from __future__ import annotations

from typing import Any

from runner.plugin.watchdog import ENDED_PREFIXES

CRASHED = "the page crashed (renderer process gone: out of memory, or killed)"


class CrashWatch:
    """The pages of one scenario that crashed, by URL, in order."""

    def __init__(self) -> None:
        self.crashed: list[str] = []
        self._pages: list[Any] = []  # the crashed pages themselves: no screenshot of them

    def is_crashed(self, page: Any) -> bool:
        return any(known is page for known in self._pages)

    def watch(self, context: Any) -> None:
        context.on("page", self._watch_page)
        for page in context.pages:
            self._watch_page(page)

    def _watch_page(self, page: Any) -> None:
        page.on("crash", self._on_crash)

    def _on_crash(self, page: Any) -> None:
        self._pages.append(page)
        try:
            url = page.url
        except Exception:  # noqa: BLE001 - a crashed page may refuse even this
            url = "?"
        self.crashed.append(url)

    def name_crash(self, exception: BaseException) -> bool:
        """Reword ``exception`` if a page crashed; returns whether it did."""
        # A page the watchdog ended (its renderer killed) is named by the watchdog instead.
        if not self.crashed or str(exception).startswith((CRASHED, *ENDED_PREFIXES)):
            return bool(self.crashed)
        text = f"{CRASHED} at {self.crashed[-1]}\n{exception}"
        exception.args = (text, *exception.args[1:])
        if hasattr(exception, "_message"):  # Playwright's Error keeps its message apart
            exception._message = text  # noqa: SLF001
        return True
