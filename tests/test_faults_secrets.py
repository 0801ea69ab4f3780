"""Planted secrets appear in no byte the runner writes or publishes.

Secrets are planted where real suites have them: variables whose names say "password" and
"token", a variable listed in ``E2E_SECRET_VARIABLES``, a value typed into a password field
(kept in the Playwright trace of the failure), a failure message and a console error that
print them, and a base URL with credentials. Then every byte of the run folder, its HTML
report and the site it is published to is searched, zips opened, in every encoding these
files use (plain, URL-encoded, JSON-escaped, base64).
"""

from __future__ import annotations

import base64
import json
import urllib.parse
import zipfile
from pathlib import Path

import pytest

from runner import demo_app
from tests.support import DATA, E2EProject

pytestmark = pytest.mark.slow

SECRETS = {
    "DEMO_PASSWORD": "planted-Pa55word-7f3a",
    "API_TOKEN": "planted-token-9b1c2d",
    "CUSTOMER_CODE": "planted-listed-41e7",  # not secret by name: listed in E2E_SECRET_VARIABLES
}
URL_PASSWORD = "planted-url-pw-5e6f"


def _forms(secret: str) -> list[bytes]:
    forms = {
        secret,
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
        json.dumps(secret)[1:-1],
    }
    encoded = [f.encode() for f in forms]
    for offset in range(3):  # base64 of the secret at each alignment, as embedded in a report
        chunk = base64.b64encode(b"\0" * offset + secret.encode())[4 if offset else 0 :][
            : (len(secret) * 4) // 3 - 4
        ]
        if len(chunk) >= 8:
            encoded.append(chunk)
    return encoded


def _leaks(root: Path, secrets: list[str]) -> list[str]:
    found = []

    def check(name: str, data: bytes) -> None:
        for secret in secrets:
            if any(form in data for form in _forms(secret)):
                found.append(f"{name}: {secret}")
        if data[:2] == b"PK":
            try:
                with zipfile.ZipFile(__import__("io").BytesIO(data)) as zf:
                    for entry in zf.namelist():
                        check(f"{name}!{entry}", zf.read(entry))
            except zipfile.BadZipFile:
                pass

    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            check(str(path.relative_to(root)), path.read_bytes())
    return found


@pytest.fixture(scope="module")
def app_with_auth():
    app = demo_app.start()
    host = app.url.split("://", 1)[1]
    yield f"http://tester:{URL_PASSWORD}@{host}"
    app.stop()


def test_planted_secrets_appear_in_no_byte_of_the_run_its_report_and_its_site(
    e2e_project: E2EProject, app_with_auth: str
) -> None:
    e2e_project.add_feature("secrets.feature")
    e2e_project.add_steps("secret_steps.py", (DATA / "secret_steps.py").read_text())
    env = {**SECRETS, "E2E_SECRET_VARIABLES": "CUSTOMER_CODE", "E2E_BASE_URL": app_with_auth}
    run = e2e_project.e2e("run", "--expect-timeout", "2000", **env)
    assert run.returncode == 1, run.output
    run_dir = run.run_dir
    summary = json.loads((run_dir / "run.json").read_text())
    assert "***" in summary["scenarios"][0]["error"], "the failure message is kept, its secrets masked"
    assert list(run_dir.rglob("trace*.zip")), "the failure's trace is kept (scrubbed), not dropped"
    assert (run_dir / "report" / "index.html").is_file()
    site = e2e_project.root / "site"
    published = e2e_project.e2e("publish", str(run_dir), "--to", str(site), **env)
    assert published.returncode == 0, published.output

    secrets = [*SECRETS.values(), URL_PASSWORD]
    assert _leaks(run_dir, secrets) == []
    assert _leaks(site, secrets) == []
    assert URL_PASSWORD not in run.output, "the base URL's password is not printed"


def test_run_folders_are_owner_only(e2e_project: E2EProject) -> None:
    e2e_project.add_feature("two_scenarios.feature")
    run = e2e_project.e2e("run")
    assert run.returncode == 0, run.output
    for path in [run.run_dir, *run.run_dir.rglob("*")]:
        mode = path.stat().st_mode & 0o777
        assert mode == (0o700 if path.is_dir() else 0o600), f"{path}: {oct(mode)}"
    shared = e2e_project.e2e("run", E2E_RUN_FOLDER_MODE="shared")
    assert shared.run_dir.stat().st_mode & 0o077, "shared: group/other bits as the umask gives"


def test_a_base_url_with_credentials_is_reachable_and_never_printed(
    e2e_project: E2EProject, app_with_auth: str
) -> None:
    e2e_project.add_feature("two_scenarios.feature")
    run = e2e_project.pytest(E2E_BASE_URL=app_with_auth)
    assert run.returncode == 0, run.output
    assert "unreachable" not in run.output
    assert URL_PASSWORD not in run.output
    assert "http://***@127.0.0.1" in run.output
