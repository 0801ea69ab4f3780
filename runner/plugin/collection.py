"""Every ``.feature`` file is a test module: no per-feature Python glue.

pytest-bdd binds scenarios with ``scenarios()`` called from a Python test module; here a
collector builds that module in memory for each ``.feature`` file it finds, so
``pytest features/`` runs every feature as written. Gherkin syntax errors become a
collection error naming the file, line and the offending text; a file that is not UTF-8 is
a usage error (exit 4) naming the file, line and byte offset, found before the run starts.
"""

from __future__ import annotations

import fnmatch
import types
from pathlib import Path

import pytest
from pytest_bdd import exceptions as bdd_exceptions
from pytest_bdd.feature import get_features
from pytest_bdd.scenario import get_python_name_generator, scenario

from runner.plugin.signin_catalog import role_of
from runner.plugin.tags import mark_name


class FeatureSyntaxError(Exception):
    pass


class FeatureFile(pytest.Module):
    """A ``.feature`` file, collected like a test module that bound all of its scenarios."""

    def _getobj(self) -> types.ModuleType:
        path = Path(self.path)
        module = types.ModuleType(f"feature_{path.stem}")
        module.__file__ = str(path)
        if (problem := not_utf8(path)) is not None:
            raise self.CollectError(problem)
        try:
            features = get_features([str(path)])
        except bdd_exceptions.GherkinParseError as exc:
            raise self.CollectError(
                f"{path}:{exc.line}: Gherkin syntax error: {exc.message}\n"
                f"    line {exc.line}: {exc.line_content.strip()}\n"
                "Fix the line above; see https://cucumber.io/docs/gherkin/reference/ for the syntax."
            ) from None
        for feature in features:
            self._declare_tags(feature)
            for scenario_name, template in feature.scenarios.items():
                if role_of(template.tags) is not None:
                    continue  # how a role signs in: run by ``signin`` when a scenario asks, never a test

                def _scenario() -> None:
                    """Bound from the feature file by the e2e plugin."""

                bound = scenario(str(path), scenario_name, features_base_dir=str(path.parent))(_scenario)
                for test_name in get_python_name_generator(scenario_name):
                    if not hasattr(module, test_name):
                        setattr(module, test_name, bound)
                        break
        return module

    def _declare_tags(self, feature) -> None:
        """Gherkin tags become pytest marks (``-m smoke``) without each being declared in the ini."""
        tags = {mark_name(t) for t in feature.tags}
        for template in feature.scenarios.values():
            tags |= {mark_name(t) for t in template.tags}
            for examples in template.examples:
                tags |= {mark_name(t) for t in examples.tags}
        known = {line.split(":", 1)[0].split("(", 1)[0].strip() for line in self.config.getini("markers")}
        for tag in sorted(tags - known):
            self.config.addinivalue_line("markers", f"{tag}: Gherkin tag @{tag}")


def collect_feature_file(file_path: Path, parent: pytest.Collector) -> FeatureFile | None:
    if file_path.suffix == ".feature":
        return FeatureFile.from_parent(parent, path=file_path)
    return None


def _skipped(path: Path, base: Path, norecurse: list[str]) -> bool:
    return any(
        fnmatch.fnmatch(part, pattern) for part in path.relative_to(base).parts[:-1] for pattern in norecurse
    )


def not_utf8(path: Path) -> str | None:
    """What is wrong with a feature file that is not UTF-8 (file, line, byte offset), or None."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return (
            f"{path}:{line}: not UTF-8: byte 0x{data[exc.start]:02x} at byte offset {exc.start} "
            f"(line {line}, byte {column} of the line; {exc.reason}). Save the file as UTF-8."
        )
    return None


def check_features_are_utf8(paths: list[str], norecurse: list[str]) -> None:
    """Every feature file of the run is UTF-8, or a usage error (exit 4) before it starts."""
    for path in feature_files(paths, norecurse):
        if (problem := not_utf8(path)) is not None:
            raise pytest.UsageError(problem)


def feature_files(paths: list[str], norecurse: list[str]) -> list[Path]:
    found = []
    for arg in paths:
        candidate = Path(arg.split("::", 1)[0])
        if not candidate.is_absolute():
            candidate = Path.cwd() / candidate
        if candidate.suffix == ".feature" and candidate.is_file():
            found.append(candidate)
        elif candidate.is_dir():
            found += [
                p for p in sorted(candidate.rglob("*.feature")) if not _skipped(p, candidate, norecurse)
            ]
    return found


def has_features(paths: list[str], norecurse: list[str]) -> bool:
    """True when any pytest argument is, or contains (outside ``norecursedirs``), a .feature file."""
    for arg in paths:
        candidate = Path(arg.split("::", 1)[0])
        if not candidate.is_absolute():
            candidate = Path.cwd() / candidate
        if candidate.suffix == ".feature":
            return True
        if candidate.is_dir() and any(
            not _skipped(p, candidate, norecurse) for p in candidate.rglob("*.feature")
        ):
            return True
    return False
