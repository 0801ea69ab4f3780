"""A watchdog per scenario: a page stuck in a script loop, or a scenario past its limit, is ended.

A page whose script never yields (``while(true){}``) can hold a Playwright call past its own
timeout (``page.evaluate`` has none; after a renderer hang a ``goto`` never returned), and then
the run waits until CodeBuild's build timeout. The scenario's hooks tell the watchdog when each
step (and each evidence capture) starts; a phase running longer than the longest Playwright
timeout that applies (action, navigation, expect, API) plus ``GRACE_S`` is stuck, and a
scenario running longer than ``scenario_timeout`` is over. Either way the watchdog thread:

1. closes the scenario's pages through a CDP session of its own: a Playwright instance and
   connection made in the watchdog's thread (Playwright's sync API is never called across
   threads), ``Target.closeTarget`` with the target ids learnt when each page opened. Chromium
   closes a tab whose renderer is busy; the main thread's pending call fails with
   "Target page, context or browser has been closed", the step fails, the context stays usable
   for its trace, and the next scenario gets a fresh context of the same healthy browser;
2. if the main thread made no progress ``UNBLOCK_WAIT_S`` later (no CDP connection: a private
   browser, or the close did not help), ends the busy renderer processes of this run's browser
   (psutil: ``--type=renderer`` children using a whole core), which fails the pending call
   with "Target crashed".

The step's error is reworded ("the page stopped responding (script busy)" first, or the
scenario limit), and the report carries an ``e2e_ended`` user property that the run's
terminal summary lists.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from runner.browser import background, renderers
from runner.settings import Settings

if TYPE_CHECKING:
    from runner.plugin.state import RunState

log = logging.getLogger(__name__)

BUSY = "the page stopped responding (script busy)"
GRACE_S = 10.0
CLOSE_WAIT_S = 15.0  # the watchdog's own connection and close, at most
UNBLOCK_WAIT_S = 10.0  # after the close, how long the main thread has to move on
RENDERER_ATTEMPTS = 3  # looks for busy renderers (each a 1 s CPU sample), UNBLOCK_WAIT_S apart
ENDED_PROPERTY = "e2e_ended"
SCENARIO_LIMIT = "the scenario ran longer than scenario_timeout"
ENDED_PREFIXES = (BUSY, SCENARIO_LIMIT)


@dataclass(frozen=True)
class Limits:
    """What the watchdog reads of the settings: a step's budget and the scenario's limit."""

    step_s: float  # how long one step (or one evidence capture) may take before it counts as stuck
    scenario_s: int  # scenario_timeout (0: none)
    scenario_source: str = "default"  # where scenario_timeout was set, for the message

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        """From the settings: the step's budget is its longest timeout and ``GRACE_S`` (an evidence
        screenshot waits at most ``action_timeout``)."""
        longest = max(
            settings.action_timeout,
            settings.navigation_timeout,
            settings.expect_timeout,
            settings.api_timeout,
        )
        return cls(
            longest / 1000 + GRACE_S, settings.scenario_timeout, settings.source_of("scenario_timeout")
        )

    def scenario_limit_text(self) -> str:
        return f"{SCENARIO_LIMIT} = {self.scenario_s} s (from {self.scenario_source}) and was ended"


class Watchdog:
    """One per pytest process; the main thread reports progress, a daemon thread acts on its absence.

    ``endpoint`` gives the shared browser server's ws endpoint (None for a private browser) and
    ``browser_root`` the pid whose renderer descendants are this run's; both are read in the
    watchdog's thread when it acts, and neither calls Playwright.
    """

    def __init__(
        self,
        limits: Limits,
        endpoint: Callable[[], str | None],
        browser_root: Callable[[], int | None],
    ) -> None:
        self.limits = limits
        self.budget_s = limits.step_s
        self._endpoint = endpoint
        self._browser_root = browser_root
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._progress = 0  # bumped by every report of the main thread
        self._scenario = 0  # bumped as each scenario starts and ends
        self._phase: str | None = None
        self._phase_deadline: float | None = None
        self._scenario_deadline: float | None = None
        self._targets: dict[str, None] = {}  # the scenario's page target ids, in order
        self._watched: list[Any] = []  # contexts listened to (by identity)
        self.ended: str | None = None  # why the watchdog ended the current scenario

    # --- the main thread's reports ----------------------------------------------------------
    def scenario_started(self) -> None:
        with self._cond:
            self._progress += 1
            self._scenario += 1
            self.ended = None
            self._targets.clear()
            self._watched.clear()
            limit = self.limits.scenario_s
            self._scenario_deadline = time.monotonic() + limit if limit > 0 else None
            self._phase_deadline = None
            self._start_thread()
            self._cond.notify()

    def phase_started(self, what: str) -> None:
        """A step (or an evidence capture) starts: it has ``budget_s`` to end."""
        with self._cond:
            self._progress += 1
            self._phase = what
            self._phase_deadline = time.monotonic() + self.budget_s
            self._cond.notify()

    def scenario_ended(self) -> None:
        with self._cond:
            self._progress += 1
            self._scenario += 1
            self._phase_deadline = self._scenario_deadline = None
            self._targets.clear()
            self._watched.clear()
            self._cond.notify()

    def watch(self, context: Any) -> None:
        """Learn the target id of each page of ``context``, now and as pages open (main thread)."""
        if any(known is context for known in self._watched):
            return
        self._watched.append(context)
        context.on("page", self._page_opened)
        for page in context.pages:
            self._page_opened(page)

    def _page_opened(self, page: Any) -> None:
        """Ask for the page's target id without waiting: the answer arrives while the main thread
        waits for its next call (``runner.browser.background``), long before a step could count
        as stuck. The session is not detached: it ends with its page."""
        scenario = self._scenario

        async def learn(impl: Any) -> None:
            session = await impl.context.new_cdp_session(impl)
            info = await session.send("Target.getTargetInfo", None, None)
            with self._cond:
                if self._scenario == scenario:  # not a page of a scenario that has ended
                    self._targets[info["targetInfo"]["targetId"]] = None

        background.later(page, learn, "watchdog: no target id for a page")

    def name_error(self, exception: BaseException) -> bool:
        """Reword ``exception`` if the watchdog ended this scenario; returns whether it did."""
        reason = self.ended
        if reason is None:
            return False
        if not str(exception).startswith(reason.splitlines()[0]):
            text = f"{reason}\n{exception}"
            exception.args = (text, *exception.args[1:])
            if hasattr(exception, "_message"):  # Playwright's Error keeps its message apart
                exception._message = text  # noqa: SLF001
        return True

    # --- the watchdog's thread ----------------------------------------------------------------
    def _start_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="e2e-watchdog", daemon=True)
            self._thread.start()

    def _due(self, now: float) -> tuple[float | None, str | None]:
        """The next deadline and, if it has passed, why the scenario is to be ended."""
        deadlines = [d for d in (self._phase_deadline, self._scenario_deadline) if d is not None]
        if not deadlines:
            return None, None
        if self._scenario_deadline is not None and now >= self._scenario_deadline:
            return self._scenario_deadline, self.limits.scenario_limit_text()
        if self._phase_deadline is not None and now >= self._phase_deadline:
            longest = self.budget_s - GRACE_S
            return self._phase_deadline, (
                f"{BUSY}: {self._phase} made no progress for {self.budget_s:.0f} s (its longest timeout, "
                f"{longest:.0f} s, + {GRACE_S:.0f} s), so its page was closed"
            )
        return min(deadlines), None

    def _run(self) -> None:
        while True:
            with self._cond:
                deadline, reason = self._due(time.monotonic())
                if reason is None:
                    self._cond.wait(None if deadline is None else max(0.05, deadline - time.monotonic()))
                    continue
                self.ended = reason
                self._phase_deadline = self._scenario_deadline = None
                targets = list(self._targets)
                progress = self._progress
            log.warning("e2e watchdog: %s", reason.splitlines()[0])
            self._end(targets, progress)

    def _moved_on(self, progress: int, wait_s: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._progress != progress, timeout=wait_s)

    def _end(self, targets: list[str], progress: int) -> None:
        endpoint = self._endpoint()
        if endpoint and targets:
            closer = threading.Thread(
                target=close_targets, args=(endpoint, targets), name="e2e-watchdog-close", daemon=True
            )
            closer.start()
            closer.join(CLOSE_WAIT_S)
            if self._moved_on(progress, UNBLOCK_WAIT_S):
                return
        root = self._browser_root()
        for _attempt in range(RENDERER_ATTEMPTS):
            if root is None or self._moved_on(progress, 0):
                return
            renderers.end_busy_renderers(root)
            if self._moved_on(progress, UNBLOCK_WAIT_S):
                return


def close_targets(endpoint: str, targets: list[str]) -> None:
    """Close ``targets`` through a connection of this thread's own (never the main thread's Playwright)."""
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.connect(endpoint, timeout=CLOSE_WAIT_S * 1000)
            try:
                session = browser.new_browser_cdp_session()
                for target in targets:
                    try:
                        session.send("Target.closeTarget", {"targetId": target})
                    except PlaywrightError as exc:  # already closed
                        log.debug("watchdog: target not closed: %s", exc)
            finally:
                browser.close()
    except Exception as exc:  # noqa: BLE001 - the renderer fallback follows
        log.warning("e2e watchdog: could not close the pages through CDP: %s", exc)


def for_run(state: RunState) -> Watchdog:
    """The watchdog of one pytest process of the run: its browser is the session's (read when acting)."""

    def endpoint() -> str | None:
        session = state.browser_session
        server = session.server if session is not None else None
        return server.ws_endpoint if server is not None else None

    def browser_root() -> int | None:
        session = state.browser_session
        if session is None:
            return None
        server = session.server
        # The shared server's process group holds its Chromium; a private browser is this process's child.
        return server.pid if server is not None else os.getpid()

    return Watchdog(Limits.of(state.settings), endpoint, browser_root)


def ended_lines(stats: dict[str, list[Any]]) -> list[str]:
    """The run's summary lines for the scenarios the watchdog ended (from every process's reports)."""
    lines = []
    for reports in stats.values():
        for report in reports:
            for name, value in getattr(report, "user_properties", ()):
                if name == ENDED_PROPERTY:
                    lines.append(f"ended by the watchdog: {report.nodeid}: {value}")
    return sorted(set(lines))
