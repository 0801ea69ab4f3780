"""How a run is stopped from outside (SIGTERM) or by its own time limit (``run_timeout``).

SIGTERM (CodeBuild's timeout, ``docker stop``) ends the run as Ctrl-C does: the tests stop,
and the scenarios run so far are written up (status "interrupted") and the shared browser
released, instead of the process vanishing with nothing written.

``run_timeout`` does not use SIGALRM: pytest-timeout (``--timeout``, its default "signal"
method) owns SIGALRM and ``alarm()`` in the same process, and two owners of one timer
silently cancel each other. A daemon timer thread sends SIGTERM to the main thread instead:
a real signal, so a step blocked in a system call (a page that never answers) is woken as
with ``docker stop``, and the run stops through the one SIGTERM path above, with the
limit named. The handler is installed only in the controller's main thread and the previous
one is restored (and the timer cancelled) at the end of the run.
"""

from __future__ import annotations

import signal
import threading

import pytest


class _Stop:
    def __init__(self) -> None:
        self.reason: str | None = None

    def __call__(self, signum: int, frame: object) -> None:
        raise KeyboardInterrupt(self.reason or f"stopped by signal {signal.Signals(signum).name}")


def stop_on_signals(config: pytest.Config, run_timeout: int) -> None:
    """SIGTERM as an interrupt for this run; past ``run_timeout`` seconds (0: none), the same."""
    if threading.current_thread() is not threading.main_thread():
        return
    stop = _Stop()
    previous = signal.signal(signal.SIGTERM, stop)
    config.add_cleanup(lambda: signal.signal(signal.SIGTERM, previous))
    if run_timeout <= 0:
        return
    main = threading.main_thread().ident

    def out_of_time() -> None:
        stop.reason = f"the run took longer than run_timeout = {run_timeout} s"
        if main is not None:
            signal.pthread_kill(main, signal.SIGTERM)

    timer = threading.Timer(run_timeout, out_of_time)
    timer.daemon = True
    timer.name = "e2e-run-timeout"
    timer.start()
    config.add_cleanup(timer.cancel)
