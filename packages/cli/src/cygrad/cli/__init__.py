"""The cygrad command: demos of the cygrad autograd library and a list of its plugins."""
from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from typing import Sequence

from cygrad import registry
from cygrad.cli.arguments import CommandParser
from cygrad.cli.interrupt import interrupted
from cygrad.cli.version import VersionAction
from cygrad.registry import Command

# Each module defines ``add_parser(subparsers)``, which registers its subcommand and sets
# ``func`` (called with the parsed arguments, returns the exit status).
COMMANDS = ["lstm", "rosenbrock", "dot", "plugins", "spiral"]


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
    add_plugin_commands(sub)
    return parser


def add_plugin_commands(sub: argparse._SubParsersAction[CommandParser]) -> None:
    """Add the subcommands that plugins register; a bad one is skipped with one warning line."""
    with warnings.catch_warnings():
        # `cygrad plugins` lists plugin problems; the other subcommands stay quiet about them.
        warnings.simplefilter("ignore", registry.PluginWarning)
        commands = registry.commands()
    for name, command in commands.items():
        problem = _command_problem(sub, name, command)
        if problem is not None:
            print(f"cygrad: skipped the plugin command {name!r}: {problem}", file=sys.stderr)
            continue
        p = sub.add_parser(name, help=command.help, description=command.help or None)
        command.setup(p)
        p.set_defaults(func=command.run)


def _command_problem(
    sub: argparse._SubParsersAction[CommandParser], name: str, command: Command
) -> str | None:
    if name in sub.choices:
        return "cygrad has a command of that name"
    try:  # on a parser of its own first, so a setup that raises leaves no half-made command
        command.setup(argparse.ArgumentParser(prog=f"cygrad {name}"))
    except Exception as exc:
        return f"its setup raised {type(exc).__name__}: {exc}"
    return None


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
        status: int = args.func(args)
        return status
    except KeyboardInterrupt:
        return interrupted("cygrad")


if __name__ == "__main__":
    sys.exit(main())
