"""``cygrad spiral`` in this process (``--workers 0``), without cygrad-distributed, and with bad
options; the run on Ray workers is in tests/distributed/test_data_parallel.py."""
import csv
import importlib.util
import sys

import pytest

from cygrad.cli import main

from ..terminal import terminal

TINY = ["spiral", "--epochs", "3", "--hidden", "5", "--no-progress"]


def test_in_process_training_reports_and_writes_the_files(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(TINY + ["--workers", "0", "--out", str(out)]) == 0
    stdout, stderr = capsys.readouterr()
    assert "trained 3 epochs in this process" in stdout
    accuracy = float(stdout.split("accuracy ")[1].split()[0])
    with open(out / "spiral.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["x0", "x1", "label", "predicted"] and len(rows) == 301
    assert accuracy == pytest.approx(sum(r[2] == r[3] for r in rows[1:]) / 300, abs=1e-4)
    if importlib.util.find_spec("matplotlib") is not None:
        assert (out / "spiral.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        assert "pip install matplotlib" in stdout
    assert stderr == ""


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path, capsys):
    assert main(TINY[:-1] + ["--workers", "0", "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().err == ""


def test_in_a_terminal_the_bar_is_drawn_and_erased_each_epoch(tmp_path):
    raw, shown = terminal([sys.executable, "-m", "cygrad.cli", *TINY[:-1], "--workers", "0",
                           "--out", "o"], tmp_path)
    assert f"epoch 3/3 [{'#' * 30}] 10/10 loss" in raw
    # each bar is replaced by its epoch's loss, shown once
    epochs = [line for line in shown if line.startswith("epoch")]
    assert [line.split(" loss ")[0] for line in epochs] == ["epoch 1/3", "epoch 2/3", "epoch 3/3"]
    assert shown[3].startswith("trained 3 epochs in this process"), shown


def test_workers_without_cygrad_distributed_get_one_line_with_the_install_command(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setitem(sys.modules, "cygrad.distributed", None)
    assert main(TINY + ["--workers", "2", "--out", str(tmp_path / "x")]) == 1
    stdout, stderr = capsys.readouterr()
    assert stdout == "" and len(stderr.strip().splitlines()) == 1
    assert 'pip install "cygrad[distributed]"' in stderr
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    "option, value, words",
    [
        ("--workers", "-1", "must be at least 0"),
        ("--epochs", "0", "must be at least 1"),
        ("--batch-size", "x", "expected a whole number"),
        ("--lr", "inf", "must be a finite number"),
        ("--lr", "0", "must be above 0"),
        ("--seed", "-1", "must be at least 0"),
    ],
)
def test_bad_options_exit_2_with_one_line(option, value, words, capsys):
    assert main(["spiral", option, value]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1
    assert err.startswith(f"cygrad spiral: error: argument {option}: {words}")


def test_an_output_path_that_is_a_file_exits_2_before_training(tmp_path, capsys):
    taken = tmp_path / "file"
    taken.write_text("")
    assert main(TINY + ["--workers", "0", "--out", str(taken)]) == 2
    stdout, stderr = capsys.readouterr()
    assert stdout == "" and stderr.count("\n") == 1 and "is a file" in stderr
