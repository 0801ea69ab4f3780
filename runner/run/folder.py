"""The run folder on disk: one directory per run under ``reports/``, never reused.

Layout (the contract every later step reads)::

    reports/<run-id>/
        run.json            metadata + summary (written at session end)
        allure-results/     Allure results, written by allure-pytest-bdd and the evidence hooks
        evidence/<test>/    screenshots, traces and videos, by scenario
        junit.xml           pytest's JUnit XML
        cucumber.json       Cucumber JSON (complete under xdist, integer durations)
        report/index.html   the run's own HTML report, one self-contained file (made once, by
                            ``e2e run`` or ``e2e merge``; nothing else writes into a run folder)

``run.json`` is modelled in ``runner.run.summary``; finishing a folder (modes, secrets, the
``latest`` link, hand-over to the checkout's owner) is ``runner.run.finish``.

A run id is ``YYYYMMDD-HHMMSS-xxxxxx`` (UTC time, then random hex), so ids sort by time
and two runs started in the same second never share a folder.
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# ASCII digits only (``\d`` would take any script's) and ``\Z``, not ``$`` (which also
# matches before a final newline): a run id becomes a folder name and an S3 key segment.
RUN_ID_PATTERN = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}\Z")
RUN_JSON = "run.json"
ALLURE_RESULTS = "allure-results"
EVIDENCE = "evidence"
JUNIT_XML = "junit.xml"
CUCUMBER_JSON = "cucumber.json"
REPORT_DIR = "report"
# The attachment type of a Playwright trace in allure-results: Allure's viewer opens only this one.
TRACE_MIME = "application/vnd.allure.playwright-trace"


class NotARunFolder(Exception):
    """The given folder is not a run folder; the message says why and what to pass."""


def new_run_id(now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


class RunFolderError(Exception):
    """No run folder can be made under the reports folder; the message names the folder,
    the setting it came from and what to do."""


# The setting behind the reports folder, for messages when its source is not known.
REPORTS_DIR_SETTING = "reports_dir ([tool.e2e] in pyproject.toml), E2E_REPORTS_DIR or --reports-dir"
_ID_ATTEMPTS = 100


@dataclass(frozen=True)
class RunFolder:
    """A run folder and what making it created: only those are ever handed to the checkout's
    owner (``runner.run.finish.hand_over``), never a folder that was there before."""

    path: Path
    # Made by this process, outermost first: missing ancestors (the reports folder), then
    # the run folder. Empty for a folder this process was given (``--e2e-run-dir``).
    made: tuple[Path, ...] = ()

    @classmethod
    def given(cls, path: Path) -> RunFolder:
        """A run folder someone else made (``e2e run`` for its pytest): nothing of it is ours."""
        return cls(Path(path))


def create_run_dir(reports_dir: Path, *, source: str | None = None) -> Path:
    """``make_run_folder``'s path: a fresh run folder, never an existing one."""
    return make_run_folder(reports_dir, source=source).path


def make_run_folder(reports_dir: Path, *, source: str | None = None) -> RunFolder:
    """Make a fresh run folder; never returns an existing one.

    Raises RunFolderError when the reports folder cannot be made or written (a path under a
    regular file, a read-only folder, a name too long); ``source`` is where the reports
    folder was set (``Settings.source_of("reports_dir")``), named in the message.
    """
    reports_dir = Path(reports_dir)
    try:
        if reports_dir.exists() and not reports_dir.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "exists and is not a folder")
        made = _make_folders(reports_dir)
        for _ in range(_ID_ATTEMPTS):
            run_dir = reports_dir / new_run_id()
            try:
                run_dir.mkdir()
            except FileExistsError:
                continue
            (run_dir / ALLURE_RESULTS).mkdir()
            (run_dir / EVIDENCE).mkdir()
            return RunFolder(run_dir, (*made, run_dir))
        raise FileExistsError(errno.EEXIST, f"{_ID_ATTEMPTS} new run ids in a row were taken")
    except OSError as exc:
        raise RunFolderError(_run_folder_message(reports_dir, exc, source)) from exc


def _make_folders(folder: Path) -> tuple[Path, ...]:
    """``mkdir -p folder``, returning the folders this call made, outermost first (one made
    meanwhile by another process is not counted as ours)."""
    missing = []
    while not os.path.lexists(folder) and folder.parent != folder:
        missing.append(folder)
        folder = folder.parent
    made = []
    for each in reversed(missing):
        try:
            each.mkdir()
        except FileExistsError:
            if not each.is_dir():
                raise
            continue
        made.append(each)
    return tuple(made)


def _run_folder_message(reports_dir: Path, exc: OSError, source: str | None) -> str:
    reason = exc.strerror or str(exc)
    if exc.filename and Path(exc.filename) != reports_dir:
        reason = f"{reason}: {exc.filename}"
    origin = ""
    if source == "default":
        origin = " (the default, reports/)"
    elif source:
        origin = f" (from {source})"
    return (
        f"reports folder {reports_dir}{origin}: cannot make a run folder there ({reason}). "
        f"Set {REPORTS_DIR_SETTING} to a folder you may write."
    )


def read_run_json(run_dir: Path) -> dict[str, Any]:
    """The raw ``run.json`` document; raises NotARunFolder with a reason when the folder is not a run.

    Code reads ``RunSummary.read`` instead; this is its parser.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise NotARunFolder(f"{run_dir}: no such folder. Pass a folder under reports/ made by `e2e run`.")
    meta_path = run_dir / RUN_JSON
    if not meta_path.is_file():
        raise NotARunFolder(
            f"{run_dir}: not a run folder (no {RUN_JSON}). Pass a folder under reports/ made by `e2e run` "
            "or `pytest features/`."
        )
    try:
        data = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise NotARunFolder(f"{meta_path}: unreadable ({exc}).") from exc
    if not isinstance(data, dict) or not RUN_ID_PATTERN.match(str(data.get("run_id", ""))):
        raise NotARunFolder(f"{meta_path}: has no valid run_id; it was not written by this tool.")
    return data


def write_json_atomic(path: Path, data: Any) -> None:
    """Written beside and renamed over: a reader (or a full disk) never leaves half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def latest_run_dir(reports_dir: Path) -> Path | None:
    runs = sorted(p for p in reports_dir.glob("*") if p.is_dir() and RUN_ID_PATTERN.match(p.name))
    return runs[-1] if runs else None


def point_latest(run_dir: Path) -> bool:
    """``<reports>/latest`` -> ``run_dir`` if it is the newest-started run with a complete
    ``run.json``; returns whether it moved.

    Called when a run's summary is written (by ``pytest features/`` and ``e2e run`` alike), so
    ``latest`` never points at a run without one. Two runs at once: whichever finishes,
    ``latest`` ends on the one that started last (run ids sort by start time). The link is
    replaced atomically, under a lock, so concurrent runs never leave it half-made.
    """
    import fcntl

    reports = run_dir.parent
    link = reports / "latest"
    with open(reports / ".latest.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        current = link.resolve() if link.is_symlink() else None
        if (
            current is not None
            and current != run_dir.resolve()
            and current.name > run_dir.name
            and (current / RUN_JSON).is_file()
        ):
            return False
        tmp = reports / f".latest.{os.getpid()}"
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(run_dir.name, target_is_directory=True)
        os.replace(tmp, link)
    return True
