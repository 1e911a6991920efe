"""``cygrad plugins``: the registry's table, printed by the installed command."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cygrad.cli import main as cygrad_main

from ..core.registry.conftest import site  # noqa: F401  (the fake-installation fixture)
from ..core.registry.test_listing import run_module


def test_cygrad_plugins_command_prints_the_same_table(capsys):
    assert cygrad_main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert out == run_module().stdout


def test_cygrad_plugins_prints_its_table_when_a_plugin_hook_calls_sys_exit(site):
    body = "import sys\nfrom cygrad.registry import hookimpl\n\n@hookimpl\ndef cygrad_register_layers(register):\n    sys.exit(4)\n"
    site.add("cygrad-fake-exit", {"exit": "fake_exit_plugin"}, {"fake_exit_plugin": body})
    command = Path(sys.executable).with_name("cygrad")
    env = {**os.environ, "PYTHONPATH": str(site.root)}
    done = subprocess.run([str(command), "plugins"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    at = [line.split()[:3] for line in lines].index(["exit", "cygrad-fake-exit", "1.0"])
    assert lines[at + 1] == "    problem: skipped: cygrad_register_layers raised SystemExit: 4"
    assert any(line.split()[:2] == ["cygrad.layers", "cygrad-layers"] for line in lines)
    assert lines[-1].endswith("; 1 problem")
