"""Sequential in a model's life: a layer used at two positions, and items given as bad dicts."""
import numpy as np
import pytest

from cygrad.layers import Linear
from cygrad.models import Sequential
from cygrad.optimizers import SGD, Adam


def shared_model(lazy=False):
    lin = Linear(3, rng=0) if lazy else Linear(3, in_size=3, rng=0)
    return lin, Sequential(lin, "tanh", lin)


def test_a_layer_at_two_positions_lists_its_parameters_once_under_the_first():
    lin, model = shared_model()
    ps = model.params()
    assert list(ps) == ["0.W", "0.b"]
    assert ps["0.W"] is lin.params()["W"] and ps["0.b"] is lin.params()["b"]


def gradient_step(model, opt):
    x = np.random.default_rng(1).standard_normal((4, 3))
    model.cleargrads()
    (model(x) ** 2).sum().backward()
    before = {k: (p.data.copy(), p.grad.data.copy()) for k, p in model.params().items()}
    opt.update(model)
    return before


def test_sgd_steps_a_shared_parameter_once():
    _, model = shared_model()
    before = gradient_step(model, SGD(lr=0.1))
    for key, p in model.params().items():
        data, grad = before[key]
        np.testing.assert_allclose(p.data, data - 0.1 * grad, rtol=1e-13, err_msg=key)


def test_adam_steps_a_shared_parameter_once():
    # Adam's first step moves every element by lr (times the sign of its gradient, up to eps),
    # once: two steps would move it by 2 lr.
    _, model = shared_model()
    before = gradient_step(model, Adam(lr=0.01))
    for key, p in model.params().items():
        data, grad = before[key]
        np.testing.assert_allclose(p.data - data, -0.01 * np.sign(grad), atol=1e-5, err_msg=key)


def test_save_load_and_state_dict_list_a_shared_parameter_once(tmp_path):
    _, model = shared_model()
    assert list(model.state_dict()) == ["0.W", "0.b"]
    model.save(tmp_path / "w.npz")
    with np.load(tmp_path / "w.npz") as f:
        assert f.files == ["0.W", "0.b"]

    lin, fresh = shared_model(lazy=True)
    fresh.load(tmp_path / "w.npz")
    assert lin.in_size == 3 and list(fresh.params()) == ["0.W", "0.b"]
    x = np.ones((2, 3))
    np.testing.assert_array_equal(fresh(x).data, model(x).data)

    other = shared_model()[1]
    other.load_state_dict(model.state_dict())
    np.testing.assert_array_equal(other(x).data, model(x).data)
    with pytest.raises(ValueError, match=r"extra: 2\.W, 2\.b$"):
        other.load_state_dict({**model.state_dict(), "2.W": np.ones((3, 3)), "2.b": np.ones(3)})


@pytest.mark.parametrize(
    "item, message",
    [
        ({"layer": ["linear"]}, r"Sequential: item 0: 'layer' must be a registered name \(a str\), got list"),
        ({"activation": 3}, r"Sequential: item 0: 'activation' must be a registered name \(a str\), got int"),
        ({"activation": "relu", "args": 5}, r"Sequential: item 0 'relu': 'args' must be a list of "
                                            "positional arguments, got int 5"),
        ({"layer": "linear", "args": "64"}, "'args' must be a list of positional arguments, got str"),
        ({"layer": "linear", "out_size": 2, 3: 4}, r"argument names must be str, got \[3\]"),
    ],
)
def test_a_bad_dict_item_names_the_item_and_what_was_expected(item, message):
    with pytest.raises(TypeError, match=message):
        Sequential(item)
