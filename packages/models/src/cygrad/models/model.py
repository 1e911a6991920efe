"""Model: an ordered list of layers with one parameter namespace, saved to and loaded from .npz."""
from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from cygrad.layers import Layer, Parameters
from cygrad.variable import Variable

__all__ = ["Model"]


class Model:
    """The layers of a model, in order, and what an optimizer needs from them.

    ``params()`` merges the layers' parameters under keys prefixed by the layer's index
    (``"0.W"``, ``"0.b"``, ``"1.W"``, ...), layer by layer. ``forward(x)`` (and ``model(x)``)
    passes ``x`` through every layer in order; MLP and LSTM define their own.
    """

    def __init__(self, layers: Iterable[Layer] | None = None) -> None:
        self.layers: list[Layer] = [] if layers is None else list(layers)
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
        """Every layer's parameters, keyed ``"<layer index>.<name>"``, layer by layer."""
        out = Parameters()
        for i, layer in enumerate(self.layers):
            for name, p in layer.params().items():
                out.add(f"{i}.{name}", p)
        return out

    def cleargrads(self) -> None:
        """Forget every parameter's gradient (backward accumulates otherwise)."""
        for layer in self.layers:
            layer.cleargrads()

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the parameters to ``path`` (exactly that name) as an .npz archive.

        The archive is written to a temporary file in the same folder and renamed over
        ``path`` only when complete, so a failed save never damages an existing file.
        """
        path = os.fspath(path)
        for i, layer in enumerate(self.layers):
            if not getattr(layer, "initialized", True):
                raise ValueError(
                    f"Model.save: layer {i} ({type(layer).__name__}) has no parameters yet; "
                    "call the model once (or give the layer in_size) before saving"
                )
        arrays = {key: p.data for key, p in self.params().items()}
        folder = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                # A file object, not a name: np.savez would append ".npz" to a name without it.
                np.savez(f, allow_pickle=False, **arrays)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, _mode_for(path))
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise

    def load(self, path: str | os.PathLike[str]) -> None:
        """Set the parameters from an .npz archive written by ``save``.

        Every key and shape is checked before anything changes; missing, extra or mis-shaped
        keys raise ValueError naming them, and the model is left as it was. Pickled objects
        are refused. A layer not called yet (lazy input size) is created with the file's
        shapes, so a fresh model loads without a dummy call: such a layer (``initialized``
        False) provides ``in_key`` (the parameter whose dimension ``in_axis``, 0 unless the
        layer sets it, is the input size), ``param_shapes(in_size)`` and
        ``initialize(in_size)``, as every ``LayerBase`` does.
        """
        path = os.fspath(path)
        arrays = _read_npz(path)
        expected, to_create, problems = self._expected_shapes(arrays)
        missing = [k for k in expected if k not in arrays]
        extra = [k for k in arrays if k not in expected]
        misshaped = [
            f"{k} (file {arrays[k].shape}, model {s})"
            for k, s in expected.items()
            if s is not None and k in arrays and arrays[k].shape != s
        ]
        not_float = [
            f"{k} ({arrays[k].dtype})"
            for k in expected
            if k in arrays and arrays[k].dtype.kind != "f"
        ]
        for label, keys in [
            ("missing", missing),
            ("extra", extra),
            ("mis-shaped", misshaped),
            ("not floating point", not_float),
        ]:
            if keys:
                problems.append(f"{label}: {', '.join(keys)}")
        if problems:
            raise ValueError(
                f"Model.load({path!r}): the file does not match the model, nothing was changed; "
                + "; ".join(problems)
            )
        for layer, in_size in to_create:
            layer.initialize(in_size)
        for key, p in self.params().items():
            p.data = arrays[key].astype(p.dtype, copy=False)

    def _expected_shapes(
        self, arrays: Mapping[str, np.ndarray]
    ) -> tuple[dict[str, tuple[int, ...] | None], list[tuple[Any, int]], list[str]]:
        """The keys (and shapes, None where unknown) ``load`` expects, in ``params()`` order.

        Also the lazy layers to create and with which input size (read from the file), and
        problems found on the way.
        """
        expected: dict[str, tuple[int, ...] | None] = {}
        to_create: list[tuple[Any, int]] = []
        problems: list[str] = []
        for i, layer in enumerate(self.layers):
            if getattr(layer, "initialized", True):
                expected.update({f"{i}.{name}": p.shape for name, p in layer.params().items()})
                continue
            # A lazy layer: its input size is dimension in_axis of its in_key parameter
            # (a convolution's weight (out, in, kh, kw) has it on axis 1).
            axis = getattr(layer, "in_axis", 0)
            key = f"{i}.{layer.in_key}"
            shape = arrays[key].shape if key in arrays else None
            if shape is None or len(shape) <= axis or shape[axis] < 1:
                if shape is not None:
                    problems.append(f"{key} has shape {shape}, which gives no input size")
                expected.update({f"{i}.{name}": None for name in layer.param_shapes(1)})
                continue
            to_create.append((layer, shape[axis]))
            expected.update({f"{i}.{n}": s for n, s in layer.param_shapes(shape[axis]).items()})
        return expected, to_create, problems

    def __repr__(self) -> str:
        body = "".join(f"\n  ({i}) {layer!r}" for i, layer in enumerate(self.layers))
        return f"{type(self).__name__}({body}\n)" if body else f"{type(self).__name__}()"


def _read_npz(path: str) -> dict[str, np.ndarray]:
    """Every array of the .npz archive at ``path``; pickled objects are refused."""
    try:
        loaded = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise
    except (ValueError, OSError, EOFError) as e:
        raise ValueError(f"Model.load({path!r}): not a readable .npz archive: {e}") from None
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise ValueError(f"Model.load({path!r}): a single .npy array, not an .npz archive")
    try:
        with loaded:
            return {key: loaded[key] for key in loaded.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(f"Model.load({path!r}): cannot read an array: {e}") from None


def _mode_for(path: str) -> int:
    """The mode of a saved file: the replaced file's, else rw-r--r--."""
    try:
        return os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        return 0o644
