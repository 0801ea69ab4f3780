"""A feature file that is not UTF-8: a usage error naming the file, line and byte offset.

Under ``pytest`` and ``e2e run`` alike, exit 4 (pytest's usage error, as for a bad setting)
instead of a bare ``UnicodeDecodeError`` with exit 1; nothing is started.
"""

from __future__ import annotations

import pytest

from tests.support import E2EProject

pytestmark = pytest.mark.slow

USAGE_ERROR = 4
GOOD = "Feature: Fine\n  Scenario: Opens\n    Given I open the home page\n"
# A Latin-1 "é" on line 3 (a UTF-8 one on line 1 is fine).
BAD = b"Feature: Caf\xc3\xa9 is fine here\n  Scenario: Opens\n    Given I ope\xe9n the home page\n"


@pytest.mark.parametrize("command", ["pytest", "e2e run"])
def test_a_feature_with_invalid_utf8_is_a_usage_error(e2e_project: E2EProject, command: str) -> None:
    e2e_project.add_feature("good.feature", GOOD)
    bad = e2e_project.root / "features" / "bad.feature"
    bad.write_bytes(BAD)
    offset = BAD.index(b"\xe9n")
    run = e2e_project.pytest("features") if command == "pytest" else e2e_project.e2e("run")
    assert run.returncode == USAGE_ERROR, run.output
    assert f"bad.feature:3: not UTF-8: byte 0xe9 at byte offset {offset}" in run.output, run.output
    assert "line 3, byte 16 of the line" in run.output, run.output
    assert "Traceback" not in run.output and "UnicodeDecodeError" not in run.output, run.output
    assert not list((e2e_project.root / ".e2e-state").glob("browser-*.json")), "a browser was started"
