"""runner/plugin/steps_loader.py: the step library and each ``steps/*.py`` registered as plugins,
a broken module named with its file, a ``steps`` name taken by another package refused."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from runner.plugin.steps_loader import STEP_LIBRARY, load_step_modules


@pytest.fixture
def fresh_steps(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No ``steps`` package imported yet (the repository has one of its own), and sys.path restored."""
    for name in [n for n in sys.modules if n == "steps" or n.startswith("steps.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(
        sys, "path", [p for p in sys.path if Path(p or ".").resolve() != Path.cwd().resolve()]
    )
    yield
    for name in [n for n in sys.modules if n == "steps" or n.startswith("steps.")]:
        del sys.modules[name]


def _project(root: Path, **modules: str) -> Path:
    (root / "steps").mkdir(parents=True)
    (root / "steps" / "__init__.py").write_text("")
    for name, text in modules.items():
        (root / "steps" / f"{name}.py").write_text(text)
    return root


def test_library_first_then_the_project_modules_in_order(pytester: pytest.Pytester, fresh_steps) -> None:
    root = _project(
        pytester.path / "proj", b_steps="B = 1\n", a_steps="A = 1\n", _private="raise SystemExit\n"
    )
    config = pytester.parseconfig()
    loaded = load_step_modules(config, root)
    assert loaded == [STEP_LIBRARY, "steps", "steps.a_steps", "steps.b_steps"]
    assert config.pluginmanager.has_plugin("e2e-steps.a_steps")
    assert load_step_modules(config, root) == loaded  # again: no double registration


def test_without_the_library_or_a_steps_folder(pytester: pytest.Pytester, fresh_steps) -> None:
    config = pytester.parseconfig()
    assert load_step_modules(config, pytester.path / "empty", step_library=False) == []
    assert load_step_modules(config, pytester.path / "empty") == [STEP_LIBRARY]


def test_a_broken_step_module_is_named_with_its_error(pytester: pytest.Pytester, fresh_steps) -> None:
    root = _project(pytester.path / "proj", broken="def oops(:\n")
    with pytest.raises(
        pytest.UsageError, match=r"broken\.py: could not import step module 'steps\.broken': SyntaxError"
    ):
        load_step_modules(pytester.parseconfig(), root)


def test_a_steps_name_taken_by_another_package_is_refused(pytester: pytest.Pytester, fresh_steps) -> None:
    other = _project(pytester.path / "other")
    sys.path.insert(0, str(other))
    __import__("steps")
    root = _project(pytester.path / "proj")
    with pytest.raises(pytest.UsageError, match="The module name 'steps' is taken by"):
        load_step_modules(pytester.parseconfig(), root)
