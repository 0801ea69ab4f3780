"""The Docker engine, as the local builds use it: the client, the image, the build container.

Every way the engine can fail becomes a ``CodebuildLocalError`` that says what to do.
(``import docker`` here is the Docker SDK: imports are absolute.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from runner.codebuild.errors import CodebuildLocalError
from runner.codebuild.printer import Printer


def docker_client():
    """A client of the local engine, checked to answer."""
    try:
        import docker

        client = docker.from_env(timeout=600)
        client.ping()
    except Exception as exc:  # noqa: BLE001 - every way of failing gets the same advice
        raise CodebuildLocalError(
            f"the Docker engine does not answer ({exc}). Start it (scripts/start-docker.sh on a "
            "machine like the CI's) and try again."
        ) from None
    return client


def image_entrypoint(client, image: str) -> list[str]:
    """The image's ENTRYPOINT (empty when it has none); the image must exist."""
    import docker.errors

    try:
        attrs = client.images.get(image).attrs
    except docker.errors.ImageNotFound:
        raise CodebuildLocalError(
            f"image {image!r} not found. Build it first: docker build --network host -t {image} . "
            "(or pass --build)"
        ) from None
    return list((attrs.get("Config") or {}).get("Entrypoint") or [])


def build_image(client, context: Path, image: str, printer: Printer) -> None:
    """Build the image like `docker build --network host -t IMAGE CONTEXT`."""
    printer.line("", f"codebuild-local: building {image} from {context}/Dockerfile ...")
    error = None
    for chunk in client.api.build(path=str(context), tag=image, network_mode="host", rm=True, decode=True):
        if "error" in chunk:
            error = chunk["error"]
        text = chunk.get("stream", "").rstrip()
        if text.startswith("Step ") or text.startswith("Successfully"):
            printer.line("", text)
    if error:
        raise CodebuildLocalError(f"docker build failed: {error}")


def start_build_container(
    client, image: str, *, driver: str, env: dict[str, str], working_dir: str, volumes: dict[str, dict]
):
    """Start ``image`` with ``driver`` (a bash script) in place of its ENTRYPOINT and CMD, as root."""
    container = client.containers.create(
        image,
        entrypoint=["/bin/bash", driver],
        command=[],
        environment=env,
        working_dir=working_dir,
        volumes=volumes,
        network_mode="host",
        user="0",
        labels={"e2e-runner.codebuild-local": env["CODEBUILD_BUILD_ID"]},
    )
    container.start()
    return container


def output_lines(container) -> Iterator[str]:
    """The container's output (stdout and stderr), line by line, until it ends."""
    buffer = b""
    for chunk in container.logs(stream=True, follow=True):
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for raw in lines:
            yield raw.decode("utf-8", errors="replace")
    if buffer:
        yield buffer.decode("utf-8", errors="replace")


def exit_status(container) -> int:
    """The ended container's exit status (1 when the engine does not say)."""
    return int(container.wait().get("StatusCode", 1))


def remove_container(container) -> None:
    """Remove the container, quietly: cleanup must not hide the build's own outcome."""
    try:
        container.remove(force=True)
    except Exception:  # noqa: BLE001 - cleanup must not hide the build's own outcome
        pass
