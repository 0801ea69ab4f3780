"""Step definitions load themselves: the generic library and each module of ``steps/``
become pytest plugins.

pytest-bdd step definitions are fixtures of the module that defines them; registering
the module as a plugin makes them visible to every feature, like a conftest would,
without one. The generic library (``runner.steps.web``) is registered first, then the
project's own modules.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

STEP_LIBRARY = "runner.steps.web"
# The library's modules, registered together (runner.steps.memory: the remembering phrases;
# runner.steps.a11y: the accessibility phrases).
STEP_LIBRARY_MODULES = (STEP_LIBRARY, "runner.steps.memory", "runner.steps.api", "runner.steps.a11y")


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
    root = str(project_root)
    if root not in sys.path:
        sys.path.insert(0, root)
    modules = [("steps", steps_dir / "__init__.py")] + [
        (f"steps.{p.stem}", p) for p in sorted(steps_dir.glob("*.py")) if not p.stem.startswith("_")
    ]
    loaded = []
    for name, path in modules:
        try:
            module = importlib.import_module(name)
        except Exception as exc:  # a user's syntax or import error, shown with its origin
            raise pytest.UsageError(
                f"{path}: could not import step module {name!r}: {type(exc).__name__}: {exc}"
            ) from exc
        if module.__file__ and not Path(module.__file__).resolve().is_relative_to(steps_dir.resolve()):
            raise pytest.UsageError(
                f"The module name 'steps' is taken by {module.__file__}, not {steps_dir}. "
                "Rename that module or run pytest from the project root."
            )
        if not config.pluginmanager.is_registered(module):
            config.pluginmanager.register(module, name=f"e2e-{name}")
        loaded.append(name)
    return loaded
