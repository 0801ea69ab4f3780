"""Upload progress: a one-line bar on a terminal, a few plain log lines in CI.

Hand-written rather than a progress-bar library: all it needs is one redrawn line and a
throttled log, and a dependency for that would be one more thing to pin in the image. A
bar's carriage returns make a CI log unreadable, hence the plain mode whenever stderr is not
a terminal or ``CI`` is set.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO


def interactive(stream: TextIO | None = None) -> bool:
    stream = stream or sys.stderr
    in_ci = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
    return not in_ci and bool(getattr(stream, "isatty", lambda: False)())


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


class Progress:
    """Thread-safe: the upload workers report bytes from their threads."""

    def __init__(
        self,
        label: str,
        total_files: int,
        total_bytes: int,
        stream: TextIO | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.label = label
        self.total_files = total_files
        self.total_bytes = max(total_bytes, 1)
        self.stream = stream or sys.stderr
        # A caller with its own log (``e2e run``, tests) gets lines through it, never a bar.
        self.bar = log is None and interactive(self.stream)
        self._log = log or self._write_line
        self._bytes = 0
        self._lock = threading.Lock()
        self._last_draw = 0.0
        self._last_log_tenth = -1
        self._started = time.monotonic()

    def add_bytes(self, count: int) -> None:
        with self._lock:
            self._bytes = min(self._bytes + count, self.total_bytes)
            self._maybe_draw()

    def _maybe_draw(self) -> None:
        now = time.monotonic()
        fraction = self._bytes / self.total_bytes
        if self.bar:
            if now - self._last_draw < 0.1 and fraction < 1:
                return
            self._last_draw = now
            width = 30
            filled = int(width * fraction)
            self.stream.write(
                f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {fraction:4.0%} "
                f"{_size(self._bytes)}/{_size(self.total_bytes)}"
            )
            self.stream.flush()
        else:
            tenth = int(fraction * 10)
            if tenth > self._last_log_tenth and tenth < 10:
                self._last_log_tenth = tenth
                self.stream.write(
                    f"{self.label}: {tenth * 10}% ({_size(self._bytes)} of {_size(self.total_bytes)})\n"
                )
                self.stream.flush()

    def finish(self, message: str) -> None:
        with self._lock:
            elapsed = time.monotonic() - self._started
            if self.bar:
                self.stream.write("\r\x1b[2K")
                self.stream.flush()
            self._log(f"{self.label}: {message} in {elapsed:.1f} s")

    def _write_line(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()
