"""The app the scenarios test: ``E2E_BASE_URL``, or the bundled demo app started for the session.

An unreachable ``E2E_BASE_URL`` is checked once, before any scenario, so the user sees one
message with the URL and the connection error instead of one stack trace per scenario.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from runner.settings import Settings


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
    request = urllib.request.Request(url, method="GET", headers={"User-Agent": "e2e-runner preflight"})
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            return
    except urllib.error.HTTPError:
        return  # the app answered; an error status is for the scenarios to judge
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise AppUnreachable(
            f"The app under test is unreachable: {url} ({origin}): {reason}.\n"
            "Start the app, fix the URL, or unset E2E_BASE_URL to test the bundled demo app."
        ) from None


def start(settings: Settings) -> AppUnderTest:
    if settings.base_url:
        check_reachable(settings.base_url, settings.source_of("base_url"))
        return AppUnderTest(url=settings.base_url)
    from runner import demo_app

    demo = demo_app.start()
    return AppUnderTest(url=demo.url, demo=demo)
