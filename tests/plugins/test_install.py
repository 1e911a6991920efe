"""A plugins/ distribution installed for real with pip is found by the registry, once."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

PLUGIN = Path(__file__).resolve().parents[2] / "plugins" / "cygrad-contrib-activations"

REPORT = """
import json, cygrad_contrib_activations
from cygrad import registry
from cygrad.variable import Variable
rows = [r._asdict() for r in registry.plugins() if r.distribution == "cygrad-contrib-activations"]
print(json.dumps({
    "rows": rows,
    "module": cygrad_contrib_activations.__file__,
    "softplus0": registry.activation("softplus")(Variable(0.0)).item(),
}))
"""


def test_a_plugin_installed_by_pip_is_discovered(tmp_path):
    source = shutil.copytree(PLUGIN, tmp_path / "src", ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    target = tmp_path / "site"
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-build-isolation", "--no-deps", "--no-index",
         "--target", str(target), str(source)],
        check=True, env=env, capture_output=True, timeout=300,
    )
    assert sorted(p.name for p in target.glob("*.dist-info")) == ["cygrad_contrib_activations-0.1.0.dist-info"]
    # PYTHONPATH puts the new copy ahead of any installed one: the registry must load that copy,
    # and list its distribution once even where the same plugin is also in site-packages.
    done = subprocess.run([sys.executable, "-c", REPORT], env={**env, "PYTHONPATH": str(target)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert Path(report["module"]).is_relative_to(target)
    assert report["rows"] == [{
        "plugin": "contrib-activations",
        "distribution": "cygrad-contrib-activations",
        "version": "0.1.0",
        "provides": {"activations": ["elu", "leaky_relu", "mish", "silu", "softplus", "swish"]},
        "problems": [],
    }]
    assert abs(report["softplus0"] - 0.6931471805599453) < 1e-15
