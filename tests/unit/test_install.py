"""runner/setup/install.py: ``e2e install`` with every part already there (no apt, no npm run)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from runner.report.tools import AXE_SCRIPT
from runner.settings import SettingsError, resolve
from runner.setup import install


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    chromium = tmp_path / "bin" / "chromium"
    chromium.parent.mkdir()
    chromium.write_text("#!/bin/sh\n")
    chromium.chmod(0o755)
    cli = tmp_path / "tools" / "node_modules" / "allure" / "cli.js"
    cli.parent.mkdir(parents=True)
    cli.write_text("//")
    axe = tmp_path / "tools" / AXE_SCRIPT
    axe.parent.mkdir(parents=True)
    axe.write_text("//")
    return resolve(
        tmp_path, environ={"E2E_CHROMIUM": str(chromium), "E2E_TOOLS_DIR": str(tmp_path / "tools")}
    )


def test_nothing_is_left_to_do_when_everything_is_there(settings, tmp_path: Path) -> None:
    said: list[str] = []
    assert install.install_all(settings, said.append) == []
    assert f"Chromium: {tmp_path / 'bin' / 'chromium'}" in said
    assert f"Allure report CLI: {tmp_path / 'tools'}" in said


def test_a_chromium_setting_that_names_no_executable_is_an_error_naming_it(settings, tmp_path: Path) -> None:
    wrong = dataclasses.replace(settings, chromium=str(tmp_path / "nothing"))
    with pytest.raises(SettingsError, match="chromium"):
        install.install_chromium(wrong.chromium, wrong.source_of("chromium"), print)


def test_apt_is_used_only_as_root_with_apt_get(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    assert install._can_apt() is False
    monkeypatch.setenv("PATH", os.defpath)
    assert install._can_apt() is (
        os.geteuid() == 0 and any(Path(p, "apt-get").exists() for p in os.defpath.split(":"))
    )
