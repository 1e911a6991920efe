"""A one-line progress bar with a running loss, redrawn in place on a terminal."""
from __future__ import annotations

import time
from typing import TextIO


class ProgressBar:
    """Redraws ``label [#####.....] done/total loss x`` at most twenty times a second.

    It is meant for a terminal only (carriage-return redraws make a log file unreadable).
    ``close()`` erases the line, so the caller's summary line takes its place and a finished
    step is reported once, not twice.
    """

    def __init__(self, total: int, label: str, stream: TextIO, width: int = 30) -> None:
        self.total = total
        self.label = label
        self.stream = stream
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
        self.stream.flush()

    def close(self) -> None:
        """Erase the bar: back to the start of the line, clear to its end."""
        self.stream.write("\r\033[K")
        self.stream.flush()
