"""Static files reused across a run's contexts (``static_cache``), as a team meets it: a real
temporary project against an app of our own (``apps/static_assets``) that counts every request,
real Chromium, one process so the scenarios' order is the file's."""

from __future__ import annotations

import zipfile

import pytest

from tests.apps.static_assets.app import StaticAssetsApp
from tests.support import E2EProject

SCENARIO = """
  Scenario: Visit {n}
    Given I open "/page"
    Then I see "Assets page"
    And I see "script ran"
    And I see "no cookie"
    And I see "visits before: 0"
    And every stylesheet and image of the page applied
"""
WITH_AUTH = """
  Scenario: Visit {n} with an Authorization header
    Given every request of the page carries an Authorization header
    And I open "/page"
    Then I see "script ran"
    And every stylesheet and image of the page applied
"""
OWN_ROUTE = """
  Scenario: A test's own route wins
    Given my own route answers "/a/fresh.js" with a script writing "routed script"
    And I open "/page"
    Then I see "routed script"
"""
VISITS = 3


def _feature(extra: str = "") -> str:
    return "Feature: Assets\n" + "".join(SCENARIO.format(n=n) for n in range(1, VISITS + 1)) + extra


@pytest.fixture
def app():
    served = StaticAssetsApp().start()
    yield served
    served.stop()


def _run(project: E2EProject, app: StaticAssetsApp, feature: str, **env: str):
    project.add_feature("assets.feature", feature)
    project.add_steps("static_cache_steps.py")
    result = project.pytest("features", "-p", "no:xdist", E2E_BASE_URL=app.url, **env)
    assert result.returncode == 0, result.output
    return result


def test_cacheable_files_are_fetched_once_per_run(e2e_project: E2EProject, app: StaticAssetsApp) -> None:
    extra = WITH_AUTH.format(n=4) + WITH_AUTH.format(n=5) + OWN_ROUTE
    result = _run(e2e_project, app, _feature(extra), E2E_TRACE="on")
    scenarios = VISITS + 3
    assert app.count("/page") == scenarios
    # Marked cacheable by the app, no credentials: once for the whole run.
    for path in ("/a/fresh.css", "/a/fresh.js", "/a/heuristic.css"):
        assert app.count(path) - app.with_auth[path] == 1, (path, app.requests)
    # The image: Chromium keeps decoded images in memory per page only; still once for the run.
    assert app.count("/a/fresh.png") - app.with_auth["/a/fresh.png"] == 1, app.requests
    # Never from the cache: every scenario asks the app.
    for path in ("/a/nostore.css", "/a/cookie.css", "/a/vary.css"):
        assert app.count(path) == scenarios, (path, app.requests)
    assert app.count("/a/missing.css", 404) == scenarios
    # Stale (max-age=0) and no-cache: stored once, then revalidated by every later scenario,
    # the stored body served on 304 (the page's check above saw their rules applied).
    # (The two scenarios with Authorization ask plainly: their requests bypass the cache.)
    for path in ("/a/expired.css", "/a/nocache.css"):
        assert app.count(path) - app.with_auth[path] == 1, (path, app.requests)
        assert app.count(path, 304) == scenarios - 1 - 2, (path, app.requests)
    # A request with Authorization goes to the app every time, and its answer is not stored.
    assert app.with_auth["/a/fresh.css"] == app.with_auth["/a/fresh.png"] == 2, app.with_auth
    # The routed answers are in each scenario's trace, as the network tab shows them.
    traces = sorted(result.run_dir.rglob("*.zip"))
    assert len(traces) >= scenarios, traces
    with zipfile.ZipFile(traces[-1]) as trace:
        network = b"".join(trace.read(n) for n in trace.namelist() if n.endswith(".network"))
    assert b"/a/fresh.css" in network and b"/a/fresh.js" in network


def test_off_fetches_every_time(e2e_project: E2EProject, app: StaticAssetsApp) -> None:
    _run(e2e_project, app, _feature(), E2E_STATIC_CACHE="off")
    for path in ("/a/fresh.css", "/a/fresh.js", "/a/fresh.png"):
        assert app.count(path) == VISITS, (path, app.requests)
