"""``cygrad plugins``: list the installed plugins and the layers, activations, optimizers and commands they provide."""
from __future__ import annotations

import argparse

from cygrad.registry.listing import main


def run(args: argparse.Namespace) -> int:
    return main()


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "plugins",
        help=__doc__.split(": ", 1)[1],
        description=__doc__ + " Exit status 1 when a plugin has a problem.",
    )
    p.set_defaults(func=run)
