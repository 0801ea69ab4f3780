"""runner/plugin/collection.py: which pytest arguments hold features (the plugin's switch)."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.plugin.collection import has_features


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for folder in ("features/shop", "node_modules/pkg", "tests", "build/features"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "features" / "shop" / "buy.feature").write_text("Feature: Buy\n")
    (tmp_path / "node_modules" / "pkg" / "vendored.feature").write_text("Feature: V\n")
    (tmp_path / "build" / "features" / "copy.feature").write_text("Feature: C\n")
    (tmp_path / "tests" / "test_x.py").write_text("")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_feature_file_or_a_folder_holding_one(tree: Path) -> None:
    assert has_features(["features"], [])
    assert has_features(["features/shop/buy.feature::test_buy"], [])
    assert has_features([str(tree / "features")], [])
    assert has_features(["tests", "features/shop/buy.feature"], [])


def test_python_tests_and_skipped_folders_are_not_features(tree: Path) -> None:
    assert not has_features(["tests"], [])
    assert not has_features(["tests/test_x.py::test_a"], [])
    # norecursedirs apply below an argument, as in pytest: a folder named on the command line is searched
    assert has_features(["node_modules"], ["node_modules"])
    assert not has_features(["."], ["node_modules", "build", "features"])
    assert has_features(["."], ["node_modules", "build"])
    assert not has_features(["missing"], [])
