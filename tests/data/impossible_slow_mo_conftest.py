"""A run's client-side error: an impossible slow_mo (tests/test_faults_browser.py)."""

import pytest


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "slow_mo": float("inf")}
