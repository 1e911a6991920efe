"""Checks of command-line values, as argparse ``type=`` functions, for cygrad's commands and
plugins' commands alike.

Give every option one of these (``parser.add_argument("--epochs", type=whole_number(1))``)
and a bad value stops the command while its arguments are parsed: exit status 2 and one line
on stderr, before any work starts.
"""
from __future__ import annotations

import argparse
import math
import os
from pathlib import Path
from typing import Callable

__all__ = [
    "finite_number", "make_output_folder", "non_negative_number", "output_file",
    "output_folder", "positive_number", "whole_number",
]


def whole_number(minimum: int) -> Callable[[str], int]:
    """A ``type=`` for integers of at least ``minimum`` ("--epochs 0" is refused for 1)."""

    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return convert


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def finite_number(text: str) -> float:
    """A ``type=`` for any finite float (not inf or nan)."""
    return _number(text)


def positive_number(text: str) -> float:
    """A ``type=`` for a finite float above 0 (a learning rate)."""
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {text!r}")
    return value


def non_negative_number(text: str) -> float:
    """A ``type=`` for a finite float of at least 0 (a noise amplitude)."""
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be at least 0, got {text!r}")
    return value


def _check_writable_folder(folder: Path, what: str) -> None:
    # os.access asks the kernel, so read-only file systems count even for root.
    if not os.access(folder, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"{what} {str(folder)!r} is not writable")


def output_file(text: str) -> Path:
    """A ``type=`` for a file to write: its folder exists and is writable, and it is no folder."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a folder, not a file")
    parent = path.parent
    if not parent.is_dir():
        problem = "is not a folder" if parent.exists() else "does not exist"
        raise argparse.ArgumentTypeError(f"the folder {str(parent)!r} {problem}")
    _check_writable_folder(parent, "the folder")
    return path


def output_folder(text: str) -> Path:
    """A ``type=`` for a folder to write into, created later if missing.

    Nothing on the way to it may be a file, and its nearest existing folder must be writable.
    """
    path = Path(text)
    for existing in (path, *path.parents):
        if existing.exists():
            break
    if not existing.is_dir():
        where = "" if existing == path else f" (in {text!r})"
        raise argparse.ArgumentTypeError(f"{str(existing)!r} is a file, not a folder{where}")
    _check_writable_folder(existing, "the folder")
    return path



def make_output_folder(folder: Path, *names: str) -> list[Path]:
    """Create ``folder`` and check each of its files ``names`` can be written; their paths.

    For the commands to call before their work starts: a problem raises ArgumentTypeError
    with the message to report.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise argparse.ArgumentTypeError(
            f"cannot create the folder {str(folder)!r}: {e.strerror}"
        ) from None
    return [output_file(str(folder / name)) for name in names]
