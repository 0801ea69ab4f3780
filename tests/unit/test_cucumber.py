"""runner.plugin.cucumber: typed Cucumber records from pytest-bdd's feature and scenario objects."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from runner.plugin import cucumber


def _feature(root: Path) -> SimpleNamespace:
    return SimpleNamespace(
        filename=str(root / "features" / "shop.feature"),
        rel_filename="features/shop.feature",
        keyword="Feature",
        name="Search the Shop",
        description="",
        line_number=1,
        tags={"smoke"},
    )


def _step(line: int, name: str, docstring: str | None = None, table=None) -> SimpleNamespace:
    return SimpleNamespace(keyword="Given", name=name, line_number=line, docstring=docstring, datatable=table)


def test_a_scenario_becomes_a_feature_and_an_element_with_skipped_steps(tmp_path: Path) -> None:
    feature = cucumber.feature_record(_feature(tmp_path), tmp_path)
    assert feature == {
        "uri": "features/shop.feature",
        "id": "search-the-shop",
        "keyword": "Feature",
        "name": "Search the Shop",
        "description": "",
        "line": 1,
        "tags": [{"name": "@smoke", "line": 1}],
    }
    table = SimpleNamespace(raw=lambda: [("a", "b")])
    scenario = SimpleNamespace(
        keyword="Scenario",
        name="Find a book!",
        description=None,
        line_number=4,
        tags=[],
        steps=[_step(5, "I open it", docstring="text"), _step(7, "rows", table=table)],
    )
    element = cucumber.element_record(feature, scenario, "Ex 1")
    assert element["id"] == "search-the-shop;find-a-book;ex-1"
    assert [s["result"] for s in element["steps"]] == [{"status": "skipped", "duration": 0}] * 2
    assert element["steps"][0]["doc_string"] == {"value": "text", "content_type": "", "line": 6}
    assert element["steps"][1]["rows"] == [{"cells": ["a", "b"]}]


def test_a_feature_outside_the_project_keeps_pytest_bdds_relative_name(tmp_path: Path) -> None:
    assert cucumber.feature_record(_feature(tmp_path), tmp_path / "project")["uri"] == "features/shop.feature"


def test_results_carry_integer_nanoseconds_and_the_error() -> None:
    assert cucumber.result("passed", 12.7) == {"status": "passed", "duration": 12}
    assert cucumber.result("failed", 1, ValueError("no")) == {
        "status": "failed",
        "duration": 1,
        "error_message": "ValueError: no",
    }
    assert cucumber.cucumber_id("  ") == "unnamed"


def test_the_document_groups_scenarios_by_feature_and_sorts_them() -> None:
    def feature(uri: str) -> cucumber.Feature:
        return {
            "uri": uri,
            "id": uri,
            "keyword": "Feature",
            "name": uri,
            "description": "",
            "line": 1,
            "tags": [],
        }

    def element(line: int, id_: str) -> cucumber.Element:
        return {
            "id": id_, "keyword": "Scenario", "name": id_, "description": "", "line": line,
            "type": "scenario", "tags": [], "steps": [],
        }  # fmt: skip

    doc = cucumber.document(
        [(feature("b"), element(9, "x")), (feature("a"), element(3, "y")), (feature("b"), element(2, "z"))]
    )
    assert [f["uri"] for f in doc] == ["a", "b"]
    assert [e["id"] for e in doc[1]["elements"]] == ["z", "x"]
