"""The vision layers: parameters, lazy creation, registered names, saving and loading, the
running statistics of BatchNorm, and cygrad's conformance checks."""
import numpy as np
import pytest

import cygrad.functions as F
from cygrad import registry, variable
from cygrad.models import Model, Sequential
from cygrad.optimizers import SGD, Adam
from cygrad.testing import check_layer
from cygrad.variable import Variable
from cygrad_contrib_vision import AvgPool2d, BatchNorm, Conv2d, Flatten, MaxPool2d
from cygrad_contrib_vision import functions as VF

IMAGES = np.random.default_rng(0).standard_normal((4, 3, 6, 6))
NAMES = {"conv2d": Conv2d, "maxpool2d": MaxPool2d, "avgpool2d": AvgPool2d,
         "batchnorm": BatchNorm, "flatten": Flatten}


def test_the_plugin_registers_its_layers_and_the_cnn_command():
    for name, cls in NAMES.items():
        assert registry.get("layers", name) is cls
    assert "cnn" in registry.commands()
    [row] = [r for r in registry.plugins() if r.distribution == "cygrad-contrib-vision"]
    assert set(NAMES) <= set(row.provides["layers"]) and not row.problems


def test_conv2d_creates_its_filters_on_the_first_call_from_the_channel_count():
    layer = Conv2d(5, (3, 2), stride=2, pad=1, rng=0)
    assert not layer.initialized and list(layer.params()) == []
    y = layer(IMAGES)
    assert layer.in_channels == 3 and y.shape == (4, 5, 3, 4)
    assert {k: p.shape for k, p in layer.params().items()} == {"W": (5, 3, 3, 2), "b": (5,)}
    p = layer.params()
    np.testing.assert_allclose(y.data, VF.conv2d(IMAGES, p["W"].data, p["b"].data, 2, 1).data)
    assert not p["b"].data.any()
    with pytest.raises(ValueError, match=r"Conv2d: expected 3 channels \(axis 1\), got an input of shape \(1, 2, 6, 6\)"):
        layer(np.ones((1, 2, 6, 6)))


def test_conv2d_weights_start_with_variance_one_over_the_fan_in():
    W = Conv2d(200, 3, in_channels=8, rng=0).params()["W"].data
    assert W.shape == (200, 8, 3, 3)
    assert abs(W.var() * 8 * 9 - 1.0) < 0.05


def test_conv2d_options_in_channels_nobias_and_float32():
    layer = Conv2d(2, 3, in_channels=4, nobias=True, rng=0)
    assert layer.initialized and list(layer.params()) == ["W"]
    lazy = Conv2d(2, 3, rng=0)
    y = lazy(IMAGES.astype(np.float32))
    assert y.dtype == np.float32 and lazy.params()["W"].dtype == np.float32


def test_the_same_seed_gives_the_same_filters():
    a, b = Conv2d(4, 3, in_channels=2, rng=7), Conv2d(4, 3, in_channels=2, rng=7)
    np.testing.assert_array_equal(a.params()["W"].data, b.params()["W"].data)


def test_pooling_layers_apply_their_functions_with_stride_defaulting_to_the_kernel():
    assert MaxPool2d(2).stride == (2, 2) and AvgPool2d(3, stride=1).stride == (1, 1)
    np.testing.assert_array_equal(MaxPool2d(3, stride=2, pad=1)(IMAGES).data,
                                  VF.max_pool2d(IMAGES, 3, 2, 1).data)
    np.testing.assert_array_equal(AvgPool2d((2, 3))(IMAGES).data, VF.avg_pool2d(IMAGES, (2, 3)).data)
    assert list(MaxPool2d(2).params()) == []


def test_flatten_keeps_the_batch_axis():
    x = Variable(IMAGES)
    y = Flatten()(x)
    assert y.shape == (4, 108)
    y.backward()
    assert x.grad.shape == IMAGES.shape
    assert Flatten()(np.ones(3)).shape == (3, 1)


def test_batch_norm_parameters_and_their_starting_values():
    layer = BatchNorm()
    layer(IMAGES)
    p = layer.params()
    assert list(p) == ["gamma", "beta", "avg_mean", "avg_var"] and layer.in_channels == 3
    assert p["gamma"].data.tolist() == [1, 1, 1] and p["beta"].data.tolist() == [0, 0, 0]
    assert BatchNorm()(np.ones((2, 5))).shape == (2, 5)


