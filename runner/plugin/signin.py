"""Sign in once per role: ``Given I am signed in as "ROLE"``.

The scenario tagged ``@sign-in:ROLE`` (in any feature file under the features root, written
with the same phrases) says how ROLE signs in. It is never a test item of its own
(``collection`` leaves it out); it is found here, in every feature file, whatever ``-k``,
``-m``, the path arguments or a shard selected. The first scenario of the run that asks for
ROLE runs its steps, with the step library and the team's own steps (pytest-bdd's step
lookup and argument parsing, on that scenario's request), in a context of its own; the
context's storage state (cookies, local storage) is stored in the private state folder
(``signin_store``) and set on every context that asks for the role: the scenario's own
(this step) and any ``new_context(role="ROLE")``.

- Once per run: the record is made under a lock all xdist workers share; a worker that
  waited for it uses what the other one made. A failed sign-in is recorded too: every
  scenario that needs the role fails with its reason, and it is not tried again.
- A state that no longer works: the sign-in scenario's last ``Then`` steps are the role's
  own check. A process checks a state once before it first uses one another process made
  (the page where the sign-in ended is opened with the state, then the checks run); a
  failing check signs in again. And when a scenario that used the role fails, the check
  runs on the stored state; if it fails too, the state is marked stale (the next scenario
  that asks signs in again) and the failure says so.
- In the report the sign-in shows once, as the role's setup: its steps are sub-steps of
  the ``Given I am signed in as`` step of the scenario that signed in.
- The state is a secret: every cookie and storage value goes to the run's redactor
  (``secret_values``). The sign-in's own context is not traced or recorded.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from inspect import signature
from pathlib import Path
from typing import Any

import allure
import pytest
from _pytest.fixtures import call_fixture_func
from playwright.sync_api import BrowserContext, Page
from pytest_bdd import given, parsers
from pytest_bdd.scenario import get_step_function, parse_step_arguments
from pytest_bdd.utils import get_required_args

from runner.browser.state_files import StateFolder, default_state_dir
from runner.plugin.evidence import first_line
from runner.plugin.signin_catalog import (
    PYTHON_SIGN_INS,
    PythonSignIn,
    SignInError,
    SignInScenario,
    features_root,
    find_sign_ins,
)
from runner.plugin.signin_store import RoleRecord, RoleStore
from runner.plugin.state import RUN_STATE, RunState, get_run_state
from runner.plugin.static_assets import use_static_cache

# --- running a sign-in scenario's steps ---------------------------------------------------


def state_dir(settings) -> Path:
    """The private state folder (created 0700, verified on every call), as the shared browser's."""
    return StateFolder.at(settings.state_dir, settings.source_of("state_dir")).verified()


def _before_step_call(config: pytest.Config):
    """The ``pytest_bdd_before_step_call`` hook without Allure's listener (it would file the
    sign-in's steps as steps of the scenario itself): ``${NAME}`` and the like still apply."""
    allure_plugins = [
        p for p in config.pluginmanager.get_plugins() if type(p).__module__.startswith("allure")
    ]
    return config.pluginmanager.subset_hook_caller(
        "pytest_bdd_before_step_call", remove_plugins=allure_plugins
    )


def _run_step(
    request: pytest.FixtureRequest, sign_in: SignInScenario, scenario: Any, step: Any, values: dict
) -> None:
    """One step as pytest-bdd runs it (same lookup, arguments, ``yield`` steps), with the sign-in's
    own ``page`` and ``context`` in place of the scenario's."""
    __tracebackhide__ = True
    found = get_step_function(request=request, step=step)
    where = f"{sign_in.feature.rel_filename}:{step.line_number}"
    if found is None:
        raise SignInError(f"{where}: no step definition matches `{step.keyword} {step.name}`")
    func = found.step_func
    parameters = signature(func).parameters
    kwargs = {k: v for k, v in parse_step_arguments(step=step, context=found).items() if k in parameters}
    if "datatable" in parameters and step.datatable is not None:
        kwargs["datatable"] = step.datatable.raw()
    if "docstring" in parameters and step.docstring is not None:
        kwargs["docstring"] = step.docstring
    for arg in get_required_args(func):
        if arg not in kwargs:
            kwargs[arg] = values[arg] if arg in values else request.getfixturevalue(arg)
    _before_step_call(request.config)(
        request=request,
        feature=scenario.feature,
        scenario=scenario,
        step=step,
        step_func=func,
        step_func_args=kwargs,
    )
    result = call_fixture_func(fixturefunc=func, request=request, kwargs=kwargs)
    if found.target_fixture is not None:
        values[found.target_fixture] = result


