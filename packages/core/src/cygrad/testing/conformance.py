"""The conformance checks of registered components: what cygrad's own test suite and
``pytest --cygrad-conformance`` run on every layer, activation and optimizer in the registry."""
from __future__ import annotations

from typing import Any, Callable

from cygrad.registry import REGISTRY
from cygrad.testing.activation import check_activation
from cygrad.testing.layer import check_layer
from cygrad.testing.optimizer import check_optimizer

__all__ = ["CHECKED_KINDS", "check_registered", "registered_components"]

CHECKED_KINDS = ("layers", "activations", "optimizers")

# A registered layer is built as factory(*EXAMPLE_ARGS) unless the factory has example_args,
# and fed inputs of this shape unless the layer has example_inputs.
EXAMPLE_ARGS = (3,)
INPUT_SHAPE = (2, 4)


def registered_components() -> list[tuple[str, str]]:
    """``(kind, name)`` of every registered layer, activation and optimizer, sorted.

    Read without raising for plugin problems (even under ``CYGRAD_STRICT_PLUGINS``), so that
    a test session can be collected; checking a component then raises for them.
    """
    found = {
        (kind, name)
        for row in REGISTRY.plugins(strict=False)
        for kind in CHECKED_KINDS
        for name in row.provides.get(kind, ())
    }
    return sorted(found, key=lambda pair: (CHECKED_KINDS.index(pair[0]), pair[1]))


def check_registered(kind: str, name: str) -> None:
    """Run the conformance check of ``kind`` on the component registered as ``name``.

    Layers: ``check_layer`` on ``registry.layer(name, *example_args)``, where
    ``example_args`` is the factory's attribute of that name or ``(3,)``, with inputs of
    shape ``(2, 4)``. Activations: ``check_activation``. Optimizers: ``check_optimizer`` on
    ``registry.optimizer(name)`` with its defaults. Raises AssertionError on a violation.
    """
    if kind not in CHECKED_KINDS:
        raise ValueError(
            f"check_registered: kind must be one of {', '.join(CHECKED_KINDS)}, got {kind!r}"
        )
    if kind == "activations":
        check_activation(REGISTRY.activation(name))
    elif kind == "optimizers":
        check_optimizer(_Named(f"registry.optimizer({name!r})", lambda: REGISTRY.optimizer(name)))
    else:
        args = tuple(getattr(REGISTRY.get("layers", name, "layer"), "example_args", EXAMPLE_ARGS))
        call = ", ".join(repr(a) for a in (name, *args))
        check_layer(_Named(f"registry.layer({call})", lambda: REGISTRY.layer(name, *args)), INPUT_SHAPE)


class _Named:
    """A factory that the checks' messages call by ``label`` (``registry.layer('gru', 3)``)."""

    def __init__(self, label: str, build: Callable[[], Any]) -> None:
        self._label = label
        self._build = build

    def __call__(self) -> Any:
        return self._build()

    def __repr__(self) -> str:
        return self._label
