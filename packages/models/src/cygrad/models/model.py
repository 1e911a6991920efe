"""Model: an ordered list of layers with one parameter namespace, saved to and loaded from files."""
from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

import numpy as np

from cygrad.layers import Layer, Parameter, Parameters
from cygrad.models.loading import NameMap, check_load_options, entries_from_mapping, load_entries
from cygrad.protocols import awaiting_parameters
from cygrad.variable import Variable

__all__ = ["Model"]

#: What ``_expected_params`` tells per key: the shape (None where the file must tell it) and
#: the dtype the value takes.
Expected = dict[str, tuple[tuple[int, ...] | None, np.dtype]]


class Model:
    """The layers of a model, in order, and what an optimizer needs from them.

    ``params()`` merges the layers' parameters under keys prefixed by the layer's index
    (``"0.W"``, ``"0.b"``, ``"1.W"``, ...), layer by layer. ``forward(x)`` (and ``model(x)``)
    passes ``x`` through every layer in order; MLP and LSTM define their own.
    """

    # params()'s last listing, what it was built from, and the key and version it is valid
    # for (class defaults, so a subclass that skips __init__ still works).
    _listing: Parameters | None = None
    _listing_sources: Sequence[Mapping[str, Variable]] = ()
    _listing_key: list[int] | None = None
    _listing_version = 0

    def __init__(self, layers: Iterable[Layer] | None = None) -> None:
        if layers is None:
            layers = []
        if isinstance(layers, (str, bytes, Mapping)) or not isinstance(layers, Iterable):
            raise TypeError(
                f"Model: layers must be a list of layers (or None), got {type(layers).__name__}"
            )
        self.layers: list[Layer] = list(layers)
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, Layer):
                raise TypeError(
                    f"Model: layer {i} ({type(layer).__name__}) lacks the Layer methods "
                    "first, forward, params, cleargrads"
                )

    def forward(self, x: Any) -> Variable:
        """``x`` through every layer in order."""
        for layer in self.layers:
            x = layer.first(x)
        return x

    def __call__(self, x: Any) -> Variable:
        return self.forward(x)

    def params(self) -> Parameters:
        """Every layer's parameters, keyed ``"<layer index>.<name>"``, layer by layer.

        A parameter reached more than once (the same layer at two positions) is listed once,
        under its first key, so an optimizer steps it once and files hold it once.

        The listing is built once and returned again for as long as it is current: while
        the layer at each position of ``layers`` returns from ``params()`` the same
        ``Parameters`` object as before, unchanged since (its ``version``), and nobody has
        added to or deleted from the listing itself. Otherwise (a layer added or replaced, a
        lazy layer creating its parameters, a parameter deleted and added again, a layer
        whose ``params()`` builds a new mapping every time) it is built again. An optimizer
        asks for the listing every step; this spares rebuilding the same one each time.
        """
        # One pass over the layers, no helper calls: this runs every step.
        listings = []
        key: list[int] | None = []
        for layer in self.layers:
            listing = layer.params()
            listings.append(listing)
            if key is not None:
                # A plain mapping, or a subclass that might change another way, can change
                # unseen, so a listing built from it is never reused.
                if type(listing) is Parameters:
                    key += (id(listing), listing.version)
                else:
                    key = None
        cached = self._listing
        if (
            key is None
            or cached is None
            or key != self._listing_key
            or cached.version != self._listing_version
        ):
            cached = self._merged(listings)
            # The listings are kept with their key, so the ids in it stay theirs.
            self._listing, self._listing_sources = cached, listings
            self._listing_key, self._listing_version = key, cached.version
        return cached

    @staticmethod
    def _merged(listings: list[Mapping[str, Variable]]) -> Parameters:
        """The layers' listings merged under index-prefixed keys, each parameter once."""
        out = Parameters()
        seen: set[int] = set()
        for i, listing in enumerate(listings):
            for name, p in listing.items():
                if id(p) not in seen:
                    seen.add(id(p))
                    # The Layer protocol promises Variables; add refuses any but Parameters.
                    out.add(f"{i}.{name}", cast(Parameter, p))
        return out

    def cleargrads(self) -> None:
        """Forget every parameter's gradient (backward accumulates otherwise)."""
        for layer in self.layers:
            layer.cleargrads()

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter's value, keyed and ordered as ``params()`` lists them."""
        return {key: data.copy() for key, data in self._arrays("Model.state_dict").items()}

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True, allow_nonfinite: bool = False
    ) -> None:
        """Set the parameters from a mapping of names to arrays, with ``load``'s checks.

        ``strict=False`` loads the names present in both, ignores the mapping's other names
        and leaves parameters it lacks as they are; a shape mismatch is refused either way.
        The values are copied: later changes to the mapping's arrays do not reach the model.
        """
        who = "Model.load_state_dict"
        check_load_options(who, None, allow_nonfinite)
        entries = entries_from_mapping(who, state_dict)
        load_entries(self, entries, who=who, strict=strict, allow_nonfinite=allow_nonfinite)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the parameters to ``path`` (exactly that name): ``.safetensors`` by suffix,
        else an .npz archive.

        The file is written to a temporary file in the target's folder and renamed over it
        only when complete, so a failed save never damages an existing file (see
        ``atomic_write``). Saving through a symbolic link writes the link's target.
        """
        # The file machinery (zipfile, tempfile, sockets for the host name...) is imported on
        # the first save or load: about 2 MiB that a model which only trains never needs.
        from cygrad.models import file_formats
        from cygrad.models.atomic_write import atomic_write

        path = _check_path("Model.save", path)
        fmt = file_formats.for_path("Model.save", path)
        arrays = self._arrays("Model.save")
        atomic_write("Model.save", path, lambda f: fmt.write(f, arrays))

    def load(
        self,
        path: str | os.PathLike[str],
        map_names: NameMap = None,
        allow_nonfinite: bool = False,
    ) -> None:
        """Set the parameters from a file written by ``save`` (or any .npz or .safetensors).

        Names, shapes and dtypes are read from the file's headers and checked before any data
        is read; missing, extra, mis-shaped or non-float entries raise ValueError naming them.
        Then values that overflow the model's dtype, and NaN or inf (unless
        ``allow_nonfinite``), are refused. On any error the model is left as it was. Pickled
        objects are refused. ``map_names`` renames the file's entries: a dict of file names to
        model names, or a callable ``(name, array) -> (model_name, array)``, or None to skip
        the entry (a callable sees every array, so the file is read before the checks).

        A layer not called yet (lazy input size) is created with the file's shapes, so a fresh
        model loads without a dummy call: such a layer (``initialized`` False) provides
        ``in_key`` (the parameter whose dimension ``in_axis``, 0 unless the layer sets it, is
        the input size), ``param_shapes(in_size)`` and ``initialize(in_size)``, as every
        ``LayerBase`` does.
        """
        from cygrad.models import file_formats  # on first use, as in save

        path = _check_path("Model.load", path)
        who = f"Model.load({path!r})"
        check_load_options(who, map_names, allow_nonfinite)
        fmt = file_formats.for_path(who, path)
        with fmt.open_entries(who, path) as entries:
            load_entries(
                self, entries, who=who, map_names=map_names, allow_nonfinite=allow_nonfinite
            )

    def _arrays(self, who: str) -> dict[str, np.ndarray]:
        """The parameters' arrays as ``params()`` lists them; every layer must have them."""
        for i, layer in enumerate(self.layers):
            if awaiting_parameters(layer):
                raise ValueError(
                    f"{who}: layer {i} ({type(layer).__name__}) has no parameters yet; "
                    "call the model once (or give the layer in_size) first"
                )
        return {key: p.data for key, p in self.params().items()}

    def _expected_params(
        self, shapes: Mapping[str, tuple[int, ...]]
    ) -> tuple[Expected, list[tuple[Any, int]], list[str]]:
        """The keys loading expects, in ``params()`` order, given the source's ``shapes``.

        Also the lazy layers to create and with which input size (read from ``shapes``), and
        problems found on the way. A layer or parameter met again is skipped, as in ``params()``.
        """
        expected: Expected = {}
        to_create: list[tuple[Any, int]] = []
        problems: list[str] = []
        seen: set[int] = set()
        for i, layer in enumerate(self.layers):
            if not awaiting_parameters(layer):
                for name, p in layer.params().items():
                    if id(p) not in seen:
                        seen.add(id(p))
                        expected[f"{i}.{name}"] = (p.shape, p.dtype)
                continue
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            # A lazy layer: its input size is dimension in_axis of its in_key parameter (a
            # convolution's weight (out, in, kh, kw) has it on axis 1).
            dtype = np.dtype(getattr(layer, "dtype", np.float64))
            axis = getattr(layer, "in_axis", 0)
            key = f"{i}.{layer.in_key}"
            shape = shapes.get(key)
            if shape is None or len(shape) <= axis or shape[axis] < 1:
                if shape is not None:
                    problems.append(f"{key} has shape {shape}, which gives no input size")
                expected.update({f"{i}.{name}": (None, dtype) for name in layer.param_shapes(1)})
                continue
            to_create.append((layer, shape[axis]))
            shapes_here = layer.param_shapes(shape[axis])
            expected.update({f"{i}.{n}": (s, dtype) for n, s in shapes_here.items()})
        return expected, to_create, problems

    def __repr__(self) -> str:
        body = "".join(f"\n  ({i}) {layer!r}" for i, layer in enumerate(self.layers))
        return f"{type(self).__name__}({body}\n)" if body else f"{type(self).__name__}()"


def _check_path(who: str, path: Any) -> str:
    """``path`` as a str; bytes and other types are refused."""
    if isinstance(path, (str, os.PathLike)):
        path = os.fspath(path)
    if not isinstance(path, str):
        raise TypeError(f"{who}: path must be a str or os.PathLike naming a file, got {path!r}")
    return path
