"""``cygrad gpt``, the demo the transformer plugin adds to the ``cygrad`` command, run with
tiny options: the text, the model made of registered names, training, sampling, the files."""
from __future__ import annotations

import importlib.util
import io
import sys

import numpy as np
import pytest

from cygrad import registry
from cygrad.cli import main
from cygrad.plotting import plot_extra
from cygrad_contrib_transformer import gpt
from cygrad_contrib_transformer.zen import CharVocabulary, zen_of_python


def test_the_zen_of_python_is_read_without_printing(capsys):
    text = zen_of_python()
    assert text.startswith("The Zen of Python, by Tim Peters\n\nBeautiful is better than ugly.\n")
    assert text.rstrip().endswith("Namespaces are one honking great idea -- let's do more of those!")
    assert capsys.readouterr().out == ""


def test_the_vocabulary_numbers_the_sorted_characters_and_round_trips():
    vocab = CharVocabulary("hello")
    assert vocab.chars == ["e", "h", "l", "o"] and len(vocab) == 4
    np.testing.assert_array_equal(vocab.encode("hole"), [1, 3, 2, 0])
    assert vocab.decode([1, 0, 2, 2, 3]) == "hello"
    with pytest.raises(ValueError, match=r"CharVocabulary.encode: characters \['x'\] are not in the vocabulary"):
        vocab.encode("hex")


def test_the_model_is_a_sequential_of_registered_names_giving_logits_per_position():
    model = gpt.build_model(11, np.random.default_rng(0))
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Embedding", "PositionalEmbedding", "TransformerBlock", "TransformerBlock", "LayerNorm", "Linear"]
    assert [c["layer"] for c in model.to_config()] == [
        "embedding", "positional_embedding", "transformer_block", "transformer_block", "layernorm", "linear",
    ]
    assert all(layer.causal for layer in model.layers[2:4])
    assert model(np.zeros((3, 7), dtype=np.int64)).shape == (3, 7, 11)
    gpt.to_float32(model)
    assert {p.dtype for p in model.params().values()} == {np.dtype(np.float32)}
    assert "2.attn.Wq" in model.params() and model(np.zeros((1, 2), dtype=np.int64)).dtype == np.float32


def test_training_lowers_the_loss_and_sampling_is_seeded():
    text = zen_of_python()
    vocab = CharVocabulary(text)
    ids = vocab.encode(text)
    model = gpt.build_model(len(vocab), np.random.default_rng(0))
    gpt.to_float32(model)
    losses = gpt.train(model, ids, 30, np.random.default_rng(1), progress=False)
    assert len(losses) == 30 and np.mean(losses[-5:]) < np.mean(losses[:5]) - 0.3
    first = gpt.sample(model, vocab, "Be", 80, np.random.default_rng(2))
    assert len(first) == 82 and first.startswith("Be") and set(first) <= set(vocab.chars)
    assert gpt.sample(model, vocab, "Be", 80, np.random.default_rng(2)) == first


def test_sampling_records_no_graph_and_runs_in_test_mode(monkeypatch):
    from cygrad.config import current

    text = zen_of_python()
    vocab = CharVocabulary(text)
    model = gpt.build_model(len(vocab), np.random.default_rng(0))
    seen = []
    forward = model.forward

    def spy(x):
        settings = current.get()
        seen.append((settings.enable_backprop, settings.train))
        y = forward(x)
        assert y.creator is None
        return y

    monkeypatch.setattr(model, "forward", spy)
    gpt.sample(model, vocab, "\n", 3, np.random.default_rng(0))
    assert seen == [(False, False)] * 3


def run_demo(tmp_path, capsys, *extra):
    out = tmp_path / "demo"
    status = main(["gpt", "--steps", "3", "--seed", "4", "--out", str(out), *extra])
    stdout, stderr = capsys.readouterr()
    return status, out, stdout, stderr


def test_the_demo_prints_losses_and_a_sample_and_draws_the_loss_curve(tmp_path, capsys):
    status, out, stdout, stderr = run_demo(tmp_path, capsys)
    assert status == 0
    lines = stdout.splitlines()
    assert lines[0].startswith("steps    1-   3/3  loss ") and float(lines[0].split("loss")[1]) > 0
    assert lines[1].startswith("final loss ")
    # The sample comes last: the prompt (a newline) and 300 characters, stripped of newlines at its ends.
    before, passage = stdout.split("\nsample:\n")
    assert 250 < len(passage) <= 301 and set(passage) <= set(zen_of_python())
    if importlib.util.find_spec("matplotlib") is not None:
        assert (out / "gpt.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"wrote {out / 'gpt.png'}" in stdout
    else:
        assert not (out / "gpt.png").exists() and out.is_dir()
        assert "pip install matplotlib" in stdout
    assert stderr == ""  # not a terminal: no progress bar


def test_without_matplotlib_the_user_is_told_how_to_get_the_plot(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # ``import matplotlib`` raises ImportError
    status, out, stdout, _ = run_demo(tmp_path, capsys)
    assert status == 0 and not (out / "gpt.png").exists()
    assert "matplotlib is not installed" in stdout
    assert f"pip install '{plot_extra('cygrad-contrib-transformer')}'" in stdout


def test_the_loss_curve_is_drawn_with_matplotlib(tmp_path):
    pytest.importorskip("matplotlib")
    assert gpt.write_png(tmp_path / "gpt.png", [3.0, 2.0, 1.5, 1.0])
    assert (tmp_path / "gpt.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_on_a_terminal_a_progress_bar_shows_each_block(tmp_path, capsys, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    status, *_ = run_demo(tmp_path, capsys)
    assert status == 0
    assert "steps    1-   3/3 [" + "#" * 30 + "] 3/3 loss" in terminal.getvalue()


def test_the_same_seed_gives_the_same_run(tmp_path, capsys):
    _, _, first, _ = run_demo(tmp_path, capsys)
    _, _, second, _ = run_demo(tmp_path, capsys)
    strip = [line for line in first.splitlines() if not line.startswith("final loss")]
    assert strip == [line for line in second.splitlines() if not line.startswith("final loss")]


@pytest.mark.parametrize(
    "option, message",
    [
        (["--steps", "0"], "must be at least 1, got 0"),
        (["--steps", "many"], "expected a whole number, got 'many'"),
        (["--seed", "-1"], "must be at least 0, got -1"),
        (["--out", "{file}/sub"], "is a file, not a folder"),
    ],
)
def test_bad_options_exit_2_with_one_line_before_any_work(tmp_path, capsys, option, message):
    (tmp_path / "file").write_text("")
    option = [o.replace("{file}", str(tmp_path / "file")) for o in option]
    assert main(["gpt", "--out", str(tmp_path / "x"), *option]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("cygrad gpt: error: argument --") and message in captured.err
    assert captured.err.count("\n") == 1 and captured.out == ""  # one line
    assert not (tmp_path / "x").exists()


def test_the_command_is_registered_by_the_plugin():
    command = registry.commands()["gpt"]
    assert command is gpt.COMMAND and command.run is gpt.run