def _run_steps(
    request, sign_in: SignInScenario, steps: list[Any], page: Page, context: BrowserContext
) -> None:
    scenario = sign_in.scenario
    values: dict[str, Any] = {"page": page, "context": context}
    for step in steps:
        with allure.step(f"{step.keyword} {step.name}"):
            try:
                _run_step(request, sign_in, scenario, step, values)
            except SignInError:
                raise
            except (Exception, pytest.fail.Exception) as exc:  # noqa: BLE001 - any step's failure is the sign-in's
                raise SignInError(
                    f'signing in as "{sign_in.role}" failed at {sign_in.feature.rel_filename}:{step.line_number} '
                    f"`{step.keyword} {step.name}`: {first_line(exc)}"
                ) from exc


def _screenshot_on_failure(page: Page) -> None:
    with contextlib.suppress(Exception):
        allure.attach(page.screenshot(), name="sign-in failed", attachment_type=allure.attachment_type.PNG)


# --- one process's roles ------------------------------------------------------------------


@dataclass
class Roles:
    """What one pytest process knows of the run's roles."""

    state: RunState
    norecurse: list[str]
    trusted: dict[str, int] = field(default_factory=dict)  # role -> generation made or checked here
    _catalog: dict[str, SignInScenario] | None = None
    _unreadable: list[str] = field(default_factory=list)

    @property
    def store(self) -> RoleStore:
        return RoleStore(state_dir(self.state.settings), self.state.run_dir)

    def sign_in_for(self, role: str) -> SignInScenario | PythonSignIn:
        if self._catalog is None:
            root = self.state.settings.project_root
            self._catalog, self._unreadable = find_sign_ins(features_root(root), root, self.norecurse)
        if role in self._catalog and role in PYTHON_SIGN_INS:
            raise SignInError(
                f'two sign-ins for "{role}": {self._catalog[role].location} and '
                f"@sign_in in {PYTHON_SIGN_INS[role].location}; keep one"
            )
        if role in self._catalog:
            return self._catalog[role]
        if role in PYTHON_SIGN_INS:
            return PYTHON_SIGN_INS[role]
        every = {**PYTHON_SIGN_INS, **self._catalog}
        known = ", ".join(f'"{r}" ({s.location})' for r, s in sorted(every.items())) or "none"
        unread = (
            f" Feature files that could not be read: {'; '.join(self._unreadable)}."
            if self._unreadable
            else ""
        )
        raise SignInError(
            f'no scenario says how "{role}" signs in: tag one @sign-in:{role} in a feature file under '
            f"{features_root(self.state.settings.project_root)}. Roles with a sign-in: {known}.{unread}"
        )

    def _new_context(self, request, **options) -> BrowserContext:
        session = request.getfixturevalue("e2e_browser_session")
        args = request.getfixturevalue("browser_context_args")
        context = session.new_context(request.getfixturevalue("browser"), **{**args, **options})
        context.set_default_timeout(self.state.settings.action_timeout)  # as every context of a scenario
        use_static_cache(request.config, context)
        return context

    def storage_state(self, request: pytest.FixtureRequest, role: str) -> dict[str, Any]:
        """The role's working storage state: stored, checked, or made now (once for the run)."""
        sign_in = self.sign_in_for(role)
        store = self.store
        record = store.read(role)
        doubted = None
        if record is not None and record.usable:
            if self.trusted.get(role) == record.generation:
                return record.storage_state
            if self.check(request, sign_in, record, why="made by another process: checked once here"):
                self.trusted[role] = record.generation
                return record.storage_state
            doubted = record.generation
        elif record is not None and record.failed:
            raise SignInError(record.failed)
        with store.locked(role):
            record = store.read(role)
            if record is not None and record.failed:
                raise SignInError(record.failed)
            if record is not None and record.usable and record.generation != doubted:
                self.trusted[role] = record.generation  # made while this process waited for the lock
                return record.storage_state
            generation = record.generation + 1 if record is not None else 1
            try:
                made = self._sign_in(request, sign_in, generation)
            except SignInError as exc:
                store.write(role, RoleRecord(generation, failed=str(exc)))
                raise
            store.write(role, made)
            self.trusted[role] = generation
            return made.storage_state

    def _sign_in(self, request, sign_in: SignInScenario | PythonSignIn, generation: int) -> RoleRecord:
        steps, checks = sign_in.split()
        context = self._new_context(request)
        title = f'Sign in as "{sign_in.role}" ({sign_in.location}): once for this run, as the role\'s setup'
        try:
            if isinstance(sign_in, PythonSignIn):
                with allure.step(title):
                    try:
                        sign_in.func(context)
                    except Exception as exc:  # noqa: BLE001 - the team's code failed: the sign-in failed
                        raise SignInError(
                            f'signing in as "{sign_in.role}" failed in {sign_in.location}: {first_line(exc)}'
                        ) from exc
                return RoleRecord(generation, storage_state=context.storage_state())
            page = context.new_page()
            with allure.step(title):
                try:
                    _run_steps(request, sign_in, steps, page, context)
                    check_url = page.url
                    _run_steps(request, sign_in, checks, page, context)
                except SignInError:
                    _screenshot_on_failure(page)
                    raise
            return RoleRecord(generation, storage_state=context.storage_state(), check_url=check_url)
        finally:
            with contextlib.suppress(Exception):
                context.close()

    def check(self, request, sign_in: SignInScenario, record: RoleRecord, why: str) -> bool:
        """The role's own check (its sign-in's last Then steps) on a stored state, in a context of
        its own; True without checks to run."""
        _, checks = sign_in.split()
        if not checks or not record.check_url or record.storage_state is None:
            return True
        context = self._new_context(request, storage_state=record.storage_state)
        try:
            with allure.step(f'Check the stored sign-in of "{sign_in.role}" ({why})'):
                try:
                    page = context.new_page()
                    page.goto(record.check_url)
                    _run_steps(request, sign_in, checks, page, context)
                except Exception:  # noqa: BLE001 - a page that does not open fails the check too
                    return False
            return True
        finally:
            with contextlib.suppress(Exception):
                context.close()

    def recheck_after_failure(self, request, role: str) -> str | None:
        """A scenario that used ``role`` failed: if the stored state fails the role's check, it is
        marked stale (the next scenario signs in again); returns a sentence saying so."""
        store = self.store
        record = store.read(role)
        if record is None or not record.usable:
            return None
        sign_in = self.sign_in_for(role)
        if self.check(request, sign_in, record, why="a scenario that used it failed"):
            return None
        with store.locked(role):
            current = store.read(role)
            if current is not None and current.generation == record.generation and current.usable:
                current.stale = True
                store.write(role, current)
        self.trusted.pop(role, None)
        return (
            f'The stored sign-in of "{role}" no longer works (its check, the last Then steps of '
            f"{sign_in.location}, failed after this scenario failed): the next scenario that asks for it signs in again."
        )


