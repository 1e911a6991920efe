"""``cygrad cnn``, the demo the vision plugin adds to the cygrad command."""
import importlib.util
import re
import sys

import pytest

from cygrad.cli import main
from cygrad.plotting import plot_extra
from cygrad_contrib_vision import cnn

from ...terminal import terminal

ACCURACY = re.compile(r"test accuracy: (\d+\.\d)%")


def cygrad(argv):
    """The exit status of ``cygrad ARGV`` run in this process."""
    try:
        return main(argv)
    except SystemExit as e:  # argparse's way out, for a usage error
        return e.code


def test_the_defaults_reach_95_percent_within_a_minute_and_save_a_model_that_reloads(tmp_path, capsys):
    assert cygrad(["cnn", "--out", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    epochs = [line for line in lines if line.startswith("epoch")]
    assert [line.split()[1] for line in epochs] == [f"{k}/6" for k in range(1, 7)]
    assert all(float(line.split("loss")[1]) >= 0 for line in epochs)
    [trained] = [line for line in lines if line.startswith("trained in")]
    assert float(trained.split()[2]) < 60
    assert float(ACCURACY.fullmatch(lines[-1]).group(1)) >= 95.0
    assert f"wrote {tmp_path / 'cnn.npz'}; the model reloaded from it predicts the same" in lines
    assert (tmp_path / "cnn.npz").stat().st_size > 0
    if importlib.util.find_spec("matplotlib") is not None:
        assert (tmp_path / "cnn.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"wrote {tmp_path / 'cnn.png'}" in lines
    else:
        assert not (tmp_path / "cnn.png").exists()


def test_without_matplotlib_the_user_is_told_how_to_get_the_plot(tmp_path, capsys, monkeypatch):
    # A None entry in sys.modules makes ``import matplotlib`` raise ImportError.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    out = tmp_path / "new" / "folder"
    assert cygrad(["cnn", "--epochs", "1", "--out", str(out)]) == 0
    stdout = capsys.readouterr().out
    assert "pip install matplotlib" in stdout
    assert f"pip install '{plot_extra('cygrad-contrib-vision')}'" in stdout
    assert not (out / "cnn.png").exists() and (out / "cnn.npz").exists()
    assert ACCURACY.fullmatch(stdout.splitlines()[-1])


def test_the_same_seed_gives_the_same_run_and_another_seed_another(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)

    def run(seed):
        assert cygrad(["cnn", "--epochs", "1", "--seed", seed, "--out", str(tmp_path)]) == 0
        return [line for line in capsys.readouterr().out.splitlines() if "trained in" not in line]

    assert run("3") == run("3") != run("4")


def test_a_reloaded_model_that_predicts_differently_fails_the_run(tmp_path, capsys, monkeypatch):
    built = []
    build_model = cnn.build_model

    def build(seed):
        model = build_model(seed)
        built.append(model)
        if len(built) == 2:
            model.load = lambda path: None  # keeps its own, untrained weights
        return model

    monkeypatch.setattr(cnn, "build_model", build)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert cygrad(["cnn", "--epochs", "1", "--out", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert "predicts differently" in err and "test accuracy" not in out


@pytest.mark.parametrize("option, message", [
    (["--epochs", "0"], "argument --epochs: must be at least 1, got 0"),
    (["--epochs", "two"], "argument --epochs: expected a whole number, got 'two'"),
    (["--seed", "-1"], "argument --seed: must be at least 0, got -1"),
])
def test_bad_options_exit_2_naming_the_option_before_any_work(tmp_path, capsys, option, message):
    assert cygrad(["cnn", "--out", str(tmp_path / "out"), *option]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert message in line
    assert not (tmp_path / "out").exists()


def test_an_output_path_through_a_file_is_refused(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    assert cygrad(["cnn", "--out", str(tmp_path / "file" / "out")]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "argument --out: " in line and "is a file, not a folder" in line


def test_in_a_terminal_a_progress_bar_is_drawn_then_replaced_by_the_epoch_loss(tmp_path):
    raw, shown = terminal([sys.executable, "-m", "cygrad.cli", "cnn", "--epochs", "2", "--out", "o"],
                          tmp_path, timeout=120)
    assert "epoch  1/2 [" + "#" * 30 + "] 100/100 loss" in raw
    for epoch in ("epoch  1/2", "epoch  2/2"):
        [line] = [line for line in shown if line.startswith(epoch)]
        assert re.fullmatch(rf"{epoch}  loss \d+\.\d{{4}}", line), shown
