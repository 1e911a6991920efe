"""The cygrad command: demos of the cygrad autograd library and a list of its plugins."""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from cygrad.cli.arguments import CommandParser
from cygrad.cli.version import VersionAction

# Each module defines ``add_parser(subparsers)``, which registers its subcommand and sets
# ``func`` (called with the parsed arguments, returns the exit status).
COMMANDS = ["lstm", "rosenbrock", "dot", "plugins"]


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="cygrad", description=__doc__,
        epilog="Run 'cygrad COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action=VersionAction,
                        help="print the versions of cygrad, its parts and its plugins, and exit")
    sub = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"cygrad.cli.{name}").add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit status.

    A bad argument is 2, with one line on stderr, before any work starts; so is a bare
    ``cygrad``, which prints the help on stderr. Ctrl-C is 130, with one line, no traceback.
    """
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as e:  # --help, --version and usage errors: a status to return
            return int(e.code or 0)
        if args.command is None:
            parser.print_help(sys.stderr)
            return 2
        return args.func(args)
    except KeyboardInterrupt:
        print("cygrad: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
