"""Known browser noise, left out of a scenario's console evidence unless asked for.

A browser asks every site for ``/favicon.ico``; an app without one answers 404 and the
browser logs "Failed to load resource: ... 404" as a console error on every page, so every
passing scenario's console attachment held the same line and hid the errors that matter.
``console_noise = "keep"`` (``E2E_CONSOLE_NOISE``) keeps them.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# The resources a browser asks for on its own (not the page): a missing one is not the app's error.
_BROWSER_OWN = re.compile(r"/(favicon\.ico|apple-touch-icon(-precomposed)?\.png)$")
_FAILED_LOAD = "Failed to load resource"


def is_noise(text: str, url: str | None) -> bool:
    """True for a console error the browser made about a resource it fetched on its own."""
    if not url or not text.startswith(_FAILED_LOAD):
        return False
    return bool(_BROWSER_OWN.search(urlsplit(url).path))
