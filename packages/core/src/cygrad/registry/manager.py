"""The registry: loads plugins one by one, validates what they register, answers lookups.

Discovery is lazy (the first lookup loads every ``cygrad`` entry point) and cached until
``refresh()``. Each plugin is loaded, registered with pluggy and asked for its components on
its own, so an exception or an invalid registration skips that plugin only.
"""
from __future__ import annotations

import difflib
import importlib
import os
import sys
import threading
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple

import pluggy

from cygrad.registry import hookspecs
from cygrad.registry.checks import (
    KINDS,
    LAYER_METHODS,
    OPTIMIZER_METHODS,
    SHARED_NAMES,
    SINGULAR,
    missing_methods,
    registered_name,
    registration_problem,
)
from cygrad.registry.command import Command
from cygrad.registry.discovery import find_entry_points
from cygrad.registry.errors import PluginError, PluginWarning, UnknownNameError

HOOKS = {
    "layers": "cygrad_register_layers",
    "activations": "cygrad_register_activations",
    "optimizers": "cygrad_register_optimizers",
    "commands": "cygrad_register_commands",
    "onnx_converters": "cygrad_register_onnx_converters",
}
STRICT_ENV = "CYGRAD_STRICT_PLUGINS"


def strict_from_env() -> bool:
    """Whether ``CYGRAD_STRICT_PLUGINS`` asks for every plugin problem to raise."""
    return os.environ.get(STRICT_ENV, "").strip().lower() in ("1", "true", "yes", "on")


class PluginInfo(NamedTuple):
    """One row of ``registry.plugins()``: a plugin, where it comes from, what it provides."""

    plugin: str
    distribution: str | None
    version: str | None
    provides: dict[str, tuple[str, ...]]
    problems: tuple[str, ...]


