"""Model.save / Model.load: exact path, atomic writes, no pickles, all-or-nothing loading."""
import os
import pickle

import numpy as np
import pytest

from cygrad.layers import Linear
from cygrad.models import LSTM, MLP, Model

from .weights import assert_same, snapshot


@pytest.fixture
def mlp():
    model = MLP([4, 3, 2], rng=0)
    model(np.ones((1, 5)))
    return model


def test_round_trip_into_a_fresh_lazy_model(tmp_path, mlp):
    path = tmp_path / "weights"
    mlp.save(path)
    assert sorted(os.listdir(tmp_path)) == ["weights"]
    with np.load(path) as f:
        assert list(f.files) == ["0.W", "0.b", "1.W", "1.b", "2.W", "2.b"]

    fresh = MLP([4, 3, 2], rng=1)
    fresh.load(path)
    assert_same(snapshot(fresh), snapshot(mlp))
    x = np.random.default_rng(3).standard_normal((2, 5))
    np.testing.assert_array_equal(fresh(x).data, mlp(x).data)


def test_round_trip_into_an_initialised_model_keeps_its_parameter_objects(tmp_path):
    a, b = LSTM(4, 1, rng=0), LSTM(4, 1, rng=1)
    x = np.ones((1, 2))
    a(x)
    b(x)
    before = b.params()
    a.save(str(tmp_path / "lstm.npz"))
    b.load(tmp_path / "lstm.npz")
    assert all(before[k] is p for k, p in b.params().items())
    assert_same(snapshot(b), snapshot(a))


def test_saving_replaces_the_previous_file(tmp_path, mlp):
    path = tmp_path / "w.npz"
    other = MLP([4, 3, 2], rng=5)
    other(np.ones((1, 5)))
    other.save(path)
    mlp.save(path)
    fresh = MLP([4, 3, 2])
    fresh.load(path)
    assert_same(snapshot(fresh), snapshot(mlp))
    assert sorted(os.listdir(tmp_path)) == ["w.npz"]


def test_an_interrupted_save_leaves_the_previous_file_intact(tmp_path, mlp, monkeypatch):
    path = tmp_path / "w.npz"
    mlp.save(path)
    before = path.read_bytes()

    def broken_savez(f, *args, **kwargs):
        f.write(b"PK\x03\x04 half an archive")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    changed = MLP([4, 3, 2], rng=9)
    changed(np.ones((1, 5)))
    with pytest.raises(OSError, match="disk full"):
        changed.save(path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["w.npz"]


def test_saving_a_model_that_was_never_called_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"Model.save: layer 0 \(Linear\) has no parameters yet"):
        MLP([3, 1]).save(tmp_path / "w.npz")
    assert os.listdir(tmp_path) == []


def test_pickled_objects_are_refused_and_nothing_changes(tmp_path, mlp):
    before = snapshot(mlp)
    arrays = {k: v for k, v in before.items()}
    arrays["0.W"] = np.array([object()] * 20, dtype=object).reshape(5, 4)
    with open(tmp_path / "evil.npz", "wb") as f:
        np.savez(f, **arrays)
    with pytest.raises(ValueError, match="Object arrays cannot be loaded"):
        mlp.load(tmp_path / "evil.npz")
    (tmp_path / "evil.pkl").write_bytes(pickle.dumps({"0.W": np.zeros((5, 4))}))
    with pytest.raises(ValueError, match="not a readable .npz archive"):
        mlp.load(tmp_path / "evil.pkl")
    assert_same(snapshot(mlp), before)


def test_a_single_npy_array_is_not_an_archive(tmp_path, mlp):
    np.save(tmp_path / "one.npy", np.zeros(3))
    with pytest.raises(ValueError, match="a single .npy array, not an .npz archive"):
        mlp.load(tmp_path / "one.npy")


def test_a_missing_file_is_file_not_found(tmp_path, mlp):
    with pytest.raises(FileNotFoundError):
        mlp.load(tmp_path / "nothing.npz")


def write(path, arrays):
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def test_missing_extra_and_misshaped_keys_are_named_and_nothing_changes(tmp_path, mlp):
    before = snapshot(mlp)
    good = {k: v + 1.0 for k, v in before.items()}

    missing = dict(good)
    del missing["1.b"]
    write(tmp_path / "missing.npz", missing)
    with pytest.raises(ValueError, match=r"nothing was changed; missing: 1\.b$"):
        mlp.load(tmp_path / "missing.npz")

    extra = dict(good, **{"3.W": np.zeros((2, 2))})
    write(tmp_path / "extra.npz", extra)
    with pytest.raises(ValueError, match=r"extra: 3\.W$"):
        mlp.load(tmp_path / "extra.npz")

    misshaped = dict(good, **{"1.W": np.zeros((4, 4))})
    write(tmp_path / "misshaped.npz", misshaped)
    with pytest.raises(ValueError, match=r"mis-shaped: 1\.W \(file \(4, 4\), model \(4, 3\)\)$"):
        mlp.load(tmp_path / "misshaped.npz")

    several = dict(good, **{"2.W": np.zeros((1, 1)), "9.x": np.zeros(1)})
    del several["0.b"]
    write(tmp_path / "several.npz", several)
    with pytest.raises(ValueError) as info:
        mlp.load(tmp_path / "several.npz")
    message = str(info.value)
    assert "missing: 0.b" in message and "extra: 9.x" in message
    assert "2.W (file (1, 1), model (3, 2))" in message

    integers = {k: v.astype(np.int64) for k, v in good.items()}
    write(tmp_path / "integers.npz", integers)
    with pytest.raises(ValueError, match=r"not floating point: 0\.W \(int64\)"):
        mlp.load(tmp_path / "integers.npz")

    assert_same(snapshot(mlp), before)


def test_a_lazy_model_is_not_created_when_the_file_does_not_match(tmp_path, mlp):
    arrays = snapshot(mlp)
    arrays["2.b"] = np.zeros(5)
    write(tmp_path / "bad.npz", arrays)
    fresh = MLP([4, 3, 2])
    with pytest.raises(ValueError, match=r"2\.b \(file \(5,\), model \(2,\)\)"):
        fresh.load(tmp_path / "bad.npz")
    assert all(not layer.initialized for layer in fresh.layers)

    del arrays["0.W"]
    write(tmp_path / "no_input_size.npz", arrays)
    with pytest.raises(ValueError, match=r"missing: 0\.W"):
        fresh.load(tmp_path / "no_input_size.npz")
    assert all(not layer.initialized for layer in fresh.layers)


def test_float32_files_load_into_the_models_dtype(tmp_path, mlp):
    write(tmp_path / "f32.npz", {k: v.astype(np.float32) for k, v in snapshot(mlp).items()})
    fresh = MLP([4, 3, 2])
    fresh.load(tmp_path / "f32.npz")
    assert all(p.dtype == np.float64 for p in fresh.params().values())
    np.testing.assert_allclose(fresh.params()["0.W"].data, mlp.params()["0.W"].data, rtol=1e-6)


def test_a_generic_model_round_trips(tmp_path):
    a = Model([Linear(2, in_size=3, rng=0), Linear(1, in_size=2, nobias=True, rng=0)])
    b = Model([Linear(2, in_size=3, rng=1), Linear(1, in_size=2, nobias=True, rng=1)])
    a.save(tmp_path / "g")
    b.load(tmp_path / "g")
    assert_same(snapshot(b), snapshot(a))
