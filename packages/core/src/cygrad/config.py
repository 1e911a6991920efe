"""Per-context settings of the engine: whether to record graphs, whether in training mode.

The settings live in one ``contextvars.ContextVar``, so they are per thread and per async
task, never process-global, and every context manager here restores the previous value on
exit, however deeply they nest. What a manager undoes on exit is kept per context, not on
the manager, so one object may be entered by several threads or tasks at once; as a
decorator it also covers the bodies of generator and ``async`` functions, resumption by
resumption.
"""
from __future__ import annotations

import contextlib
import functools
import inspect
from contextvars import ContextVar, Token
from dataclasses import dataclass, fields, replace
from typing import Any, Callable, Generator, TypeVar, cast

import numpy as np

__all__ = ["Config", "config", "no_grad", "test_mode", "using_config"]

_F = TypeVar("_F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True, eq=False)
class Config:
    """One immutable snapshot of the settings (hashed by identity: the engine looks up
    cached variants of a snapshot on every backward pass)."""

    enable_backprop: bool = True
    train: bool = True


_NAMES = frozenset(f.name for f in fields(Config))

# The engine (cygrad.variable._core) reads this variable on every operation.
current: ContextVar[Config] = ContextVar("cygrad.config", default=Config())

# The managers entered in this context, innermost last, each with the token that undoes
# its change. Kept per context rather than on the manager, so that threads and tasks
# sharing one manager object each undo only their own change.
_entered: ContextVar[tuple[tuple[Any, Token[Config]], ...]] = ContextVar(
    "cygrad.config.entered", default=()
)


@functools.lru_cache(maxsize=None)
def replaced(snapshot: Config, name: str, value: bool) -> Config:
    """``snapshot`` with one setting changed (cached: the engine calls this per backward)."""
    return replace(snapshot, **{name: value})


class using_config(contextlib.ContextDecorator):
    """Set one setting for the duration of a ``with`` block or a decorated call.

    A decorated generator or ``async`` function (or async generator) has the setting while
    its body runs: each resumption enters it and each suspension restores the caller's.
    """

    def __init__(self, name: str, value: bool) -> None:
        if name not in _NAMES:
            raise ValueError(
                f"using_config: unknown setting {name!r}; known settings: {', '.join(sorted(_NAMES))}"
            )
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"using_config: {name} must be a bool, got {value!r}")
        self.name = name
        self.value = bool(value)

    def __enter__(self) -> "using_config":
        token = current.set(replaced(current.get(), self.name, self.value))
        _entered.set(_entered.get() + ((self, token),))
        return self

    def __exit__(self, *exc: Any) -> None:
        entered = _entered.get()
        for i in range(len(entered) - 1, -1, -1):
            if entered[i][0] is self:
                current.reset(entered[i][1])
                _entered.set(entered[:i] + entered[i + 1:])
                return
        raise RuntimeError(f"{self!r} exited in a thread or task that did not enter it")

    def __repr__(self) -> str:
        return f"using_config({self.name!r}, {self.value})"

    def __call__(self, func: _F) -> _F:
        if inspect.isasyncgenfunction(func):
            @functools.wraps(func)
            async def async_generator(*args: Any, **kwargs: Any) -> Any:
                agen = func(*args, **kwargs)
                try:
                    value = await self._stepped(agen.asend(None))
                    while True:
                        try:
                            sent = yield value
                        except GeneratorExit:
                            await self._stepped(agen.aclose())
                            raise
                        except BaseException as e:  # thrown in by the caller: pass it on
                            value = await self._stepped(agen.athrow(e))
                        else:
                            value = await self._stepped(agen.asend(sent))
                except StopAsyncIteration:
                    return

            return cast(_F, async_generator)  # wraps keeps func's signature
        if inspect.iscoroutinefunction(func):
            @functools.wraps(func)
            async def coroutine(*args: Any, **kwargs: Any) -> Any:
                return await self._stepped(func(*args, **kwargs))

            return cast(_F, coroutine)  # wraps keeps func's signature
        if inspect.isgeneratorfunction(func):
            @functools.wraps(func)
            def generator(*args: Any, **kwargs: Any) -> Any:
                return (yield from self._steps(func(*args, **kwargs)))

            return cast(_F, generator)  # wraps keeps func's signature
        return super().__call__(func)

    def _steps(self, it: Any) -> Generator[Any, Any, Any]:
        """Drive the generator or coroutine ``it``, one step at a time under this setting,
        yielding what it yields and returning what it returns; between its steps the
        caller's setting holds."""
        step, arg = it.send, None
        while True:
            try:
                with self:
                    value = step(arg)
            except StopIteration as stop:
                return stop.value
            try:
                arg = yield value
                step = it.send
            except GeneratorExit:
                with self:
                    it.close()
                raise
            except BaseException as e:  # thrown in by the caller: pass it on
                step, arg = it.throw, e

    def _stepped(self, awaitable: Any) -> Any:
        """``awaitable`` (a coroutine, or a step of an async generator) run by ``_steps``."""
        return _Awaitable(self._steps(awaitable))


class _Awaitable:
    """An awaitable whose ``__await__`` is a given generator."""

    __slots__ = ("_gen",)

    def __init__(self, gen: Generator[Any, Any, Any]) -> None:
        self._gen = gen

    def __await__(self) -> Generator[Any, Any, Any]:
        return self._gen


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
        return bool(getattr(current.get(), name))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("config is read-only; use using_config(name, value) instead")

    def __repr__(self) -> str:
        snap = current.get()
        return "config(" + ", ".join(f"{n}={getattr(snap, n)}" for n in sorted(_NAMES)) + ")"


config = _ConfigView()
