"""Helpers for the ONNX tests: export, check, and run in onnxruntime against cygrad's forward."""
from typing import Any, Callable

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from cygrad.onnx import export
from cygrad.variable import Variable, test_mode

# Relative tolerance of onnxruntime against cygrad, per dtype (the contract).
TOLERANCE = {np.float32: 1e-6, np.float64: 1e-12}


def session(path: Any) -> ort.InferenceSession:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def assert_close(got: np.ndarray, want: np.ndarray, dtype: Any) -> None:
    """Equal to ``TOLERANCE[dtype]`` relative to the result's scale: elementwise ``rtol``, and
    the same bound on the absolute error scaled by the largest value, so an element that
    cancels to near zero is judged against the numbers it came from."""
    assert got.dtype == want.dtype and got.shape == want.shape
    tol = TOLERANCE[np.dtype(dtype).type]
    scale = float(np.max(np.abs(want))) if want.size else 0.0
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale)


def outputs_of(result: Any) -> list[np.ndarray]:
    items = result if isinstance(result, (list, tuple)) else [result]
    return [y.data for y in items]


def export_and_compare(
    tmp_path,
    model: Callable[..., Any],
    make_inputs: Callable[[int], tuple[np.ndarray, ...]],
    *,
    batches: tuple[int, ...] = (1, 3, 5),
    example_batch: int = 2,
    opset: int | None = None,
    dynamic_batch: bool = True,
) -> onnx.ModelProto:
    """Export ``model`` on inputs of ``example_batch`` rows, check the file with the full
    ONNX checker, then run it at each batch size on fresh random inputs and compare every
    output with cygrad's forward (in test mode)."""
    path = tmp_path / "model.onnx"
    example = make_inputs(example_batch)
    proto = export(model, example if len(example) > 1 else example[0], path, opset=opset,
                   dynamic_batch=dynamic_batch)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    run = session(path)
    names = [i.name for i in run.get_inputs()]
    for n in batches:
        xs = make_inputs(n)
        got = run.run(None, dict(zip(names, xs)))
        with test_mode():
            want = outputs_of(model(*[Variable(x) for x in xs]))
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert_close(g, w, w.dtype)
    return proto


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
