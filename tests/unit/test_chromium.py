"""runner.browser.chromium: the one launch configuration, resolved once from the settings."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from runner.browser.chromium import QUIET_ARGS, LaunchConfig
from runner.settings import SettingsError, resolve


def _settings(tmp_path: Path, **env: str):
    return resolve(tmp_path, environ={"E2E_CHROMIUM": sys.executable, **env})


def test_the_server_config_and_the_launch_options_say_the_same(tmp_path: Path) -> None:
    launch = LaunchConfig.from_settings(_settings(tmp_path, E2E_BROWSER_ARGS="--lang=de", E2E_SLOW_MO="50"))
    assert launch.server_config() == {
        "executablePath": sys.executable,
        "headless": True,
        "args": [*QUIET_ARGS, "--lang=de"],
    }
    assert launch.launch_options() == {
        "executable_path": sys.executable,
        "headless": True,
        "args": [*QUIET_ARGS, "--lang=de"],
        "slow_mo": 50.0,
    }
    assert LaunchConfig.from_settings(_settings(tmp_path, E2E_HEADED="true")).headless is False


def test_a_flag_that_would_replace_playwrights_feature_list_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="E2E_BROWSER_ARGS.*--disable-features would replace"):
        LaunchConfig.from_settings(_settings(tmp_path, E2E_BROWSER_ARGS="--disable-features=X"))


def test_a_chromium_setting_that_is_no_executable_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="E2E_CHROMIUM.*no executable there"):
        LaunchConfig.from_settings(_settings(tmp_path, E2E_CHROMIUM=str(tmp_path / "none")))
