"""The checks every load shares (files, state dicts): overflow, NaN and inf, renaming, and
Model.state_dict / load_state_dict."""
import warnings

import numpy as np
import pytest

from cygrad.layers import Linear
from cygrad.models import MLP, Model
from cygrad.variable import Variable

from .weights import assert_same, snapshot


def trained(dtype=np.float64, rng=0):
    model = MLP([4, 3, 2], rng=rng)
    model(np.ones((1, 5), dtype))
    return model


def write(path, arrays):
    with open(path, "wb") as f:
        np.savez(f, **arrays)


# Every way of loading, as a function (model, arrays, tmp_path, **options).
def via_npz(model, arrays, tmp_path, **options):
    write(tmp_path / "w.npz", arrays)
    model.load(tmp_path / "w.npz", **options)


def via_state_dict(model, arrays, tmp_path, **options):
    model.load_state_dict(arrays, **options)


LOADERS = [via_npz, via_state_dict]


@pytest.fixture(params=LOADERS, ids=lambda f: f.__name__)
def load(request):
    return request.param


def test_float64_values_that_overflow_a_float32_model_are_refused(tmp_path, load):
    model = trained(np.float32)
    before = snapshot(model)
    arrays = {k: v.astype(np.float64) for k, v in before.items()}
    arrays["1.W"][0, 0] = 1e300
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # no "overflow encountered in cast" escapes either
        with pytest.raises(ValueError, match=r"overflow: 1\.W \(values beyond float32's range\)$"):
            load(model, arrays, tmp_path)
        with pytest.raises(ValueError, match=r"overflow: 1\.W"):
            load(model, arrays, tmp_path, allow_nonfinite=True)
    assert_same(snapshot(model), before)
    arrays["1.W"][0, 0] = 3e38   # still within float32's range
    load(model, arrays, tmp_path)
    assert model.params()["1.W"].data[0, 0] == np.float32(3e38)


def test_nan_and_inf_are_refused_by_name_unless_allowed(tmp_path, load):
    model = trained()
    before = snapshot(model)
    arrays = {k: v + 1 for k, v in before.items()}
    arrays["0.b"][1] = np.nan
    arrays["2.W"][0, 0] = -np.inf
    with pytest.raises(ValueError, match=r"nothing was changed; not finite \(NaN or inf; pass "
                       r"allow_nonfinite=True to load them\): 0\.b, 2\.W$"):
        load(model, arrays, tmp_path)
    assert_same(snapshot(model), before)
    load(model, arrays, tmp_path, allow_nonfinite=True)
    assert np.isnan(model.params()["0.b"].data[1]) and model.params()["2.W"].data[0, 0] == -np.inf
    assert_same(snapshot(model), arrays)


def test_options_of_the_wrong_kind_are_refused_before_reading(tmp_path):
    model = trained()
    with pytest.raises(TypeError, match="allow_nonfinite must be True or False, got 'yes'"):
        model.load(tmp_path / "absent.npz", allow_nonfinite="yes")
    with pytest.raises(TypeError, match="map_names must be a dict of file names to model names or a "
                       r"callable \(name, array\) -> \(model_name, array\) \| None, got list"):
        model.load(tmp_path / "absent.npz", map_names=["0.W"])
    with pytest.raises(TypeError, match=r"map_names must map str to str; not so: 'a': 1"):
        model.load(tmp_path / "absent.npz", map_names={"a": 1})
    with pytest.raises(TypeError, match="Model.load: path must be a str or os.PathLike"):
        model.load(b"w.npz")
    with pytest.raises(TypeError, match="strict must be True or False, got 1"):
        model.load_state_dict(model.state_dict(), strict=1)


def test_map_names_as_a_dict_renames_and_keeps_the_other_names(tmp_path):
    source = trained()
    arrays = {("dense1.weight" if k == "0.W" else k): v for k, v in snapshot(source).items()}
    write(tmp_path / "renamed.npz", arrays)
    fresh = MLP([4, 3, 2])
    with pytest.raises(ValueError, match=r"missing: 0\.W; extra: dense1\.weight$"):
        fresh.load(tmp_path / "renamed.npz")
    fresh.load(tmp_path / "renamed.npz", map_names={"dense1.weight": "0.W", "unused": "9.x"})
    assert_same(snapshot(fresh), snapshot(source))
    with pytest.raises(ValueError, match=r"given more than once: 0\.b$"):
        fresh.load(tmp_path / "renamed.npz", map_names={"dense1.weight": "0.W", "1.b": "0.b"})


def test_map_names_as_a_callable_renames_transforms_and_skips(tmp_path):
    source = trained()
    arrays = {f"layer{k}": v.T for k, v in snapshot(source).items()}
    arrays["optimizer.step"] = np.array(7)
    write(tmp_path / "other.npz", arrays)
    seen = []

    def mapping(name, array):
        seen.append(name)
        if not name.startswith("layer"):
            return None
        return name[len("layer"):], array.T

    fresh = MLP([4, 3, 2])
    fresh.load(tmp_path / "other.npz", map_names=mapping)
    assert seen == list(arrays)
    assert_same(snapshot(fresh), snapshot(source))
    with pytest.raises(TypeError, match=r"map_names\('layer0.W', array\) must return \(model_name, "
                       r"array\) or None, got 'x'"):
        fresh.load(tmp_path / "other.npz", map_names=lambda name, array: "x")
    with pytest.raises(ValueError, match=r"missing: 0\.W, 0\.b, 1\.W, 1\.b, 2\.W, 2\.b$"):
        fresh.load(tmp_path / "other.npz", map_names=lambda name, array: None)


