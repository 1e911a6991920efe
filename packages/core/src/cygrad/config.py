"""Per-context settings of the engine: whether to record graphs, whether in training mode.

The settings live in one ``contextvars.ContextVar``, so they are per thread and per async
task, never process-global, and every context manager here restores the previous value on
exit, however deeply they nest.
"""
from __future__ import annotations

import contextlib
import functools
from contextvars import ContextVar
from dataclasses import dataclass, fields, replace
from typing import Any, Callable

__all__ = ["Config", "config", "no_grad", "test_mode", "using_config"]


@dataclass(frozen=True, slots=True, eq=False)
class Config:
    """One immutable snapshot of the settings (hashed by identity: the engine looks up
    cached variants of a snapshot on every backward pass)."""

    enable_backprop: bool = True
    train: bool = True


_NAMES = frozenset(f.name for f in fields(Config))

# The engine (cygrad.variable._core) reads this variable on every operation.
current: ContextVar[Config] = ContextVar("cygrad.config", default=Config())


@functools.lru_cache(maxsize=None)
def replaced(snapshot: Config, name: str, value: bool) -> Config:
    """``snapshot`` with one setting changed (cached: the engine calls this per backward)."""
    return replace(snapshot, **{name: value})


class using_config(contextlib.ContextDecorator):
    """Set one setting for the duration of a ``with`` block or a decorated call."""

    def __init__(self, name: str, value: bool) -> None:
        if name not in _NAMES:
            raise ValueError(
                f"using_config: unknown setting {name!r}; known settings: {', '.join(sorted(_NAMES))}"
            )
        self.name = name
        self.value = bool(value)
        self._tokens: list = []

    def _recreate_cm(self) -> "using_config":
        # A decorated function gets a fresh manager per call, so concurrent or recursive
        # calls never share a token stack.
        return type(self)(self.name, self.value)

    def __enter__(self) -> "using_config":
        self._tokens.append(current.set(replaced(current.get(), self.name, self.value)))
        return self

    def __exit__(self, *exc: Any) -> None:
        current.reset(self._tokens.pop())


def _manager(where: str, name: str, value: bool, func: Callable[..., Any] | None) -> Any:
    """``using_config(name, value)``, or ``func`` decorated with it (the bare ``@where``)."""
    manager = using_config(name, value)
    if func is None:
        return manager
    if not callable(func):
        raise TypeError(f"{where}: takes no arguments, or a function to decorate; got {func!r}")
    return manager(func)


def no_grad(func: Callable[..., Any] | None = None) -> Any:
    """Do not record graphs: operations return plain results with no creator. A context
    manager (``with no_grad():``) and a decorator, with or without parentheses."""
    return _manager("no_grad", "enable_backprop", False, func)


def test_mode(func: Callable[..., Any] | None = None) -> Any:
    """Evaluation mode: ``train`` is False (dropout becomes the identity). A context
    manager (``with test_mode():``) and a decorator, with or without parentheses."""
    return _manager("test_mode", "train", False, func)


class _ConfigView:
    """Read-only view of the current context's settings: ``config.enable_backprop``."""

    __slots__ = ()

    def __getattr__(self, name: str) -> bool:
        if name not in _NAMES:
            raise AttributeError(f"config has no setting {name!r}")
        return getattr(current.get(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("config is read-only; use using_config(name, value) instead")

    def __repr__(self) -> str:
        snap = current.get()
        return "config(" + ", ".join(f"{n}={getattr(snap, n)}" for n in sorted(_NAMES)) + ")"


config = _ConfigView()