ROLES = pytest.StashKey[Roles]()
USED = pytest.StashKey[set]()


def roles_for(config: pytest.Config) -> Roles:
    roles = config.stash.get(ROLES, None)
    if roles is None:
        roles = Roles(get_run_state(config), list(config.getini("norecursedirs")))
        config.stash[ROLES] = roles
    return roles


def storage_state_for(request: pytest.FixtureRequest, role: str) -> dict[str, Any]:
    """The role's storage state for a context of this scenario (``new_context(role=...)``)."""
    state = roles_for(request.config).storage_state(request, role)
    request.node.stash.setdefault(USED, set()).add(role)
    return state


def _existing_store(state: RunState) -> RoleStore | None:
    """The run's records, if a state folder exists (asking must not create one)."""
    settings = state.settings
    folder = Path(os.path.abspath(settings.state_dir)) if settings.state_dir else default_state_dir()
    if not folder.is_dir():
        return None
    try:
        return RoleStore(state_dir(settings), state.run_dir)
    except Exception:  # noqa: BLE001 - an unusable state folder holds no states of this run
        return None


def secret_values(state: RunState) -> list[str]:
    """Every cookie and storage value of the run's stored states, for the redactor."""
    store = _existing_store(state)
    return store.secret_values() if store is not None else []


# --- the step and the hooks (this module is registered as a plugin) ------------------------


@given(parsers.re(r'I am signed in as "(?P<role>[^"]*)"'))
def _signed_in_as(request: pytest.FixtureRequest, context: BrowserContext, role: str) -> None:
    __tracebackhide__ = True
    context.set_storage_state(storage_state_for(request, role))


def pytest_bdd_step_error(request, feature, scenario, step, step_func, step_func_args, exception) -> None:
    if step_func is _signed_in_as:
        return
    roles = roles_for(request.config)
    for role in sorted(request.node.stash.get(USED, set())):
        with contextlib.suppress(Exception):
            note = roles.recheck_after_failure(request, role)
            if note and hasattr(exception, "add_note"):
                exception.add_note(note)


def pytest_unconfigure(config: pytest.Config) -> None:
    """The controller, at the very end (the run folder is scrubbed by then): the run's states go."""
    state = config.stash.get(RUN_STATE, None)
    is_controller = not hasattr(config, "workerinput")  # xdist workers have one
    store = _existing_store(state) if state is not None and is_controller else None
    if store is not None:
        store.forget()
