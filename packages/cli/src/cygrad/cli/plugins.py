"""List the installed plugins and the layers, activations, optimizers and commands each adds.

The exit status is 1 when a plugin has a problem (it failed to load or registered something
invalid); the problem is listed under the plugin.
"""
from __future__ import annotations

import argparse

from cygrad.registry.listing import main


def run(args: argparse.Namespace) -> int:
    return main()


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("plugins", help="list the installed plugins and what they add",
                       description=__doc__)
    p.set_defaults(func=run)
