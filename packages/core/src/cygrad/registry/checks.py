"""What a registered component must look like, read from the protocols in ``cygrad.protocols``."""
from __future__ import annotations

import inspect
import re
from typing import Any

from cygrad.protocols import Activation, Layer, SupportsUpdate
from cygrad.registry.command import Command

KINDS = ("layers", "activations", "optimizers", "commands", "onnx_converters")

# kind -> the word for one component of that kind, used in messages.
SINGULAR = {
    "layers": "layer",
    "activations": "activation",
    "optimizers": "optimizer",
    "commands": "command",
    "onnx_converters": "ONNX converter",
}

# kind -> the protocol every registered component of that kind satisfies (a command is a
# cygrad.registry.Command, checked on its own).
PROTOCOLS: dict[str, type] = {
    "layers": Layer,
    "activations": Activation,
    "optimizers": SupportsUpdate,
}

# kind -> the kinds whose names it must not share: Sequential reads a bare name ("relu") as a
# layer or an activation, so one name in both is ambiguous there.
SHARED_NAMES = {
    "layers": ("layers", "activations"),
    "activations": ("activations", "layers"),
    "optimizers": ("optimizers",),
    "commands": ("commands",),
    "onnx_converters": ("onnx_converters",),
}

# No ':' (Sequential reads "name:args") and no spaces or commas.
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")
# A subcommand of the `cygrad` command: lowercase words joined by '-'.
COMMAND_NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*\Z")


def protocol_members(protocol: type) -> tuple[str, ...]:
    """The members ``protocol`` requires (its own and inherited), in definition order.

    Private names are left out, except ``__call__``, which is what an ``Activation`` is.
    """
    names: dict[str, None] = {}
    for cls in reversed(protocol.__mro__):
        if not getattr(cls, "_is_protocol", False) or cls.__module__ == "typing":
            continue
        for name in [*getattr(cls, "__annotations__", {}), *vars(cls)]:
            if not name.startswith("_") or name == "__call__":
                names[name] = None
    return tuple(names)


def registered_name(kind: str, key: Any) -> Any:
    """The name a component is listed under: ONNX converters are registered for a class and
    listed under its qualified name; other kinds are registered by name already."""
    if kind == "onnx_converters" and isinstance(key, type):
        return f"{key.__module__}.{key.__qualname__}"
    return key


def state_names(obj: Any) -> bool:
    """Whether ``obj`` is a recurrent layer's ONNX converter: a tuple of attribute names."""
    return isinstance(obj, tuple) and bool(obj) and all(
        isinstance(n, str) and n.isidentifier() for n in obj
    )


# The methods of the Layer protocol, and the one method of an optimizer.
LAYER_METHODS = protocol_members(Layer)
OPTIMIZER_METHODS = protocol_members(SupportsUpdate)


def missing_methods(obj: Any, names: tuple[str, ...]) -> list[str]:
    """The names among ``names`` that ``obj`` (a class or an instance) lacks as callables."""
    return [n for n in names if not callable(getattr(obj, n, None))]


def missing_members(obj: Any, protocol: type) -> list[str]:
    """The members of ``protocol`` that ``obj`` lacks: methods must be callable, other
    attributes present (the test ``isinstance(obj, protocol)`` makes, with the names)."""
    return [
        name
        for name in protocol_members(protocol)
        if not hasattr(obj, name)
        or (callable(getattr(protocol, name, None)) and not callable(getattr(obj, name)))
    ]


def one_argument_problem(fn: Any) -> str | None:
    """Why ``fn(x)`` cannot be called with one argument, or None when it can (or cannot tell:
    some built-in callables have no signature to read)."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    try:
        signature.bind(None)
    except TypeError as exc:
        return f"its signature {signature} cannot take one argument ({exc})"
    return None


def registration_problem(kind: str, name: Any, obj: Any) -> str | None:
    """Why ``register(name, obj)`` in a ``kind`` hook is invalid, or None when it is fine.

    Factories that are classes are checked for the methods their instances need (the
    members of the kind's protocol); other factories are checked when they build something
    (see ``Registry.layer``). An activation must be callable with one argument.
    """
    what = SINGULAR[kind]
    if kind == "commands":
        return _command_problem(name, obj)
    if not isinstance(name, str) or not NAME.match(name):
        return (
            f"registers the {what} name {name!r}; a name starts with a letter or _ and holds "
            "only letters, digits, _ . -"
        )
    if kind == "onnx_converters" and state_names(obj):
        return None
    if not callable(obj):
        return (
            f"registers {what} {name!r} as an object of type {type(obj).__name__}, which is "
            "not callable"
        )
    if kind == "activations":
        problem = one_argument_problem(obj)
        if problem is not None:
            return (
                f"registers activation {name!r} as {_label(obj)}, which is called with one "
                f"Variable but {problem}"
            )
    elif isinstance(obj, type) and kind in PROTOCOLS:
        missing = missing_methods(obj, protocol_members(PROTOCOLS[kind]))
        if missing:
            return (
                f"registers {what} {name!r} as {_label(obj)}, which lacks "
                f"the method(s) {', '.join(missing)}"
            )
    return None


def _label(obj: Any) -> str:
    """``module.QualName`` of a class or function, else its repr."""
    qualname = getattr(obj, "__qualname__", None)
    module = getattr(obj, "__module__", None)
    return f"{module}.{qualname}" if qualname and module else repr(obj)


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
