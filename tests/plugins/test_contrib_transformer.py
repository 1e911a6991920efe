"""cygrad-contrib-transformer: layer norm, attention, positional embedding and the transformer
block, against hand-written NumPy, PyTorch and finite differences (first and second order)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from cygrad import registry
from cygrad.models import Sequential
from cygrad.testing import check_double_grad, check_grad, check_layer
from cygrad.variable import Variable
from cygrad.variable import test_mode as evaluation
from cygrad_contrib_transformer import LayerNorm, MultiHeadAttention, PositionalEmbedding, TransformerBlock
from cygrad_contrib_transformer.functions import layer_norm, multi_head_attention, scaled_dot_product_attention

PROJECTIONS = ("q", "k", "v", "o")


def gen(seed=0):
    return np.random.default_rng(seed)


# --- hand-written NumPy references ---------------------------------------------------------

def np_layer_norm(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def np_gelu(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


def np_attention(x, p, heads, causal):
    """Multi-head self-attention and its hand-derived backward: (y, backward(gy) -> grads)."""
    B, T, D = x.shape
    d = D // heads

    def split(a):
        return a.reshape(B, T, heads, d).transpose(0, 2, 1, 3)

    def merge(a):
        return a.transpose(0, 2, 1, 3).reshape(B, T, D)

    q, k, v = (split(x @ p[f"W{n}"] + p[f"b{n}"]) for n in "qkv")
    s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(d)
    if causal:
        s = np.where(np.triu(np.ones((T, T), bool), 1), -np.inf, s)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    o = merge(w @ v)
    y = o @ p["Wo"] + p["bo"]

    def backward(gy):
        g = {"Wo": o.reshape(-1, D).T @ gy.reshape(-1, D), "bo": gy.sum(axis=(0, 1))}
        go = split(gy @ p["Wo"].T)
        gw = go @ v.transpose(0, 1, 3, 2)
        gv = w.transpose(0, 1, 3, 2) @ go
        gs = w * (gw - (gw * w).sum(axis=-1, keepdims=True)) / math.sqrt(d)
        gq, gk = gs @ k, gs.transpose(0, 1, 3, 2) @ q
        gx = np.zeros_like(x)
        for n, gh in zip("qkv", (gq, gk, gv)):
            gflat = merge(gh)
            g[f"W{n}"] = x.reshape(-1, D).T @ gflat.reshape(-1, D)
            g[f"b{n}"] = gflat.sum(axis=(0, 1))
            gx += gflat @ p[f"W{n}"].T
        return gx, g

    return y, backward


def attention_params(D, rng):
    p = {f"W{n}": rng.standard_normal((D, D)) / math.sqrt(D) for n in PROJECTIONS}
    p.update({f"b{n}": rng.standard_normal(D) * 0.1 for n in PROJECTIONS})
    return p


def ordered(p):
    return [p[f"W{n}"] for n in PROJECTIONS] + [p[f"b{n}"] for n in PROJECTIONS]


# --- layer_norm / LayerNorm ------------------------------------------------------------------

def test_layer_norm_matches_numpy_and_its_derivatives_match_finite_differences():
    rng = gen(1)
    x, gamma, beta = rng.standard_normal((2, 3, 5)), rng.standard_normal(5), rng.standard_normal(5)
    y = layer_norm(x, gamma, beta)
    np.testing.assert_allclose(y.data, np_layer_norm(x, gamma, beta), rtol=1e-12, atol=1e-12)
    check_grad(layer_norm, x, gamma, beta)
    check_double_grad(layer_norm, x, gamma, beta)


def test_layernorm_matches_torch_layernorm_outputs_and_gradients():
    torch = pytest.importorskip("torch")
    rng = gen(2)
    x, gy = rng.standard_normal((2, 4, 6)), rng.standard_normal((2, 4, 6))
    ours = LayerNorm(eps=1e-3)
    ours.initialize(6)
    ours.params()["gamma"].data = rng.standard_normal(6)
    ours.params()["beta"].data = rng.standard_normal(6)
    theirs = torch.nn.LayerNorm(6, eps=1e-3, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.params()["gamma"].data))
        theirs.bias.copy_(torch.from_numpy(ours.params()["beta"].data))
    xv, xt = Variable(x), torch.tensor(x, requires_grad=True)
    y, yt = ours(xv), theirs(xt)
    (y * gy).sum().backward()
    (yt * torch.from_numpy(gy)).sum().backward()
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(xv.grad.data, xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.params()["gamma"].grad.data, theirs.weight.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.params()["beta"].grad.data, theirs.bias.grad.numpy(), rtol=1e-10)


def test_layernorm_is_lazy_in_the_last_axis_with_gamma_ones_and_beta_zeros():
    layer = LayerNorm()
    assert not layer.initialized and list(layer.params()) == []
    assert layer.param_shapes(7) == {"gamma": (7,), "beta": (7,)}
    y = layer(np.arange(12.0).reshape(2, 6))
    assert layer.initialized and layer.in_size == 6
    np.testing.assert_array_equal(layer.params()["gamma"].data, np.ones(6))
    np.testing.assert_array_equal(layer.params()["beta"].data, np.zeros(6))
    np.testing.assert_allclose(y.data.mean(axis=-1), 0, atol=1e-12)
    np.testing.assert_allclose(y.data.var(axis=-1), 35 / 12 / (35 / 12 + 1e-5), rtol=1e-12)
    assert LayerNorm()(np.ones((2, 3), dtype=np.float32)).dtype == np.float32


def test_layernorm_refuses_bad_eps_and_inputs_of_other_width():
    with pytest.raises(TypeError, match="LayerNorm: eps must be a number"):
        LayerNorm(eps="small")
    for eps in (0, -1e-5, math.inf):
        with pytest.raises(ValueError, match="LayerNorm: eps must be a finite number above 0"):
            LayerNorm(eps=eps)
    with pytest.raises(TypeError):
        LayerNorm(1e-5)  # eps is keyword-only
    layer = LayerNorm()
    layer(np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"LayerNorm: expected an input of shape \(\.\.\., 4\), got \(2, 5\)"):
        layer(np.ones((2, 5)))


# --- scaled_dot_product_attention ------------------------------------------------------------

@pytest.mark.parametrize("causal", [False, True])
def test_scaled_dot_product_attention_matches_torch(causal):
    torch = pytest.importorskip("torch")
    rng = gen(3)
    q, k, v = rng.standard_normal((2, 3, 5, 4)), rng.standard_normal((2, 3, 5, 4)), rng.standard_normal((2, 3, 5, 6))
    gy = rng.standard_normal((2, 3, 5, 6))
    ours = [Variable(a) for a in (q, k, v)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    y = scaled_dot_product_attention(*ours, causal=causal)
    yt = torch.nn.functional.scaled_dot_product_attention(*theirs, is_causal=causal)
    (y * gy).sum().backward()
    (yt * torch.from_numpy(gy)).sum().backward()
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("causal", [False, True])
def test_scaled_dot_product_attention_derivatives_to_second_order(causal):
    rng = gen(4)
    q, k, v = rng.standard_normal((2, 3, 2)), rng.standard_normal((2, 3, 2)), rng.standard_normal((2, 3, 2))

    def f(q, k, v):
        return scaled_dot_product_attention(q, k, v, causal=causal)

    check_grad(f, q, k, v)
    check_double_grad(f, q, k, v)


def test_scaled_dot_product_attention_refuses_operands_that_do_not_fit():
    with pytest.raises(ValueError, match=r"scaled_dot_product_attention: q \(2, 3\), k \(2, 4\)"):
        scaled_dot_product_attention(np.ones((2, 3)), np.ones((2, 4)), np.ones((2, 4)))
    with pytest.raises(TypeError, match="scaled_dot_product_attention: causal must be True or False"):
        scaled_dot_product_attention(np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 3)), causal=1)


# --- multi_head_attention / MultiHeadAttention ---------------------------------------------------

@pytest.mark.parametrize("causal", [False, True])
def test_attention_outputs_and_gradients_match_a_hand_written_numpy_reference(causal):
    rng = gen(5)
    D, heads = 6, 3
    layer = MultiHeadAttention(D, heads, causal=causal, rng=0)
    p = attention_params(D, rng)
    for name, value in p.items():
        layer.params()[name].data = value
    x, gy = rng.standard_normal((2, 5, D)), rng.standard_normal((2, 5, D))
    expected, backward = np_attention(x, p, heads, causal)
    xv = Variable(x)
    y = layer(xv)
    np.testing.assert_allclose(y.data, expected, rtol=1e-11, atol=1e-12)
    (y * gy).sum().backward()
    gx, grads = backward(gy)
    np.testing.assert_allclose(xv.grad.data, gx, rtol=1e-10, atol=1e-12)
    assert list(layer.params()) == ["Wq", "Wk", "Wv", "Wo", "bq", "bk", "bv", "bo"]
    for name, param in layer.params().items():
        np.testing.assert_allclose(param.grad.data, grads[name], rtol=1e-10, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("causal", [False, True])
def test_attention_derivatives_in_every_input_and_parameter_to_second_order(causal):
    rng = gen(6)
    x = rng.standard_normal((2, 3, 4))
    params = ordered(attention_params(4, rng))

    def f(x, *ps):
        return multi_head_attention(x, *ps, num_heads=2, causal=causal)

    check_grad(f, x, *params)
    check_double_grad(f, x, *params)


@pytest.mark.parametrize("causal", [False, True])
def test_attention_matches_torch_multihead_attention(causal):
    torch = pytest.importorskip("torch")
    rng = gen(7)
    D, heads, T = 8, 2, 5
    layer = MultiHeadAttention(D, heads, causal=causal, rng=1)
    p = {name: v.data for name, v in layer.params().items()}
    for n in ("bq", "bk", "bv", "bo"):
        p[n][...] = rng.standard_normal(D)
    theirs = torch.nn.MultiheadAttention(D, heads, batch_first=True, dtype=torch.float64)
    with torch.no_grad():  # torch computes x @ W.T: its weights are ours transposed
        theirs.in_proj_weight.copy_(torch.from_numpy(np.concatenate([p["Wq"].T, p["Wk"].T, p["Wv"].T])))
        theirs.in_proj_bias.copy_(torch.from_numpy(np.concatenate([p["bq"], p["bk"], p["bv"]])))
        theirs.out_proj.weight.copy_(torch.from_numpy(p["Wo"].T))
        theirs.out_proj.bias.copy_(torch.from_numpy(p["bo"]))
    x = rng.standard_normal((3, T, D))
    mask = torch.nn.Transformer.generate_square_subsequent_mask(T, dtype=torch.float64) if causal else None
    xt = torch.from_numpy(x)
    expected, _ = theirs(xt, xt, xt, attn_mask=mask, need_weights=False, is_causal=causal)
    np.testing.assert_allclose(layer(x).data, expected.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_causal_attention_outputs_do_not_depend_on_future_positions():
    rng = gen(8)
    x = rng.standard_normal((2, 6, 4))
    changed = x.copy()
    changed[:, 3:] = rng.standard_normal((2, 3, 4))
    for layer in (MultiHeadAttention(4, 2, causal=True, rng=0), TransformerBlock(4, 2, causal=True, rng=0)):
        y, y_changed = layer(x).data, layer(changed).data
        np.testing.assert_array_equal(y[:, :3], y_changed[:, :3])
        assert not np.allclose(y[:, 3:], y_changed[:, 3:])
        # And the gradient of an early output reaches no later input.
        xv = Variable(x)
        layer(xv)[:, 2].sum().backward()
        assert np.all(xv.grad.data[:, 3:] == 0) and np.any(xv.grad.data[:, :3] != 0)
    # Without the mask, every position sees the future.
    full = MultiHeadAttention(4, 2, rng=0)
    assert not np.allclose(full(x).data[:, :3], full(changed).data[:, :3])


def test_attention_dropout_drops_weights_while_training_and_never_under_test_mode():
    x = gen(9).standard_normal((2, 5, 4))
    plain = MultiHeadAttention(4, 2, rng=3)
    dropping = MultiHeadAttention(4, 2, dropout=0.5, rng=3)
    np.testing.assert_array_equal(plain.params()["Wq"].data, dropping.params()["Wq"].data)
    with evaluation():
        np.testing.assert_array_equal(dropping(x).data, plain(x).data)
    first, second = dropping(x).data, dropping(x).data
    assert not np.allclose(first, plain(x).data) and not np.allclose(first, second)
    again = MultiHeadAttention(4, 2, dropout=0.5, rng=3)
    np.testing.assert_array_equal(again(x).data, first)  # the same seed draws the same masks


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"embed_dim": 6, "num_heads": 4}, ValueError, "embed_dim 6 is not divisible by num_heads 4"),
        ({"embed_dim": 0, "num_heads": 1}, ValueError, "embed_dim must be at least 1"),
        ({"embed_dim": 4, "num_heads": 2.0}, TypeError, "num_heads must be an int"),
        ({"embed_dim": 4, "num_heads": 2, "causal": "yes"}, TypeError, "causal must be True or False"),
        ({"embed_dim": 4, "num_heads": 2, "dropout": 1.0}, ValueError, r"dropout must be in \[0, 1\)"),
        ({"embed_dim": 4, "num_heads": 2, "dropout": None}, TypeError, "dropout must be a number"),
    ],
)
def test_attention_refuses_bad_arguments_naming_itself(kwargs, error, message):
    with pytest.raises(error, match=f"MultiHeadAttention: {message}"):
        MultiHeadAttention(**kwargs)


def test_attention_refuses_inputs_that_are_not_batch_time_embed():
    layer = MultiHeadAttention(4, 2, rng=0)
    for shape in [(5, 4), (2, 5, 3)]:
        with pytest.raises(ValueError, match=rf"MultiHeadAttention: expected an input of shape \(batch, time, 4\), got \({shape[0]}"):
            layer(np.ones(shape))


# --- PositionalEmbedding ---------------------------------------------------------------------

def test_positional_embedding_adds_the_first_rows_of_its_table():
    layer = PositionalEmbedding(5, 3, rng=0)
    table = layer.params()["W"].data
    assert list(layer.params()) == ["W"] and table.shape == (5, 3)
    x = Variable(gen(10).standard_normal((2, 4, 3)))
    y = layer(x)
    np.testing.assert_array_equal(y.data, x.data + table[:4])
    y.backward()
    np.testing.assert_array_equal(layer.params()["W"].grad.data, np.vstack([np.full((4, 3), 2.0), np.zeros((1, 3))]))
    np.testing.assert_array_equal(x.grad.data, np.ones((2, 4, 3)))


def test_positional_embedding_refuses_sequences_longer_than_max_len_and_other_widths():
    layer = PositionalEmbedding(5, 3, rng=0)
    with pytest.raises(ValueError, match="PositionalEmbedding: a sequence of 6 steps .* longer than max_len 5"):
        layer(np.ones((1, 6, 3)))
    with pytest.raises(ValueError, match=r"PositionalEmbedding: expected an input of shape \(batch, time, 3\)"):
        layer(np.ones((1, 2, 4)))
    with pytest.raises(ValueError, match="PositionalEmbedding: max_len must be at least 1"):
        PositionalEmbedding(0, 3)


# --- TransformerBlock ------------------------------------------------------------------------

def test_transformer_block_names_its_parameters_after_its_parts():
    block = TransformerBlock(8, 2, rng=0)
    shapes = {name: p.shape for name, p in block.params().items()}
    assert shapes == {
        "ln1.gamma": (8,), "ln1.beta": (8,),
        "attn.Wq": (8, 8), "attn.Wk": (8, 8), "attn.Wv": (8, 8), "attn.Wo": (8, 8),
        "attn.bq": (8,), "attn.bk": (8,), "attn.bv": (8,), "attn.bo": (8,),
        "ln2.gamma": (8,), "ln2.beta": (8,),
        "ff1.W": (8, 32), "ff1.b": (32,), "ff2.W": (32, 8), "ff2.b": (8,),
    }
    assert TransformerBlock(8, 2, hidden=5).params()["ff1.W"].shape == (8, 5)


@pytest.mark.parametrize("causal", [False, True])
def test_transformer_block_is_pre_norm_residual_attention_then_gelu_feed_forward(causal):
    rng = gen(11)
    block = TransformerBlock(6, 3, hidden=10, causal=causal, rng=2)
    for p in block.params().values():
        p.data = p.data + 0.1 * rng.standard_normal(p.shape)  # gammas and betas off 1 and 0
    p = {name: v.data for name, v in block.params().items()}
    x = rng.standard_normal((2, 4, 6))
    attn = {name.split(".")[1]: v for name, v in p.items() if name.startswith("attn.")}
    h = x + np_attention(np_layer_norm(x, p["ln1.gamma"], p["ln1.beta"]), attn, 3, causal)[0]
    hidden = np_gelu(np_layer_norm(h, p["ln2.gamma"], p["ln2.beta"]) @ p["ff1.W"] + p["ff1.b"])
    expected = h + hidden @ p["ff2.W"] + p["ff2.b"]
    np.testing.assert_allclose(block(x).data, expected, rtol=1e-10, atol=1e-12)


def test_transformer_block_derivatives_in_its_input_to_second_order():
    block = TransformerBlock(4, 2, hidden=6, causal=True, rng=0)
    x = gen(12).standard_normal((1, 3, 4))
    check_grad(block, x)
    check_double_grad(block, x)


def test_transformer_block_dropout_is_off_under_test_mode():
    x = gen(13).standard_normal((2, 3, 4))
    plain, dropping = TransformerBlock(4, 2, rng=5), TransformerBlock(4, 2, dropout=0.3, rng=5)
    with evaluation():
        np.testing.assert_array_equal(dropping(x).data, plain(x).data)
    assert not np.allclose(dropping(x).data, plain(x).data)


def test_transformer_block_refuses_bad_arguments_naming_itself():
    with pytest.raises(ValueError, match="TransformerBlock: hidden must be at least 1"):
        TransformerBlock(4, 2, hidden=0)
    with pytest.raises(ValueError, match="MultiHeadAttention: embed_dim 4 is not divisible by num_heads 3"):
        TransformerBlock(4, 3)
    with pytest.raises(ValueError, match=r"TransformerBlock: expected an input of shape \(batch, time, 4\)"):
        TransformerBlock(4, 2)(np.ones((2, 4)))


# --- the registry, composition, conformance --------------------------------------------------

def test_the_layers_are_registered_under_their_names():
    assert registry.get("layers", "layernorm") is LayerNorm
    assert registry.get("layers", "positional_embedding") is PositionalEmbedding
    assert registry.get("layers", "attention") is MultiHeadAttention
    assert registry.get("layers", "transformer_block") is TransformerBlock
    row = next(r for r in registry.plugins() if r.distribution == "cygrad-contrib-transformer")
    assert row.provides["layers"] == ("attention", "layernorm", "positional_embedding", "transformer_block")
    assert row.provides["commands"] == ("gpt",) and row.problems == ()


@pytest.mark.parametrize(
    "factory",
    [
        lambda: LayerNorm(),
        lambda: PositionalEmbedding(4, 4, rng=0),
        lambda: MultiHeadAttention(4, 2, causal=True, rng=0),
        lambda: MultiHeadAttention(4, 1, rng=0),
        lambda: TransformerBlock(4, 2, hidden=3, causal=True, rng=0),
    ],
    ids=["layernorm", "positional_embedding", "attention-causal", "attention-one-head", "block-causal"],
)
def test_the_layers_pass_check_layer_on_sequences(factory):
    check_layer(factory, (2, 3, 4))


def test_a_sequential_of_registered_names_composes_plugins_with_built_ins_and_round_trips(tmp_path):
    def build():
        return Sequential(
            {"layer": "embedding", "num_embeddings": 7, "embedding_dim": 4},
            {"layer": "positional_embedding", "max_len": 5, "embed_dim": 4},
            {"layer": "transformer_block", "embed_dim": 4, "num_heads": 2, "causal": True},
            "layernorm",
            "linear:7",
            rng=0,
        )

    model = build()
    ids = np.array([[1, 2, 3], [4, 5, 6]])
    y = model(ids)
    assert y.shape == (2, 3, 7)
    names = list(model.params())
    assert names[:4] == ["0.W", "1.W", "2.ln1.gamma", "2.ln1.beta"] and names[-4:] == ["3.gamma", "3.beta", "4.W", "4.b"]
    model.save(tmp_path / "model.npz")
    fresh = build()
    fresh.load(tmp_path / "model.npz")  # the lazy layernorm and linear are created from the file
    np.testing.assert_array_equal(fresh(ids).data, y.data)
