"""runner/setup/doctor.py: each check on its own, found and missing, with the fix it gives.

(The checks that run a program for its version, Chromium's and Node's, are left to
``tests/test_team_repository.py``'s ``e2e doctor``: this tier starts no process but the S3 server.)"""

from __future__ import annotations

from pathlib import Path

from runner.report.tools import ReportTools
from runner.settings import Settings, resolve
from runner.setup import doctor
from tests.support.s3 import S3Server, make_bucket
from tests.support.s3 import s3 as s3  # noqa: F401 - fixture
from tests.support.s3 import s3_server as s3_server  # noqa: F401 - fixture
from tests.support.web import closed_port, loopback_server


def _base_url(settings: Settings) -> doctor.Check:
    return doctor.check_base_url(settings.base_url, settings.source_of("base_url"))


def _bucket(settings: Settings) -> doctor.Check:
    from runner.publish.targets import open_target

    return doctor.check_bucket(settings.report_bucket, lambda: open_target(settings))


def test_python_and_playwright_are_there() -> None:
    assert doctor.check_python().ok
    playwright = doctor.check_playwright()
    assert playwright.ok and playwright.detail[0].isdigit()


def test_the_allure_cli_found_or_the_command_to_install_it(
    project: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    missing = doctor.check_allure(ReportTools.from_settings(resolve(project, environ={})))
    assert (missing.ok, missing.fix) == (False, "run `e2e install`")
    cli = tmp_path / "tools" / "node_modules" / "allure" / "cli.js"
    cli.parent.mkdir(parents=True)
    cli.write_text("//")
    found = doctor.check_allure(
        ReportTools.from_settings(resolve(project, environ={"E2E_TOOLS_DIR": str(tmp_path / "tools")}))
    )
    assert found.ok and found.detail == str(tmp_path / "tools")


def test_the_app_under_test(project: Path) -> None:
    demo = _base_url(resolve(project, environ={}))
    assert demo.ok and demo.detail.startswith("the bundled demo app (from ")
    unset = _base_url(resolve(project.parent, environ={}))
    assert not unset.ok and unset.required and "set it with" in unset.fix
    with loopback_server(404) as app:
        answering = _base_url(resolve(project, environ={"E2E_BASE_URL": app.url}))
    assert answering.ok and f"{app.url} answers" in answering.detail
    gone = f"http://127.0.0.1:{closed_port()}/"
    down = _base_url(resolve(project, environ={"E2E_BASE_URL": gone}))
    assert not down.ok and down.detail == gone and "unreachable" in down.fix


def test_no_bucket_is_fine_and_aws_is_then_optional(project: Path) -> None:
    settings = resolve(project, environ={})
    bucket = _bucket(settings)
    assert bucket.ok and not bucket.required and "reports stay local" in bucket.detail
    assert doctor.check_aws(settings.report_bucket).required is False


def test_a_bucket_reachable_or_not_with_the_credentials_found(project: Path, s3: S3Server) -> None:
    name = make_bucket(s3.endpoint, public=False)
    settings = resolve(project, environ={"E2E_REPORT_BUCKET": name})
    aws = doctor.check_aws(settings.report_bucket)
    assert aws.ok and aws.required and aws.detail == "found (env)"
    reachable = _bucket(settings)
    assert reachable.ok and reachable.detail.endswith("reachable"), reachable
    missing = _bucket(resolve(project, environ={"E2E_REPORT_BUCKET": "e2e-unit-no-such-bucket"}))
    assert not missing.ok and "e2e-unit-no-such-bucket" in missing.fix
