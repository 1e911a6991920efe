"""A one-line progress bar with a running loss, for training loops on a terminal.

The demos of the ``cygrad`` command and of plugins share it, so every training loop reports
progress the same way::

    bar = ProgressBar(len(batches), "epoch   1/10", sys.stderr)
    for k, batch in enumerate(batches, 1):
        ...
        bar.update(k, running_loss)
    bar.close()          # erase it; print the epoch's summary line in its place

Carriage-return redraws make a log file unreadable: draw a bar only when the stream is a
terminal (``stream.isatty()``).
"""
from __future__ import annotations

import time
from typing import TextIO

from cygrad.checks import check_size

__all__ = ["ProgressBar"]


class ProgressBar:
    """Redraws ``label [#####.....] done/total loss x`` in place, at most twenty times a second.

    The last step (``done == total``) is always drawn. ``close()`` erases the line, so the
    caller's summary line takes its place and a finished epoch is reported once, not twice.
    """

    def __init__(self, total: int, label: str, stream: TextIO, width: int = 30) -> None:
        self.total = check_size("ProgressBar", "total", total)
        self.label = label
        self.stream = stream
        self.width = check_size("ProgressBar", "width", width)
        self._last = 0.0

    def update(self, done: int, loss: float) -> None:
        """Show ``done`` of ``total`` steps and the running ``loss``."""
        if not 0 <= done <= self.total:
            raise ValueError(f"ProgressBar.update: done must be in [0, {self.total}], got {done}")
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
