"""The pytest plugin (``pytest11`` entry point ``e2e``): it only wires the stages together.

- ``collection``: every ``.feature`` file is collected with no Python glue;
- ``steps_loader``: ``steps/*.py`` are registered as plugins (their step definitions are global);
- ``app_under_test``: ``E2E_BASE_URL`` checked once, or the demo app started;
- ``runner.browser``: one shared Chromium, reconnected if it dies;
- ``fixtures``: browser/context/page ladder; ``evidence``: screenshots, traces, console;
- ``results``: Cucumber JSON and run.json, complete under xdist;
- ``sharding``: ``--shard INDEX/TOTAL`` by scenario, balanced by durations (only in a sharded run);
- ``interrupts``: SIGTERM and ``run_timeout`` stop a run as Ctrl-C does;
- ``signin``: ``Given I am signed in as "ROLE"``, each role signed in once per run;
  ``tags``: tags with values (``@quarantine:REASON``) as marks, ``--strict-markers`` too;
  ``quarantine``: a quarantined scenario's failure reported apart, not failing the run;
- ``controller``: the run's start and end, in the controller only (xdist's ``DSession``);
- ``scenario_hooks``: each process's per-scenario hooks (xdist's ``WorkerInteractor``).
- ``heap``: what a process holds from its start on is kept out of later garbage collections.

The plugin is active when the run includes ``.feature`` files (or ``--e2e-run-dir`` is
given). Only then are its hook objects registered (and unregistered at cleanup), as
allure-pytest-bdd does with its own listener: a plain unit-test run is left alone and no
hook has to ask whether it is active, or which process it is in.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

import pytest

from runner.metadata import collect as collect_metadata
from runner.plugin import heap, outcomes, quarantine, signin, tags
from runner.plugin.collection import check_features_are_utf8, has_features
from runner.plugin.controller import RunController
from runner.plugin.fixtures import (  # noqa: F401 - fixtures are found by name in this plugin module
    base_url,
    browser,
    browser_context_args,
    browser_type_launch_args,
    context,
    e2e_browser_session,
    e2e_settings,
    evidence,
    new_context,
    page,
    playwright,
)
from runner.plugin.interrupts import stop_on_signals
from runner.plugin.options import add_options, overrides
from runner.plugin.results import ResultWriter
from runner.plugin.run_secrets import e2e_secret_sink  # noqa: F401 - a fixture
from runner.plugin.scenario_hooks import ScenarioHooks
from runner.plugin.sharding import Sharder, read_plan_file
from runner.plugin.state import RUN_STATE, RunState
from runner.plugin.steps_loader import load_step_modules
from runner.plugin.variables import Variables, secret_names
from runner.run.folder import ALLURE_RESULTS, JUNIT_XML, RunFolder, RunFolderError, make_run_folder
from runner.settings import SettingsError, resolve


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def _refuse_pytest_playwright(config: pytest.Config) -> None:
    if config.pluginmanager.hasplugin("pytest_playwright") or config.pluginmanager.hasplugin("playwright"):
        raise pytest.UsageError(
            "pytest-playwright is installed beside the e2e runner; both define the browser/page fixtures. "
            "Uninstall it (pip uninstall pytest-playwright): the e2e runner provides the same fixture names."
        )


def _active_run_dir(config: pytest.Config) -> tuple[bool, Path | None]:
    """(active, run folder already chosen): a worker gets its folder from the controller."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        if "e2e_run_dir" not in workerinput:
            return False, None
        return True, Path(workerinput["e2e_run_dir"])
    if config.getoption("e2e_run_dir"):
        run_dir = Path(config.getoption("e2e_run_dir")).resolve()
        (run_dir / ALLURE_RESULTS).mkdir(parents=True, exist_ok=True)
        return True, run_dir
    return has_features(config.args, list(config.getini("norecursedirs"))), None


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    _refuse_pytest_playwright(config)
    active, run_dir = _active_run_dir(config)
    if not active:
        return
    try:
        settings = resolve(config.rootpath, overrides(config))
    except SettingsError as exc:
        raise pytest.UsageError(str(exc)) from None
    # ${NAME} values from the environment are secrets (the names are static in the features).
    used = secret_names(config, settings.public_variables)
    settings = replace(settings, secret_variables=tuple(dict.fromkeys(settings.secret_variables + used)))
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None:
        check_features_are_utf8(config.args, list(config.getini("norecursedirs")))
    folder = RunFolder.given(run_dir) if run_dir is not None else None
    if folder is None:
        # Listing tests produces no results: keep reports/ free of empty run folders.
        collecting = config.option.collectonly
        try:
            folder = (
                RunFolder.given(Path(tempfile.mkdtemp(prefix="e2e-collect-")))
                if collecting
                else make_run_folder(settings.reports_dir, source=settings.source_of("reports_dir"))
            )
        except RunFolderError as exc:
            raise pytest.UsageError(str(exc)) from None
        run_dir = folder.path
    if not getattr(config.option, "allure_report_dir", None):
        config.option.allure_report_dir = str(run_dir / ALLURE_RESULTS)
    if workerinput is None and not config.option.xmlpath:
        config.option.xmlpath = str(run_dir / JUNIT_XML)
    load_step_modules(config, settings.project_root, step_library=settings.step_library)
    for module in (tags, signin):  # tags with values as marks; `I am signed in as` and its hooks
        if not config.pluginmanager.is_registered(module):
            config.pluginmanager.register(module, f"e2e-{module.__name__}")

    from playwright.sync_api import expect

    expect.set_options(timeout=settings.expect_timeout)
    state = RunState(settings=settings, run_dir=run_dir, made=folder.made)
    if workerinput is not None:
        state.base_url = workerinput.get("e2e_base_url")
    config.stash[RUN_STATE] = state
    _register(config, ScenarioHooks(state), "e2e-scenario-hooks")
    _register(config, heap, "e2e-heap")  # what lives from the start on is not walked by every collection
    quarantine.register(config)  # @quarantine: runs, reported, does not fail the run
    _register(config, Variables(), "e2e-variables")
    step_outcomes = outcomes.register()  # a step that raises is "failed" in the report too
    config.add_cleanup(lambda: outcomes.unregister(step_outcomes))
    if settings.shard is not None:
        durations = read_plan_file(config.getoption("e2e_shard_plan"))
        _register(config, Sharder(*settings.shard, durations), "e2e-sharder")
    if workerinput is None:
        metadata = collect_metadata(settings.project_root, branch=settings.branch)
        if settings.shard is not None:  # a shard's run.json is never a plan's source
            metadata["shard"] = "{}/{}".format(*settings.shard)
        writer = ResultWriter(run_dir, run_dir.name, metadata)
        controller = RunController(state, writer)
        _register(config, controller, "e2e-run-controller")
        _register(config, writer, "e2e-result-writer")
        if not (config.option.collectonly or config.option.help):
            stop_on_signals(config, settings.run_timeout)
            controller.prepare_run()


def _register(config: pytest.Config, plugin: object, name: str) -> None:
    config.pluginmanager.register(plugin, name)
    config.add_cleanup(lambda: config.pluginmanager.unregister(plugin))
