"""runner/setup/scaffold.py: ``e2e init`` writes a team's files once and never over one."""

from __future__ import annotations

from pathlib import Path

from runner import __version__
from runner.setup.scaffold import FILES, OPTIONAL, render, scaffold


def test_every_file_is_written_with_the_base_url_and_version(tmp_path: Path) -> None:
    result = scaffold(tmp_path, base_url="https://app.example.test")
    assert sorted(result.written) == sorted(FILES) and result.kept == []
    assert 'base_url = "https://app.example.test"' in (tmp_path / "pyproject.toml").read_text()
    assert f"e2e-runner=={__version__}" in (tmp_path / "requirements-e2e.txt").read_text()
    assert "{base_url}" not in render("pyproject.toml", base_url="x")
    compile((tmp_path / "steps" / "example_steps.py").read_text(), "example_steps.py", "exec")


def test_existing_files_and_links_are_kept_exactly(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("ours")
    (tmp_path / "elsewhere").write_text("target")
    (tmp_path / "buildspec.yml").symlink_to(tmp_path / "elsewhere")
    result = scaffold(tmp_path, base_url="demo")
    assert sorted(result.kept) == ["README.md", "buildspec.yml"]
    assert (tmp_path / "README.md").read_text() == "ours"
    assert (tmp_path / "elsewhere").read_text() == "target"
    again = scaffold(tmp_path, base_url="demo")
    assert again.written == [] and sorted(again.kept) == sorted(FILES)


def test_the_dockerfile_is_optional(tmp_path: Path) -> None:
    result = scaffold(tmp_path, base_url="demo", dockerfile=False)
    assert set(result.written) == set(FILES) - OPTIONAL
    assert not (tmp_path / "Dockerfile").exists()
