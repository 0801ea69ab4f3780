"""``e2e install``: what ``pip install`` cannot install, like ``playwright install``.

- the Allure report CLI, the exact version this runner pins, into the user's cache
  (``runner.report.tools``); npm is needed once for that;
- Chromium (and the fonts and library it needs): Debian's package when running as root on
  Debian or Ubuntu; anywhere else, the exact command to run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable

from runner.browser.chromium import ChromiumNotFound, locate_chromium
from runner.report.tools import ReportTools, ToolsError
from runner.settings import Settings

Log = Callable[[str], None]
# Chromium, CJK and Latin fonts (empty boxes in screenshots otherwise), and the library
# Playwright's Node driver needs.
DEBIAN_BROWSER_PACKAGES = ("chromium", "fonts-noto-cjk", "fonts-liberation", "libatomic1")
DEBIAN_NODE_PACKAGES = ("nodejs", "npm")


class InstallError(Exception):
    """Something could not be installed; the message says what to run instead."""


def _can_apt() -> bool:
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def apt_install(packages: tuple[str, ...], log: Log) -> None:
    log(f"apt-get install {' '.join(packages)} ...")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
    ):
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800)
        if proc.returncode != 0:
            raise InstallError(f"`{' '.join(cmd)}` failed:\n{(proc.stderr or proc.stdout).strip()[-1500:]}")


def install_chromium(chromium: str | None, origin: str, log: Log) -> str:
    """Chromium's path, installing Debian's package first when it is missing and we may.

    ``chromium``: the setting (None: search), ``origin``: where it was set."""
    try:
        path = locate_chromium(chromium, origin)
    except ChromiumNotFound:
        if not _can_apt():
            raise InstallError(
                "Chromium is not installed, and installing it needs root on Debian/Ubuntu. Run one of:\n"
                f"  sudo apt-get install -y {' '.join(DEBIAN_BROWSER_PACKAGES)}\n"
                "  python -m playwright install --with-deps chromium   (other systems)\n"
                "then `e2e install` again."
            ) from None
        apt_install(DEBIAN_BROWSER_PACKAGES, log)
        path = locate_chromium(chromium, origin)
    log(f"Chromium: {path}")
    return path


def install_all(settings: Settings, log: Log) -> list[str]:
    """Install every part; returns the problems left (empty: everything is there)."""
    problems = []
    try:
        install_chromium(settings.chromium, settings.source_of("chromium"), log)
    except InstallError as exc:
        problems.append(str(exc))
    if shutil.which("npm") is None and _can_apt():
        try:
            apt_install(DEBIAN_NODE_PACKAGES, log)
        except InstallError as exc:
            problems.append(str(exc))
    try:
        cli = ReportTools.from_settings(settings).install(log)
        log(f"Allure report CLI: {cli.parents[2]}")
    except ToolsError as exc:
        problems.append(str(exc))
    return problems
