"""The repository's known accessibility violations: ``features/a11y-known.json``.

A team that turns the checks on in a suite that already has violations lists them here,
so only new ones fail. The file is kept in the repository and reviewed like code::

    {
      "pages": {
        "/signup": [
          {"rule": "color-contrast", "target": "p.hint"},
          {"rule": "image-alt", "target": "img.logo", "note": "JIRA-123"}
        ]
      }
    }

A page is the URL's path (no query, no fragment); ``target`` is axe's selector of the
element (frames joined by `` >> ``). ``e2e a11y accept RUN_DIR`` writes it from a run.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from runner.a11y.findings import Issue

KNOWN_FILE = Path("features") / "a11y-known.json"


class KnownFileError(ValueError):
    """The known-issues file is not what this module writes; the message names the place."""


def known_path(project_root: Path) -> Path:
    return Path(project_root) / KNOWN_FILE


def read_known(path: Path) -> dict[str, list[dict[str, Any]]]:
    """page -> entries (``rule``, ``target``, optional ``note``); an absent file is empty."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise KnownFileError(f"{path}: cannot be read ({exc}).") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KnownFileError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg}).") from None
    if not isinstance(data, dict) or not isinstance(data.get("pages", {}), dict):
        raise KnownFileError(f'{path}: expected an object {{"pages": {{"/path": [...]}}}}.')
    pages: dict[str, list[dict[str, Any]]] = {}
    for page, entries in data.get("pages", {}).items():
        if not isinstance(entries, list):
            raise KnownFileError(
                f'{path}: pages["{page}"] (line {_line(text, page)}): expected a list of entries.'
            )
        checked = []
        for index, entry in enumerate(entries):
            where = f'{path}: pages["{page}"][{index}] (near line {_line(text, page)})'
            if not isinstance(entry, dict):
                raise KnownFileError(f'{where}: expected {{"rule": "...", "target": "..."}}.')
            for key in ("rule", "target"):
                if not isinstance(entry.get(key), str) or not entry[key].strip():
                    raise KnownFileError(f'{where}: "{key}" must be a non-empty string.')
            checked.append(dict(entry))
        pages[page] = checked
    return pages


def _line(text: str, page: str) -> int:
    position = text.find(json.dumps(page))
    return text.count("\n", 0, position) + 1 if position >= 0 else 1


def known_issues(pages: Mapping[str, list[dict[str, Any]]], page: str) -> list[Issue]:
    return [Issue(e["rule"], e["target"]) for e in pages.get(page, [])]


def write_known(path: Path, pages: Mapping[str, Iterable[Mapping[str, Any]]]) -> None:
    """Sorted by page, rule and target, so a change reads as a small diff; atomically."""
    body = {
        "pages": {
            page: sorted(
                ({k: v for k, v in e.items() if v is not None} for e in entries),
                key=lambda e: (e["rule"], e["target"]),
            )
            for page, entries in sorted(pages.items())
            if entries
        }
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(body, fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    os.chmod(tmp, 0o644)  # a file of the repository, not a private one
    os.replace(tmp, path)
