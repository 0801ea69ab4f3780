"""The browser a test process uses: the shared server (default) or a private launch.

``BrowserSession.get()`` always returns a live browser. If the browser died mid-run
(crashed, killed, out of memory) the next scenario reconnects to a restarted server
instead of failing every remaining scenario.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Playwright
from playwright.sync_api import Error as PlaywrightError

from runner.browser import background
from runner.browser.process_checks import healthy
from runner.browser.server import SharedBrowser
from runner.browser.state_files import BrowserServerError, ServerInfo

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_MS = 30_000
# After a failed connect: how long the server has to answer a plain HTTP request to count as healthy.
HEALTH_PROBE_S = 5.0


def _browser_closed(exc: PlaywrightError) -> bool:
    """Playwright's TargetClosedError (which ``playwright.sync_api`` does not export): the
    browser, not the call, is gone."""
    return type(exc).__name__ == "TargetClosedError"


class BrowserConnectError(BrowserServerError):
    """This process could not use a shared browser that is itself healthy; the browser was left running."""


class BrowserSession:
    """This process's browser: connected to ``shared`` when given, else launched with ``launch_args``
    (Playwright's ``chromium.launch()`` options, ``browser_type_launch_args``)."""

    def __init__(
        self,
        playwright: Playwright,
        launch_args: dict[str, Any],
        *,
        shared: SharedBrowser | None = None,
        navigation_timeout: float | None = None,
    ):
        self.playwright = playwright
        self.launch_args = launch_args
        self.shared_browser = shared
        self.shared = shared is not None
        self.navigation_timeout = navigation_timeout
        self.restarts = 0
        self._browser: Browser | None = None
        self._server: ServerInfo | None = None

    def _connect(self) -> Browser:
        """A connection to the shared server; the server is replaced only if IT is broken.

        A connection can fail on this process's side (an option Playwright rejects, a client too
        slow to finish the handshake): that is this run's error, and the server, which other runs
        share, is left running. Only a server that fails its health check (process gone, port
        closed, or no answer to a plain HTTP request) is stopped and started again, once.
        """
        shared = self.shared_browser
        assert shared is not None
        slow_mo = self.launch_args.get("slow_mo", shared.launch.slow_mo)
        last_error: Exception | None = None
        for _attempt in range(2):
            info, _ = shared.ensure()
            self._server = info
            try:
                return self.playwright.chromium.connect(
                    info.ws_endpoint, timeout=CONNECT_TIMEOUT_MS, slow_mo=slow_mo or None
                )
            except PlaywrightError as exc:
                if healthy(info, probe_s=HEALTH_PROBE_S):
                    # Not the endpoint, nor Playwright's call log that repeats it: its path is the
                    # browser's only key, and this message goes into reports.
                    said = exc.message.split("\nCall log:")[0].strip()
                    raise BrowserConnectError(
                        f"Could not connect to the shared browser (pid {info.pid}), which is running and "
                        "answering: the problem is on this run's side (its options or its Playwright), so the "
                        f"browser was left running for other runs. Playwright said: {said}"
                    ) from exc
                last_error = exc
                shared.stop(only_pid=info.pid)
        raise BrowserServerError(f"Could not connect to the shared browser: {last_error}")

    def _alive(self) -> bool:
        if self._browser is None or not self._browser.is_connected():
            return False
        # A killed server is noticed by the connection only at its next message; ask the process.
        return not self.shared or self._server is None or healthy(self._server)

    def _replace(self, reason: str) -> Browser:
        if self._browser is not None:
            self.restarts += 1
            log.warning("The browser %s; starting a new one (restart %d).", reason, self.restarts)
        self._browser = (
            self._connect() if self.shared else self.playwright.chromium.launch(**self.launch_args)
        )
        return self._browser

    def get(self) -> Browser:
        return self._browser if self._alive() else self._replace("disconnected")

    def new_context(self, browser: Browser, **options: Any) -> BrowserContext:
        """A new context; if ``browser`` turns out to be dead, once more on a fresh one.

        Its pages wait ``navigation_timeout`` for a page load (an app that accepts the connection
        and never answers fails the step then, not after Playwright's 30 s).
        """
        try:
            context = browser.new_context(**options)
        except PlaywrightError as exc:
            # A killed server's browser can close before its process ends and its connection
            # does: "closed" is then said by Playwright before the checks of _alive() can see it.
            if browser is not self._browser or (self._alive() and not _browser_closed(exc)):
                raise  # a browser of the user's own, or options it refused: not a dead browser
            context = self._replace("did not answer").new_context(**options)
        if self.navigation_timeout is not None:
            context.set_default_navigation_timeout(self.navigation_timeout)
        return context

    def went_away(self) -> str | None:
        """If the browser this process was using has gone (its connection closed, or the shared
        server's process ended or stopped answering), a sentence saying so for a step's error."""
        if self._browser is None or self._alive():
            return None
        if self.shared and self._server is not None:
            what = f"the shared browser server (pid {self._server.pid}) is no longer running"
        else:
            what = "its connection closed"
        return (
            f"The browser went away during this scenario: {what} (killed, crashed or out of memory). "
            "The next scenario starts on a new one."
        )

    @property
    def server(self) -> ServerInfo | None:
        """The shared server this session last connected to (None for a private browser)."""
        return self._server if self.shared else None

    @property
    def current(self) -> Browser | None:
        return self._browser if self._browser is not None and self._browser.is_connected() else None

    def close(self) -> None:
        if self._browser is not None:
            background.settle(self._browser)  # the contexts closed in the background, answered
            with contextlib.suppress(PlaywrightError):
                self._browser.close()
            self._browser = None
