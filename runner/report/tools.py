"""The tooling that is not a Python package: the Allure 3 CLI, the Node.js it runs on, and
axe-core (the accessibility engine the a11y steps inject into pages).

Their versions are pinned by the lock file shipped inside this package
(``package.json`` + ``package-lock.json`` beside this module), the same file the image
installs from. ``e2e install`` puts it in a per-user cache folder named after the lock's
hash, so a runner upgrade that changes the pin installs beside the old one instead of
mixing them, and any repository on the machine finds it.

Where they are looked for, first found wins: the ``tools_dir`` setting (``E2E_TOOLS_DIR``;
the image sets it), the per-user cache for this lock, then ``node_modules`` in the project.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from runner.processes import user_cache_dir
from runner.settings import Settings

HERE = Path(__file__).resolve().parent
LOCK_FILES = ("package.json", "package-lock.json")
ALLURE_VERSION_PIN = "allure"
# axe-core's browser bundle, read from the installed tools and injected by runner.a11y.
AXE_SCRIPT = Path("node_modules") / "axe-core" / "axe.min.js"


class ToolsError(Exception):
    """A report tool is missing or could not be installed; the message says how to get it."""


def lock_hash() -> str:
    digest = hashlib.sha256()
    for name in LOCK_FILES:
        digest.update((HERE / name).read_bytes())
    return digest.hexdigest()[:12]


def cache_dir() -> Path:
    """The per-user folder ``e2e install`` installs the pinned Allure CLI into."""
    return user_cache_dir() / f"allure-{lock_hash()}"


@dataclass(frozen=True)
class ReportTools:
    """Where the report tools are looked for: the three settings they read, taken once from
    the whole settings by the caller at the boundary (``from_settings``) and handed down.

    The tools themselves are looked up on each call, not when this is made: ``install``
    changes what is found, and the user cache follows ``XDG_CACHE_HOME`` as it is then.
    """

    project_root: Path
    tools_dir: str | None = None
    node: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> ReportTools:
        return cls(project_root=settings.project_root, tools_dir=settings.tools_dir, node=settings.node)

    def dirs(self) -> list[Path]:
        """Where installed tools are looked for, in order."""
        dirs = [cache_dir(), self.project_root]
        if self.tools_dir:
            dirs.insert(0, Path(self.tools_dir))
        return dirs

    def find_allure(self) -> Path | None:
        for base in self.dirs():
            candidate = base / "node_modules" / "allure" / "cli.js"
            if candidate.is_file():
                return candidate
        return None

    def find_axe(self) -> Path | None:
        """The pinned axe-core's ``axe.min.js``, or None when the tools are not installed."""
        for base in self.dirs():
            candidate = base / AXE_SCRIPT
            if candidate.is_file():
                return candidate
        return None

    def installed(self) -> Path | None:
        """A tools folder holding every pinned tool (an older install without axe-core is not one)."""
        for base in self.dirs():
            if (base / "node_modules" / "allure" / "cli.js").is_file() and (base / AXE_SCRIPT).is_file():
                return base
        return None

    def allure_cli(self) -> Path:
        found = self.find_allure()
        if found is None:
            raise ToolsError(
                "The Allure report CLI is not installed. Run `e2e install` (it installs the version this "
                "runner pins into your user cache), or set E2E_TOOLS_DIR to a folder holding node_modules/allure."
            )
        return found

    def node_binary(self) -> str | None:
        """The Node.js that runs the CLI: the ``node`` setting, ``node`` on PATH, else Playwright's own."""
        if self.node:
            return self.node
        found = shutil.which("node")
        if found:
            return found
        import playwright

        bundled = Path(playwright.__file__).parent / "driver" / "node"
        return str(bundled) if bundled.is_file() else None

    def install(self, log: Callable[[str], None]) -> Path:
        """Install the pinned tools (Allure CLI, axe-core) into the user cache (idempotent);
        returns the Allure CLI's ``cli.js``."""
        base = self.installed()
        if base is not None:
            log(f"Allure report CLI and axe-core: already installed ({base})")
            return base / "node_modules" / "allure" / "cli.js"
        return _npm_install(log)


def _npm_install(log: Callable[[str], None]) -> Path:
    """``npm ci`` of the lock file into the user cache, whole or not at all."""
    npm = shutil.which("npm")
    if npm is None:
        raise ToolsError(
            "npm is needed once to install the Allure report CLI and is not on PATH. Install Node.js with npm "
            "(Debian: `apt-get install nodejs npm`; elsewhere https://nodejs.org), then run `e2e install` again."
        )
    target = cache_dir()
    work = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for name in LOCK_FILES:
        shutil.copyfile(HERE / name, work / name)
    log(f"Allure report CLI and axe-core: installing the pinned versions into {target} ...")
    proc = subprocess.run(
        [npm, "ci", "--omit=dev", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if proc.returncode != 0:
        shutil.rmtree(work, ignore_errors=True)
        raise ToolsError(
            f"`npm ci` of the Allure report CLI failed:\n{(proc.stderr or proc.stdout).strip()[-1500:]}"
        )
    shutil.rmtree(target, ignore_errors=True)
    os.replace(work, target)  # whole or not at all: a broken half-install is never found
    return target / "node_modules" / "allure" / "cli.js"
