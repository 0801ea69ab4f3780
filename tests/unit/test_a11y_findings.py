"""runner.a11y.findings and runner.a11y.known: judging a scan and the known-issues file, no browser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner.a11y.findings import (
    ImpactError,
    Issue,
    Violation,
    failure_message,
    first_line,
    judge,
    parse_impact,
    target_text,
)
from runner.a11y.known import KnownFileError, read_known, write_known


def _violation(rule: str, impact: str, *targets: str, node_impacts: tuple[str, ...] = ()) -> Violation:
    nodes = [
        {"target": [t], "html": f"<x id='{t}'>", "impact": node_impacts[i] if node_impacts else impact}
        for i, t in enumerate(targets)
    ]
    return Violation.from_axe(
        {"id": rule, "impact": impact, "help": f"{rule} help", "helpUrl": f"https://h/{rule}", "nodes": nodes}
    )


PAGE = [
    _violation("label", "critical", "#a", "#b"),
    _violation("color-contrast", "serious", "p.1", "p.2", "p.3", "p.4"),
    _violation("image-alt", "critical", "img"),
]


def test_the_first_line_lists_each_rule_with_its_impact_and_elements() -> None:
    verdict = judge(PAGE)
    assert first_line(verdict.failing) == (
        "3 accessibility violations: color-contrast (serious, 4 elements), image-alt (critical, 1 element), "
        "label (critical, 2 elements)"
    )


def test_the_impact_counts_that_impact_or_worse() -> None:
    assert [v.rule for v in judge(PAGE, "critical").failing] == ["image-alt", "label"]
    assert [v.rule for v in judge(PAGE, "serious").failing] == ["color-contrast", "image-alt", "label"]
    assert first_line(judge(PAGE, "critical").failing, "critical").startswith(
        "2 critical accessibility violations: "
    )
    assert first_line(judge(PAGE, "serious").failing, "serious").startswith(
        "3 serious or critical accessibility"
    )
    assert judge([_violation("x", "minor", "a")], "moderate").passed
    assert not judge([_violation("x", "minor", "a")], "minor").passed


def test_elements_are_judged_by_their_own_impact() -> None:
    mixed = _violation("aria", "serious", "#s", "#m", node_impacts=("serious", "moderate"))
    (failing,) = judge([mixed], "serious").failing
    assert [e.target for e in failing.elements] == ["#s"]
    (all_of_it,) = judge([mixed], "moderate").failing
    assert len(all_of_it.elements) == 2


@pytest.mark.parametrize("word", ["severe", "", "high"])
def test_an_unknown_impact_names_the_four(word: str) -> None:
    with pytest.raises(ImpactError, match="minor, moderate, serious, critical"):
        parse_impact(word)


def test_impact_words_are_read_in_any_case() -> None:
    assert parse_impact(" Serious ") == "serious"


def test_known_issues_do_not_fail_and_gone_ones_are_named() -> None:
    known = [Issue("label", "#a"), Issue("label", "#b"), Issue("image-alt", "img"), Issue("list", "ul.old")]
    verdict = judge(PAGE, known=known, rules_run=["label", "image-alt", "color-contrast", "list"])
    assert [v.rule for v in verdict.failing] == ["color-contrast"]
    assert verdict.known == sorted(known[:3])
    assert verdict.gone == [Issue("list", "ul.old")]
    # A rule that did not run (another tag, disabled) says nothing about its known issues.
    assert judge(PAGE, known=known, rules_run=["label"]).gone == []
    # Nor does a scan of part of the page.
    assert judge(PAGE, known=known, whole_page=False).gone == []
    message = failure_message(verdict, where="/signup", known_file="features/a11y-known.json")
    assert message.splitlines()[0] == "1 accessibility violation: color-contrast (serious, 4 elements)"
    assert "3 known violations not counted" in message
    assert "list ul.old" in message and "https://h/color-contrast" in message


def test_targets_in_frames_and_shadow_roots_read_as_one_selector() -> None:
    assert target_text(["#a"]) == "#a"
    assert target_text(["iframe#f", "img"]) == "iframe#f >> img"
    assert target_text([["my-card", "button"]]) == "my-card >>> button"


def test_the_known_file_round_trips_sorted(tmp_path: Path) -> None:
    path = tmp_path / "features" / "a11y-known.json"
    write_known(
        path,
        {
            "/b": [{"rule": "z", "target": "b"}, {"rule": "a", "target": "c", "note": "JIRA-1"}],
            "/a": [],
            "/c": [{"rule": "x", "target": "y"}],
        },
    )
    data = json.loads(path.read_text())
    assert list(data["pages"]) == ["/b", "/c"]
    assert data["pages"]["/b"][0] == {"rule": "a", "target": "c", "note": "JIRA-1"}
    assert read_known(path)["/c"] == [{"rule": "x", "target": "y"}]
    assert read_known(tmp_path / "absent.json") == {}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            '{"pages": {"/x": [\n  {"rule": "a"}\n]}}',
            'pages["/x"][0] (near line 1): "target" must be a non-empty string',
        ),
        ('{"pages": {\n"/x": {}}}', 'pages["/x"] (line 2): expected a list'),
        ('{"pages": {"/x": [,]}}', ":1:19: not valid JSON"),
        ("[]", 'expected an object {"pages"'),
    ],
)
def test_a_bad_known_file_names_the_place(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "a11y-known.json"
    path.write_text(text)
    with pytest.raises(KnownFileError) as caught:
        read_known(path)
    assert str(caught.value).startswith(str(path))
    assert says in str(caught.value)
