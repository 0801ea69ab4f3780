"""``e2e init``: the files a team's repository needs, written once and never over a file.

The buildspec files are the very templates this runner's own repository uses (a test keeps
them equal), so a team's CodeBuild project behaves like the one the runner is tested with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from runner import __version__

TEMPLATES = Path(__file__).resolve().parent / "templates"

# The versions the image has, shipped with the runner (kept equal to the repository's
# constraints.txt by a test): a team's requirements-e2e.txt installs with them (`-c`).
CONSTRAINTS = "constraints.txt"
_CONSTRAINTS_FILE = Path(__file__).resolve().parents[1] / CONSTRAINTS
_CONSTRAINTS_HEADER = (
    "# The versions of the e2e-runner image (shipped with the runner {version}), so a local\n"
    "# install matches CI's. Used by requirements-e2e.txt (-c); e2e init writes it once.\n"
)

# target path in the repository -> template file
FILES: dict[str, str] = {
    "features/example.feature": "example.feature",
    "steps/__init__.py": "steps_init.py",
    "steps/example_steps.py": "example_steps.py",
    "pyproject.toml": "pyproject.toml",
    "requirements-e2e.txt": "requirements-e2e.txt",
    "constraints-e2e.txt": CONSTRAINTS,
    "buildspec.yml": "buildspec.yml",
    "buildspec-merge.yml": "buildspec-merge.yml",
    ".gitignore": "gitignore",
    "README.md": "README-e2e.md",
    "Dockerfile": "Dockerfile",
}
OPTIONAL = {"Dockerfile"}


@dataclass
class ScaffoldResult:
    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # already there: left exactly as it was


def render(template: str, *, base_url: str) -> str:
    if template == CONSTRAINTS:
        header = _CONSTRAINTS_HEADER.replace("{version}", __version__)
        return header + _CONSTRAINTS_FILE.read_text(encoding="utf-8")
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    if template in {"pyproject.toml", "requirements-e2e.txt"}:
        text = text.replace("{base_url}", base_url).replace("{version}", __version__)
    return text


def scaffold(root: Path, *, base_url: str, dockerfile: bool = True) -> ScaffoldResult:
    """Write the team repository's files under ``root``; an existing file is never touched."""
    result = ScaffoldResult()
    for rel, template in FILES.items():
        if rel in OPTIONAL and not dockerfile:
            continue
        path = root / rel
        if path.exists() or path.is_symlink():
            result.kept.append(rel)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as fh:  # "x": never over a file made meanwhile
            fh.write(render(template, base_url=base_url))
        result.written.append(rel)
    return result
