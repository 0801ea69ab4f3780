"""Running ``buildspec.yml`` in the image the way CodeBuild does (``e2e codebuild-local``).

What CodeBuild does, and so what happens here:

- the image's ENTRYPOINT and CMD are replaced by the build agent (here: a small driver
  script), so nothing the ENTRYPOINT would start is running;
- the source is a fresh checkout (here: a copy of the files git tracks plus untracked,
  non-ignored ones, with the ``.git`` of a depth-1 clone of ``HEAD``, ``HEAD`` detached) at
  ``/codebuild/output/srcNNN/src``, which is the working directory;
- ``CODEBUILD_*`` variables are set, the service's and no others (``environment``); the
  image's ENV is kept, but the buildspec's ``env.variables`` (and the project's, here
  ``--env``) replace variables of the same name literally, without expanding ``$PATH``;
- each command runs in its own shell (``env.shell``: bash or /bin/sh, /bin/sh when unset),
  which starts from what the previous command left: working directory, variables, functions
  (bash only); background processes run on (``driver.sh`` says exactly what carries over);
- phases run in order; a phase's ``on-failure`` decides what its failure does (ABORT ends
  the build, CONTINUE goes on, RETRY[-count][-regex] runs the phase again); without it,
  after a failed install or pre_build nothing else runs, after a failed build post_build
  still runs with ``CODEBUILD_BUILD_SUCCEEDING=0``; ``finally`` blocks always run;
- the ``reports:`` files must exist when the build ends, inside the source folder;
- ``--batch`` runs the ``batch:`` section: builds as concurrent containers, each with its
  own source copy, in the order ``depend-on`` gives; with ``fast-fail`` a failed build
  stops the running ones.

Run folders the builds produced are moved into this project's ``reports/`` afterwards.

This module holds the entry points; the parts are beside it: ``environment`` (source copy,
``CODEBUILD_*`` variables), ``driver`` (the script and its plan), ``docker`` (engine, image,
container), ``build`` (one build), ``batch`` (the batch's scheduling), ``reports`` (what a
build leaves). The command itself is ``runner.cli.codebuild``.
"""

from __future__ import annotations

from runner.codebuild.batch import batch_succeeded, run_batch
from runner.codebuild.build import BuildRequest, BuildResult, run_build
from runner.codebuild.buildspec import Buildspec
from runner.codebuild.docker import build_image, docker_client, image_entrypoint
from runner.codebuild.printer import Printer


def buildspec_notes(spec: Buildspec) -> list[str]:
    """What to tell the user about a buildspec before it runs: what a local run leaves out, and surprises."""
    notes = [f"codebuild-local: not applied locally: {note}" for note in spec.unsupported]
    for name, value in spec.variables.items():
        if "$" in value:
            # CodeBuild sets buildspec variables as they are written; a classic surprise.
            notes.append(
                f"codebuild-local: note: env.variables.{name} = {value!r} is set literally, as CodeBuild "
                "does: the '$' is not expanded. Export it in a command instead if you meant expansion."
            )
    return notes


def run_local(
    request: BuildRequest, *, batch: bool, build_first: bool, printer: Printer
) -> tuple[list[BuildResult], bool]:
    """Run the request's build, or with ``batch`` its buildspec's batch; returns the results and success.

    ``build_first`` builds the image from the source's Dockerfile before. Raises
    ``CodebuildLocalError`` when Docker or the image stops the run, ``BuildspecError`` when a
    batch task's own buildspec is not valid.
    """
    client = docker_client()
    if build_first:
        build_image(client, request.source, request.image, printer)
    entrypoint = image_entrypoint(client, request.image)
    if entrypoint:
        printer.line(
            "",
            f"codebuild-local: the image's ENTRYPOINT {entrypoint} is replaced by the build driver, "
            "as CodeBuild replaces it: nothing it starts is running.",
        )
    if batch:
        assert request.spec.batch is not None
        results = run_batch(client, request, request.spec.batch, printer)
        return results, batch_succeeded(request.spec.batch, results)
    result = run_build(client, request, printer)
    return [result], result.succeeded
