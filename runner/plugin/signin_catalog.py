"""Which scenario says how each role signs in: the ``@sign-in:ROLE`` scenarios of every
feature file under the features root (whatever ``-k``, ``-m``, paths or a shard selected),
and the roles that sign in through Python (``@sign_in("ROLE")``)."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext
from pytest_bdd import exceptions as bdd_exceptions
from pytest_bdd.feature import get_features

from runner.plugin.evidence import first_line

ROLE_TAG = "sign-in:"
_SKIPPED_DIRS = {"node_modules", "reports", "venv", "__pycache__"}


class SignInError(Exception):
    """Signing in as a role failed, or the role has no (or more than one) sign-in scenario."""


def role_of(tags: set[str] | list[str]) -> str | None:
    for tag in sorted(tags):
        if tag.startswith(ROLE_TAG):
            return tag[len(ROLE_TAG) :]
    return None


@dataclass(frozen=True)
class SignInScenario:
    role: str
    feature: Any  # pytest_bdd.parser.Feature
    template: Any  # pytest_bdd.parser.ScenarioTemplate
    location: str

    @property
    def scenario(self) -> Any:
        return self.template.render({})

    def split(self) -> tuple[list[Any], list[Any]]:
        """(the steps that sign in, the last ``Then`` steps: the role's own check)."""
        steps = list(self.scenario.steps)
        cut = len(steps)
        while cut > 0 and steps[cut - 1].type == "then":
            cut -= 1
        return steps[:cut], steps[cut:]


@dataclass(frozen=True)
class PythonSignIn:
    """A role that signs in through Python (an API call), registered with ``@sign_in("ROLE")``."""

    role: str
    func: Callable[[BrowserContext], object]
    location: str

    def split(self) -> tuple[list[Any], list[Any]]:
        return [], []  # no Gherkin check: a stored state is trusted until the run ends


PYTHON_SIGN_INS: dict[str, PythonSignIn] = {}


def sign_in(role: str) -> Callable:
    """``@sign_in("api-user")`` on ``def f(context)`` in ``steps/``: ROLE signs in by whatever
    ``f`` does with the context (``context.request.post(...)`` shares the context's cookies);
    the context's storage state is then stored and reused as a ``@sign-in:ROLE`` scenario's."""

    def register(func: Callable[[BrowserContext], object]) -> Callable[[BrowserContext], object]:
        code = func.__code__
        PYTHON_SIGN_INS[role] = PythonSignIn(
            role, func, f"{Path(code.co_filename).name}:{code.co_firstlineno}"
        )
        return func

    return register


def features_root(project_root: Path) -> Path:
    features = project_root / "features"
    return features if features.is_dir() else project_root


def _feature_files(root: Path, norecurse: list[str]) -> list[Path]:
    found = []
    for path in sorted(root.rglob("*.feature")):
        parts = path.relative_to(root).parts[:-1]
        if any(
            p.startswith(".") or p in _SKIPPED_DIRS or any(fnmatch.fnmatch(p, n) for n in norecurse)
            for p in parts
        ):
            continue
        found.append(path)
    return found


def find_sign_ins(
    root: Path, project_root: Path, norecurse: list[str] = ()
) -> tuple[dict[str, SignInScenario], list[str]]:
    """Every ``@sign-in:ROLE`` scenario under ``root``, and the files that could not be read."""
    roles: dict[str, SignInScenario] = {}
    unreadable: list[str] = []
    for path in _feature_files(root, list(norecurse)):
        try:
            features = get_features([str(path)])
        except (bdd_exceptions.GherkinParseError, OSError, UnicodeDecodeError) as exc:
            unreadable.append(f"{path}: {first_line(exc)}")
            continue
        for feature in features:
            for template in feature.scenarios.values():
                role = role_of(template.tags)
                if role is None:
                    continue
                try:
                    rel = path.resolve().relative_to(project_root.resolve()).as_posix()
                except ValueError:
                    rel = str(path)
                location = f"{rel}:{template.line_number}"
                if not role:
                    raise SignInError(f"{location}: the tag @sign-in: names no role (write @sign-in:admin)")
                if template.examples:
                    raise SignInError(f"{location}: a @sign-in:{role} scenario cannot be a Scenario Outline")
                if role in roles:
                    raise SignInError(
                        f'two scenarios say how "{role}" signs in: {roles[role].location} and {location}; keep one'
                    )
                roles[role] = SignInScenario(role, feature, template, location)
    return roles, unreadable
