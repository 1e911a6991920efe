"""A one-line progress bar per epoch, with the running loss, on stderr."""
from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """Redrawn in place at most twenty times a second; ends its line when full."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None, width: int = 30):
        self.total = total
        self.label = label
        self.stream = sys.stderr if stream is None else stream
        self.width = width
        self._last = 0.0

    def update(self, done: int, loss: float) -> None:
        now = time.monotonic()
        if done < self.total and now - self._last < 0.05:
            return
        self._last = now
        filled = self.width * done // self.total
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{self.total} loss {loss:.6f}")
        if done == self.total:
            self.stream.write("\n")
        self.stream.flush()
