"""Find layers, activations, optimizers and commands by name, whoever published them.

Components come from plugins: distributions with an entry point in the ``cygrad`` group whose
module implements the hooks in ``cygrad.registry.hookspecs`` (cygrad's own layers,
activations and optimizers register the same way). Plugins load lazily on the first lookup,
one by one: a broken plugin is skipped with a ``PluginWarning`` and listed with its error by
``plugins()`` and ``cygrad plugins``; ``CYGRAD_STRICT_PLUGINS=1`` makes every problem raise.

Usage::

    from cygrad import registry
    dense = registry.layer("linear", 64)
    y = registry.activation("relu")(dense(x))
    opt = registry.optimizer("adam", lr=1e-3)
"""
from __future__ import annotations

from typing import Any, Callable

from cygrad.registry.checks import KINDS
from cygrad.registry.command import Command
from cygrad.registry.errors import PluginError, PluginWarning, UnknownNameError
from cygrad.registry.hookspecs import hookimpl
from cygrad.registry.manager import PluginInfo, Registry

__all__ = [
    "KINDS",
    "Command",
    "PluginError",
    "PluginInfo",
    "PluginWarning",
    "UnknownNameError",
    "activation",
    "commands",
    "get",
    "hookimpl",
    "layer",
    "names",
    "optimizer",
    "plugins",
    "refresh",
    "register",
]

# The process-wide registry behind the functions below.
REGISTRY = Registry()


def layer(name: str, /, *args: Any, **kw: Any) -> Any:
    """Build the layer registered as ``name`` with ``args`` and ``kw`` (``layer("linear", 64)``)."""
    return REGISTRY.layer(name, *args, **kw)


def activation(name: str) -> Callable[..., Any]:
    """The activation function registered as ``name`` (``activation("relu")(x)``)."""
    return REGISTRY.activation(name)


def optimizer(name: str, /, **kw: Any) -> Any:
    """Build the optimizer registered as ``name`` with keyword arguments (``lr=0.1``)."""
    return REGISTRY.optimizer(name, **kw)


def get(kind: str, name: str) -> Any:
    """The object registered as ``name`` in ``kind``: a layer or optimizer factory, or an activation."""
    return REGISTRY.get(kind, name)


def commands() -> dict[str, Command]:
    """The ``cygrad`` subcommands plugins provide, by name (a name two plugins claim is left out)."""
    return REGISTRY.commands()


def names(kind: str) -> list[str]:
    """The registered names of ``kind`` (one of ``KINDS``), sorted."""
    return REGISTRY.names(kind)


def plugins() -> list[PluginInfo]:
    """One row per plugin: plugin, distribution, version, what it provides, its problems."""
    return REGISTRY.plugins()


def register(plugin: object, name: str | None = None) -> str:
    """Register an in-process plugin (a module or object with hookimpls); returns its name.

    It is checked like an installed plugin. ``refresh()`` forgets it.
    """
    return REGISTRY.register(plugin, name)


def refresh() -> None:
    """Forget every plugin, in-process ones included; the next lookup discovers them again.

    Call it after installing or removing a plugin distribution in a running process.
    """
    REGISTRY.refresh()
