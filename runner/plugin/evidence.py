"""Evidence of each scenario, attached to its Allure result and kept in the run folder.

What is captured: a screenshot of the final state of every scenario, a screenshot of
the failing step (under that step), optional screenshots after every step, the page
URL, browser console errors and uncaught page errors, a Playwright trace of failures
(type ``application/vnd.allure.playwright-trace`` so Allure's viewer opens it) and,
when enabled, a video.

Evidence does not depend on which fixtures a user overrides: pages are found through
the browser connection (every context it has open), and contexts a user created
themselves are adopted (tracing, console capture) before the scenario's steps run.
Files go to ``<run>/evidence/<scenario>/`` with predictable names.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import allure
import pytest
from playwright.sync_api import BrowserContext, Locator, Page, Video
from playwright.sync_api import Error as PlaywrightError

from runner.browser import background
from runner.plugin.crashes import CrashWatch
from runner.plugin.noise import is_noise
from runner.run.folder import EVIDENCE, TRACE_MIME
from runner.slug import slugify as _slugify

if TYPE_CHECKING:
    from runner.plugin.state import RunState
    from runner.settings import Settings

log = logging.getLogger(__name__)


def slugify(text: str, limit: int = 80, *, exact: bool = True) -> str:
    """A file-name-safe, unique form of ``text`` (``runner.slug.slugify``): letters of any
    script kept, at most ``limit`` bytes of UTF-8, hashed when anything changed."""
    return _slugify(text, limit=limit, unique=True, exact=exact)


@dataclass
class ScenarioEvidence:
    item: pytest.Item
    state: RunState
    console_errors: list[str] = field(default_factory=list)
    failed: bool = False
    failed_step: str | None = None
    failure_trace: str | None = None  # the first context's trace.zip of a failed scenario, run-relative
    error: str | None = None
    failure_screenshot: str | None = None
    final_screenshot: str | None = None
    attempt: int = 1
    _count: int = 0
    # Contexts this scenario traces and listens to (by identity; nothing is set on them).
    adopted: list[BrowserContext] = field(default_factory=list)
    crashes: CrashWatch = field(default_factory=CrashWatch)

    @property
    def run_dir(self) -> Path:
        return self.state.run_dir

    @property
    def settings(self) -> Settings:
        return self.state.settings

    @property
    def folder(self) -> Path:
        name = slugify(self.item.nodeid.replace("::", "--"), limit=120)
        if self.attempt > 1:  # a rerun (pytest-rerunfailures) keeps the evidence of earlier attempts
            name = f"{name}-attempt{self.attempt}"
        path = self.run_dir / EVIDENCE / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def relative(self, path: Path) -> str:
        return path.relative_to(self.run_dir).as_posix()

    # --- pages and contexts -------------------------------------------------------------
    def contexts(self) -> list[BrowserContext]:
        # Looked up each time: the browser fixtures are set up lazily, by the first step using them.
        session = self.state.browser_session
        browser = session.current if session is not None else None
        if browser is None:
            return []
        try:  # a context of an earlier scenario, still closing in the background, is not this one's
            return [c for c in browser.contexts if not background.is_closing(c)]
        except PlaywrightError:
            return []

    def pages(self) -> list[Page]:
        pages = []
        for context in self.contexts():
            # A crashed page never answers a screenshot: left out.
            pages.extend(p for p in context.pages if not p.is_closed() and not self.crashes.is_crashed(p))
        return pages

    def _adopted(self, context: BrowserContext) -> bool:
        return any(known is context for known in self.adopted)

    def adopt(self, context: BrowserContext) -> None:
        """Start tracing and console capture on a context, once."""
        if self._adopted(context):
            return
        self.adopted.append(context)
        self.crashes.watch(context)
        context.on("console", self._on_console)
        context.on("weberror", lambda error: self.console_errors.append(f"uncaught: {error.error}"))
        if self.settings.trace != "off":
            try:
                context.tracing.start(screenshots=True, snapshots=True, sources=False)
            except PlaywrightError as exc:  # already tracing (a user started it): keep theirs
                log.debug("tracing not started: %s", exc)

    def _on_console(self, message) -> None:
        if message.type == "error":
            location = message.location or {}
            if self.settings.console_noise == "drop" and is_noise(message.text, location.get("url")):
                return
            where = f" ({location.get('url')}:{location.get('lineNumber')})" if location.get("url") else ""
            self.console_errors.append(f"{message.text}{where}")

    # --- captures -------------------------------------------------------------------------
    def screenshot(self, name: str, page: Page | None = None, full_page: bool = False) -> Path | None:
        """Screenshot of ``page`` (default: the newest open page), saved and attached to the current step.

        PNG (lossless) unless ``screenshot_format = "jpeg"``, then JPEG at ``screenshot_quality``.
        """
        targets = [page] if page is not None else self.pages()[-1:]
        jpeg = self.settings.screenshot_format == "jpeg"
        # image/jpeg, the registered type (allure's own JPG says image/jpg)
        suffix, kind = (".jpg", "image/jpeg") if jpeg else (".png", allure.attachment_type.PNG)
        options: dict[str, Any] = (
            {"type": "jpeg", "quality": self.settings.screenshot_quality} if jpeg else {}
        )
        saved = None
        for target in targets:
            self._count += 1
            path = self.folder / f"{self._count:02d}-{slugify(name, 60, exact=False)}{suffix}"
            try:
                target.screenshot(
                    path=str(path), full_page=full_page, animations="disabled",
                    timeout=self.settings.action_timeout, **options
                )
            except PlaywrightError as exc:
                log.warning("screenshot %r failed: %s", name, exc)
                continue
            allure.attach.file(str(path), name=name, attachment_type=kind, extension=suffix[1:])
            saved = path
        return saved

    def step_failed(
        self, step_text: str, exception: BaseException, step_args: dict[str, Any] | None = None
    ) -> None:
        """Every open page of the scenario, the page the failing step used first, each named."""
        self.failed = True
        self.failed_step = step_text
        self.crashes.name_crash(exception)
        self.error = error_text(exception)
        session = self.state.browser_session
        gone = session.went_away() if session is not None else None
        if gone:
            self.error = f"{gone}\n{self.error}"
        if self.settings.screenshots == "off":
            return
        for index, (label, page) in enumerate(self.labelled_pages(step_args or {})):
            shot = self.screenshot(f"failed step: {step_text}{label}", page=page)
            if index == 0 and shot is not None:
                self.failure_screenshot = self.relative(shot)

    def step_undefined(self, step_text: str, message: str) -> None:
        """A step with no definition: the scenario failed there, and nothing ran to take a screenshot of."""
        self.failed, self.failed_step, self.error = True, step_text, message

    def labelled_pages(self, step_args: dict[str, Any]) -> list[tuple[str, Page]]:
        """Open pages as (label, page): the ones the step's arguments hold first, labelled by
        the argument's name (``alice_page``, or ``alice`` when it holds a ``.page``); with
        several pages the others follow as "context N page M", each with its URL."""
        pages = self.pages()
        used: list[tuple[str, Page]] = []
        for name, value in step_args.items():
            page = _page_of(value)
            if page is not None and not page.is_closed() and all(page is not p for _, p in used):
                used.append((name, page))
        if not used and pages:
            used = [("", pages[-1])]
        if len(pages) <= 1 and len(used) <= 1:
            return [("", used[0][1])] if used else []
        ordered = used + [("", p) for p in pages if all(p is not u for _, u in used)]
        labelled = []
        for name, page in ordered:
            where = self._position(page)
            labelled.append((f" [{', '.join(x for x in (name, where) if x)}: {_url(page)}]", page))
        return labelled

    def _position(self, page: Page) -> str:
        for c_index, context in enumerate(self.contexts(), start=1):
            for p_index, candidate in enumerate(context.pages, start=1):
                if candidate is page:
                    return f"context {c_index} page {p_index}"
        return ""

    def scenario_finished(self) -> None:
        """The trace first (kept or dropped), then the final screenshots: taken once tracing has
        stopped, they cost no trace snapshots (a failing step's screenshot, taken while tracing,
        is in the trace). A dropped trace's stop is not waited for: it goes out just before the
        screenshot, and the browser stops the trace first."""
        self._finish_traces()
        pages = self.pages()
        wanted = self.settings.screenshots in ("final", "every-step") or (
            self.settings.screenshots == "only-on-failure" and self.failed
        )
        for index, (label, page) in enumerate(self.labelled_pages({}) if wanted else []):
            shot = self.screenshot(f"final state{label}", page=page)
            if index == 0 and shot is not None:
                self.final_screenshot = self.relative(shot)
        urls = [p.url for p in pages]
        if urls:
            allure.attach("\n".join(urls), name="page URL", attachment_type=allure.attachment_type.URI_LIST)
        if self.console_errors:
            allure.attach(
                "\n".join(self.console_errors),
                name="browser console errors",
                attachment_type=allure.attachment_type.TEXT,
            )

    def _finish_traces(self) -> None:
        keep = self.settings.trace == "on" or (self.settings.trace == "retain-on-failure" and self.failed)
        for index, context in enumerate(self.contexts()):
            if not self._adopted(context) or self.settings.trace == "off":
                continue
            if not keep:  # dropped: sent with the final screenshot, whose answer is waited for
                background.later(context.tracing, lambda tracing: tracing.stop(path=None), "dropping a trace")
                continue
            path = self.folder / ("trace.zip" if index == 0 else f"trace-{index + 1}.zip")
            try:
                context.tracing.stop(path=str(path))
            except PlaywrightError as exc:
                log.warning("trace not saved: %s", exc)
                continue
            if path.exists():
                if self.failed and self.failure_trace is None:
                    self.failure_trace = self.relative(path)
                allure.attach.file(
                    str(path), name="Playwright trace", attachment_type=TRACE_MIME, extension="zip"
                )

    def keep_videos(self, videos: list[Video]) -> None:
        """Each video (its context closed) saved into the evidence when kept, deleted either way.

        ``save_as``, not ``path``: through the shared browser server the recording is the
        server's file, which only ``save_as`` copies (``path`` raises when connected remotely).
        """
        keep = self.settings.video == "on" or (self.settings.video == "retain-on-failure" and self.failed)
        kept = 0
        for video in videos:
            try:
                if keep:
                    target = self.folder / ("video.webm" if kept == 0 else f"video-{kept + 1}.webm")
                    video.save_as(str(target))
                    kept += 1
                    allure.attach.file(str(target), name="video", attachment_type=allure.attachment_type.WEBM)
                video.delete()
            except PlaywrightError as exc:
                log.warning("video: %s", first_line(exc))


def first_line(exception: BaseException) -> str:
    text = str(exception).strip() or type(exception).__name__
    return text.splitlines()[0][:500]


ERROR_LIMIT = 4000
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def error_text(exception: BaseException) -> str:
    """The whole message a person needs (Playwright's expected and actual lines included),
    with only the call log's line naming the element (not every retry), bounded in length."""
    text = _ANSI.sub("", str(exception)).strip() or type(exception).__name__
    text, _, call_log = text.partition("\nCall log:")
    text = text.rstrip()
    # The log's "waiting for <locator>" names the element the assertion was about.
    waited = next((line.strip(" -") for line in call_log.splitlines() if "waiting for" in line), None)
    if waited:
        text += f"\nCall log: {waited}"
    return text if len(text) <= ERROR_LIMIT else text[: ERROR_LIMIT - 1] + "…"


def _page_of(value: Any) -> Page | None:
    """The page a step argument is or holds: a Page, a Locator's page, or an object's ``.page``."""
    if isinstance(value, Page):
        return value
    if isinstance(value, Locator):
        return value.page
    candidate = (
        getattr(value, "page", None) if not isinstance(value, str | int | float | list | dict) else None
    )
    return candidate if isinstance(candidate, Page) else None


def _url(page: Page) -> str:
    try:
        return page.url
    except PlaywrightError:
        return "?"