def test_state_dict_is_an_ordered_copy():
    model = trained()
    state = model.state_dict()
    assert list(state) == list(model.params()) == ["0.W", "0.b", "1.W", "1.b", "2.W", "2.b"]
    assert_same(state, snapshot(model))
    state["0.W"][...] = 0
    assert not np.all(model.params()["0.W"].data == 0)


def test_state_dict_of_a_model_not_called_yet_is_refused():
    with pytest.raises(ValueError, match=r"Model.state_dict: layer 0 \(Linear\) has no parameters yet"):
        MLP([3, 1]).state_dict()


def test_load_state_dict_round_trips_into_a_fresh_lazy_model_and_copies():
    source = trained()
    state = source.state_dict()
    fresh = MLP([4, 3, 2])
    fresh.load_state_dict(state)
    assert_same(fresh.state_dict(), state)
    state["0.W"][...] = 0   # the model holds its own copy
    assert_same(fresh.state_dict(), source.state_dict())
    x = np.random.default_rng(2).standard_normal((3, 5))
    np.testing.assert_array_equal(fresh(x).data, source(x).data)


def test_load_state_dict_takes_variables_lists_and_float32():
    model = Model([Linear(2, in_size=2, nobias=True)])
    model.load_state_dict({"0.W": Variable(np.eye(2))})
    np.testing.assert_array_equal(model.params()["0.W"].data, np.eye(2))
    model.load_state_dict({"0.W": [[1.0, 2.0], [3.0, 4.0]]})
    np.testing.assert_array_equal(model.params()["0.W"].data, [[1, 2], [3, 4]])
    model.load_state_dict({"0.W": np.ones((2, 2), np.float32)})
    assert model.params()["0.W"].dtype == np.float64


def test_load_state_dict_strict_wants_exactly_the_models_names():
    model = trained()
    before = snapshot(model)
    state = {k: v + 1 for k, v in before.items()}
    del state["1.b"]
    state["9.x"] = np.zeros(2)
    with pytest.raises(ValueError, match=r"Model.load_state_dict: the weights do not match the model, "
                       r"nothing was changed; missing: 1\.b; extra: 9\.x$"):
        model.load_state_dict(state)
    assert_same(snapshot(model), before)


def test_load_state_dict_not_strict_loads_the_names_present_in_both():
    model = trained()
    before = snapshot(model)
    state = {"0.W": before["0.W"] + 1, "2.b": before["2.b"] - 1, "9.x": np.zeros(2)}
    model.load_state_dict(state, strict=False)
    after = snapshot(model)
    np.testing.assert_array_equal(after["0.W"], before["0.W"] + 1)
    np.testing.assert_array_equal(after["2.b"], before["2.b"] - 1)
    for key in ("0.b", "1.W", "1.b", "2.W"):
        np.testing.assert_array_equal(after[key], before[key])


def test_load_state_dict_not_strict_still_refuses_a_shape_or_dtype_mismatch():
    model = trained()
    before = snapshot(model)
    with pytest.raises(ValueError, match=r"mis-shaped: 1\.W \(file \(3, 4\), model \(4, 3\)\)$"):
        model.load_state_dict({"0.W": before["0.W"] + 1, "1.W": np.zeros((3, 4))}, strict=False)
    with pytest.raises(ValueError, match=r"not floating point: 0\.b \(int64\)$"):
        model.load_state_dict({"0.b": np.zeros(4, np.int64)}, strict=False)
    assert_same(snapshot(model), before)


def test_load_state_dict_not_strict_into_a_lazy_layer_needs_its_input_size():
    fresh = MLP([4, 3, 2])
    with pytest.raises(ValueError, match="of a layer not created yet, without the entry that gives its "
                       r"input size: 0\.b$"):
        fresh.load_state_dict({"0.b": np.zeros(4)}, strict=False)
    assert not fresh.layers[0].initialized
    fresh.load_state_dict({"0.W": np.ones((5, 4))}, strict=False)
    assert fresh.layers[0].in_size == 5 and not fresh.layers[1].initialized
    np.testing.assert_array_equal(fresh.params()["0.W"].data, np.ones((5, 4)))


def test_load_state_dict_refuses_what_is_not_a_mapping_of_names():
    model = trained()
    with pytest.raises(TypeError, match="Model.load_state_dict: expected a mapping of names to arrays "
                       r"\(as state_dict\(\) gives\), got list"):
        model.load_state_dict([("0.W", np.zeros((5, 4)))])
    with pytest.raises(TypeError, match="Model.load_state_dict: names must be str, got 0"):
        model.load_state_dict({0: np.zeros((5, 4))})
    with pytest.raises(ValueError, match=r"Model.load_state_dict: 0\.W: not an array"):
        model.load_state_dict({"0.W": [[1.0], [1.0, 2.0]]})
