"""Ctrl-C (a real SIGINT to a real process) ends any subcommand with exit 130 and one line."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

LONG_RUNS = {
    "lstm": ["lstm", "--n", "200", "--hidden", "4", "--epochs", "100000", "--no-progress"],
    "rosenbrock": ["rosenbrock", "--iters", "1000000000", "--every", "1"],
}


def interrupt_after_first_line(argv: list[str], cwd) -> subprocess.CompletedProcess:
    """Start ``argv``, wait until it prints its first line (it is working), then send SIGINT."""
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        first = proc.stdout.readline()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    return subprocess.CompletedProcess(argv, proc.returncode, first + out, err)


@pytest.mark.parametrize("command", sorted(LONG_RUNS))
def test_ctrl_c_exits_130_with_one_line(command, tmp_path):
    proc = interrupt_after_first_line([sys.executable, "-m", "cygrad.cli", *LONG_RUNS[command]],
                                      tmp_path)
    assert proc.stdout.strip(), "the command never started working"
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr == "cygrad: interrupted\n"


def _interrupt(*args, **kwargs):
    raise KeyboardInterrupt


@pytest.mark.parametrize("command, module, name", [
    (["dot"], "cygrad.cli.dot", "to_dot"),
    (["plugins"], "cygrad.cli.plugins", "main"),
])
def test_ctrl_c_in_the_quick_commands_too(command, module, name, monkeypatch, capsys):
    from cygrad.cli import main

    monkeypatch.setattr(f"{module}.{name}", _interrupt)
    try:
        status = main(command)
    except KeyboardInterrupt:  # escaping, it would end the whole test session
        pytest.fail("Ctrl-C escaped cygrad.cli.main")
    assert status == 130
    assert capsys.readouterr().err == "cygrad: interrupted\n"


def test_ctrl_c_inside_a_string_exec_still_exits_130_under_python_m(tmp_path):
    # CPython ends a `python -m` run by SIGINT when a KeyboardInterrupt left a string exec(),
    # caught or not (dataclasses exec their methods, so any import under way can be the place).
    (tmp_path / "interrupted_in_exec.py").write_text(
        "import sys\n"
        "from cygrad.cli.interrupt import interrupted\n"
        "try:\n"
        "    exec('raise KeyboardInterrupt')\n"
        "except KeyboardInterrupt:\n"
        "    sys.exit(interrupted('cygrad'))\n"
    )
    proc = subprocess.run([sys.executable, "-m", "interrupted_in_exec"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stderr) == (130, "cygrad: interrupted\n")
