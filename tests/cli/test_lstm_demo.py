"""``cygrad lstm`` with tiny options: per-epoch losses, a progress bar, the CSV and the plot."""
import csv
import importlib.util
import math
import re
import subprocess
import sys

from cygrad.cli import main
from cygrad.plotting import plot_extra

from ..terminal import terminal

TINY = ["lstm", "--n", "41", "--epochs", "2", "--hidden", "4", "--bptt", "10", "--seed", "3"]


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


def check_csv(path, n):
    rows = read_rows(path)
    assert rows[0] == ["x", "truth", "prediction"]
    body = [[float(v) for v in row] for row in rows[1:]]
    assert len(body) == n - 1
    xs = [r[0] for r in body]
    assert xs == sorted(xs) and math.isclose(xs[-1], 4 * math.pi)
    assert all(math.isclose(truth, math.sin(x), abs_tol=1e-8) for x, truth, _ in body)
    assert all(math.isfinite(p) for _, _, p in body)


def test_demo_prints_losses_and_writes_the_csv_and_the_plot(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(TINY + ["--out", str(out)]) == 0
    stdout, stderr = capsys.readouterr()
    epochs = [line for line in stdout.splitlines() if line.startswith("epoch")]
    assert len(epochs) == 2 and all(float(line.split("loss")[1]) >= 0 for line in epochs)
    assert "final loss" in stdout
    assert stderr == ""  # not a terminal: no progress bar
    check_csv(out / "lstm.csv", 41)
    if importlib.util.find_spec("matplotlib") is not None:
        assert (out / "lstm.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"wrote {out / 'lstm.png'}" in stdout
    else:
        assert not (out / "lstm.png").exists()
        assert "pip install matplotlib" in stdout


def test_without_matplotlib_the_csv_is_written_and_the_user_told(tmp_path, capsys, monkeypatch):
    # A None entry in sys.modules makes ``import matplotlib`` raise ImportError.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    out = tmp_path / "demo"
    assert main(TINY + ["--out", str(out), "--no-progress"]) == 0
    stdout, stderr = capsys.readouterr()
    check_csv(out / "lstm.csv", 41)
    assert not (out / "lstm.png").exists()
    assert f"pip install matplotlib  (or install it as the plot extra: pip install " \
        f"'{plot_extra('cygrad')}')" in stdout
    assert stderr == ""


def test_the_same_seed_gives_the_same_prediction(tmp_path, capsys):
    main(TINY + ["--out", str(tmp_path / "a"), "--no-progress"])
    main(TINY + ["--out", str(tmp_path / "b"), "--no-progress"])
    assert read_rows(tmp_path / "a" / "lstm.csv") == read_rows(tmp_path / "b" / "lstm.csv")


def test_in_a_terminal_each_epoch_loss_is_shown_once(tmp_path):
    raw, shown = terminal([sys.executable, "-m", "cygrad.cli", *TINY, "--out", "o"], tmp_path)
    assert "[" + "#" * 30 + "] 40/40 loss" in raw  # the bar was drawn
    for epoch in ("epoch   1/2", "epoch   2/2"):
        lines = [line for line in shown if line.startswith(epoch) and "loss" in line]
        assert len(lines) == 1, shown


def test_redirected_to_files_there_are_no_carriage_returns(tmp_path):
    with open(tmp_path / "out.txt", "w") as out, open(tmp_path / "err.txt", "w") as err:
        subprocess.run([sys.executable, "-m", "cygrad.cli", *TINY, "--out", "o"], cwd=tmp_path,
                       stdout=out, stderr=err, check=True, timeout=60)
    # bytes: read_text() would turn every carriage return into a newline
    written = ((tmp_path / "out.txt").read_bytes() + (tmp_path / "err.txt").read_bytes()).decode()
    assert "\r" not in written and "\x1b" not in written
    assert len(re.findall(r"^epoch +\d/2 +loss", written, flags=re.M)) == 2

