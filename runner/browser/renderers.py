"""Ending the renderer processes of a browser that are stuck in a script loop (the watchdog's fallback)."""

from __future__ import annotations

import logging

from runner import processes

log = logging.getLogger(__name__)


def end_busy_renderers(root_pid: int) -> list[int]:
    """SIGKILL each Chromium renderer under ``root_pid`` that is using a core; their pids.

    Chromium notices a renderer's end at once: its pages crash, and Playwright's pending calls on
    them fail ("Target crashed") instead of waiting on a script that never yields.
    """
    ended = []
    for proc in processes.busy_renderers(root_pid):
        if processes.kill(proc):
            log.warning("e2e watchdog: ended the busy renderer process %d", proc.pid)
            ended.append(proc.pid)
    return ended
