"""The plugin table: ``format_table``, ``python -m cygrad.registry`` and ``cygrad plugins``."""
from __future__ import annotations

import os
import subprocess
import sys

from cygrad.registry import PluginInfo
from cygrad.registry.listing import format_table

from .test_discovery import activations_plugin


def test_format_table_lines_up_columns_and_lists_problems_under_their_plugin():
    rows = [
        PluginInfo("cygrad.layers", "cygrad-layers", "0.1.0", {"layers": ("linear", "lstm")}, ()),
        PluginInfo("both", "cygrad-fake", "10.2", {"layers": ("a",), "activations": ("b", "c")}, ()),
        PluginInfo("broken", "x", "1", {}, ("skipped: importing 'x' failed: ImportError: no",)),
        PluginInfo("inline", None, None, {"optimizers": ("o",)}, ()),
    ]
    assert format_table(rows) == "\n".join([
        "PLUGIN         DISTRIBUTION   VERSION  PROVIDES",
        "cygrad.layers  cygrad-layers  0.1.0    layers: linear, lstm",
        "both           cygrad-fake    10.2     layers: a",
        "                                       activations: b, c",
        "broken         x              1        -",
        "    problem: skipped: importing 'x' failed: ImportError: no",
        "inline         (in-process)   -        optimizers: o",
        "",
        "4 plugins: 3 layers, 2 activations, 1 optimizers, 0 commands, 0 onnx_converters; 1 problem",
    ])


def run_module(extra_path: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if extra_path:
        env["PYTHONPATH"] = extra_path
    return subprocess.run([sys.executable, "-m", "cygrad.registry"], capture_output=True,
                          text=True, env=env, timeout=120)


def test_python_m_cygrad_registry_prints_every_first_party_component():
    done = run_module()
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["PLUGIN", "DISTRIBUTION", "VERSION", "PROVIDES"]
    assert ["cygrad.functions", "cygrad-core", "0.1.0", "activations:", "gelu,", "log_softmax,",
            "relu,", "sigmoid,", "softmax,", "tanh"] in [line.split() for line in lines]
    assert any(line.split()[:4] == ["cygrad.layers", "cygrad-layers", "0.1.0", "layers:"] for line in lines)
    assert any(line.split()[:4] == ["cygrad.optimizers", "cygrad-optimizers", "0.1.0", "optimizers:"] for line in lines)
    assert lines[-1].endswith("; 0 problems")


def test_the_table_shows_problems_and_exits_1_even_in_strict_mode(site, monkeypatch):
    site.add("cygrad-fake-listed", {"listed": "fake_listed_plugin"}, {"fake_listed_plugin": "import no_such_module_q\n"})
    site.add("cygrad-fake-ok", {"ok": "fake_ok_plugin"}, {"fake_ok_plugin": activations_plugin("fake_listed_ok")})
    monkeypatch.setenv("CYGRAD_STRICT_PLUGINS", "1")
    done = run_module(str(site.root))
    assert done.returncode == 1
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    at = [line.split()[:3] for line in lines].index(["listed", "cygrad-fake-listed", "1.0"])
    assert lines[at + 1] == (
        "    problem: skipped: importing 'fake_listed_plugin' failed: ModuleNotFoundError: "
        "No module named 'no_such_module_q'"
    )
    assert ["ok", "cygrad-fake-ok", "1.0", "activations:", "fake_listed_ok"] in [line.split() for line in lines]


def test_cygrad_plugins_lists_a_layer_named_like_an_activation(site):
    from .test_problems import LAYER_NAMED_RELU

    site.add("cygrad-fake-relu-layer", {"relu-layer": "fake_relu_layer"}, {"fake_relu_layer": LAYER_NAMED_RELU})
    done = run_module(str(site.root))
    assert done.returncode == 1
    problems = [line.strip() for line in done.stdout.splitlines() if line.startswith("    problem:")]
    assert problems == [
        "problem: activation 'relu' has the name of layer 'relu' from plugin 'relu-layer' "
        "(cygrad-fake-relu-layer 1.0), so the name alone is ambiguous in Sequential",
        "problem: layer 'relu' has the name of activation 'relu' from plugin 'cygrad.functions' "
        "(cygrad-core 0.1.0), so the name alone is ambiguous in Sequential",
    ]
