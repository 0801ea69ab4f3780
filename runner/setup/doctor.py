"""``e2e doctor``: every part a run needs, found or missing, with the fix.

A run can work when every *required* part is there; the others (Docker, AWS) are needed
only by some commands and are reported as such. Each check is small and independent, so
one broken part never hides the state of the others.
"""

from __future__ import annotations

import functools
import importlib.metadata
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from runner.browser.chromium import ChromiumNotFound, locate_chromium
from runner.report.tools import ReportTools
from runner.settings import BASE_URL_PLACES, DEMO, Settings, SettingsError

if TYPE_CHECKING:
    from runner.publish.target import Target


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


def check_python() -> Check:
    ok = sys.version_info >= (3, 11)
    return Check("Python", ok, sys.version.split()[0], "" if ok else "use Python 3.11 or newer")


def check_playwright() -> Check:
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


def check_chromium(chromium: str | None, origin: str) -> Check:
    """``chromium``: the setting (None: search), ``origin``: where it was set."""
    try:
        path = locate_chromium(chromium, origin)
    except (ChromiumNotFound, SettingsError) as exc:
        return Check("Chromium", False, "not found", str(exc).splitlines()[0] + " Run `e2e install`.")
    return Check("Chromium", True, f"{path}: {_version([path, '--version'])}")


def check_node(tools: ReportTools) -> Check:
    node = tools.node_binary()
    if node is None:
        return Check("Node.js", False, "not found", "install nodejs, or set E2E_NODE")
    return Check("Node.js", True, f"{node}: {_version([node, '--version'])}")


def check_allure(tools: ReportTools) -> Check:
    cli = tools.find_allure()
    if cli is None:
        return Check("Allure report CLI", False, "not installed", "run `e2e install`")
    return Check("Allure report CLI", True, str(cli.parents[2]))


def check_axe(tools: ReportTools) -> Check:
    script = tools.find_axe()
    if script is None:
        return Check(
            "axe-core (accessibility steps)", False, "not installed", "run `e2e install`", required=False
        )
    return Check("axe-core (accessibility steps)", True, str(script.parent))


def check_docker() -> Check:
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


def check_aws(report_bucket: str | None) -> Check:
    required = bool(report_bucket)
    try:
        import boto3

        credentials = boto3.session.Session().get_credentials()
    except Exception as exc:  # noqa: BLE001
        return Check("AWS credentials", False, f"unreadable ({exc})", "check AWS_PROFILE / ~/.aws", required)
    if credentials is None:
        why = "needed to publish" if required else "needed only to publish to S3"
        return Check("AWS credentials", False, "none found", f"aws configure / AWS_PROFILE ({why})", required)
    return Check("AWS credentials", True, f"found ({credentials.method})", required=required)


def check_bucket(report_bucket: str | None, open_target: Callable[[], Target]) -> Check:
    """``open_target``: the publish target of the settings, opened only when a bucket is set."""
    if not report_bucket:
        return Check(
            "Report bucket",
            True,
            "none set: reports stay local (reports/site with e2e publish)",
            required=False,
        )
    from runner.publish.target import PublishError

    target = open_target()
    try:
        target.preflight()
    except PublishError as exc:
        return Check("Report bucket", False, target.description, str(exc))
    return Check("Report bucket", True, f"{target.description} reachable")


def check_base_url(base_url: str | None, origin: str) -> Check:
    """``origin``: where ``base_url`` was set (the place a fix goes)."""
    if not base_url:
        return Check("App under test", False, "not set", f"set it with {BASE_URL_PLACES}")
    if base_url == DEMO:
        return Check("App under test", True, f"the bundled demo app (from {origin})")
    from runner.plugin.app_under_test import AppUnreachable, check_reachable

    try:
        check_reachable(base_url, origin, timeout=5)
    except AppUnreachable as exc:
        return Check("App under test", False, base_url, str(exc).splitlines()[0])
    return Check("App under test", True, f"{base_url} answers (from {origin})")


def diagnose(settings: Settings) -> list[Check]:
    """Every check, in the order shown, each handed only the settings it reads."""
    tools = ReportTools.from_settings(settings)

    def publish_target() -> Target:
        from runner.publish.targets import open_target  # boto3: loaded only when a bucket is set

        return open_target(settings)

    checks: tuple[Callable[[], Check], ...] = (
        check_python,
        check_playwright,
        functools.partial(check_chromium, settings.chromium, settings.source_of("chromium")),
        functools.partial(check_node, tools),
        functools.partial(check_allure, tools),
        functools.partial(check_axe, tools),
        functools.partial(check_base_url, settings.base_url, settings.source_of("base_url")),
        functools.partial(check_aws, settings.report_bucket),
        functools.partial(check_bucket, settings.report_bucket, publish_target),
        check_docker,
    )
    return [check() for check in checks]
