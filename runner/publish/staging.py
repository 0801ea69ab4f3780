"""The reports a publish makes for its target, in a staging folder of their own, and the
resuming of a publish that was cut off: its reports are kept (per user, in the temporary
folder) and the next publish of the run to that target takes them over instead of making
new ones, so it uploads only what is missing."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from runner.publish.index import RunEntry
from runner.publish.layout import HISTORY_FILE, SINGLE_FILE_DIR, SINGLE_FILE_PAGE, SITE_REPORT_DIR, run_root
from runner.publish.target import PublishError, RemoteObject, Target
from runner.publish.uploads import Log
from runner.report.site_links import make_publishable
from runner.run.folder import ALLURE_RESULTS, RUN_JSON

# Allure's trend charts show the last runs; carrying an unbounded file from run to run would
# make every publish slower than the last.
HISTORY_KEEP = 30
# The reports of a publish that was cut off, kept for the next one (see ``Staging``).
KEPT_MANIFEST = "kept.json"
KEPT_DAYS = 7

# ``make_report(output=FOLDER, single_file=..., history_path=...)``: the run's report into
# FOLDER (``runner.report.allure.generate_report`` with the run and its settings bound).
MakeReport = Callable[..., object]


def _depth(folder: str) -> int:
    return len(Path(folder).parts)


def _truncate_history(data: bytes) -> bytes:
    lines = [line for line in data.splitlines() if line.strip()]
    return b"".join(line + b"\n" for line in lines[-HISTORY_KEEP:])


def _fingerprint(run_dir: Path) -> str:
    """What the reports of a run are made from: its run.json and its Allure results."""
    digest = hashlib.sha256((run_dir / RUN_JSON).read_bytes())
    results = run_dir / ALLURE_RESULTS
    for path in sorted(results.rglob("*")) if results.is_dir() else []:
        if path.is_file():
            info = path.stat()
            rel = path.relative_to(results).as_posix()
            digest.update(f"{rel}\0{info.st_size}\0{info.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def kept_folder(run_id: str, target: Target) -> Path | None:
    """Where the reports made by a publish that was cut off wait for the next publish of the
    same run to the same target: a folder of this user's own in the temporary folder (None
    when there is no such folder that only this user may write)."""
    base = Path(tempfile.gettempdir()) / f"e2e-publish-kept-{os.getuid()}"
    try:
        base.mkdir(mode=0o700, exist_ok=True)
        info = base.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None
    where = hashlib.sha256(target.description.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return base / f"{run_id}-{where}"


@dataclass
class Staging:
    """Reports made for this target, in a folder of their own (never in the run folder).

    A publish cut off while uploading keeps them (``keep``) for the next publish of the run
    to the target (``take_kept``): part of them is on the target already, and a report made
    again differs (Allure stamps each generation with an id and a time), so making it again
    would upload again what was done.
    """

    run_dir: Path
    folder: Path
    make_report: MakeReport
    required: bool
    log: Log
    files: dict[str, Path] = field(default_factory=dict)
    kept: Path | None = None

    def take_kept(self, run_id: str, *, site: bool, single: bool) -> tuple[bool, bool]:
        """Take over the reports kept by a cut-off publish, the parts still wanted; returns
        which parts (site, single file) were taken. The kept folder is consumed either way."""
        taken = (False, False)
        if self.kept is not None and not self.folder.exists():
            try:
                os.rename(self.kept, self.folder)  # atomic: of two publishes, one takes it
            except OSError:
                pass
            else:
                taken = self._adopt(run_id, site=site, single=single)
        self.folder.mkdir(parents=True, exist_ok=True)
        return taken

    def _adopt(self, run_id: str, *, site: bool, single: bool) -> tuple[bool, bool]:
        try:
            manifest = json.loads((self.folder / KEPT_MANIFEST).read_text(encoding="utf-8"))
            usable = manifest["run_id"] == run_id and manifest["fingerprint"] == _fingerprint(self.run_dir)
            parts = set(manifest["parts"]) if usable else set()
        except (OSError, ValueError, KeyError, TypeError):
            parts = set()
        got_site = site and SITE_REPORT_DIR in parts and (self.folder / HISTORY_FILE).is_file()
        got_single = single and SINGLE_FILE_DIR in parts
        for entry in list(self.folder.iterdir()):
            wanted = (got_site and entry.name in {SITE_REPORT_DIR, HISTORY_FILE}) or (
                got_single and entry.name == SINGLE_FILE_DIR
            )
            if wanted:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        if got_site:
            self._add(SITE_REPORT_DIR)
            self.files[HISTORY_FILE] = self.folder / HISTORY_FILE
        if got_single:
            self._add(SINGLE_FILE_DIR)
        if got_site or got_single:
            self.log(f"reports: taking over those made by the publish that was cut off ({self.kept})")
        return got_site, got_single

    def keep(self, run_id: str) -> None:
        """Keep the reports made (when there are any) for the next publish; best effort."""
        if self.kept is None or not self.files:
            return
        parts = sorted({rel.split("/", 1)[0] for rel in self.files} & {SITE_REPORT_DIR, SINGLE_FILE_DIR})
        try:
            manifest = {"run_id": run_id, "fingerprint": _fingerprint(self.run_dir), "parts": parts}
            (self.folder / KEPT_MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
            shutil.rmtree(self.kept, ignore_errors=True)
            os.rename(self.folder, self.kept)
        except OSError:
            return
        self.log(f"reports: kept in {self.kept} for the next publish of this run")
        self._prune()

    def _prune(self) -> None:
        assert self.kept is not None
        cutoff = time.time() - KEPT_DAYS * 86400
        for other in self.kept.parent.iterdir():
            try:
                if other != self.kept and other.lstat().st_mtime < cutoff:
                    shutil.rmtree(other, ignore_errors=True)
            except OSError:
                pass

    def give_up(self, message: str, exc: BaseException | None = None) -> None:
        if self.required:
            raise PublishError(message) from exc
        self.log(f"warning: {message}; publishing the run without it")

    def site_report(self, history: bytes, published: Collection[str] = ()) -> None:
        """The multi-file report with the branch's history, and the history with this run.

        Its attachments are the run folder's own files (``published``: the run-relative
        paths uploaded beside it), not copies, and its per-scenario data is one script: a
        publish then uploads few more objects than the run folder has (``site_links``)."""
        history_path = self.folder / HISTORY_FILE
        history_path.write_bytes(history)
        report = self.folder / SITE_REPORT_DIR
        try:
            self.make_report(output=report, history_path=history_path)
            make_publishable(
                report, to_results=f"{'../' * _depth(SITE_REPORT_DIR)}{ALLURE_RESULTS}/", published=published
            )
        except Exception as exc:  # noqa: BLE001 - the run is still worth publishing without it
            return self.give_up(f"generating the site report of {self.run_dir} failed: {exc}", exc)
        self._add(SITE_REPORT_DIR)
        self.files[HISTORY_FILE] = history_path
        return None

    def single_file_report(self) -> None:
        try:
            self.make_report(output=self.folder / SINGLE_FILE_DIR, single_file=True)
        except Exception as exc:  # noqa: BLE001
            return self.give_up(f"generating the single-file report of {self.run_dir} failed: {exc}", exc)
        self._add(SINGLE_FILE_DIR)
        return None

    def _add(self, sub: str) -> None:
        for path in sorted((self.folder / sub).rglob("*")):
            if path.is_file():
                self.files[path.relative_to(self.folder).as_posix()] = path


def stage_reports(
    staging: Staging,
    target: Target,
    previous: RunEntry | None,
    remote: dict[str, RemoteObject],
    *,
    run_id: str,
    run_files: dict[str, Path],
    single_file: bool,
) -> None:
    """Make the reports this target lacks: the site report (once per run and target: the
    history it was made with is on the target) and, when needed and the run has none of its
    own, a single-file report."""
    # The run's id from its run.json, not its folder's name: a copied or renamed run folder
    # is still that run.
    root = run_root(run_id)
    single_key = SINGLE_FILE_PAGE
    need_site = f"{root}{HISTORY_FILE}" not in remote
    need_single = single_file and single_key not in run_files and f"{root}{single_key}" not in remote
    has_site, has_single = staging.take_kept(run_id, site=need_site, single=need_single)
    results = staging.run_dir / ALLURE_RESULTS
    if not results.is_dir() or not any(results.iterdir()):
        return staging.give_up(f"{staging.run_dir}: no {ALLURE_RESULTS}, so no report can be made")
    if need_site and not has_site:
        carried = b""
        if previous is not None and previous.history:
            carried = _truncate_history(target.read(previous.history) or b"")
            staging.log(
                f"history: carried from run {previous.run_id} ({len(carried.splitlines())} earlier runs)"
            )
        else:
            staging.log("history: no earlier run of this branch with history; trends start here")
        staging.site_report(carried, published=run_files)
    if need_single and not has_single:
        staging.single_file_report()
    return None
