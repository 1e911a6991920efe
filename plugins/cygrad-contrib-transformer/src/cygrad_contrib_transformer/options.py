"""argparse ``type=`` checks for the options of ``cygrad gpt``: a bad value stops the command
while its arguments are parsed (exit status 2, one line), before any work starts."""
from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

__all__ = ["output_folder", "whole_number"]


def whole_number(minimum: int) -> Callable[[str], int]:
    """An argparse ``type=`` for integers of at least ``minimum``."""

    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return convert


def output_folder(text: str) -> Path:
    """An argparse ``type=`` for a folder to write into (created later when missing): nothing
    on the way to it is a file, and its nearest existing folder is writable."""
    path = Path(text)
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not existing.is_dir():
        raise argparse.ArgumentTypeError(f"{str(existing)!r} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"the folder {str(existing)!r} is not writable")
    return path
