"""Where the local builds' lines go: one stream, shared by builds running at once."""

from __future__ import annotations

import sys
import threading
from typing import TextIO


class Printer:
    """Serialises output of concurrent builds, each line prefixed by its build."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._lock = threading.Lock()
        self._stream = stream or sys.stdout

    def line(self, prefix: str, text: str) -> None:
        with self._lock:
            self._stream.write(f"{prefix}{text}\n")
            self._stream.flush()
