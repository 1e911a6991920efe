"""tools/benchmarks/plot.py: the table and the PNG of docs/benchmarks.md from a timing file."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.plot import markdown_table

PLOT = Path(__file__).resolve().parents[2] / "tools" / "benchmarks" / "plot.py"


def record(id_, ratio, torch_ratio=None, target=1.2):
    medians = {"numpy": 2.0, "cygrad": 2.0 * ratio}
    if torch_ratio is not None:
        medians["torch"] = 2.0 * torch_ratio
    return {"id": id_, "unit": "us/iteration", "check": "passed", "ratio": ratio,
            "round_ratios": [ratio, 0.9 * ratio, 1.1 * ratio], "torch_ratio": torch_ratio,
            "medians": medians, "target": target}


PAYLOAD = {"workloads": [
    record("W1", 0.5, 20.0),
    {"id": "W2", "title": "skipped", "skipped": "needs cygrad.models"},
    {"id": "W3", "unit": "ms/iteration", "problems": ["cygrad differs from numpy"],
     "target": 1.05},
    record("W5", 1.25, None, target=None),
]}


def test_the_table_has_a_row_per_timed_workload():
    lines = markdown_table(PAYLOAD).splitlines()
    assert lines[0].startswith("| workload | unit | NumPy | cygrad | PyTorch |")
    assert lines[2:] == [
        "| W1 | us/iteration | 2 | 1 | 40 | 0.50x | 0.45-0.55x | 20.00x | <= 1.2x |",
        "| W5 | us/iteration | 2 | 2.5 | - | 1.25x | 1.12-1.38x | - | - |",
    ]


VARIANTS = {"id": "W6", "unit": "ms/step", "check": "passed", "baseline": "in-process",
            "medians": {"in-process": 100.0, "workers=1": 110.0, "workers=2": 50.0},
            "variants": {"workers=1": {"ratio": 1.1, "round_ratios": [1.0, 1.2], "target": 1.15},
                         "workers=2": {"ratio": 0.5, "round_ratios": [0.5, 0.5],
                                       "target": 0.625}}}


def test_a_baseline_of_its_own_gets_a_table_of_its_own_after_numpys():
    numpy_table, variant_table = markdown_table(
        {"workloads": PAYLOAD["workloads"] + [VARIANTS]}).split("\n\n")
    assert numpy_table == markdown_table(PAYLOAD)  # W6 is no row of the NumPy table
    assert variant_table.splitlines()[0] == (
        "| workload | variant | unit | in-process | variant | variant / in-process "
        "| its rounds | speed-up | target |")
    assert variant_table.splitlines()[2:] == [
        "| W6 | workers=1 | ms/step | 100 | 110 | 1.10x | 1.00-1.20x | 0.91x | <= 1.15x |",
        "| W6 | workers=2 | ms/step | 100 | 50 | 0.50x | 0.50-0.50x | 2.00x | <= 0.625x |",
    ]
    assert markdown_table({"workloads": [VARIANTS]}) == variant_table


def test_the_script_writes_a_png_and_prints_the_table(tmp_path):
    pytest.importorskip("matplotlib")
    timings = tmp_path / "bench.json"
    payload = {"workloads": PAYLOAD["workloads"] + [VARIANTS]}
    timings.write_text(json.dumps(payload))
    png = tmp_path / "plot.png"
    proc = subprocess.run([sys.executable, str(PLOT), str(timings), str(png)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == markdown_table(payload)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_file_without_a_timed_workload_is_refused_with_a_message(tmp_path):
    timings = tmp_path / "bench.json"
    timings.write_text(json.dumps({"workloads": PAYLOAD["workloads"][1:3]}))  # skipped, failed
    png = tmp_path / "plot.png"
    proc = subprocess.run([sys.executable, str(PLOT), str(timings), str(png)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "no workload passed its checks, so there is nothing to plot" in proc.stderr
    assert "Traceback" not in proc.stderr and not png.exists()
