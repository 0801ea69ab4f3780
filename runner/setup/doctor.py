"""``e2e doctor``: every part a run needs, found or missing, with the fix.

A run can work when every *required* part is there; the others (Docker, AWS) are needed
only by some commands and are reported as such. Each check is small and independent, so
one broken part never hides the state of the others.
"""

from __future__ import annotations

import importlib.metadata
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

from runner.browser.chromium import ChromiumNotFound, find_chromium
from runner.report.tools import find_allure, find_axe, node_binary
from runner.settings import BASE_URL_PLACES, DEMO, Settings, SettingsError


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True


def _version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"(could not run: {exc})"
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr).strip() else "?"


def check_python(settings: Settings) -> Check:
    ok = sys.version_info >= (3, 11)
    return Check("Python", ok, sys.version.split()[0], "" if ok else "use Python 3.11 or newer")


def check_playwright(settings: Settings) -> Check:
    try:
        version = importlib.metadata.version("playwright")
    except importlib.metadata.PackageNotFoundError:
        return Check("Playwright", False, "not installed", "pip install e2e-runner (it brings Playwright)")
    try:
        clash = importlib.metadata.version("pytest-playwright")
    except importlib.metadata.PackageNotFoundError:
        return Check("Playwright", True, version)
    return Check(
        "Playwright",
        False,
        f"{version}, but pytest-playwright {clash} is installed beside the runner (their options clash)",
        "pip uninstall pytest-playwright (the runner provides the same fixtures and flags)",
    )


def check_chromium(settings: Settings) -> Check:
    try:
        path = find_chromium(settings)
    except (ChromiumNotFound, SettingsError) as exc:
        return Check("Chromium", False, "not found", str(exc).splitlines()[0] + " Run `e2e install`.")
    return Check("Chromium", True, f"{path}: {_version([path, '--version'])}")


def check_node(settings: Settings) -> Check:
    node = node_binary(settings)
    if node is None:
        return Check("Node.js", False, "not found", "install nodejs, or set E2E_NODE")
    return Check("Node.js", True, f"{node}: {_version([node, '--version'])}")


def check_allure(settings: Settings) -> Check:
    cli = find_allure(settings)
    if cli is None:
        return Check("Allure report CLI", False, "not installed", "run `e2e install`")
    return Check("Allure report CLI", True, str(cli.parents[2]))


def check_axe(settings: Settings) -> Check:
    script = find_axe(settings)
    if script is None:
        return Check(
            "axe-core (accessibility steps)", False, "not installed", "run `e2e install`", required=False
        )
    return Check("axe-core (accessibility steps)", True, str(script.parent))


def check_docker(settings: Settings) -> Check:
    needed = "needed by e2e codebuild-local and to build the image"
    if shutil.which("docker") is None:
        return Check(
            "Docker", False, "no docker client on PATH", f"install Docker ({needed})", required=False
        )
    try:
        import docker

        client = docker.from_env(timeout=5)
        version = client.version().get("Version", "?")
    except Exception as exc:  # noqa: BLE001 - any failure means: no engine to talk to
        return Check(
            "Docker",
            False,
            f"engine not reachable ({type(exc).__name__})",
            f"start it ({needed})",
            required=False,
        )
    return Check("Docker", True, f"engine {version}", required=False)


def check_aws(settings: Settings) -> Check:
    required = bool(settings.report_bucket)
    try:
        import boto3

        credentials = boto3.session.Session().get_credentials()
    except Exception as exc:  # noqa: BLE001
        return Check("AWS credentials", False, f"unreadable ({exc})", "check AWS_PROFILE / ~/.aws", required)
    if credentials is None:
        why = "needed to publish" if required else "needed only to publish to S3"
        return Check("AWS credentials", False, "none found", f"aws configure / AWS_PROFILE ({why})", required)
    return Check("AWS credentials", True, f"found ({credentials.method})", required=required)


def check_bucket(settings: Settings) -> Check:
    if not settings.report_bucket:
        return Check(
            "Report bucket",
            True,
            "none set: reports stay local (reports/site with e2e publish)",
            required=False,
        )
    from runner.publish.target import PublishError
    from runner.publish.targets import open_target

    target = open_target(settings)
    try:
        target.preflight()
    except PublishError as exc:
        return Check("Report bucket", False, target.description, str(exc))
    return Check("Report bucket", True, f"{target.description} reachable")


def check_base_url(settings: Settings) -> Check:
    if not settings.base_url:
        return Check("App under test", False, "not set", f"set it with {BASE_URL_PLACES}")
    if settings.base_url == DEMO:
        return Check("App under test", True, f"the bundled demo app (from {settings.source_of('base_url')})")
    from runner.plugin.app_under_test import AppUnreachable, check_reachable

    try:
        check_reachable(settings.base_url, settings.source_of("base_url"), timeout=5)
    except AppUnreachable as exc:
        return Check("App under test", False, settings.base_url, str(exc).splitlines()[0])
    return Check(
        "App under test", True, f"{settings.base_url} answers (from {settings.source_of('base_url')})"
    )


CHECKS: tuple[Callable[[Settings], Check], ...] = (
    check_python,
    check_playwright,
    check_chromium,
    check_node,
    check_allure,
    check_axe,
    check_base_url,
    check_aws,
    check_bucket,
    check_docker,
)


def diagnose(settings: Settings) -> list[Check]:
    return [check(settings) for check in CHECKS]
