"""tools/sanitize's pieces that the normal suite can check cheaply: the build switch in
packages/core/setup.py, the hypothesis profile, the ignored environment. (The sanitized run
itself takes minutes; ``.ci/run`` runs it, and it checks its own build links ASan.)"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Runs packages/core/setup.py with cythonize and setup replaced, printing the extension's flags.
SHOW_FLAGS = """
import json, runpy, Cython.Build, setuptools
Cython.Build.cythonize = lambda extensions, **options: extensions
def show(ext_modules, **metadata):
    print(json.dumps([ext_modules[0].extra_compile_args, ext_modules[0].extra_link_args]))
setuptools.setup = show
runpy.run_path("setup.py")
"""


def core_build_flags(**env: str) -> tuple[list[str], list[str]]:
    environment = {k: v for k, v in os.environ.items() if k != "CYGRAD_SANITIZE"} | env
    done = subprocess.run([sys.executable, "-c", SHOW_FLAGS], cwd=REPO / "packages" / "core",
                          env=environment, capture_output=True, text=True, check=True)
    compile_args, link_args = json.loads(done.stdout)
    return compile_args, link_args


def test_the_core_builds_with_release_flags_by_default():
    assert core_build_flags() == (["-O2", "-g0"], [])


def test_cygrad_sanitize_switches_the_core_to_the_sanitizers():
    compile_args, link_args = core_build_flags(CYGRAD_SANITIZE="1")
    for args in (compile_args, link_args):
        assert "-fsanitize=address,undefined" in args and "-fno-omit-frame-pointer" in args
    assert "-g" in compile_args and "-g0" not in compile_args  # readable reports


@pytest.mark.parametrize("ci", ["", "1"])
def test_the_sanitize_profile_loads_when_named_even_in_ci(ci):
    program = ("import conftest\nfrom hypothesis import settings\n"
               "print(settings.default.max_examples, settings.default.derandomize)")
    environment = os.environ | {"HYPOTHESIS_PROFILE": "sanitize", "CI": ci}
    done = subprocess.run([sys.executable, "-c", program], cwd=REPO / "tests", env=environment,
                          capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["10", "True"]


def test_the_sanitizer_environment_is_ignored_by_git():
    path = ".venv-sanitize/bin/python"
    done = subprocess.run(["git", "check-ignore", "--no-index", path], cwd=REPO,
                          capture_output=True, text=True)
    assert done.stdout.split() == [path]
