"""The roles' state records (runner/plugin/signin_store.py) and the sign-in catalogue, without a browser."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from runner.plugin.signin_catalog import SignInError, find_sign_ins, role_of
from runner.plugin.signin_store import RoleRecord, RoleStore, UnsafeStateFile, state_values

STATE = {
    "cookies": [{"name": "session", "value": "cookie-value-1", "domain": "127.0.0.1", "path": "/"}],
    "origins": [
        {"origin": "http://127.0.0.1", "localStorage": [{"name": "token", "value": "stored-value-2"}]}
    ],
}


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "state"
    folder.mkdir(mode=0o700)
    return folder


def test_a_record_is_owner_only_and_its_values_are_secrets(tmp_path: Path) -> None:
    store = RoleStore(_folder(tmp_path), tmp_path / "reports" / "run-1")
    store.write("admin", RoleRecord(1, storage_state=STATE, check_url="http://127.0.0.1/home"))
    [record_file] = store.folder.glob("signin-*.json")
    assert stat.S_IMODE(record_file.stat().st_mode) == 0o600
    assert store.read("admin").storage_state == STATE
    assert store.secret_values() == ["cookie-value-1", "stored-value-2"]
    assert state_values(STATE) == ["cookie-value-1", "stored-value-2"]


def test_a_remade_state_keeps_the_old_values_secret_and_runs_do_not_share(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    store = RoleStore(folder, tmp_path / "run-1")
    store.write("admin", RoleRecord(1, storage_state=STATE))
    store.write("admin", RoleRecord(2, storage_state={"cookies": [{"name": "s", "value": "newer-value"}]}))
    assert store.read("admin").generation == 2
    assert "cookie-value-1" in store.secret_values() and "newer-value" in store.secret_values()
    other = RoleStore(folder, tmp_path / "run-2")
    assert other.read("admin") is None and other.secret_values() == []
    store.forget()
    assert list(folder.iterdir()) == [] or all("signin-" not in p.name for p in folder.iterdir())


def test_a_planted_symlink_is_refused(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    store = RoleStore(folder, tmp_path / "run-1")
    target = tmp_path / "elsewhere"
    target.write_text("{}")
    os.symlink(target, store._path("admin", ".json"))
    with pytest.raises(OSError):
        store.read("admin")
    os.symlink(target, store._path("admin", ".secrets"))
    with pytest.raises((OSError, UnsafeStateFile)):
        store.add_secrets("admin", ["value"])
    assert target.read_text() == "{}"


def test_the_catalogue_finds_each_role_once(tmp_path: Path) -> None:
    features = tmp_path / "features"
    (features / "sub").mkdir(parents=True)
    text = 'Feature: R\n\n  @sign-in:{role}\n  Scenario: {role} signs in\n    Given I open "/login"\n'
    (features / "a.feature").write_text(text.format(role="admin"))
    (features / "sub" / "b.feature").write_text(text.format(role="viewer"))
    roles, unreadable = find_sign_ins(features, tmp_path)
    assert sorted(roles) == ["admin", "viewer"] and unreadable == []
    assert roles["viewer"].location == "features/sub/b.feature:4"
    (features / "c.feature").write_text(text.format(role="admin"))
    with pytest.raises(
        SignInError,
        match='two scenarios say how "admin" signs in: features/a.feature:4 and features/c.feature:4',
    ):
        find_sign_ins(features, tmp_path)
    assert role_of({"smoke", "sign-in:ops"}) == "ops" and role_of({"quarantine:x"}) is None
