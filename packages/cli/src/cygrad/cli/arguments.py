"""The parser of the ``cygrad`` command, reporting a bad option in one line.

Every option of every subcommand is converted by a check of ``cygrad.options``, so a bad value
stops the command during parsing, before any work starts, with exit status 2 and one line on
stderr.
"""
from __future__ import annotations

import argparse
from typing import NoReturn


class CommandParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line: the message and where to get help."""

    def error(self, message: str) -> NoReturn:
        text = " ".join(message.split())
        self.exit(2, f"{self.prog}: error: {text} (see '{self.prog} --help')\n")
