"""Step definitions load themselves: the generic library and each module of ``steps/``
become pytest plugins.

pytest-bdd step definitions are fixtures of the module that defines them; registering
the module as a plugin makes them visible to every feature, like a conftest would,
without one. The generic library (``runner.steps.web``) is registered first, then the
project's own modules.

The project's ``steps`` package is imported from its folder by path (``importlib``), so no
other ``steps`` on the import path can stand in for it (a regular package anywhere on
``sys.path`` would win over a ``steps/`` without ``__init__.py``); its modules are found
through the package. The project root is on the import path only while they load
(``_import_path``), so a step module's own imports (``from pages.login import ...``) resolve,
and nothing of the project's shadows a library for the rest of the run.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.machinery
import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

STEP_LIBRARY = "runner.steps.web"
# The library's modules, registered together (runner.steps.memory: the remembering phrases;
# runner.steps.a11y: the accessibility phrases).
STEP_LIBRARY_MODULES = (
    STEP_LIBRARY, "runner.steps.memory", "runner.steps.api", "runner.steps.visual", "runner.steps.a11y",
)


def load_step_modules(config: pytest.Config, project_root: Path, *, step_library: bool = True) -> list[str]:
    """Register the step library (unless turned off) and every ``steps/*.py``; returns their names."""
    loaded = []
    if step_library:
        for name in STEP_LIBRARY_MODULES:
            module = importlib.import_module(name)
            if not config.pluginmanager.is_registered(module):
                config.pluginmanager.register(module, name=f"e2e-{name}")
            loaded.append(name)
    return loaded + _load_project_steps(config, project_root)


def _load_project_steps(config: pytest.Config, project_root: Path) -> list[str]:
    steps_dir = project_root / "steps"
    if not steps_dir.is_dir():
        return []
    modules = [("steps", steps_dir / "__init__.py")] + [
        (f"steps.{p.stem}", p) for p in sorted(steps_dir.glob("*.py")) if not p.stem.startswith("_")
    ]
    loaded = []
    with _import_path(project_root):
        _import_package(steps_dir)
        for name, path in modules:
            _load(config, name, path, steps_dir)
            loaded.append(name)
    return loaded


def _import_package(steps_dir: Path) -> None:
    """The project's ``steps`` package, from its own folder, as ``sys.modules["steps"]``.

    A ``steps`` imported earlier from elsewhere is left in place (and refused by ``_load``).
    """
    if "steps" in sys.modules:
        return
    init = steps_dir / "__init__.py"
    locations = [str(steps_dir)]
    if init.is_file():
        spec = importlib.util.spec_from_file_location("steps", init, submodule_search_locations=locations)
    else:  # a folder of modules: a package with no code of its own
        spec = importlib.machinery.ModuleSpec("steps", None, is_package=True)
        spec.submodule_search_locations = locations
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["steps"] = module
    try:
        if spec.loader is not None:
            spec.loader.exec_module(module)
    except Exception as exc:  # a user's syntax or import error, shown with its origin
        del sys.modules["steps"]
        raise pytest.UsageError(
            f"{init}: could not import step module 'steps': {type(exc).__name__}: {exc}"
        ) from exc


@contextlib.contextmanager
def _import_path(root: Path) -> Iterator[None]:
    """``root`` first on ``sys.path`` for the duration of the block, then as it was."""
    entry = str(root)
    added = entry not in sys.path
    if added:
        sys.path.insert(0, entry)
        importlib.invalidate_caches()
    try:
        yield
    finally:
        if added:
            with contextlib.suppress(ValueError):
                sys.path.remove(entry)


def _load(config: pytest.Config, name: str, path: Path, steps_dir: Path) -> None:
    """Import one step module and register it as a plugin; a user's error names the file."""
    try:
        module = importlib.import_module(name)
    except Exception as exc:  # a user's syntax or import error, shown with its origin
        raise pytest.UsageError(
            f"{path}: could not import step module {name!r}: {type(exc).__name__}: {exc}"
        ) from exc
    where = module.__file__ or next(iter(getattr(module, "__path__", [])), None)
    if where and not Path(where).resolve().is_relative_to(steps_dir.resolve()):
        raise pytest.UsageError(
            f"The module name 'steps' is taken by {where}, not {steps_dir}. "
            "Rename that module or run pytest from the project root."
        )
    if not config.pluginmanager.is_registered(module):
        config.pluginmanager.register(module, name=f"e2e-{name}")
