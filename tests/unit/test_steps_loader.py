"""runner.plugin.steps_loader: the project's step modules become plugins, sys.path left as it was."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pluggy
import pytest

from runner.plugin.steps_loader import STEP_LIBRARY_MODULES, load_step_modules


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "steps").mkdir()
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "__init__.py").write_text("HEADING = 'Welcome'\n")
    (tmp_path / "steps" / "shop.py").write_text("from pages import HEADING\nfrom steps._common import WHO\n")
    (tmp_path / "steps" / "_common.py").write_text("WHO = 'ann'\n")
    # This process may hold another project's `steps` already (this repository's, imported by
    # an earlier test): a team's run starts without it, so this one does too, and gets it back.
    def ours(name: str) -> bool:
        return name in ("steps", "pages") or name.startswith(("steps.", "pages."))

    held = {name: module for name, module in sys.modules.items() if ours(name)}
    for name in held:
        del sys.modules[name]
    yield tmp_path
    for name in [n for n in sys.modules if ours(n)]:
        del sys.modules[name]
    sys.modules.update(held)


def _config() -> SimpleNamespace:
    return SimpleNamespace(pluginmanager=pluggy.PluginManager("pytest"))


def test_step_modules_load_with_their_imports_and_the_import_path_is_left_as_it_was(project: Path) -> None:
    path_before = list(sys.path)
    config = _config()
    loaded = load_step_modules(config, project, step_library=False)
    assert loaded == ["steps", "steps.shop"], "modules starting with _ are helpers, not step modules"
    assert sys.path == path_before
    assert config.pluginmanager.get_plugin("e2e-steps.shop").HEADING == "Welcome"


def test_a_broken_step_module_is_named_with_its_file(project: Path) -> None:
    (project / "steps" / "broken.py").write_text("import no_such_module_here\n")
    with pytest.raises(pytest.UsageError, match=r"broken\.py: could not import step module 'steps.broken'"):
        load_step_modules(_config(), project, step_library=False)


def test_a_project_without_steps_loads_only_the_library(tmp_path: Path) -> None:
    config = _config()
    assert load_step_modules(config, tmp_path) == list(STEP_LIBRARY_MODULES)
    assert load_step_modules(config, tmp_path, step_library=False) == []
