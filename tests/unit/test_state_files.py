"""runner.browser.state_files: the state folder and its files are trusted only after a check."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from runner.browser.state_files import (
    ServerInfo,
    StateFolder,
    UnsafeStateError,
    holds_folder,
    locked,
    open_state_file,
    read_server_info,
    read_state_file,
    replace_state_file,
    tail,
    write_state_file,
)

INFO = ServerInfo(
    ws_endpoint="ws://127.0.0.1:9/x",
    pid=4242,
    port=9,
    chromium="/c",
    headless=True,
    started_at=1.0,
    log_file="l",
)


def test_a_missing_folder_is_made_0700_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o077 ^ 0o777)  # a umask that would leave it open to everyone
    try:
        path = StateFolder.at(tmp_path / "a" / "state").verified()
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o700


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda p: (p.mkdir(), p.chmod(0o755)), "has mode 0755, not 0700"),
        (lambda p: p.symlink_to(p.parent), "is a symbolic link"),
        (lambda p: p.write_text(""), "is not a folder"),
    ],
)
def test_an_unsafe_folder_is_refused_naming_where_it_was_set(tmp_path: Path, make, problem: str) -> None:
    path = tmp_path / "state"
    make(path)
    with pytest.raises(UnsafeStateError) as raised:
        StateFolder.at(path, "E2E_STATE_DIR (environment)").verified()
    message = str(raised.value)
    assert f"The browser state folder {path} (from E2E_STATE_DIR (environment))" in message
    assert problem in message and "set E2E_STATE_DIR" in message


def test_the_default_folder_names_no_origin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    folder = StateFolder.at(None)
    assert folder.path == tmp_path / "e2e-runner" and folder.origin == "default"


def test_state_files_are_0600_and_never_opened_through_a_link_a_fifo_or_a_second_name(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    write_state_file(path, "one")
    replace_state_file(path, "two")
    assert read_state_file(path) == "two" and stat.S_IMODE(path.stat().st_mode) == 0o600
    link = tmp_path / "link"
    link.symlink_to(path)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    second = tmp_path / "second"
    os.link(path, second)
    for bad, problem in (
        (link, "is a symbolic link"),
        (fifo, "is not a regular file"),
        (second, "hard links"),
    ):
        with pytest.raises(UnsafeStateError, match=problem):
            open_state_file(bad, os.O_RDONLY)
    assert tail(tmp_path / "missing.log") == "(no log)"


def test_a_server_info_round_trips_and_a_malformed_one_is_stale(tmp_path: Path) -> None:
    path = tmp_path / "browser.json"
    write_state_file(path, INFO.to_json())
    assert read_server_info(path) == INFO
    for text in (
        "",
        "[]",
        '{"pid": 5}',
        INFO.to_json().replace("4242", "1"),
        INFO.to_json().replace("4242", "true"),
    ):
        write_state_file(path, text)
        assert read_server_info(path) is None, text
    assert read_server_info(tmp_path / "none.json") is None


def test_holds_folder_and_lock(tmp_path: Path) -> None:
    state = tmp_path / "browser-x.json"
    holds = holds_folder(state)
    assert holds == tmp_path / "browser-x.holds" and holds.is_dir()
    with locked(tmp_path / "browser-x.lock"):
        assert (tmp_path / "browser-x.lock").is_file()
    other = tmp_path / "browser-y.json"
    other.with_suffix(".holds").symlink_to(tmp_path)
    with pytest.raises(UnsafeStateError, match="is not a folder of this user's"):
        holds_folder(other)
