"""The app the scenarios test: ``base_url`` (``E2E_BASE_URL``), or the bundled demo app when
it says ``demo``. Unset is an error: a team's steps must never run against someone else's page.

An unreachable URL is checked once, before any scenario, so the user sees one message with
the URL and the connection error instead of one stack trace per scenario.
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from runner.redact import hide_userinfo
from runner.settings import BASE_URL_PLACES, DEMO, Settings


class AppUnreachable(Exception):
    pass


@dataclass
class AppUnderTest:
    url: str
    demo: Any = None  # the running demo app, when we started it

    def stop(self) -> None:
        if self.demo is not None:
            self.demo.stop()
            self.demo = None


def check_reachable(url: str, origin: str, timeout: float = 10.0) -> None:
    # Credentials in the URL (basic auth) go in a header: urllib cannot open such a URL.
    parts = urllib.parse.urlsplit(url)
    headers = {"User-Agent": "e2e-runner preflight"}
    if parts.username is not None:
        user = urllib.parse.unquote(parts.username)
        password = urllib.parse.unquote(parts.password or "")
        headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        url = urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    request = urllib.request.Request(url, method="GET", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            return
    except urllib.error.HTTPError:
        return  # the app answered; an error status is for the scenarios to judge
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise AppUnreachable(
            f"The app under test is unreachable: {url} ({origin}): {reason}.\nStart the app or fix the URL."
        ) from None


def start(settings: Settings) -> AppUnderTest:
    if not settings.base_url:
        raise AppUnreachable(f"No app under test is set. Set it with {BASE_URL_PLACES}.")
    if settings.base_url != DEMO:
        check_reachable(settings.base_url, settings.source_of("base_url"))
        return AppUnderTest(url=settings.base_url)
    from runner import demo_app

    demo = demo_app.start()
    return AppUnderTest(url=demo.url, demo=demo)


def describe(app: AppUnderTest, source: str) -> str:
    """The line every run starts with: which app is under test, and who said so (``source``:
    where ``base_url`` was set)."""
    what = "the bundled demo app" if app.demo is not None else "the app"
    return f"e2e: testing {what} at {hide_userinfo(app.url)} (base_url from {source})"
