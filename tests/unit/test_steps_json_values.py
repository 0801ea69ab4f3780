"""runner/steps/json_values.py: JSON paths, values compared as text, "matches"."""

from __future__ import annotations

import json

import pytest

from runner.steps.json_values import ApiFailure, as_text, json_at, json_matches


def test_json_paths_and_matching_are_exact() -> None:
    doc = json.loads('{"count": 3, "results": [{"title": "Dune", "tags": ["a"]}], "a.b": null}')
    assert as_text(json_at(doc, "count")) == "3"
    assert as_text(json_at(doc, "results[0].title")) == "Dune"
    assert as_text(json_at(doc, "results[-1].tags[0]")) == "a"
    assert as_text(json_at(doc, '["a.b"]')) == "null"
    assert json_at(doc, "$") == doc
    with pytest.raises(ApiFailure, match=r'\$ has no "cont" \(its keys: "count", "results", "a.b"\)'):
        json_at(doc, "cont")
    with pytest.raises(ApiFailure, match=r"has 1 item\(s\), no \[1\]"):
        json_at(doc, "results[1]")
    assert json_matches({"results": [{"title": "Dune"}]}, doc) == []
    assert json_matches({"count": "3"}, doc) == []
    assert json_matches({"count": 4}, doc) == ["$.count: expected 4, got 3"]
    assert json_matches({"missing": 1}, doc) == ["$.missing: missing"]
