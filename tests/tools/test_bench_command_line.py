"""tools/bench refuses bad arguments before any benchmark runs, and ends on Ctrl-C in one line."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

BENCH = str(Path(__file__).resolve().parents[2] / "tools" / "bench")
ENV = {**os.environ, "PYTHON": sys.executable, "PYTHONUNBUFFERED": "1"}


@pytest.mark.parametrize("args, option", [
    (["--json", "{tmp}/missing/bench.json"], "--json"),
    (["--json", "{tmp}"], "--json"),
    (["--workloads", ""], "--workloads"),
    (["--workloads", " , "], "--workloads"),
    (["--workloads", "W9"], "--workloads"),
    (["--rounds", "0"], "--rounds"),
    (["--clock", "sundial"], "--clock"),
])
def test_a_bad_argument_exits_2_with_one_line_before_any_benchmark(args, option, tmp_path):
    argv = [a.format(tmp=tmp_path) for a in args]
    start = time.monotonic()
    proc = subprocess.run([BENCH, "--workloads", "W5", "--quick", *argv], env=ENV,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stdout == ""  # no table, not even the heading: nothing was timed
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    assert proc.stderr.startswith(f"tools/bench: error: argument {option}")
    assert time.monotonic() - start < 60


def test_ctrl_c_exits_130_with_one_line():
    proc = subprocess.Popen([BENCH, "--workloads", "W5", "--rounds", "1000"], env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        heading = proc.stdout.readline()  # printed when the timing starts
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert heading.startswith("tools/bench: 1000 round(s)")
    assert proc.returncode == 130
    assert err == "tools/bench: interrupted\n"
