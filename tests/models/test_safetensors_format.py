"""Model.save / load in the .safetensors format: same rules as .npz, chosen by the suffix, and
weights written by PyTorch load with the README's recipe."""
import os
import re
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from cygrad.models import MLP

from .weights import assert_same, snapshot

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def safetensors():
    """The package; tests that need it are skipped without it (the ImportError test is not)."""
    return pytest.importorskip("safetensors")


@pytest.fixture
def save_file(safetensors):
    return pytest.importorskip("safetensors.numpy").save_file


def trained(dtype=np.float64, rng=0):
    model = MLP([4, 3, 2], rng=rng)
    model(np.ones((1, 5), dtype))
    return model


def test_the_suffix_chooses_the_format(tmp_path, safetensors):
    model = trained()
    model.save(tmp_path / "w.safetensors")
    model.save(tmp_path / "w.SafeTensors")
    model.save(tmp_path / "w.npz")
    model.save(tmp_path / "w")
    with safetensors.safe_open(tmp_path / "w.safetensors", framework="numpy") as f:
        assert sorted(f.keys()) == sorted(model.params())
    assert not zipfile.is_zipfile(tmp_path / "w.safetensors")
    assert not zipfile.is_zipfile(tmp_path / "w.SafeTensors")
    assert zipfile.is_zipfile(tmp_path / "w.npz") and zipfile.is_zipfile(tmp_path / "w")
    assert sorted(os.listdir(tmp_path)) == ["w", "w.SafeTensors", "w.npz", "w.safetensors"]


def test_round_trip_into_a_fresh_lazy_model(tmp_path, safetensors):
    for dtype in (np.float64, np.float32):
        model = trained(dtype)
        model.save(tmp_path / "w.safetensors")
        fresh = MLP([4, 3, 2])
        fresh.load(tmp_path / "w.safetensors")
        assert_same(snapshot(fresh), {k: v.astype(np.float64) for k, v in snapshot(model).items()})


def test_a_file_that_does_not_match_changes_nothing(tmp_path, save_file):
    model = trained()
    before = snapshot(model)
    arrays = {k: v + 1 for k, v in before.items()}
    arrays["1.W"] = np.zeros((2, 2))
    arrays["9.x"] = np.zeros(1)
    del arrays["0.b"]
    arrays["2.b"] = np.array([1, 2], np.int32)
    arrays["2.W"][0, 0] = np.nan
    save_file(arrays, tmp_path / "bad.safetensors")
    with pytest.raises(ValueError) as info:
        model.load(tmp_path / "bad.safetensors")
    message = str(info.value)
    assert message.startswith(f"Model.load({str(tmp_path / 'bad.safetensors')!r}): the weights do not match")
    assert "missing: 0.b" in message and "extra: 9.x" in message
    assert "mis-shaped: 1.W (file (2, 2), model (4, 3))" in message
    assert "not floating point: 2.b (I32)" in message
    assert_same(snapshot(model), before)

    del arrays["9.x"]
    arrays.update({"0.b": before["0.b"], "1.W": before["1.W"], "2.b": before["2.b"]})
    save_file(arrays, tmp_path / "nan.safetensors")
    with pytest.raises(ValueError, match=r"not finite \(NaN or inf; pass allow_nonfinite=True to load "
                       r"them\): 2\.W$"):
        model.load(tmp_path / "nan.safetensors")
    assert_same(snapshot(model), before)
    model.load(tmp_path / "nan.safetensors", allow_nonfinite=True)
    assert np.isnan(model.params()["2.W"].data[0, 0])


def test_float64_values_that_overflow_a_float32_model_are_refused(tmp_path, save_file):
    model = trained(np.float32)
    arrays = {k: v.astype(np.float64) for k, v in snapshot(model).items()}
    arrays["0.W"][1, 1] = -1e39
    save_file(arrays, tmp_path / "big.safetensors")
    with pytest.raises(ValueError, match=r"overflow: 0\.W \(values beyond float32's range\)$"):
        model.load(tmp_path / "big.safetensors")


def test_every_truncation_is_a_value_error_naming_the_file(tmp_path, safetensors):
    model = MLP([2], rng=0)
    model(np.ones((1, 1)))
    path = tmp_path / "cut.safetensors"
    model.save(path)
    size = path.stat().st_size
    for cut in reversed(range(size)):
        os.truncate(path, cut)
        with pytest.raises(ValueError, match=re.escape(f"Model.load({str(path)!r}): not a readable "
                                                       ".safetensors file")):
            model.load(path)


def test_a_header_declaring_2_40_elements_is_a_cheap_value_error(tmp_path, safetensors):
    header = b'{"0.W":{"dtype":"F64","shape":[1048576,1048576],"data_offsets":[0,8796093022208]}}'
    (tmp_path / "liar.safetensors").write_bytes(len(header).to_bytes(8, "little") + header + bytes(64))
    fresh = MLP([4])
    with pytest.raises(ValueError, match="not a readable .safetensors file"):
        fresh.load(tmp_path / "liar.safetensors")
    assert not fresh.layers[0].initialized


def test_without_the_package_an_import_error_says_how_to_install_it(tmp_path, monkeypatch):
    model = trained()
    (tmp_path / "w.safetensors").write_bytes(b"whatever is there is not read")
    for name in ["safetensors", "safetensors.numpy"]:
        monkeypatch.setitem(sys.modules, name, None)
    install = re.escape('.safetensors files need the safetensors package: pip install "cygrad[safetensors]"')
    with pytest.raises(ImportError, match=r"Model.save: " + install):
        model.save(tmp_path / "new.safetensors")
    with pytest.raises(ImportError, match=install):
        model.load(tmp_path / "w.safetensors")
    assert os.listdir(tmp_path) == ["w.safetensors"]


def readme_block(marker):
    """The README's code block fenced as ```python <marker> (run here, not by test_readme)."""
    blocks = re.findall(rf"```python {marker}\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) == 1
    return blocks[0]


def test_the_readme_recipe_loads_a_pytorch_model(tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    pytest.importorskip("safetensors.torch")
    monkeypatch.chdir(tmp_path)
    scope = {}
    exec(compile(readme_block("torch"), "README.md", "exec"), scope)
    net, mlp = scope["net"], scope["mlp"]
    assert isinstance(net, torch.nn.Sequential)
    x = np.random.default_rng(1).standard_normal((7, 3)).astype(np.float32)
    with torch.no_grad():
        expected = net(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(mlp(x).data, expected, rtol=1e-5, atol=1e-6)
    for i, layer in enumerate([net[0], net[2]]):
        np.testing.assert_array_equal(mlp.params()[f"{i}.W"].data, layer.weight.detach().numpy().T)


def test_a_missing_file_or_a_folder_is_an_os_error_naming_it(tmp_path, safetensors):
    model = trained()
    with pytest.raises(FileNotFoundError) as info:
        model.load(tmp_path / "absent.safetensors")
    assert info.value.filename == str(tmp_path / "absent.safetensors")
    (tmp_path / "folder.safetensors").mkdir()
    with pytest.raises(IsADirectoryError) as info:
        model.load(tmp_path / "folder.safetensors")
    assert info.value.filename == str(tmp_path / "folder.safetensors")
