"""runner.browser.server: the SharedBrowser object (without starting a browser: that is
tests/test_browser_server.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from runner.browser.server import SharedBrowser, UnsafeStateError
from runner.browser.state_files import ServerInfo, write_state_file
from runner.settings import resolve


def _shared(tmp_path: Path, **env: str) -> SharedBrowser:
    environ = {"E2E_CHROMIUM": sys.executable, "E2E_STATE_DIR": str(tmp_path / "state"), **env}
    return SharedBrowser.from_settings(resolve(tmp_path, environ=environ))


def test_the_state_file_is_keyed_by_the_launch_configuration(tmp_path: Path) -> None:
    headless, headed = _shared(tmp_path), _shared(tmp_path, E2E_HEADED="true")
    assert headless.key != headed.key and headless.key == _shared(tmp_path).key
    assert _shared(tmp_path, E2E_SLOW_MO="20").key == headless.key, (
        "slow_mo is each client's, not the server's"
    )
    path = headless.state_path()
    assert path == tmp_path / "state" / f"browser-{headless.key}.json"
    assert (path.parent.stat().st_mode & 0o777) == 0o700


def test_with_nothing_running_status_is_none_and_stop_and_release_do_nothing(tmp_path: Path) -> None:
    shared = _shared(tmp_path)
    assert shared.status() is None
    assert shared.stop() is False
    assert shared.release() is False


def test_a_forged_entry_naming_a_live_process_is_dropped_and_nothing_is_signalled(tmp_path: Path) -> None:
    shared = _shared(tmp_path)
    path = shared.state_path()
    forged = ServerInfo("ws://127.0.0.1:9/f", os.getpid(), 9, "/c", True, 0.0, "l", persistent=False)
    write_state_file(path, forged.to_json())
    assert shared.status() is None
    assert shared.stop() is False  # this test process is still here to see it
    assert not path.exists()
    write_state_file(path, forged.to_json())
    assert shared.stop(only_pid=forged.pid + 1) is False and path.exists(), "another pid: left alone"


def test_an_unsafe_state_folder_is_refused_naming_where_it_was_set(tmp_path: Path) -> None:
    (tmp_path / "state").mkdir(mode=0o700)
    os.chmod(tmp_path / "state", 0o777)
    with pytest.raises(UnsafeStateError, match=r"\(from E2E_STATE_DIR .*\) has mode 0777"):
        _shared(tmp_path).status()
