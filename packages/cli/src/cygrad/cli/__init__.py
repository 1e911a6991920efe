"""The ``cygrad`` command: demos and developer tools, one module per subcommand."""
from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from typing import Sequence

from cygrad import registry
from cygrad.registry import Command

# Each module defines ``add_parser(subparsers)``, which registers its subcommand and sets
# ``func`` (called with the parsed arguments, returns the exit status).
COMMANDS = ["lstm", "rosenbrock", "dot", "plugins", "bench", "spiral"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cygrad", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(f"cygrad.cli.{name}").add_parser(sub)
    add_plugin_commands(sub)
    return parser


def add_plugin_commands(sub: argparse._SubParsersAction) -> None:
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


def _command_problem(sub: argparse._SubParsersAction, name: str, command: Command) -> str | None:
    if name in sub.choices:
        return "cygrad has a command of that name"
    try:  # on a parser of its own first, so a setup that raises leaves no half-made command
        command.setup(argparse.ArgumentParser(prog=f"cygrad {name}"))
    except Exception as exc:
        return f"its setup raised {type(exc).__name__}: {exc}"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
