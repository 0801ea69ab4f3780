"""runner/cli/browser.py: ``e2e browser status|stop`` with no browser, and a bad setting."""

from __future__ import annotations

from runner.cli.browser import browser_group


def test_status_without_a_browser_exits_1_and_stop_is_a_no_op(e2e) -> None:
    status = e2e.invoke(browser_group, "status")
    assert (status.exit_code, status.output.strip()) == (1, "not running")
    stop = e2e.invoke(browser_group, "stop")
    assert (stop.exit_code, stop.output.strip()) == (0, "not running")


def test_a_bad_setting_is_an_error_naming_it(e2e, monkeypatch) -> None:
    monkeypatch.setenv("E2E_VIEWPORT", "0x10")
    result = e2e.invoke(browser_group, "status")
    assert result.exit_code == 1 and "Error:" in result.output and "E2E_VIEWPORT" in result.output
    assert "Traceback" not in result.output
