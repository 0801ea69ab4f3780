"""Where baselines live in a team's repository, what a run keeps of them, and accepting a run's.

A baseline sits next to the feature that compares with it::

    features/shop/__baselines__/cart/<scenario-slug>/<name>.<renderer>.png

(``cart`` is the stem of ``features/shop/cart.feature``). The renderer is ``image`` inside
the runner's image (its Dockerfile sets ``E2E_RENDERER=image``) and ``local-<os>`` elsewhere
(``local-linux``, ``local-darwin``), never Chromium's version: the image pins its Chromium,
and a laptop's fonts and GPU render differently whatever its version says. A run only ever
compares with its own renderer's baseline; another renderer's is named in the message.

A run keeps, under ``<run>/visual/``, the actual image of every comparison that did not
pass as it was (a mismatch, a missing baseline) or that wrote a baseline, at the same
relative path as the baseline, plus a ``.json`` record beside it. ``accept_run`` copies those
images over the repository's baselines; a record's path is checked (relative, under a
``__baselines__`` folder, a ``.png``) before anything is written.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath

from runner.slug import slugify

__all__ = [
    "BASELINES",
    "RUN_FOLDER",
    "UPDATE_MODES",
    "Accepted",
    "Record",
    "accept_run",
    "baseline_path",
    "local_renderer",
    "read_records",
    "slug",
    "write_record",
]

BASELINES = "__baselines__"
RUN_FOLDER = "visual"
UPDATE_MODES = ("none", "missing", "changed", "all")
# What a record says happened: the step failed (mismatch, missing) or wrote the baseline.
OUTCOMES = ("mismatch", "missing", "written")


def local_renderer() -> str:
    """``local-<os>``: the renderer name outside the image."""
    return f"local-{platform.system().lower() or 'unknown'}"


def slug(text: str, limit: int = 80) -> str:
    """A file name from ``text`` that keeps letters of any script, spaces as "-"; a short hash
    of the text when anything else had to change (so two names never share a file)."""
    return slugify(text, unique=True, exact=False, limit=limit, fallback="unnamed")


def baseline_path(feature_file: Path, scenario: str, name: str, renderer: str) -> Path:
    """The baseline of ``name`` in ``scenario`` of ``feature_file``, made by ``renderer``."""
    if not name.strip():
        raise ValueError('a baseline needs a name ("the page looks like the baseline "home"")')
    folder = feature_file.parent / BASELINES / slug(feature_file.stem) / slug(scenario)
    return folder / f"{slug(name)}.{slug(renderer)}.png"


def other_renderers(path: Path) -> list[str]:
    """Renderers that have a baseline of the same name (for the message when this one has none)."""
    stem = path.name.split(".")[0]
    found = []
    if path.parent.is_dir():
        for candidate in sorted(path.parent.glob(f"{stem}.*.png")):
            parts = candidate.name.split(".")
            if len(parts) == 3 and candidate != path:
                found.append(parts[1])
    return found


@dataclass
class Record:
    """One comparison a run kept: the baseline's path (relative to the project) and what happened."""

    baseline: str
    outcome: str
    name: str
    scenario: str
    message: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)


def _checked_relative(text: str) -> PurePosixPath:
    path = PurePosixPath(text)
    if path.is_absolute() or ".." in path.parts or BASELINES not in path.parts or path.suffix != ".png":
        raise ValueError(f"not a baseline path: {text!r} (relative, under a {BASELINES} folder, .png)")
    return path


def write_record(run_dir: Path, record: Record, actual_png: bytes) -> Path:
    """Keep the actual image and its record in the run folder; returns the image's path."""
    relative = _checked_relative(record.baseline)
    target = run_dir / RUN_FOLDER / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(actual_png)
    target.with_suffix(".json").write_text(record.to_json(), encoding="utf-8")
    return target


def read_records(run_dir: Path) -> list[tuple[Record, Path]]:
    """Every record a run kept, with its actual image; a bad record raises naming its file."""
    root = run_dir / RUN_FOLDER
    found = []
    for path in sorted(root.rglob("*.json")) if root.is_dir() else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            record = Record(**{k: str(data[k]) for k in ("baseline", "outcome", "name", "scenario")})
            _checked_relative(record.baseline)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}: not a visual record of a run ({exc})") from None
        image = path.with_suffix(".png")
        if not image.is_file():
            raise ValueError(f"{path}: its actual image {image.name} is missing")
        found.append((record, image))
    return found


@dataclass
class Accepted:
    baseline: str
    change: str  # "added", "updated" or "unchanged"


def accept_run(run_dir: Path, project_root: Path, *, dry_run: bool = False) -> list[Accepted]:
    """Copy a run's kept actual images over the repository's baselines; says what changed."""
    if not run_dir.is_dir():
        raise ValueError(f"{run_dir}: no such run folder")
    records = read_records(run_dir)
    if not records and not (run_dir / "run.json").is_file():
        raise ValueError(f"{run_dir}: not a run folder (no run.json, no {RUN_FOLDER}/)")
    results = []
    for record, image in records:
        target = project_root / Path(*PurePosixPath(record.baseline).parts)
        data = image.read_bytes()
        if not target.is_file():
            change = "added"
        elif target.read_bytes() == data:
            change = "unchanged"
        else:
            change = "updated"
        if change != "unchanged" and not dry_run:
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            shutil.copyfile(image, temporary)
            os.replace(temporary, target)
        results.append(Accepted(record.baseline, change))
    return results
