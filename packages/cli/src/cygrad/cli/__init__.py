"""The ``cygrad`` command: demos and developer tools, one module per subcommand."""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

# Each module defines ``add_parser(subparsers)``, which registers its subcommand and sets
# ``func`` (called with the parsed arguments, returns the exit status).
COMMANDS = ["lstm", "rosenbrock", "dot", "plugins", "bench", "spiral"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cygrad", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(f"cygrad.cli.{name}").add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
