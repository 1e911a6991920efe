"""Model.load creates a lazy layer whose input size sits on another axis of its in_key
parameter (``in_axis``), as a convolution's weight (out, in, kh, kw) has it on axis 1."""
import numpy as np
import pytest

import cygrad.functions as F
from cygrad.layers import LayerBase
from cygrad.models import Model
from cygrad.testing import check_layer


class ChannelMix(LayerBase):
    """``x @ W.T`` with ``W`` of shape (3, in): the input size is W's axis 1."""

    in_key = "W"
    in_axis = 1

    def __init__(self, *, rng=None):
        super().__init__(None, rng)

    def param_shapes(self, in_size):
        return {"W": (3, in_size)}

    def forward(self, x):
        if self.in_size is None:
            self._ensure_initialized(x)
        return [F.matmul(x, F.transpose(self._params["W"]))]


def test_a_fresh_model_takes_the_input_size_from_the_in_axis(tmp_path):
    trained = Model([ChannelMix(rng=0)])
    x = np.arange(8.0).reshape(2, 4)
    expected = trained(x).data
    trained.save(tmp_path / "m.npz")

    fresh = Model([ChannelMix(rng=1)])
    fresh.load(tmp_path / "m.npz")
    assert fresh.layers[0].in_size == 4 and fresh.params()["0.W"].shape == (3, 4)
    np.testing.assert_array_equal(fresh(x).data, expected)


def test_a_file_without_that_axis_is_refused_naming_the_shape(tmp_path):
    np.savez(tmp_path / "m.npz", **{"0.W": np.zeros(3)})
    with pytest.raises(ValueError, match=r"0\.W has shape \(3,\), which gives no input size"):
        Model([ChannelMix()]).load(tmp_path / "m.npz")


def test_layer_base_reads_axis_0_unless_told():
    assert LayerBase.in_axis == 0


def test_check_layer_reads_the_input_size_on_the_in_axis():
    check_layer(lambda: ChannelMix(rng=0), (2, 4))
