"""Hold Ctrl-C back while the driver's model takes a step, so an interrupt never leaves it
half updated; the interrupt is raised as soon as the step is complete."""
from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Run the body with SIGINT recorded instead of raised; re-deliver it on exit.

    Only the main thread receives signals, so elsewhere (or under a handler installed outside
    Python) the body simply runs.
    """
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous is None:
        yield
        return
    received: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received and callable(previous):
            previous(signal.SIGINT, None)
