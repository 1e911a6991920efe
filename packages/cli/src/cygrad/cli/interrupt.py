"""Ctrl-C: one line on stderr and exit status 130, as a shell reports a command ended by SIGINT."""
from __future__ import annotations

import sys


def interrupted(prog: str) -> int:
    """Report a caught KeyboardInterrupt for ``prog``; the exit status to return (130)."""
    print(f"{prog}: interrupted", file=sys.stderr)
    # CPython flags a KeyboardInterrupt that leaves a string exec() (dataclasses build their
    # methods that way, so an import under way can do it) as unhandled even once it is caught,
    # and then ends a `python -m` run by SIGINT instead of with this status. Every string
    # exec() clears the flag first.
    exec("")
    return 130
