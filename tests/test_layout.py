"""The layout's rules, checked on the source (ARCHITECTURE.md states them for people).

- Each stage is one package under ``runner/``; a stage imports only the stages below it
  (no cycles, nothing upward).
- ``click`` is imported only by ``runner/cli``.
- ``E2E_*`` variables are read only by ``runner/settings.py``.
- At most 25 functions take the whole ``Settings``; the rest are handed what they read.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

RUNNER = Path(__file__).resolve().parents[1] / "runner"

# What each stage may import from the runner (besides itself). The bottom layer
# (parsers, settings, run, metadata, redact, slug) imports nothing but itself, the standard
# library and (settings) its value parsers, (run's finishing) redact.
ALLOWED: dict[str, set[str]] = {
    "parsers": set(),
    "settings": {"parsers"},
    "run": {"redact"},
    "metadata": set(),
    "redact": set(),
    "slug": set(),
    "processes": set(),
    "serving": set(),
    "demo_app": {"serving"},
    # The accessibility checks: axe-core found through the report tools, judged, recorded.
    "a11y": {"settings", "run", "report"},
    "visual": {"slug"},
    "steps": {"visual", "a11y"},
    "browser": {"settings", "processes"},
    "report": {"settings", "run", "processes"},
    "publish": {"settings", "run", "slug", "report", "serving"},
    "shards": {"settings", "run", "redact", "slug", "report", "publish", "a11y"},
    "codebuild": {"settings", "run", "metadata", "slug", "serving", "processes"},
    "plugin": {
        "settings", "run", "metadata", "redact", "slug", "processes", "browser", "demo_app", "steps", "visual", "a11y",
    },
    "setup": {"settings", "run", "browser", "report", "publish", "plugin", "steps"},
    "cli": {"settings", "run", "metadata", "redact", "browser", "report", "publish", "shards", "codebuild", "setup", "visual", "a11y"},
}


def _stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "runner" and len(parts) > 1 else None


def _modules() -> list[tuple[Path, str]]:
    found = []
    for path in sorted(RUNNER.rglob("*.py")):
        rel = path.relative_to(RUNNER.parent).with_suffix("")
        found.append((path, ".".join(rel.parts).removesuffix(".__init__")))
    return found


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_every_module_belongs_to_a_known_stage() -> None:
    stages = {_stage(module) for _, module in _modules()} - {None}
    assert stages <= set(ALLOWED), f"new stage(s) {stages - set(ALLOWED)}: add them to ALLOWED and ARCHITECTURE.md"


def test_stages_import_only_downward() -> None:
    wrong = []
    for path, module in _modules():
        own = _stage(module)
        if own is None:
            continue
        for imported in _imports(path):
            other = _stage(imported)
            if other is not None and other != own and other in ALLOWED and other not in ALLOWED[own]:
                wrong.append(f"{path.relative_to(RUNNER.parent)}: {own} imports {imported}")
    assert not wrong, "\n".join(sorted(set(wrong)))


def test_only_the_cli_imports_click() -> None:
    users = [
        str(path.relative_to(RUNNER.parent))
        for path, module in _modules()
        if _stage(module) != "cli" and any(i == "click" or i.startswith("click.") for i in _imports(path))
    ]
    assert not users


def test_e2e_variables_are_read_only_by_settings() -> None:
    reads = re.compile(r"""(environ(\.get)?\s*[\[(]\s*|getenv\(\s*)["']E2E_""")
    readers = [
        str(path.relative_to(RUNNER.parent))
        for path, module in _modules()
        if module != "runner.settings" and reads.search(path.read_text(encoding="utf-8"))
    ]
    assert not readers


def test_the_buildspecs_are_the_templates_e2e_init_writes() -> None:
    """This repository's buildspecs are made from the packaged templates a team gets."""
    templates = RUNNER / "setup" / "templates"
    for name in ("buildspec.yml", "buildspec-merge.yml"):
        assert (RUNNER.parent / name).read_bytes() == (templates / name).read_bytes(), (
            f"{name} and runner/setup/templates/{name} differ: change both (cp {name} runner/setup/templates/)"
        )


# --- tests that mirror the code ----------------------------------------------------------------------
TESTS = Path(__file__).resolve().parent
MIN_LINES = 40  # smaller modules (re-exports, constants) are covered through their users
UNTESTED_SHARE = 0.10


def _imported_by_tests() -> set[str]:
    """Runner modules a test file imports (``import runner.a.b``, ``from runner.a import b``)."""
    known = {module for _, module in _modules()}
    found: set[str] = set()
    for path in TESTS.rglob("*.py"):
        for name in _imports(path):
            while name:
                if name in known:
                    found.add(name)
                    break
                name = name.rpartition(".")[0]
    return found


def untested_modules() -> tuple[list[str], int]:
    """(runner modules of MIN_LINES lines or more that no test imports, how many such modules there are)."""
    sized = [
        module
        for path, module in _modules()
        if len(path.read_text(encoding="utf-8").splitlines()) >= MIN_LINES
    ]
    imported = _imported_by_tests()
    return sorted(m for m in sized if m not in imported), len(sized)


def test_at_most_a_tenth_of_the_runner_modules_is_imported_by_no_test() -> None:
    """Each runner module of 40+ lines has a test that imports it (tests/unit/test_<module>.py, or a
    functional test); at most 10 % may go without while their tests are written."""
    untested, total = untested_modules()
    assert len(untested) <= UNTESTED_SHARE * total, (
        f"{len(untested)} of {total} runner modules of {MIN_LINES}+ lines are imported by no test "
        f"(at most {int(UNTESTED_SHARE * total)}): " + ", ".join(untested)
    )


# --- narrow parts handed down ---------------------------------------------------------------------
MAX_WHOLE_SETTINGS = 25


def _names_settings(annotation: ast.expr | None) -> bool:
    """An annotation naming ``Settings`` (``Settings``, ``"Settings"``, ``Settings | None`` ...)."""
    if annotation is None:
        return False
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return False
    return any(
        (isinstance(n, ast.Name) and n.id == "Settings") or (isinstance(n, ast.Attribute) and n.attr == "Settings")
        for n in ast.walk(annotation)
    )


def whole_settings_takers() -> list[str]:
    """``path:line function`` of every runner function with a parameter annotated ``Settings``."""
    found: list[tuple[str, int, str]] = []
    for path, _ in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = node.args
                params = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
                if any(p is not None and _names_settings(p.annotation) for p in params):
                    found.append((str(path.relative_to(RUNNER.parent)), node.lineno, node.name))
    return [f"{file}:{line} {name}" for file, line, name in sorted(found)]


def test_few_functions_take_the_whole_settings() -> None:
    """A part is handed what it reads (a value object built once at the boundary, as
    ``ReportTools.from_settings``), not the whole ``Settings``."""
    takers = whole_settings_takers()
    assert len(takers) <= MAX_WHOLE_SETTINGS, (
        f"{len(takers)} runner functions take the whole Settings (at most {MAX_WHOLE_SETTINGS}); hand the "
        "new ones only the fields they read:\n" + "\n".join(takers)
    )


if __name__ == "__main__":  # python -m tests.test_layout: the counts, for a report
    names, total = untested_modules()
    print(f"{len(names)} of {total} runner modules of {MIN_LINES}+ lines imported by no test")
    print("\n".join(names))
    takers = whole_settings_takers()
    print(f"{len(takers)} runner functions take the whole Settings")
    print("\n".join(takers))
