"""runner/cli/entrypoint.py: the image's ENTRYPOINT goes on whatever the browser or settings say."""

from __future__ import annotations

from runner.cli.entrypoint import entrypoint_command


def test_an_unknown_command_is_said_without_a_traceback(e2e) -> None:
    result = e2e.invoke(entrypoint_command, "--no-browser", "e2e-unit-no-such-command", "--flag")
    assert result.exit_code == 1
    assert "command not found: e2e-unit-no-such-command" in result.output


def test_a_bad_setting_skips_the_browser_and_goes_on(e2e, monkeypatch) -> None:
    monkeypatch.setenv("E2E_SLOW_MO", "nan")
    result = e2e.invoke(entrypoint_command, "e2e-unit-no-such-command")
    assert "E2E_SLOW_MO" in result.output and "Not starting the shared browser; going on." in result.output
    assert "command not found: e2e-unit-no-such-command" in result.output


def test_no_browser_from_the_environment(e2e, monkeypatch) -> None:
    monkeypatch.setenv("E2E_ENTRYPOINT_NO_BROWSER", "1")
    result = e2e.invoke(entrypoint_command, "e2e-unit-no-such-command")
    assert "shared browser" not in result.output and result.exit_code == 1
