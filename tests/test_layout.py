"""The layout's rules, checked on the source (ARCHITECTURE.md states them for people).

- Each stage is one package under ``runner/``; a stage imports only the stages below it
  (no cycles, nothing upward).
- ``click`` is imported only by ``runner/cli``.
- ``E2E_*`` variables are read only by ``runner/settings.py``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

RUNNER = Path(__file__).resolve().parents[1] / "runner"

# What each stage may import from the runner (besides itself). The bottom layer
# (settings, run, metadata) imports nothing but itself and the standard library.
ALLOWED: dict[str, set[str]] = {
    "settings": set(),
    "run": set(),
    "metadata": set(),
    "redact": set(),
    "demo_app": set(),
    # The accessibility checks: axe-core found through the report tools, judged, recorded.
    "a11y": {"settings", "run", "report"},
    "steps": {"a11y"},
    "browser": {"settings"},
    "report": {"settings", "run"},
    "publish": {"settings", "run", "report"},
    "shards": {"settings", "run", "redact", "report", "publish", "a11y"},
    "codebuild": {"settings", "run", "metadata"},
    "plugin": {"settings", "run", "metadata", "redact", "browser", "demo_app", "steps", "a11y"},
    "setup": {"settings", "run", "browser", "report", "publish", "plugin", "steps"},
    "cli": {"settings", "run", "metadata", "redact", "browser", "report", "publish", "shards", "codebuild", "setup", "a11y"},
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