@dataclass(eq=False)
class _Record:
    """What the registry knows about one plugin while it is loaded (mutable)."""

    plugin: str
    distribution: str | None
    version: str | None
    provides: dict[str, tuple[str, ...]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if self.distribution is None:
            return f"plugin {self.plugin!r} (registered in-process)"
        return f"plugin {self.plugin!r} ({self.distribution} {self.version or '?'})"


@dataclass(frozen=True)
class _Entry:
    obj: Any
    record: _Record


Entries = dict[str, dict[str, list[_Entry]]]


class Registry:
    """Registered layers, activations and optimizers, by kind and name."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._reset()

    def _reset(self) -> None:
        self._pm: pluggy.PluginManager | None = None
        self._records: list[_Record] = []
        self._entries: Entries = {kind: {} for kind in KINDS}
        self._loading = False

    # -- loading ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """Forget every plugin (in-process ones too); the next lookup discovers them again."""
        with self._lock:
            self._reset()
            importlib.invalidate_caches()

    def _ensure_loaded(self, strict: bool | None = None) -> None:
        with self._lock:
            if self._loading:
                raise PluginError(
                    "cygrad.registry: used while plugins are loading (a plugin's import or hook "
                    "looks something up in the registry)"
                )
            if self._pm is None:
                self._loading = True
                try:
                    self._discover()
                finally:
                    self._loading = False
            if strict is None:
                strict = strict_from_env()
            problems = self._all_problems()
            if strict and problems:
                raise PluginError(
                    f"cygrad plugins have problems ({STRICT_ENV} is set):\n" + "\n".join(problems)
                )

    def _discover(self) -> None:
        self._records = []
        self._entries = {kind: {} for kind in KINDS}
        pm = pluggy.PluginManager(hookspecs.PROJECT)
        pm.add_hookspecs(hookspecs)
        for found in find_entry_points(hookspecs.PROJECT):
            record = _Record(found.name, found.distribution, found.version)
            self._records.append(record)
            if found.entry_point is None:
                record.problems.append(f"skipped: {found.error}")
                continue
            try:
                plugin = found.entry_point.load()
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # SystemExit too: a plugin never ends the program
                record.problems.append(
                    f"skipped: importing {found.entry_point.value!r} failed: {_describe(exc)}"
                )
                continue
            pending = self._collect(pm, plugin, record, f"{found.distribution}:{found.name}")
            self._commit(pending, record)
        self._pm = pm
        if not strict_from_env():
            for record in self._records:
                self._warn(record)

    def register(self, plugin: object, name: str | None = None) -> str:
        """Register an in-process plugin (an object with hookimpls); returns its name."""
        with self._lock:
            self._ensure_loaded(strict=False)
            assert self._pm is not None
            if name is None:
                name = getattr(plugin, "__name__", None) or type(plugin).__name__
            record = _Record(name, None, None)
            pending = self._collect(self._pm, plugin, record, name)
            self._records.append(record)
            self._commit(pending, record)
            problems = self._problems_of(record)
            if problems and strict_from_env():
                self._forget(record, plugin)
                raise PluginError(
                    f"cygrad.registry.register: {record.describe()} has problems "
                    f"({STRICT_ENV} is set): " + "; ".join(problems)
                )
            self._warn(record)
            return name

    def _collect(
        self, pm: pluggy.PluginManager, plugin: object, record: _Record, key: str
    ) -> dict[str, dict[str, Any]]:
        """Register ``plugin`` with pluggy and call its hooks; its components by kind and name.

        Any problem goes to ``record.problems`` and skips the whole plugin (nothing returned).
        """
        pending: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}
        if pm.is_registered(plugin):
            record.problems.append(f"skipped: the same object as plugin {pm.get_name(plugin)!r}")
            return pending
        if pm.has_plugin(key):
            record.problems.append(f"skipped: a plugin named {key!r} is already registered")
            return pending
        try:
            pm.register(plugin, name=key)
        except Exception as exc:  # pluggy.PluginValidationError: a hookimpl's arguments are wrong
            record.problems.append("skipped: " + " ".join(str(exc).split()))
            if pm.get_plugin(key) is plugin:
                pm.unregister(name=key)
            return pending
        impls = [
            (caller, impl)
            # one caller per hookimpl: a plugin implementing a hook twice lists that caller twice
            for caller in dict.fromkeys(pm.get_hookcallers(plugin) or [])
            for impl in caller.get_hookimpls()
            if impl.plugin is plugin
        ]
        if not impls:
            record.problems.append("skipped: " + _no_hooks_message(plugin))
        for caller, impl in impls:
            if not caller.has_spec():
                close = difflib.get_close_matches(caller.name, list(HOOKS.values()), n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                record.problems.append(f"skipped: implements an unknown hook {caller.name}{hint}")
            elif impl.wrapper or impl.hookwrapper:
                record.problems.append(f"skipped: {caller.name} is a wrapper; cygrad hooks take none")
        if not record.problems:
            for kind in KINDS:
                for caller, impl in impls:
                    if caller.name == HOOKS[kind]:
                        self._call_hook(kind, impl, record, pending[kind])
        if record.problems:
            pm.unregister(plugin)
            return {kind: {} for kind in KINDS}
        return pending

    @staticmethod
    def _call_hook(kind: str, impl: Any, record: _Record, into: dict[str, Any]) -> None:
        registered: list[tuple[Any, Any]] = []

        def register(name: Any, obj: Any) -> None:
            registered.append((registered_name(kind, name), obj))

        try:
            impl.function(**{arg: register for arg in impl.argnames})
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # SystemExit too: a plugin never ends the program
            record.problems.append(f"skipped: {HOOKS[kind]} raised {_describe(exc)}")
            return
        for name, obj in registered:
            problem = registration_problem(kind, name, obj)
            if problem is None and name in into:
                problem = f"registers {SINGULAR[kind]} {name!r} twice"
            if problem is not None:
                record.problems.append(f"skipped: {problem}")
            else:
                into[name] = obj

    def _commit(self, pending: dict[str, dict[str, Any]], record: _Record) -> None:
        for kind in KINDS:
            for name, obj in pending[kind].items():
                self._entries[kind].setdefault(name, []).append(_Entry(obj, record))
            if pending[kind]:
                record.provides[kind] = tuple(sorted(pending[kind]))

    def _forget(self, record: _Record, plugin: object) -> None:
        """Undo ``_commit`` and the pluggy registration of an in-process plugin."""
        self._records.remove(record)
        for entries in self._entries.values():
            for name in [n for n, es in entries.items() if any(e.record is record for e in es)]:
                entries[name] = [e for e in entries[name] if e.record is not record]
                if not entries[name]:
                    del entries[name]
        assert self._pm is not None
        if self._pm.is_registered(plugin):
            self._pm.unregister(plugin)

    # -- problems --------------------------------------------------------------------------

    def _name_problems(self, record: _Record) -> list[str]:
        """The names ``record`` shares with another component: a second provider of the same
        kind, or a layer and an activation of one name (ambiguous in ``Sequential``)."""
        problems = []
        for kind in KINDS:
            for name in record.provides.get(kind, ()):
                for other_kind in SHARED_NAMES[kind]:
                    for entry in self._entries[other_kind].get(name, ()):
                        other = entry.record
                        if other_kind == kind and other is not record:
                            problems.append(
                                f"{SINGULAR[kind]} {name!r} is also provided by {other.describe()}"
                            )
                        elif other_kind != kind and (other is not record or kind == "layers"):
                            # A plugin clashing with itself hears it once, for its layer.
                            by = "this plugin" if other is record else other.describe()
                            problems.append(
                                f"{SINGULAR[kind]} {name!r} has the name of "
                                f"{SINGULAR[other_kind]} {name!r} from {by}, so the name alone "
                                "is ambiguous in Sequential"
                            )
        return problems

    def _problems_of(self, record: _Record) -> list[str]:
        return record.problems + self._name_problems(record)

    def _all_problems(self) -> list[str]:
        return [
            f"  - {record.describe()}: {problem}"
            for record in self._records
            for problem in self._problems_of(record)
        ]

    def _warn(self, record: _Record) -> None:
        problems = self._problems_of(record)
        if problems:
            warnings.warn(
                f"cygrad {record.describe()}: " + "; ".join(problems),
                PluginWarning,
                stacklevel=_outside_stacklevel(),
            )

    # -- lookups ---------------------------------------------------------------------------

    def plugins(self, strict: bool | None = None) -> list[PluginInfo]:
        """Every plugin found, in discovery order, then the in-process ones."""
        self._ensure_loaded(strict)
        return [
            PluginInfo(
                r.plugin, r.distribution, r.version, dict(r.provides), tuple(self._problems_of(r))
            )
            for r in self._records
        ]

    def names(self, kind: str) -> list[str]:
        """The registered names of one kind, sorted."""
        _check_kind("names", kind)
        self._ensure_loaded()
        return sorted(self._entries[kind])

    def get(self, kind: str, name: str, where: str = "get") -> Any:
        """The object registered as ``name`` (a factory, or an activation's function)."""
        _check_kind(where, kind)
        self._ensure_loaded()
        entries = self._entries[kind].get(name)
        if not entries:
            raise UnknownNameError(self._unknown_message(where, kind, name))
        if len(entries) > 1:
            providers = " and ".join(e.record.describe() for e in entries)
            raise PluginError(
                f"cygrad.registry.{where}: {SINGULAR[kind]} {name!r} is provided by both "
                f"{providers}; uninstall one of them"
            )
        return entries[0].obj

    def provider(self, kind: str, name: str) -> str:
        """Who registered ``name``, for messages: ``plugin 'x' (dist 1.0)``."""
        self.get(kind, name)
        return self._entries[kind][name][0].record.describe()

    def _unknown_message(self, where: str, kind: str, name: Any) -> str:
        what = SINGULAR[kind]
        known = sorted(self._entries[kind])
        message = f"cygrad.registry.{where}: no {what} named {name!r}"
        close = difflib.get_close_matches(str(name), known, n=3, cutoff=0.5)
        if close:
            message += f"; closest: {', '.join(close)}"
        elsewhere = [SINGULAR[k] for k in KINDS if k != kind and name in self._entries[k]]
        if elsewhere:
            message += f" ({name!r} is a registered {' and '.join(elsewhere)})"
        listed = ", ".join(known) if known else "none"
        return f"{message}. Registered {kind}: {listed} (see `cygrad plugins`)"

    def layer(self, name: str, *args: Any, **kw: Any) -> Any:
        """Build the layer registered as ``name``: ``factory(*args, **kw)``, checked."""
        built = self.get("layers", name, "layer")(*args, **kw)
        missing = missing_methods(built, LAYER_METHODS)
        if missing:
            raise PluginError(
                f"cygrad.registry.layer: {name!r} from {self.provider('layers', name)} built an "
                f"object of type {type(built).__name__}, which lacks the Layer method(s) "
                f"{', '.join(missing)}"
            )
        return built

    def commands(self) -> dict[str, Command]:
        """Every plugin command whose name only one plugin provides, by name, sorted.

        Never raises for plugin problems, even under ``CYGRAD_STRICT_PLUGINS``: the ``cygrad``
        command stays usable and ``cygrad plugins`` lists the problems.
        """
        self._ensure_loaded(strict=False)
        return {
            name: entries[0].obj
            for name, entries in sorted(self._entries["commands"].items())
            if len(entries) == 1
        }

    def activation(self, name: str) -> Callable[..., Any]:
        """The activation function registered as ``name``."""
        activation: Callable[..., Any] = self.get("activations", name, "activation")
        return activation

    def optimizer(self, name: str, **kw: Any) -> Any:
        """Build the optimizer registered as ``name``: ``factory(**kw)``, checked."""
        built = self.get("optimizers", name, "optimizer")(**kw)
        missing = missing_methods(built, OPTIMIZER_METHODS)
        if missing:
            raise PluginError(
                f"cygrad.registry.optimizer: {name!r} from {self.provider('optimizers', name)} "
                f"built an object of type {type(built).__name__}, which lacks {', '.join(missing)}"
            )
        return built


def _outside_stacklevel() -> int:
    """The ``stacklevel`` that makes a warning point at the first caller outside this package."""
    here = os.path.dirname(os.path.abspath(__file__))
    frame, level = sys._getframe(2), 2  # 1 is the frame calling warnings.warn
    while frame is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == here:
        frame, level = frame.f_back, level + 1
    return level


def _describe(exc: BaseException) -> str:
    """``SystemExit: 4``, or the bare type name when the exception has no message."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _check_kind(where: str, kind: str) -> None:
    if kind not in KINDS:
        close = difflib.get_close_matches(str(kind), KINDS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(
            f"cygrad.registry.{where}: unknown kind {kind!r}{hint}; kinds: {', '.join(KINDS)}"
        )


def _no_hooks_message(plugin: object) -> str:
    unmarked = [n for n in HOOKS.values() if callable(getattr(plugin, n, None))]
    if unmarked:
        return (
            f"{', '.join(unmarked)} lack(s) the @cygrad.registry.hookimpl marker, so it "
            "provides no hook"
        )
    return "it provides no hook (no function marked with @cygrad.registry.hookimpl)"
