"""`e2e init`'s files: the team's install gets the image's versions, its .venv is ignored."""

from __future__ import annotations

from pathlib import Path

from runner.setup.scaffold import scaffold

REPO = Path(__file__).resolve().parents[2]


def test_the_constraints_shipped_with_the_package_are_the_images() -> None:
    shipped = (REPO / "runner" / "constraints.txt").read_text()
    assert shipped == (REPO / "constraints.txt").read_text(), (
        "runner/constraints.txt differs from constraints.txt: copy constraints.txt over it"
    )


def test_init_writes_requirements_with_the_constraints_and_ignores_the_venv_and_bytecode(
    tmp_path: Path,
) -> None:
    scaffold(tmp_path, base_url="https://app.example.test")
    requirements = (tmp_path / "requirements-e2e.txt").read_text().splitlines()
    assert "-c constraints-e2e.txt" in requirements
    constraints = (tmp_path / "constraints-e2e.txt").read_text()
    assert constraints.endswith((REPO / "constraints.txt").read_text())
    ignored = (tmp_path / ".gitignore").read_text().splitlines()
    assert ".venv/" in ignored and "__pycache__/" in ignored
