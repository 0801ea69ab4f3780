"""Finding a Chromium to drive, and the flags it needs on a build machine.

Order: ``E2E_CHROMIUM`` (or ``[tool.e2e] chromium``), then a Playwright-installed
Chromium, then Debian's ``chromium`` and the usual names on PATH.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner.settings import Settings, SettingsError

# Chromium otherwise keeps calling Google's update and variation services; on a closed
# build network every one of those calls fails and slows the first page loads.
# No --disable-features here: Chromium keeps only the last one given, and Playwright passes
# its own list (HTTPS upgrades off, so http:// staging apps stay on http, and more).
QUIET_ARGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--no-first-run",
)

PATH_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class ChromiumNotFound(Exception):
    """No Chromium could be found; the message says what to install."""


def _playwright_downloads() -> Path:
    """Where `playwright install` puts browsers and tools."""
    return Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or Path.home() / ".cache" / "ms-playwright")


def _playwright_chromium() -> str | None:
    """Playwright's own Chromium, if `playwright install chromium` was run."""
    for candidate in sorted(_playwright_downloads().glob("chromium-*/chrome-linux*/chrome"), reverse=True):
        if os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def find_chromium(settings: Settings) -> str:
    return locate_chromium(settings.chromium, settings.source_of("chromium"))


def locate_chromium(chromium: str | None, origin: str = "chromium") -> str:
    """The ``chromium`` setting's binary (``origin``: where it was set), else the first found."""
    if chromium:
        path = shutil.which(chromium) or chromium
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            raise SettingsError(
                f"{origin} = {chromium!r}: no executable there. "
                "Point it at a Chromium binary, or unset it to search automatically."
            )
        return path
    found = _playwright_chromium()
    if found:
        return found
    for name in PATH_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise ChromiumNotFound(
        "No Chromium found. Install one of:\n"
        "  - Debian/Ubuntu: apt-get install -y chromium   (or run scripts/setup.sh)\n"
        "  - Playwright's own build: playwright install chromium\n"
        "or set E2E_CHROMIUM to the path of a Chromium/Chrome binary. "
        f"Searched: E2E_CHROMIUM (unset), Playwright's browser folder, PATH for {', '.join(PATH_NAMES)}."
    )


def playwright_ffmpeg() -> str | None:
    """Playwright records video only with its own ffmpeg build (``playwright install ffmpeg``)."""
    found = sorted(_playwright_downloads().glob("ffmpeg-*/ffmpeg-linux"))
    return str(found[-1]) if found else None


def launch_args(browser_args: tuple[str, ...] | list[str], origin: str = "browser_args") -> list[str]:
    """Chromium's flags: the quiet ones, then the configured ``browser_args`` (``origin``: where they were set)."""
    for arg in browser_args:
        if arg.startswith(("--disable-features", "--enable-features")):
            raise SettingsError(
                f"{origin}: {arg.split('=')[0]} would replace the list Playwright "
                "passes to Chromium (the last one given wins) and silently turn its protections back on. "
                "Remove it; if a Chromium feature must change, say which in an issue."
            )
    return [*QUIET_ARGS, *browser_args]


@dataclass(frozen=True)
class LaunchConfig:
    """How Chromium is started, resolved once from the settings: the one launch configuration.

    The shared server's ``launch-server`` configuration and a private ``chromium.launch()``
    both come from it, so the two never disagree on the binary or its flags.
    """

    executable_path: str
    headless: bool
    args: tuple[str, ...]
    slow_mo: float = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> LaunchConfig:
        """Raises ChromiumNotFound, or SettingsError naming the setting that is wrong."""
        return cls(
            executable_path=find_chromium(settings),
            headless=not settings.headed,
            args=tuple(launch_args(settings.browser_args, settings.source_of("browser_args"))),
            slow_mo=settings.slow_mo,
        )

    def server_config(self) -> dict[str, Any]:
        """The browser part of Playwright's ``launch-server --config`` (a shared server's identity:
        ``slow_mo`` is each client's own, given when it connects)."""
        return {"executablePath": self.executable_path, "headless": self.headless, "args": list(self.args)}

    def launch_options(self) -> dict[str, Any]:
        """Keyword arguments of Playwright's ``chromium.launch()`` (``browser_type_launch_args``)."""
        return {
            "executable_path": self.executable_path,
            "headless": self.headless,
            "args": list(self.args),
            "slow_mo": self.slow_mo,
        }
