"""runner/plugin/app_under_test.py: the preflight of the app under test, credentials as a header."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from runner.plugin.app_under_test import AppUnderTest, AppUnreachable, check_reachable, describe, start
from runner.settings import resolve
from tests.support.web import closed_port, loopback_server


def test_an_answering_app_passes_whatever_its_status() -> None:
    for status in (200, 404, 500):
        with loopback_server(status) as app:
            check_reachable(app.url, "E2E_BASE_URL")
            assert len(app.requests) == 1


def test_credentials_in_the_url_go_as_basic_auth_and_not_in_the_request_line() -> None:
    with loopback_server() as app:
        url = app.url.replace("http://", "http://demo%40corp:p%3Ass@") + "login"
        check_reachable(url, "E2E_BASE_URL")
        path, headers = app.requests[0]
    assert path == "/login"
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"demo@corp:p:ss").decode()


def test_an_unreachable_app_is_one_message_naming_url_and_origin() -> None:
    url = f"http://127.0.0.1:{closed_port()}/"
    with pytest.raises(
        AppUnreachable, match=r"unreachable: http://127\.0\.0\.1:\d+/ \(pyproject\.toml\)"
    ) as err:
        check_reachable(url, "pyproject.toml", timeout=2)
    assert "Start the app or fix the URL" in str(err.value)


def test_start_refuses_an_unset_app_and_checks_a_real_one(tmp_path: Path) -> None:
    with pytest.raises(AppUnreachable, match="No app under test is set"):
        start(resolve(tmp_path, environ={}))
    with loopback_server() as app:
        settings = resolve(tmp_path, environ={"E2E_BASE_URL": app.url})
        found = start(settings)
        assert found == AppUnderTest(url=app.url) and found.demo is None
        assert describe(found, settings.source_of("base_url")).startswith(
            f"e2e: testing the app at {app.url} (base_url from E2E_BASE_URL"
        )


def test_describe_hides_credentials(tmp_path: Path) -> None:
    settings = resolve(tmp_path, environ={"E2E_BASE_URL": "https://u:secret-pw@app.test/"})
    line = describe(AppUnderTest(url=settings.base_url), settings.source_of("base_url"))
    assert "secret-pw" not in line and "https://***@app.test/" in line
