"""Sequential: a model composed from layers and activations, given as objects or registered names.

Names come from ``cygrad.registry``, so a layer or activation from any installed plugin
composes with the built-ins, and ``to_config()`` gives a JSON-ready list that rebuilds the
same architecture::

    model = Sequential("linear:64", "relu", {"layer": "lstm", "hidden_size": 32}, "linear:1")
    Sequential(json.loads(json.dumps(model.to_config())))
"""
from __future__ import annotations

import ast
import copy
import difflib
import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any, Union

from cygrad import registry
from cygrad.layers.activation import ActivationLayer, callable_name
from cygrad.models.model import Model
from cygrad.protocols import Layer, StatefulLayer
from cygrad.registry.checks import LAYER_METHODS, missing_methods
from cygrad.variable import Variable
from cygrad.random import RNGLike, rng_from

__all__ = ["Item", "Sequential"]

#: What ``Sequential`` accepts per position: a layer object, an activation callable, a
#: registered name with arguments ("linear:64", "relu", "leaky_relu:slope=0.2") or a dict
#: ({"layer": "lstm", "hidden_size": 32}, {"activation": "relu"}).
Item = Union[Layer, Callable[[Variable], Variable], str, Mapping[str, Any]]
Config = dict[str, Any]


class Sequential(Model):
    """Items applied in order; parameter keys are prefixed by the item's position.

    Activations count as positions: ``Sequential("linear:4", "relu", "linear:1")`` has keys
    ``0.W 0.b 2.W 2.b``. ``Sequential(list_of_items)`` is the same as ``Sequential(*items)``.
    Layers built from names get a generator made from ``rng`` (when their factory takes an
    ``rng`` argument and none was given), all from one generator in order, so the same seed
    gives the same model.
    """

    def __init__(self, *items: Item, rng: RNGLike = None) -> None:
        if len(items) == 1 and isinstance(items[0], (list, tuple)):
            items = tuple(items[0])
        if not items:
            raise ValueError("Sequential: give at least one layer or activation")
        gen = rng_from(rng)
        built = [_build(i, item, gen) for i, item in enumerate(items)]
        self._configs: list[Config | None] = [config for _, config in built]
        super().__init__([layer for layer, _ in built])

    def reset_state(self) -> None:
        """Reset every stateful item (a ``cygrad.protocols.StatefulLayer``), as before a new
        sequence."""
        for layer in self.layers:
            if isinstance(layer, StatefulLayer):
                layer.reset_state()

    def to_config(self) -> list[Config]:
        """The items as dicts (``{"layer": "linear", "out_size": 64}``, ``{"activation": "relu"}``).

        ``Sequential(config)`` builds the same architecture (with new weights). Items given as
        objects need a registered name to appear here: activations registered in the
        registry are found by identity, layers by their own ``to_config()``.
        """
        out = []
        for i, (layer, config) in enumerate(zip(self.layers, self._configs)):
            if config is None:
                config = _object_config(layer)
            if config is None:
                what = callable_name(layer.fn) if isinstance(layer, ActivationLayer) else type(layer).__name__
                raise ValueError(
                    f"Sequential.to_config: item {i} ({what}) was given as an object that has no "
                    "config; give it as a registered name (\"linear:64\", \"relu\") or a dict, or "
                    "give the object a to_config() method returning {\"layer\": name, ...}"
                )
            out.append(copy.deepcopy(config))
        return out


def _build(i: int, item: Item, gen: Any) -> tuple[Any, Config | None]:
    """The layer at position ``i`` and its config (None for an object, asked in to_config)."""
    if isinstance(item, str):
        kind, name, args, kw = _parse(i, item)
        return _from_name(i, kind, name, args, kw, gen)
    if isinstance(item, Mapping):
        kind, name, args, kw = _from_mapping(i, item)
        return _from_name(i, kind, name, args, kw, gen)
    if isinstance(item, Layer):
        return item, None
    missing = missing_methods(item, LAYER_METHODS)
    if len(missing) < len(LAYER_METHODS):
        raise TypeError(
            f"Sequential: item {i} ({type(item).__name__}) has some Layer methods but lacks "
            f"{', '.join(missing)}"
        )
    if callable(item):
        return ActivationLayer(item), None
    raise TypeError(
        f"Sequential: item {i} is a {type(item).__name__}; expected a layer, an activation "
        "callable, a registered name such as \"linear:64\" or a dict such as {\"layer\": \"lstm\", "
        "\"hidden_size\": 32}"
    )


def _parse(i: int, text: str) -> tuple[str, str, list[Any], dict[str, Any]]:
    """``"name:arg,key=value"`` -> kind, name, positional and keyword arguments.

    The arguments are read like a Python call's, each one a literal (number, string, tuple,
    True/False/None): ``"linear:64,nobias=True"``, ``"leaky_relu:slope=0.2"``.
    """
    name, _, rest = text.partition(":")
    name = name.strip()
    try:
        call = ast.parse(f"_({rest})", mode="eval").body
        assert isinstance(call, ast.Call)
        args = [ast.literal_eval(a) for a in call.args]
        kw = {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg is not None}
        if len(kw) != len(call.keywords):
            raise ValueError("** is not allowed")
    except (ValueError, SyntaxError, AssertionError) as e:
        raise ValueError(
            f"Sequential: item {i} {text!r}: the arguments after ':' must read like a call's "
            f"arguments, each a Python literal (\"linear:64,nobias=True\"): {e}"
        ) from None
    return _kind_of(i, name), name, args, kw


