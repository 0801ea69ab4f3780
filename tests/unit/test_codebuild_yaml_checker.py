"""runner.codebuild.yaml_checker: node-by-node checks whose errors name file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.codebuild.yaml_checker import BuildspecError, Checker, closest, compose, kind

PATH = Path("buildspec.yml")


def test_yaml_errors_and_empty_files_name_the_file() -> None:
    with pytest.raises(BuildspecError, match=r"^buildspec.yml:\d+: not valid YAML"):
        compose("a: [\nb: c\n", PATH)
    with pytest.raises(BuildspecError, match=r"^buildspec.yml: the file is empty"):
        compose("", PATH)


def test_a_mapping_with_an_unknown_key_suggests_the_close_one() -> None:
    root = compose("version: 0.2\nphasse: {}\n", PATH)
    with pytest.raises(BuildspecError, match=r"buildspec.yml:2: .*phasse.*did you mean 'phases'"):
        Checker(PATH).mapping(root, "the buildspec", ("version", "phases"))
    assert closest("biuld", ("build", "install")) == "build"
    assert kind(compose("[1]", PATH)) == "a list"


def test_lists_and_booleans() -> None:
    check = Checker(PATH)
    assert check.string_list(compose("[a, b]", PATH), "commands") == ("a", "b")
    assert check.boolean(compose("yes", PATH), "flag") is True
