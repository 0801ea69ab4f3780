"""Stable screenshots, taken as Playwright's ``toHaveScreenshot`` takes them.

Before comparing: web fonts loaded (``document.fonts.ready``), CSS animations and transitions
stopped (Playwright's ``animations="disabled"``: finite ones jump to their end, infinite
ones to their start), the text caret hidden, masked elements painted over in one colour.
Then screenshots are taken until two in a row are the same pixels, waiting a little longer
between each (0, 100, 250, 500 ms, then 1 s, as Playwright does), within the timeout; a page
that never settles is a failure that says so. When the first screenshot already equals the
expected image, that is the answer (no second shot).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

from runner.visual.compare import decode_png

__all__ = ["MASK_COLOR", "Capture", "Unstable", "stable_capture", "wait_for_fonts"]

# Playwright's default mask colour (pink), unlikely in a real page.
MASK_COLOR = "#FF00FF"
_PAUSES_MS = (0, 100, 250, 500)
_LAST_PAUSE_MS = 1000


class Unstable(AssertionError):
    """The page kept changing between screenshots until the timeout."""


@dataclass
class Capture:
    png: bytes
    image: Image.Image
    shots: int


def wait_for_fonts(page, timeout_ms: int) -> None:
    """Wait until the page's web fonts are loaded (or failed), up to ``timeout_ms``."""
    page.wait_for_function("() => document.fonts.status === 'loaded'", timeout=timeout_ms)


def stable_capture(
    shoot: Callable[[], bytes],
    timeout_ms: int,
    *,
    matches: Callable[[Image.Image], bool] | None = None,
    pause: Callable[[int], None] | None = None,
) -> Capture:
    """Screenshots from ``shoot()`` until two in a row are equal, or one ``matches`` the baseline."""
    sleep = pause or (lambda ms: time.sleep(ms / 1000))
    deadline = time.monotonic() + timeout_ms / 1000
    png = shoot()
    image = decode_png(png)
    shots = 1
    if matches is not None and matches(image):
        return Capture(png, image, shots)
    while True:
        wait = _PAUSES_MS[shots - 1] if shots - 1 < len(_PAUSES_MS) else _LAST_PAUSE_MS
        if shots >= 2 and time.monotonic() + wait / 1000 > deadline:
            raise Unstable(
                f"the page did not settle: {shots} screenshots in {timeout_ms} ms, "
                "no two in a row the same (mask what changes by nature, or wait for it to finish)"
            )
        if wait:
            sleep(wait)
        next_png = shoot()
        next_image = decode_png(next_png)
        shots += 1
        if next_png == png or next_image.tobytes() == image.tobytes():
            return Capture(next_png, next_image, shots)
        png, image = next_png, next_image