def _from_mapping(i: int, item: Mapping[str, Any]) -> tuple[str, str, list[Any], dict[str, Any]]:
    kinds = [k for k in ("layer", "activation") if k in item]
    if len(kinds) != 1:
        raise ValueError(
            f"Sequential: item {i} {dict(item)!r} needs exactly one of the keys 'layer' and "
            "'activation'"
        )
    name, args = item[kinds[0]], item.get("args", [])
    if not isinstance(name, str):
        raise TypeError(
            f"Sequential: item {i}: {kinds[0]!r} must be a registered name (a str), got "
            f"{type(name).__name__} {name!r}"
        )
    if not isinstance(args, (list, tuple)):
        raise TypeError(
            f"Sequential: item {i} {name!r}: 'args' must be a list of positional arguments, got "
            f"{type(args).__name__} {args!r}"
        )
    kw = {k: v for k, v in item.items() if k not in ("layer", "activation", "args")}
    not_names = [k for k in kw if not isinstance(k, str)]
    if not_names:
        raise TypeError(
            f"Sequential: item {i} {name!r}: argument names must be str, got {not_names!r}"
        )
    kind = "layers" if kinds[0] == "layer" else "activations"
    return kind, name, list(args), kw


def _kind_of(i: int, name: str) -> str:
    layers, activations = registry.names("layers"), registry.names("activations")
    if name in layers and name in activations:
        raise ValueError(
            f"Sequential: item {i}: {name!r} is both a registered layer and a registered "
            f"activation; write {{'layer': {name!r}}} or {{'activation': {name!r}}}"
        )
    if name in layers:
        return "layers"
    if name in activations:
        return "activations"
    close = difflib.get_close_matches(name, layers + activations, n=3, cutoff=0.5)
    raise registry.UnknownNameError(
        f"Sequential: item {i}: no layer or activation named {name!r}"
        + (f"; closest: {', '.join(close)}" if close else "")
        + f". Registered layers: {', '.join(layers)}; activations: {', '.join(activations)}"
    )


def _from_name(
    i: int, kind: str, name: str, args: list[Any], kw: dict[str, Any], gen: Any
) -> tuple[Any, Config]:
    if kind == "activations":
        fn = registry.activation(name)
        bound = _bind_extra(i, name, fn, args, kw)
        return ActivationLayer(functools.partial(fn, **bound) if bound else fn), {"activation": name, **bound}
    factory = registry.get("layers", name)
    config = {"layer": name, **_bind(i, name, factory, args, kw)}
    if "rng" not in kw and _takes(factory, "rng"):
        kw = {**kw, "rng": gen}
    return registry.layer(name, *args, **kw), config


def _bind(i: int, name: str, factory: Any, args: list[Any], kw: dict[str, Any]) -> dict[str, Any]:
    """The arguments by parameter name, so the config reads ``{"out_size": 64}``, not ``[64]``.

    Arguments that have no name (``*args``, positional-only) stay a list under ``"args"``.
    """
    try:
        sig = inspect.signature(factory)
    except (TypeError, ValueError):  # no signature to read: keep the arguments as given
        return {"args": list(args), **kw} if args else dict(kw)
    try:
        bound = sig.bind(*args, **kw)
    except TypeError as e:
        raise TypeError(f"Sequential: item {i} {name!r}: {e}") from None
    out: dict[str, Any] = {}
    unnamed: list[Any] = []
    for pname, value in bound.arguments.items():
        param = sig.parameters[pname]
        if param.kind is param.VAR_KEYWORD:
            out.update(value)
        elif param.kind is param.VAR_POSITIONAL:
            unnamed.extend(value)
        elif param.kind is param.POSITIONAL_ONLY:
            unnamed.append(value)
        else:
            out[pname] = value
    return {"args": unnamed, **out} if unnamed else out


def _bind_extra(i: int, name: str, fn: Callable[..., Any], args: list[Any], kw: dict[str, Any]) -> dict[str, Any]:
    """An activation's extra arguments (after the input) as keywords for ``functools.partial``."""
    if not args:
        return dict(kw)
    try:
        params = list(inspect.signature(fn).parameters.values())[1:]
    except (TypeError, ValueError):
        params = []
    named = [p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    if len(args) > len(named):
        raise TypeError(
            f"Sequential: item {i} {name!r}: {len(args)} extra argument(s) given, but the "
            f"activation takes {len(named)} besides its input ({', '.join(named) or 'none'})"
        )
    return {**dict(zip(named, args)), **kw}


def _takes(factory: Any, arg: str) -> bool:
    try:
        return arg in inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return False


def _object_config(layer: Any) -> Config | None:
    """The config of an item given as an object: its own ``to_config()``, or for an activation
    the registered name it is found under (by identity; a partial adds its keywords)."""
    fn = layer.fn if isinstance(layer, ActivationLayer) else layer
    own = getattr(fn, "to_config", None)
    if callable(own):
        return dict(own())
    if not isinstance(layer, ActivationLayer):
        return None
    base, keywords = fn, {}
    if isinstance(fn, functools.partial) and not fn.args:
        base, keywords = fn.func, dict(fn.keywords)
    for name in registry.names("activations"):
        try:
            registered = registry.activation(name)
        except registry.PluginError:  # a name two plugins claim: not this one's
            continue
        if registered is base:
            return {"activation": name, **keywords}
    return None
