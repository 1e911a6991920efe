"""What a registered component must look like: the methods each kind needs."""
from __future__ import annotations

import re
from typing import Any

from cygrad.registry.command import Command

KINDS = ("layers", "activations", "optimizers", "commands")

# kind -> the word for one component of that kind, used in messages.
SINGULAR = {
    "layers": "layer",
    "activations": "activation",
    "optimizers": "optimizer",
    "commands": "command",
}

# The four methods of the Layer protocol (cygrad.protocols.Layer).
LAYER_METHODS = ("first", "forward", "params", "cleargrads")
OPTIMIZER_METHODS = ("update",)
REQUIRED_METHODS = {
    "layers": LAYER_METHODS,
    "activations": (),
    "optimizers": OPTIMIZER_METHODS,
    "commands": (),
}

# No ':' (Sequential reads "name:args") and no spaces or commas.
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")
# A subcommand of the `cygrad` command: lowercase words joined by '-'.
COMMAND_NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*\Z")


def missing_methods(obj: Any, names: tuple[str, ...]) -> list[str]:
    """The names among ``names`` that ``obj`` (a class or an instance) lacks as callables."""
    return [n for n in names if not callable(getattr(obj, n, None))]


def registration_problem(kind: str, name: Any, obj: Any) -> str | None:
    """Why ``register(name, obj)`` in a ``kind`` hook is invalid, or None when it is fine.

    Factories that are classes are checked for the methods their instances need; other
    factories are checked when they build something (see ``Registry.layer``).
    """
    what = SINGULAR[kind]
    if kind == "commands":
        return _command_problem(name, obj)
    if not isinstance(name, str) or not NAME.match(name):
        return (
            f"registers the {what} name {name!r}; a name starts with a letter or _ and holds "
            "only letters, digits, _ . -"
        )
    if not callable(obj):
        return (
            f"registers {what} {name!r} as an object of type {type(obj).__name__}, which is "
            "not callable"
        )
    if isinstance(obj, type):
        missing = missing_methods(obj, REQUIRED_METHODS[kind])
        if missing:
            return (
                f"registers {what} {name!r} as {obj.__module__}.{obj.__qualname__}, which lacks "
                f"the method(s) {', '.join(missing)}"
            )
    return None


def _command_problem(name: Any, obj: Any) -> str | None:
    if not isinstance(name, str) or not COMMAND_NAME.match(name):
        return (
            f"registers the command name {name!r}; a command name is lowercase letters and "
            "digits, words joined by -"
        )
    if not isinstance(obj, Command):
        return (
            f"registers command {name!r} as an object of type {type(obj).__name__}, not a "
            "cygrad.registry.Command"
        )
    return None
