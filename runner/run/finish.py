"""Finishing a run folder, in one place: secrets out, owner-only modes, the ``latest`` link,
and the hand-over to the checkout's owner.

``pytest features/`` (the plugin, when its summary is written), ``e2e run`` (after the
report) and ``e2e merge`` all call ``finish_run_folder``; each passes what it knows.

Hand-over: under ``docker run -v "$PWD:/e2e"`` the runner is root while the repository
belongs to the developer; without it ``reports/`` fills with files they cannot delete. Only
what the run made is given away (``RunFolder.made``), only inside the checkout, never
following a link: a reports folder that was there before keeps its owner.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from runner.run.folder import RunFolder, point_latest

if TYPE_CHECKING:
    from runner.redact import Redactor

log = logging.getLogger(__name__)

LATEST = "latest"
LATEST_LOCK = ".latest.lock"


def finish_run_folder(
    run: RunFolder,
    *,
    project_root: Path,
    reports_dir: Path | None = None,
    private: bool = False,
    redactor: Redactor | None = None,
) -> list[str]:
    """Finish ``run``: secrets scrubbed (with ``redactor``), owner-only modes (``private``),
    ``reports_dir/latest`` moved to it (when it lies directly in ``reports_dir``), then
    handed over. Returns the problems met, each a sentence; the run folder itself is kept."""
    problems: list[str] = []
    try:
        if redactor is not None:
            redactor.scrub_tree(run.path)
        if private:
            from runner.redact import make_private

            make_private(run.path)
    except OSError as exc:
        problems.append(f"could not remove secrets from {run.path} ({exc}); do not publish this run folder.")
    if reports_dir is not None and run.path.parent.resolve() == Path(reports_dir).resolve():
        try:
            point_latest(run.path)
        except OSError as exc:  # e.g. a file system without symlinks: the run itself is fine
            log.warning("e2e: could not update %s: %s", run.path.parent / LATEST, exc)
    hand_over(run, project_root)
    return problems


def hand_over(run: RunFolder, project_root: Path) -> list[Path]:
    """Give what making ``run`` created to ``project_root``'s owner; returns what was given.

    Acts only as root on a checkout owned by someone else. Given: each folder in
    ``run.made`` inside the checkout (an ancestor alone, the run folder with its contents),
    and the reports folder's ``latest`` link and lock when that folder is the owner's. Never
    a folder that existed before, nothing outside the checkout, no link followed, no file
    with a second hard link (it would be another name of a file elsewhere).
    """
    if os.geteuid() != 0 or not run.made:
        return []
    try:
        owner = os.stat(project_root)
        checkout = Path(project_root).resolve(strict=True)
    except OSError:
        return []
    if owner.st_uid == 0:
        return []
    ids = (owner.st_uid, owner.st_gid)
    given: list[Path] = []
    for folder in run.made:
        if not _inside(folder, checkout):
            continue
        if folder == run.path:
            given += _give_tree(folder, ids)
        elif _give(folder, ids, directory=True):
            given.append(folder)
    reports = run.path.parent
    if _inside(reports, checkout) and _owned_by(reports, owner.st_uid):
        for name in (LATEST, LATEST_LOCK):
            if _give(reports / name, ids, directory=False):
                given.append(reports / name)
    return given


def _inside(path: Path, checkout: Path) -> bool:
    """``path``'s folder resolved (its last part is not followed) lies in the checkout."""
    try:
        real = Path(path).parent.resolve(strict=True) / Path(path).name
    except OSError:
        return False
    return real == checkout or checkout in real.parents


def _owned_by(path: Path, uid: int) -> bool:
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == uid


def _give(path: Path, ids: tuple[int, int], *, directory: bool) -> bool:
    """lchown one entry: a real folder when ``directory``, else a link or a singly linked file."""
    try:
        info = os.lstat(path)
        if directory != stat.S_ISDIR(info.st_mode):
            return False
        if not directory and stat.S_ISREG(info.st_mode) and info.st_nlink > 1:
            return False
        os.lchown(path, *ids)
    except OSError:
        return False  # not there, removed meanwhile, or a file system without owners
    return True


def _give_tree(top: Path, ids: tuple[int, int]) -> list[Path]:
    """The run folder and everything in it, walked by file descriptor: a folder swapped for a
    link meanwhile is not entered (``os.fwalk`` refuses a top that is a link)."""
    given: list[Path] = []
    try:
        walk = os.fwalk(top, follow_symlinks=False)
        for dirpath, dirnames, filenames, dirfd in walk:
            try:
                os.fchown(dirfd, *ids)
                given.append(Path(dirpath))
            except OSError:
                continue
            for name in [*filenames, *dirnames]:
                try:
                    info = os.stat(name, dir_fd=dirfd, follow_symlinks=False)
                    if stat.S_ISDIR(info.st_mode):
                        continue  # given when the walk enters it
                    if stat.S_ISREG(info.st_mode) and info.st_nlink > 1:
                        continue
                    os.chown(name, *ids, dir_fd=dirfd, follow_symlinks=False)
                    given.append(Path(dirpath) / name)
                except OSError:
                    pass
    except OSError:
        pass
    return given
