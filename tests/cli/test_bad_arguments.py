"""Every bad argument of every ``cygrad`` subcommand: exit 2, one line on stderr, no work done."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from cygrad.cli import main

# Small enough that a command which wrongly starts working still ends quickly.
TINY_LSTM = ["lstm", "--n", "5", "--epochs", "1", "--hidden", "2", "--no-progress"]


def unwritable_folder(tmp_path):
    """A folder this process cannot write into, even as root (os.access asks the kernel)."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    if os.access(folder, os.W_OK):  # root: permission bits do not stop it, procfs does
        folder = "/proc/self"
    assert not os.access(folder, os.W_OK)
    return str(folder)


class Places:
    """Paths that cannot be written to, made under ``tmp_path``."""

    def __init__(self, tmp_path):
        self.file = tmp_path / "a-file"
        self.file.write_text("")
        self.missing = tmp_path / "missing"
        self.folder = tmp_path
        self.unwritable = unwritable_folder(tmp_path)


# case id -> (command line, the option the error names), given the Places of a test
CASES = {
    "lstm --lr inf": lambda p: (TINY_LSTM + ["--lr", "inf"], "--lr"),
    "lstm --lr nan": lambda p: (TINY_LSTM + ["--lr", "nan"], "--lr"),
    "lstm --lr -1": lambda p: (TINY_LSTM + ["--lr", "-1"], "--lr"),
    "lstm --noise inf": lambda p: (TINY_LSTM + ["--noise", "inf"], "--noise"),
    "lstm --noise -0.1": lambda p: (TINY_LSTM + ["--noise", "-0.1"], "--noise"),
    "lstm --seed -1": lambda p: (TINY_LSTM + ["--seed", "-1"], "--seed"),
    "lstm --n 2": lambda p: (TINY_LSTM + ["--n", "2"], "--n"),
    "lstm --bptt 0": lambda p: (TINY_LSTM + ["--bptt", "0"], "--bptt"),
    "lstm --epochs 0": lambda p: (TINY_LSTM + ["--epochs", "0"], "--epochs"),
    "lstm --hidden x": lambda p: (TINY_LSTM + ["--hidden", "x"], "--hidden"),
    "lstm --out a file": lambda p: (TINY_LSTM + ["--out", str(p.file)], "--out"),
    "lstm --out under a file": lambda p: (TINY_LSTM + ["--out", str(p.file / "sub")], "--out"),
    "lstm --out unwritable": lambda p: (
        TINY_LSTM + ["--out", os.path.join(p.unwritable, "out")], "--out"),
    "rosenbrock --every 0": lambda p: (["rosenbrock", "--every", "0"], "--every"),
    "rosenbrock --every -1": lambda p: (["rosenbrock", "--every", "-1"], "--every"),
    "rosenbrock --iters -5": lambda p: (["rosenbrock", "--iters", "-5"], "--iters"),
    "rosenbrock --lr inf": lambda p: (["rosenbrock", "--iters", "3", "--lr", "inf"], "--lr"),
    "dot --output missing folder": lambda p: (
        ["dot", "--output", str(p.missing / "g.dot")], "--output"),
    "dot --output a folder": lambda p: (["dot", "--output", str(p.folder)], "--output"),
    "dot --output under a file": lambda p: (
        ["dot", "--output", str(p.file / "g.dot")], "--output"),
    "spiral --lr inf": lambda p: (["spiral", "--workers", "0", "--lr", "inf"], "--lr"),
    "spiral --workers -1": lambda p: (["spiral", "--workers", "-1"], "--workers"),
    "spiral --out under a file": lambda p: (
        ["spiral", "--workers", "0", "--out", str(p.file / "sub")], "--out"),
    "dot --func reshape": lambda p: (["dot", "--func", "reshape"], "--func"),
    "dot --order -1": lambda p: (["dot", "--order", "-1"], "--order"),
    "dot --at nan": lambda p: (["dot", "--at", "nan"], "--at"),
}


def check_refused(stdout: str, stderr: str, command: str, option: str) -> None:
    assert stdout == ""  # no work started: nothing printed, no epoch, no trajectory
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"cygrad {command}: error: argument {option}"), lines[0]


@pytest.mark.parametrize("case", CASES)
def test_a_bad_argument_exits_2_with_one_line_before_any_work(case, tmp_path, capsys,
                                                               monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv, option = CASES[case](Places(tmp_path))
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(argv) == 2
    out, err = capsys.readouterr()
    check_refused(out, err, argv[0], option)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no folder or file written


def test_a_folder_the_system_refuses_is_reported_before_training(tmp_path, capsys):
    # /sys lets os.access say yes to root, then refuses the mkdir: still one line, no training.
    assert main(TINY_LSTM + ["--out", "/sys/cygrad-test-out"]) == 2
    out, err = capsys.readouterr()
    check_refused(out, err, "lstm", "--out")
    assert "cannot create the folder" in err


@pytest.mark.parametrize("case", ["lstm --seed -1", "rosenbrock --every 0",
                                  "dot --output missing folder"])
def test_the_installed_command_prints_no_traceback(case, tmp_path):
    argv, option = CASES[case](Places(tmp_path))
    proc = subprocess.run([sys.executable, "-m", "cygrad.cli", *argv], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    check_refused(proc.stdout, proc.stderr, argv[0], option)


def test_the_options_that_are_good_still_work(tmp_path, capsys):
    assert main(["rosenbrock", "--iters", "0", "--every", "1"]) == 0
    assert capsys.readouterr().out.startswith("     0  x0=0.0000000000  x1=2.0000000000")
    assert main(["dot", "--order", "0", "--output", str(tmp_path / "g.dot")]) == 0
    assert (tmp_path / "g.dot").read_text().startswith("digraph")
