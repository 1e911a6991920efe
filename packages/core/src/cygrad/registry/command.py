"""A subcommand of the ``cygrad`` command, as a plugin registers it."""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Callable


def _no_options(parser: argparse.ArgumentParser) -> None:
    """The default ``setup``: a command without options."""


@dataclass(frozen=True)
class Command:
    """``cygrad NAME``: what ``cygrad_register_commands`` registers under a name.

    - ``run(args) -> int``: does the work with the parsed options and returns the exit status;
    - ``help``: one line, shown by ``cygrad --help`` (and first in ``cygrad NAME --help``);
    - ``setup(parser)``: adds the command's options to its ``argparse.ArgumentParser``. Give
      each option a ``type=`` that rejects bad values (``cygrad.options`` has the usual
      ones), so that they exit 2 with one line before any work starts.
    """

    run: Callable[[argparse.Namespace], int]
    help: str = ""
    setup: Callable[[argparse.ArgumentParser], None] = _no_options

    def __post_init__(self) -> None:
        for field in ("run", "setup"):
            if not callable(getattr(self, field)):
                raise TypeError(
                    f"cygrad.registry.Command: {field} must be callable, got "
                    f"{type(getattr(self, field)).__name__}"
                )
        if not isinstance(self.help, str):
            raise TypeError(
                f"cygrad.registry.Command: help must be a str, got {type(self.help).__name__}"
            )
