"""runner/redact.py: which values are secrets, and every form of them hidden in files of a run folder."""

from __future__ import annotations

import json
import stat
import urllib.parse
import zipfile
from pathlib import Path

from runner.redact import MASK, Redactor, hide_userinfo, make_private, secret_values, url_passwords


def test_secret_looking_names_are_secrets_and_identifiers_are_not() -> None:
    environ = {
        "DEMO_PASSWORD": "hunter2hunter2",
        "API_TOKEN": "tok-123456",
        "AWS_ACCESS_KEY_ID": "AKIAIDENTIFIER",
        "MY_KEY_FILE": "/home/me/key.pem",
        "SHORT_SECRET": "abc",  # under MIN_LENGTH: replacing it would wreck text
        "PLAIN": "not-a-secret",
        "LISTED": "listed-value",
    }
    assert secret_values(environ, extra_names=["LISTED", "ABSENT"]) == sorted(
        ["hunter2hunter2", "tok-123456", "listed-value"], key=len, reverse=True
    )


def test_url_passwords_and_userinfo() -> None:
    text = "base https://demo:p%40ss-word@app.example/login and ftp://anon@host/ and http://a:b@c"
    assert url_passwords(text) == ["p@ss-word"]  # unquoted; "b" is too short
    assert hide_userinfo(text) == "base https://***@app.example/login and ftp://***@host/ and http://***@c"


def test_text_hides_plain_url_encoded_and_json_escaped_forms() -> None:
    secret = 'pa ss/"wörd"&1'
    redactor = Redactor([secret])
    for form in (
        secret,
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
        json.dumps(secret)[1:-1],
    ):
        assert redactor.text(f"before {form} after") == f"before {MASK} after", form
    assert not redactor.found_in(redactor.data(json.dumps({"v": secret}).encode()))


def test_from_environment_takes_passwords_out_of_url_valued_variables() -> None:
    redactor = Redactor.from_environment({"E2E_BASE_URL": "https://user:longpassword@host/"})
    assert redactor.text("typed longpassword") == f"typed {MASK}"
    assert redactor.with_values(["another-one"]).text("another-one longpassword") == f"{MASK} {MASK}"


def test_scrub_tree_rewrites_text_files_and_leaves_images_alone(tmp_path: Path) -> None:
    run = tmp_path / "run"
    (run / "allure-results").mkdir(parents=True)
    (run / "run.json").write_text(json.dumps({"error": "password s3cr3t-value rejected"}))
    (run / "allure-results" / "a-attachment.txt").write_text("clean text")
    png = b"\x89PNG\r\n\x1a\ns3cr3t-value"  # pixels: not rewritten
    (run / "shot.png").write_bytes(png)
    changed = Redactor(["s3cr3t-value"]).scrub_tree(run)
    assert changed == [run / "run.json"]
    assert json.loads((run / "run.json").read_text()) == {"error": f"password {MASK} rejected"}
    assert (run / "shot.png").read_bytes() == png
    assert not list(run.rglob("*.tmp"))


def test_scrub_tree_without_values_still_hides_url_userinfo(tmp_path: Path) -> None:
    (tmp_path / "log.txt").write_text("opened https://me:pw12345@host/")
    assert Redactor([]).scrub_tree(tmp_path) == [tmp_path / "log.txt"]
    assert (tmp_path / "log.txt").read_text() == f"opened https://{MASK}@host/"


def test_a_trace_zip_is_rewritten_entry_by_entry(tmp_path: Path) -> None:
    trace = tmp_path / "trace.zip"
    with zipfile.ZipFile(trace, "w") as zf:
        zf.writestr("trace.trace", '{"type":"fill","value":"s3cr3t-value"}\n')
        zf.writestr("resources/page.html", "<p>nothing here</p>")
    redactor = Redactor(["s3cr3t-value"])
    assert redactor.scrub_file(trace)
    with zipfile.ZipFile(trace) as zf:
        assert sorted(zf.namelist()) == ["resources/page.html", "trace.trace"]
        assert MASK in zf.read("trace.trace").decode() and not redactor.found_in(zf.read("trace.trace"))
    assert not redactor.scrub_file(trace)  # clean now: untouched


def test_an_unreadable_zip_is_deleted_rather_than_kept(tmp_path: Path) -> None:
    broken = tmp_path / "trace.zip"
    broken.write_bytes(b"not a zip s3cr3t-value")
    assert Redactor(["s3cr3t-value"]).scrub_file(broken)
    assert not broken.exists()


def test_make_private_sets_owner_only_modes(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "f.json").write_text("{}")
    make_private(tmp_path)
    assert stat.S_IMODE((tmp_path / "sub").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "sub" / "f.json").stat().st_mode) == 0o600