def test_batch_norm_trains_on_batch_statistics_and_evaluates_on_the_running_ones():
    layer = BatchNorm(momentum=0.5)
    x = np.random.default_rng(1).normal(4.0, 3.0, (64, 3, 4, 4))
    for _ in range(30):
        y = layer(x)
    np.testing.assert_allclose(y.data.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    p = layer.params()
    np.testing.assert_allclose(p["avg_mean"].data, x.mean(axis=(0, 2, 3)), rtol=1e-9)
    np.testing.assert_allclose(p["avg_var"].data, x.var(axis=(0, 2, 3), ddof=1), rtol=1e-9)
    running = p["avg_mean"].data.copy()
    with variable.test_mode():  # the running statistics: a shift of the input shows
        shift = layer(x + 1.0).data - layer(x).data
    expected = np.broadcast_to(1 / np.sqrt(p["avg_var"].data + 1e-5)[:, None, None], shift.shape[1:])
    np.testing.assert_allclose(shift, np.broadcast_to(expected, shift.shape), rtol=1e-9)
    np.testing.assert_array_equal(p["avg_mean"].data, running)


def test_running_statistics_never_receive_gradients_so_optimizers_leave_them_alone():
    model = Sequential(Conv2d(2, 3, rng=0), BatchNorm(), "relu", Flatten(), "linear:3", rng=0)
    t = np.array([0, 1, 2, 0])
    for optimizer in (SGD(lr=0.1), Adam()):
        F.softmax_cross_entropy(model(IMAGES), t).backward()
        running = {k: p.data.copy() for k, p in model.params().items() if "avg" in k}
        assert all(model.params()[k].grad is None for k in running)
        optimizer.update(model)
        for k, value in running.items():
            np.testing.assert_array_equal(model.params()[k].data, value)
        model.cleargrads()
    with variable.test_mode():
        model(IMAGES).sum().backward()
    assert model.params()["1.avg_mean"].grad is None


def test_a_fresh_uncalled_model_loads_saved_weights_running_statistics_included(tmp_path):
    def build():
        return Sequential("conv2d:4,3,pad=1", "batchnorm", "relu", "maxpool2d:2",
                          "avgpool2d:1", "flatten", "linear:5", rng=np.random.default_rng())

    trained = build()
    for _ in range(3):
        trained(IMAGES)  # moves the running statistics
    trained.save(tmp_path / "cnn.npz")
    fresh = build()
    fresh.load(tmp_path / "cnn.npz")
    assert fresh.params()["0.W"].shape == (4, 3, 3, 3)
    for key, p in trained.params().items():
        np.testing.assert_array_equal(fresh.params()[key].data, p.data)
    with variable.test_mode():
        np.testing.assert_array_equal(fresh(IMAGES).data, trained(IMAGES).data)


def test_state_dict_carries_the_running_statistics():
    model = Sequential("batchnorm", "linear:2", rng=0)
    model(IMAGES[:, :, 0, 0])
    state = model.state_dict()
    assert list(state)[:4] == ["0.gamma", "0.beta", "0.avg_mean", "0.avg_var"]
    fresh = Sequential("batchnorm", "linear:2", rng=1)
    fresh.load_state_dict(state)
    np.testing.assert_array_equal(fresh.params()["0.avg_var"].data, state["0.avg_var"])
    with variable.test_mode():
        np.testing.assert_array_equal(fresh(IMAGES[:, :, 0, 0]).data, model(IMAGES[:, :, 0, 0]).data)


def test_a_file_for_other_channels_is_refused(tmp_path):
    Model([Conv2d(4, 3, in_channels=2, rng=0)]).save(tmp_path / "m.npz")
    with pytest.raises(ValueError, match=r"0\.W \(file \(4, 2, 3, 3\), model \(4, 3, 3, 3\)\)"):
        Model([Conv2d(4, 3, in_channels=3)]).load(tmp_path / "m.npz")


def test_sequential_composes_the_plugin_layers_with_builtins_by_name():
    model = Sequential("conv2d:6,3,pad=1", "relu", "maxpool2d:2", "flatten", "linear:10", rng=0)
    assert model(IMAGES).shape == (4, 10)
    assert list(model.params()) == ["0.W", "0.b", "4.W", "4.b"]
    assert Sequential(model.to_config(), rng=0)(IMAGES).shape == (4, 10)


@pytest.mark.parametrize("factory, shape", [
    (lambda: Conv2d(2, 3, rng=0), (2, 3, 5, 5)),
    (lambda: Conv2d(3, (2, 3), stride=(2, 1), pad=1, nobias=True, rng=0), (2, 2, 4, 5)),
    (lambda: MaxPool2d(2), (2, 3, 4, 4)),
    (lambda: MaxPool2d(3, stride=2, pad=1), (2, 2, 5, 5)),
    (lambda: AvgPool2d(2, stride=1, pad=1), (2, 2, 4, 4)),
    (lambda: BatchNorm(), (4, 3)),
    (lambda: BatchNorm(momentum=0.3), (3, 2, 2, 3)),
    (lambda: Flatten(), (2, 3, 2, 2)),
])
def test_every_layer_passes_check_layer(factory, shape):
    check_layer(factory, shape)


@pytest.mark.parametrize("call, error, message", [
    (lambda: Conv2d(0, 3), ValueError, r"Conv2d: out_channels must be at least 1, got 0"),
    (lambda: Conv2d(2, "3"), TypeError, r"Conv2d: kernel_size must be an int, got str"),
    (lambda: Conv2d(2, 3, pad=-1), ValueError, r"Conv2d: pad must be at least 0, got -1"),
    (lambda: Conv2d(2, 3, in_channels=0), ValueError, r"Conv2d: in_channels must be at least 1, got 0"),
    (lambda: Conv2d(2, 3)(np.ones((2, 3, 4))), ValueError,
     r"Conv2d: expected an input of shape \(N, C, H, W\), got shape \(2, 3, 4\)"),
    (lambda: MaxPool2d(2, stride=0), ValueError, r"MaxPool2d: stride must be at least 1, got 0"),
    (lambda: AvgPool2d(2, pad=2), ValueError,
     r"AvgPool2d: pad \(2, 2\) must be at most half the kernel size \(2, 2\)"),
    (lambda: BatchNorm(eps=0), ValueError, r"BatchNorm: eps must be a number above 0, got 0"),
    (lambda: BatchNorm(momentum=-0.1), ValueError,
     r"BatchNorm: momentum must be a number in \[0, 1\], got -0.1"),
    (lambda: BatchNorm()(np.ones((2, 3, 4))), ValueError,
     r"BatchNorm: expected an input of shape \(N, C\) or \(N, C, H, W\), got shape \(2, 3, 4\)"),
    (lambda: BatchNorm()(np.array([["a"]])), TypeError, r"BatchNorm: expected numbers, got an input of dtype <U1"),
    (lambda: Flatten()(np.float64(1.0)), ValueError, r"Flatten: expected an input with a batch axis, got a 0-d one"),
])
def test_bad_arguments_and_inputs_are_refused(call, error, message):
    with pytest.raises(error, match=message):
        call()
