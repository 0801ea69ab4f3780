"""Cucumber JSON records, typed as pytest-bdd's own ``cucumber_json`` types them.

TypedDicts rather than dataclasses, as pytest-bdd does: a record is the JSON it becomes, so
it crosses xdist's process boundary on a test report as it is (execnet carries dicts, not
objects) and is written without a conversion step. Durations are integer nanoseconds, as
CodeBuild's test reports require.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, NotRequired, TypedDict

from runner.slug import slugify

StepStatus = Literal["passed", "failed", "skipped", "undefined"]


class Result(TypedDict):
    status: StepStatus
    duration: int  # nanoseconds
    error_message: NotRequired[str]


class Tag(TypedDict):
    name: str
    line: int


class Match(TypedDict):
    location: str


class DocString(TypedDict):
    value: str
    content_type: str
    line: int


class Row(TypedDict):
    cells: list[str]


class Step(TypedDict):
    keyword: str
    name: str
    line: int
    result: Result
    match: NotRequired[Match]
    doc_string: NotRequired[DocString]
    rows: NotRequired[list[Row]]


class Element(TypedDict):
    """One scenario (one example of an outline)."""

    id: str
    keyword: str
    name: str
    description: str
    line: int
    type: Literal["scenario"]
    tags: list[Tag]
    steps: list[Step]


class Feature(TypedDict):
    uri: str
    id: str
    keyword: str
    name: str
    description: str
    line: int
    tags: list[Tag]
    elements: NotRequired[list[Element]]


def _tags(tags: set[str] | list[str], line: int) -> list[Tag]:
    return [{"name": f"@{t}", "line": line} for t in sorted(tags)]


def cucumber_id(text: str) -> str:
    """Cucumber's id form of a name (``Search the shop`` -> ``search-the-shop``)."""
    return slugify(text, keep="a-z0-9", lower=True, strip="-", fallback="unnamed")


def feature_record(feature: Any, project_root: Path) -> Feature:
    """A pytest-bdd feature as Cucumber's feature (without elements), its uri relative to the project."""
    try:
        uri = Path(feature.filename).resolve().relative_to(project_root).as_posix()
    except ValueError:
        uri = feature.rel_filename
    return {
        "uri": uri,
        "id": cucumber_id(feature.name or Path(uri).stem),
        "keyword": feature.keyword,
        "name": feature.name,
        "description": feature.description or "",
        "line": feature.line_number,
        "tags": _tags(feature.tags, feature.line_number),
    }


def step_record(step: Any) -> Step:
    """A step not run yet (``skipped`` until it is)."""
    entry: Step = {
        "keyword": f"{step.keyword} ",
        "name": step.name,
        "line": step.line_number,
        "result": {"status": "skipped", "duration": 0},
    }
    if step.docstring is not None:
        entry["doc_string"] = {"value": step.docstring, "content_type": "", "line": step.line_number + 1}
    if step.datatable is not None:
        entry["rows"] = [{"cells": list(row)} for row in step.datatable.raw()]
    return entry


def element_record(feature: Feature, scenario: Any, params: str | None) -> Element:
    """A pytest-bdd scenario as Cucumber's element; ``params`` is an outline example's id."""
    return {
        "id": f"{feature['id']};{cucumber_id(scenario.name)}" + (f";{cucumber_id(params)}" if params else ""),
        "keyword": scenario.keyword,
        "name": scenario.name,
        "description": scenario.description or "",
        "line": scenario.line_number,
        "type": "scenario",
        "tags": _tags(scenario.tags, scenario.line_number),
        "steps": [step_record(step) for step in scenario.steps],
    }


def result(status: StepStatus, duration_ns: int, error: BaseException | None = None) -> Result:
    outcome: Result = {"status": status, "duration": int(duration_ns)}
    if error is not None:
        outcome["error_message"] = f"{type(error).__name__}: {error}"
    return outcome


def document(records: list[tuple[Feature, Element]]) -> list[Feature]:
    """The Cucumber JSON document: features by uri, each with its scenarios by line."""
    features: dict[str, Feature] = {}
    for feature, element in records:
        target = features.setdefault(feature["uri"], {**feature, "elements": []})
        target["elements"].append(element)
    for feature in features.values():
        feature["elements"].sort(key=lambda e: (e["line"], e["id"]))
    return [features[uri] for uri in sorted(features)]
