"""The fixture ladder, named as in pytest-playwright so users can override any rung.

``browser_type_launch_args`` -> ``browser`` (the live shared browser, reconnected if it
died) and ``browser_context_args`` -> ``context`` -> ``page``; plus ``base_url``,
``e2e_settings`` and ``evidence`` (screenshots into the run folder and the report).
Evidence itself does not depend on these fixtures: see ``runner.plugin.evidence``.
"""

from __future__ import annotations

import contextlib
import difflib
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Video, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from runner import processes
from runner.browser import background
from runner.browser.chromium import LaunchConfig
from runner.browser.server import SharedBrowser
from runner.browser.session import BrowserSession
from runner.plugin.evidence import ScenarioEvidence
from runner.plugin.signin import storage_state_for
from runner.plugin.state import get_run_state
from runner.plugin.static_assets import use_static_cache
from runner.settings import BASE_URL_PLACES, Settings

EVIDENCE_KEY = pytest.StashKey[ScenarioEvidence]()


def evidence_for(item: pytest.Item) -> ScenarioEvidence:
    existing = item.stash.get(EVIDENCE_KEY, None)
    if existing is not None:
        return existing
    state = get_run_state(item.config)
    created = ScenarioEvidence(item=item, state=state)
    item.stash[EVIDENCE_KEY] = created
    return created


@pytest.fixture(scope="session")
def e2e_settings(pytestconfig: pytest.Config) -> Settings:
    return get_run_state(pytestconfig).settings


@pytest.fixture(scope="session")
def base_url(pytestconfig: pytest.Config) -> str:
    url = get_run_state(pytestconfig).base_url
    if not url:
        raise pytest.UsageError(f"No app under test is set. Set it with {BASE_URL_PLACES}.")
    return url


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    # Playwright starts its driver with this process's environment: the compile cache goes there.
    os.environ.update(processes.node_compile_cache())
    manager = sync_playwright().start()
    yield manager
    manager.stop()


@pytest.fixture(scope="session")
def browser_type_launch_args(e2e_settings: Settings) -> dict[str, Any]:
    """Options for a private launch (``--browser-server private`` or ``--headed``)."""
    return LaunchConfig.from_settings(e2e_settings).launch_options()


@pytest.fixture(scope="session")
def e2e_browser_session(
    pytestconfig: pytest.Config, playwright: Playwright, browser_type_launch_args: dict[str, Any]
) -> Iterator[BrowserSession]:
    state = get_run_state(pytestconfig)
    settings = state.settings
    shared = settings.browser_server == "shared" and not settings.headed
    session = BrowserSession(
        playwright,
        browser_type_launch_args or LaunchConfig.from_settings(settings).launch_options(),
        shared=SharedBrowser.from_settings(settings) if shared else None,
        navigation_timeout=settings.navigation_timeout,
    )
    # Evidence finds the scenario's pages through this process's one browser session.
    state.browser_session = session
    yield session
    session.close()


@pytest.fixture
def browser(e2e_browser_session: BrowserSession) -> Browser:
    """The live browser; function-scoped so a browser that died is replaced for the next scenario."""
    return e2e_browser_session.get()


@pytest.fixture(scope="session")
def browser_context_args(e2e_settings: Settings, base_url: str, playwright: Playwright) -> dict[str, Any]:
    """Options of every context: session-scoped, so a ``conftest.py`` extends it the way
    pytest-playwright's documentation shows (``{**browser_context_args, "locale": "de-DE"}``).

    With a ``device``, its descriptor from Playwright's registry (viewport, user agent,
    scale, touch); an explicitly set viewport still wins.
    """
    args: dict[str, Any] = {}
    if e2e_settings.device:
        args.update(device_descriptor(playwright, e2e_settings.device, e2e_settings.source_of("device")))
    if not e2e_settings.device or e2e_settings.source_of("viewport") != "default":
        args["viewport"] = e2e_settings.viewport_size
    return {**args, "base_url": base_url}


def device_descriptor(playwright: Playwright, name: str, origin: str = "device") -> dict[str, Any]:
    """The descriptor of Playwright's device ``name``; ``origin`` is where the name was set, for the error."""
    devices = playwright.devices
    if name not in devices:
        close = difflib.get_close_matches(name, list(devices), n=3)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise pytest.UsageError(
            f"{origin} = {name!r}: not a device Playwright knows.{hint} "
            "The names are those of Playwright's device registry (e.g. 'iPhone 13', 'Pixel 7', 'Desktop Chrome')."
        )
    return {k: v for k, v in devices[name].items() if k != "default_browser_type"}


@pytest.fixture
def new_context(
    browser: Browser,
    browser_context_args: dict[str, Any],
    e2e_browser_session: BrowserSession,
    e2e_settings: Settings,
    request: pytest.FixtureRequest,
) -> Iterator[Callable[..., BrowserContext]]:
    """``new_context(**options)``: one more browser context for this scenario (a second
    user, another device), as pytest-playwright's fixture of the same name.

    ``new_context(role="ROLE")`` starts with ROLE's stored sign-in (``runner.plugin.signin``).
    Each gets ``browser_context_args`` (overridden by ``options``), ``action_timeout`` as its
    default timeout, tracing from its first action, console capture and, on failure, its
    pages in the evidence; all are closed at the end of the scenario.
    """
    evidence = evidence_for(request.node)
    made: list[BrowserContext] = []

    settings = e2e_settings
    video: dict[str, Any] = {}
    if settings.video != "off":
        video = {
            "record_video_dir": str(evidence.folder / ".video"),
            "record_video_size": settings.viewport_size,
        }

    def factory(role: str | None = None, **options: Any) -> BrowserContext:
        if role is not None:  # a second actor signed in as a role (signed in once for the run)
            options = {"storage_state": storage_state_for(request, role), **options}
        ctx = e2e_browser_session.new_context(browser, **{**browser_context_args, **video, **options})
        background.settle(ctx)  # the last scenario's contexts, closed in the background, are gone
        # Every action (click, fill, a custom step's too) waits at most action_timeout; page
        # loads keep navigation_timeout and checks expect_timeout (expect.set_options).
        ctx.set_default_timeout(settings.action_timeout)
        use_static_cache(request.config, ctx)  # static files shared by the run's contexts (static_cache)
        evidence.adopt(ctx)
        made.append(ctx)
        return ctx

    yield factory
    videos: list[Video] = []
    for ctx in made:
        with contextlib.suppress(PlaywrightError):
            videos.extend(p.video for p in ctx.pages if p.video)
    for ctx in made:
        if videos:  # a video is written when its context closes: waited for, then kept or deleted
            with contextlib.suppress(PlaywrightError):
                ctx.close()
        else:  # nothing of it is needed any more: its close goes out with the next call
            background.close_later(ctx)
    evidence.keep_videos(videos)


@pytest.fixture
def context(new_context: Callable[..., BrowserContext]) -> BrowserContext:
    return new_context()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def evidence(request: pytest.FixtureRequest) -> ScenarioEvidence:
    """``evidence.screenshot("name")`` saves a screenshot and attaches it to the current step."""
    return evidence_for(request.node)
