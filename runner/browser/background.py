"""Playwright calls whose answer the main thread does not wait for.

Playwright's sync API waits for the answer to every call, and under load each wait is a trip
through three processes (the worker's driver, the shared browser server, Chromium) that each
wait for a CPU. Three of a scenario's calls have no answer the scenario needs at that moment:

- the watchdog's lookup of a new page's target id (a CDP session, then ``Target.getTargetInfo``),
  needed only if a step hangs later;
- the stop of a passing scenario's trace, which is dropped (three messages), sent just before the
  final screenshot;
- the close of a finished scenario's context (its request context's disposal, then the close).

``later`` sends such a call as a task on the sync API's own event loop, in the thread that owns
it (Playwright's sync objects are never used from another thread): the task's messages go out
with the main thread's next call, and their answers are read while it waits for that call's,
so they cost no wait of their own. ``settle`` waits for what is still in flight, where the
answer is needed after all (before a context is listed as the scenario's, before the browser
closes).

Playwright has no public way to do this: its sync objects wrap async ones (``_impl_obj``) that
run on a loop the sync API drives (``_loop``), which is what its own fire-and-forget messages
use. Playwright is pinned (``runner/constraints.txt``); the watchdog's and the evidence's tests
go through these calls in real Chromium.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

# Contexts whose close was sent and not yet answered: never listed as a scenario's.
_closing: weakref.WeakSet[Any] = weakref.WeakSet()
# Every task still in flight, per event loop (a process has one sync Playwright loop at a time).
_pending: set[asyncio.Task[Any]] = set()


def later(owner: Any, call: Callable[[Any], Awaitable[Any]], what: str) -> asyncio.Task[Any] | None:
    """Send ``call(owner's async object)`` without waiting for its answer; its error is logged.

    Returns the task, or None when ``owner``'s Playwright has stopped (nothing is sent then).
    """
    loop: asyncio.AbstractEventLoop = owner._loop  # noqa: SLF001 - see the module's docstring
    if loop.is_closed() or owner._dispatcher_fiber.dead:  # noqa: SLF001
        return None

    async def run() -> Any:
        try:
            return await call(owner._impl_obj)  # noqa: SLF001
        except Exception as exc:  # noqa: BLE001 - nobody awaits it: said in the log, not raised
            log.debug("%s: %s", what, exc)
            return None

    task = loop.create_task(run())
    # Playwright's client reads the caller's stack from the task (as its own _sync does).
    task.__pw_caller_frame__ = sys._getframe(1)  # type: ignore[attr-defined]  # noqa: SLF001
    _pending.add(task)
    task.add_done_callback(_pending.discard)
    return task


def close_later(context: Any) -> None:
    """Close ``context`` without waiting; until it is answered, ``is_closing(context)`` is true."""
    _closing.add(context)
    task = later(context, lambda impl: impl.close(reason=None), "closing a context")
    if task is None:
        _closing.discard(context)
    else:
        task.add_done_callback(lambda _task: _closing.discard(context))


def is_closing(context: Any) -> bool:
    return context in _closing


def settle(owner: Any, timeout_s: float = 30.0) -> None:
    """Wait (through ``owner``'s Playwright) until every call sent by ``later`` is answered, at most
    ``timeout_s``; a loop that has stopped has nothing left to wait for."""
    tasks = [t for t in _pending if not t.done() and t.get_loop() is owner._loop]  # noqa: SLF001
    if not tasks or owner._loop.is_closed() or owner._dispatcher_fiber.dead:  # noqa: SLF001
        return
    try:
        owner._sync(asyncio.wait(tasks, timeout=timeout_s))  # noqa: SLF001
    except Exception as exc:  # noqa: BLE001 - a connection that closed answers nothing more
        log.debug("waiting for calls in flight: %s", exc)
