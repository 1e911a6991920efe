"""Adding a workload is adding one file: tools/benchmarks finds every w<number>_*.py module."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import benchmarks

TOOLS = Path(__file__).resolve().parents[2] / "tools"

NEW_WORKLOAD = '''
import numpy as np

from benchmarks.workload import Workload


def prepare(steps):
    return lambda: {"x": np.array(float(steps))}


WORKLOADS = [Workload(id="W10", title="a new one", unit="us/step", unit_factor=1e6, steps=3,
                      quick_steps=3, numpy=prepare, cygrad=prepare)]
'''


def test_the_checkout_has_the_six_timed_workloads_in_order():
    families = [w.id.split("-")[0] for w in benchmarks.ALL]
    assert sorted(set(families), key=families.index) == ["W1", "W2", "W3", "W4", "W5", "W6"]
    assert sorted(families, key=lambda f: int(f[1:])) == families


def test_a_new_module_is_a_new_workload_after_the_others(tmp_path):
    shutil.copytree(TOOLS / "benchmarks", tmp_path / "benchmarks",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "benchmarks" / "w10_new.py").write_text(NEW_WORKLOAD)
    # Neither a helper module nor a standalone w<number> script (no WORKLOADS) is imported.
    (tmp_path / "benchmarks" / "helper_not_a_workload.py").write_text("raise SystemExit(3)\n")
    (tmp_path / "benchmarks" / "w11_script.py").write_text("raise SystemExit(4)\n")
    proc = subprocess.run(
        [sys.executable, "-c",
         "import benchmarks; print(' '.join(w.id for w in benchmarks.ALL)); "
         "print(benchmarks.select('W10')[0].title)"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    ids, title = proc.stdout.splitlines()
    assert ids.split() == [w.id for w in benchmarks.ALL] + ["W10"]  # by number: W10 after W5
    assert title == "a new one"
