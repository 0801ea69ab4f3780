"""runner/codebuild/docker.py and local.py: the engine's failures said plainly, the buildspec's notes.

The engine is the real one when it answers; a test that needs it is skipped otherwise (failed in CI)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from runner.codebuild import docker as engine
from runner.codebuild.build import BuildRequest
from runner.codebuild.buildspec import parse_buildspec
from runner.codebuild.errors import CodebuildLocalError
from runner.codebuild.local import buildspec_notes, run_local
from runner.codebuild.printer import Printer
from tests.support import require

SPEC = """\
version: 0.2
run-as: builder
env:
  shell: bash
  variables:
    PLAIN: "value"
    LITERAL: "$HOME/x"
  secrets-manager:
    TOKEN: "arn:aws:secretsmanager:eu-west-1:1:secret:x"
phases:
  build:
    commands:
      - echo hi
"""


def test_the_buildspec_notes_name_what_runs_differently_here() -> None:
    notes = buildspec_notes(parse_buildspec(SPEC, Path("buildspec.yml")))
    assert any("run-as" in n and "not applied locally" in n for n in notes), notes
    assert any("secrets-manager" in n for n in notes), notes
    literal = [n for n in notes if "env.variables.LITERAL" in n]
    assert len(literal) == 1 and "'$' is not expanded" in literal[0]
    assert not any("PLAIN" in n for n in notes)


def test_an_engine_that_does_not_answer_says_how_to_start_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    with pytest.raises(CodebuildLocalError, match="the Docker engine does not answer.*start-docker.sh"):
        engine.docker_client()
    request = BuildRequest(
        spec=parse_buildspec(SPEC, Path("buildspec.yml")),
        image="e2e-runner:latest",
        source=tmp_path,
        project="p",
        region="eu-west-1",
        overrides={},
    )
    out = io.StringIO()
    with pytest.raises(CodebuildLocalError):
        run_local(request, batch=False, build_first=False, printer=Printer(out))
    assert out.getvalue() == ""  # nothing started, nothing said but the error


def test_a_missing_image_says_how_to_build_it() -> None:
    try:
        client = engine.docker_client()
    except CodebuildLocalError as exc:
        require(False, str(exc))
    with pytest.raises(
        CodebuildLocalError, match=r"image 'e2e-unit-no-such-image:0' not found.*--network host"
    ):
        engine.image_entrypoint(client, "e2e-unit-no-such-image:0")


class _Logs:
    """The part of a container ``output_lines`` and ``exit_status`` read: chunks cut anywhere."""

    def __init__(self, chunks: list[bytes], status: dict) -> None:
        self.chunks, self.status = chunks, status

    def logs(self, stream: bool, follow: bool):
        assert stream and follow
        return iter(self.chunks)

    def wait(self) -> dict:
        return self.status


def test_output_is_split_into_lines_whatever_the_chunks() -> None:
    container = _Logs([b"one\ntw", b"o\n", b"", b"caf\xc3", b"\xa9\nno newline"], {"StatusCode": 3})
    assert list(engine.output_lines(container)) == ["one", "two", "café", "no newline"]
    assert engine.exit_status(container) == 3
    assert engine.exit_status(_Logs([], {})) == 1


def test_removing_a_container_never_raises() -> None:
    class Gone:
        def remove(self, force: bool) -> None:
            raise RuntimeError("already removed")

    engine.remove_container(Gone())
