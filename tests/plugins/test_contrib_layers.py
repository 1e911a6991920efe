"""cygrad-contrib-layers: GRU and Embedding against NumPy references, and through the registry."""
from __future__ import annotations

import numpy as np
import pytest

from cygrad import registry
from cygrad.models import Sequential
from cygrad.variable import Variable

from cygrad_contrib_layers import GRU, Embedding


def sigmoid(a: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-a))


def gru_reference(xs: list[np.ndarray], Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray) -> list[np.ndarray]:
    """The GRU equations in NumPy, from a zero state."""
    H = Wh.shape[0]
    h = np.zeros((xs[0].shape[0], H))
    out = []
    for x in xs:
        a, g = x @ Wx + b, h @ Wh
        z = sigmoid(a[:, :H] + g[:, :H])
        r = sigmoid(a[:, H:2 * H] + g[:, H:2 * H])
        n = np.tanh(a[:, 2 * H:] + r * g[:, 2 * H:])
        h = (1 - z) * n + z * h
        out.append(h)
    return out


def test_gru_matches_the_equations_over_three_steps_and_restarts_after_reset_state():
    rng = np.random.default_rng(3)
    xs = [rng.standard_normal((2, 4)) for _ in range(3)]
    gru = GRU(5, rng=0)
    hs = [gru(x).data for x in xs]
    p = gru.params()
    assert list(p) == ["Wx", "Wh", "b"]
    assert [p[k].shape for k in p] == [(4, 15), (5, 15), (15,)]
    p["b"].data = rng.standard_normal(15)  # a non-zero bias, to check where it enters
    gru.reset_state()
    hs = [gru(x).data for x in xs]
    expected = gru_reference(xs, p["Wx"].data, p["Wh"].data, p["b"].data)
    for h, e in zip(hs, expected):
        np.testing.assert_allclose(h, e, rtol=1e-12, atol=1e-12)
    gru.reset_state()
    np.testing.assert_allclose(gru(xs[0]).data, expected[0], rtol=1e-12, atol=1e-12)


def test_gru_gradients_flow_through_the_state():
    gru = GRU(3, in_size=2, rng=0)
    x = np.ones((1, 2))
    gru(x)
    loss = gru(x).sum()
    loss.backward()
    assert np.abs(gru.params()["Wh"].grad.data).sum() > 0


def test_gru_keeps_array_data_a_constant_like_rnn_and_lstm():
    # Its Variable form gets a gradient; an array, like RecurrentBase's other layers' data,
    # none (nothing could read it).
    from cygrad.variable._core import wants_grad

    x = np.random.default_rng(1).standard_normal((2, 3))
    layer = GRU(4, rng=0)
    layer(x)
    y = layer(x)  # the second step: Wx's product feeds both gates and the state's
    seen, stack, data = set(), [y], []
    while stack:
        v = stack.pop()
        if v.creator is not None and id(v.creator) not in seen:
            seen.add(id(v.creator))
            stack.extend(v.creator.inputs)
        if v.data is x:
            data.append(v)
    assert data and not any(wants_grad(v) for v in data)


def test_gru_checks_its_size():
    with pytest.raises(TypeError, match="GRU: hidden_size must be an int, got float"):
        GRU(2.5)
    with pytest.raises(ValueError, match="GRU: hidden_size must be at least 1, got 0"):
        GRU(0)


def test_embedding_looks_up_rows_and_sums_gradients_of_repeated_ids():
    emb = Embedding(5, 2, rng=0)
    W = emb.params()["W"]
    ids = np.array([[1, 3], [1, 1]])
    y = emb(ids)
    assert y.shape == (2, 2, 2)
    np.testing.assert_array_equal(y.data, W.data[ids])
    y.backward()
    np.testing.assert_array_equal(W.grad.data, [[0, 0], [3, 3], [0, 0], [1, 1], [0, 0]])


def test_embedding_takes_lists_and_whole_number_variables():
    emb = Embedding(4, 3, rng=0)
    W = emb.params()["W"].data
    np.testing.assert_array_equal(emb([0, 3]).data, W[[0, 3]])
    np.testing.assert_array_equal(emb(Variable([2.0, 1.0])).data, W[[2, 1]])


@pytest.mark.parametrize(
    "ids, error, message",
    [
        (np.array([0, 4]), ValueError, r"Embedding: id 4 is out of range for 4 embeddings \(ids of shape \(2,\)\)"),
        (np.array([-1, 2]), ValueError, r"Embedding: id -1 is out of range for 4 embeddings"),
        (np.array([0.5]), TypeError, r"Embedding: ids must be whole numbers, got dtype float64"),
    ],
)
def test_embedding_rejects_bad_ids_before_computing(ids, error, message):
    emb = Embedding(4, 3, rng=0)
    with pytest.raises(error, match=message):
        emb(ids)


def test_embedding_checks_its_sizes():
    with pytest.raises(ValueError, match="Embedding: embedding_dim must be at least 1, got 0"):
        Embedding(3, 0)
    with pytest.raises(TypeError, match="Embedding: num_embeddings must be an int, got str"):
        Embedding("3", 2)


def test_the_plugin_registers_both_layers_under_its_distribution():
    [row] = [r for r in registry.plugins() if r.distribution == "cygrad-contrib-layers"]
    assert (row.plugin, row.version, row.provides, row.problems) == (
        "contrib-layers", "0.1.0",
        {"layers": ("embedding", "gru"), "onnx_converters": ("cygrad_contrib_layers.gru.GRU",)}, ()
    )
    assert registry.get("layers", "gru") is GRU
    assert isinstance(registry.layer("embedding", 3, 2), Embedding)


def test_a_token_model_composes_embedding_gru_and_a_built_in_linear(tmp_path):
    model = Sequential({"layer": "embedding", "num_embeddings": 20, "embedding_dim": 4}, "gru:6", "linear:1", rng=0)
    tokens = [np.array([1, 5]), np.array([7, 7]), np.array([2, 19])]
    outs = [model(t) for t in tokens]
    assert [o.shape for o in outs] == [(2, 1)] * 3
    assert list(model.params()) == ["0.W", "1.Wx", "1.Wh", "1.b", "2.W", "2.b"]
    sum(o.sum() for o in outs).backward()
    assert all(p.grad is not None for p in model.params().values())
    model.save(tmp_path / "tokens.npz")
    again = Sequential(model.to_config(), rng=1)
    again.load(tmp_path / "tokens.npz")
    model.reset_state()
    np.testing.assert_array_equal(again(tokens[0]).data, model(tokens[0]).data)


def test_gru_refuses_a_new_batch_size_without_reset_state_like_rnn_and_lstm():
    gru = GRU(3, rng=0)
    gru(np.ones((4, 2)))
    state = gru.h
    with pytest.raises(ValueError, match=r"GRU: an input batch of shape \(1, 2\) does not fit the state of "
                       r"shape \(4, 3\); call reset_state\(\) to start a new sequence"):
        gru(np.ones((1, 2)))
    assert gru.h is state  # nothing changed
    gru.reset_state()
    assert gru(np.ones((1, 2))).shape == (1, 3)
