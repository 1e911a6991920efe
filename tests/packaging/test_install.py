"""Each distribution installs and works alone, in a fresh virtual environment, with only its
declared dependencies. Slow (builds and installs for real), so these run once per suite."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SPLIT = ["core", "layers", "models", "optimizers"]
ENV = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}

ENGINE_WORKS = (
    "from cygrad.variable import Variable\n"
    "x = Variable(3.0); y = x * x + x; y.backward()\n"
    "assert (y.item(), x.grad.item()) == (12.0, 7.0)\n"
)


def run(*cmd, cwd=None) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{cmd}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def clean_copy(name: str, dest: Path) -> Path:
    """The package's sources without build leftovers, so every build starts from scratch."""
    target = dest / name
    shutil.copytree(
        ROOT / "packages" / name,
        target,
        ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", "*.so", "*.c"),
    )
    return target


def fresh_venv(path: Path) -> Path:
    venv.EnvBuilder(with_pip=True, clear=True).create(path)
    return path / "bin" / "python"


def modules_present(python: Path) -> dict[str, bool]:
    code = (
        "import importlib.util, json\n"
        "names = ['cygrad.variable', 'cygrad.layers', 'cygrad.models', 'cygrad.optimizers']\n"
        "print(json.dumps({n: importlib.util.find_spec(n) is not None for n in names}))\n"
    )
    import json

    return json.loads(run(str(python), "-c", code))


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory) -> Path:
    sources = tmp_path_factory.mktemp("src")
    wheels = tmp_path_factory.mktemp("wheels")
    for name in SPLIT:
        run(sys.executable, "-m", "pip", "wheel", "-q", "--no-build-isolation", "--no-deps",
            "-w", str(wheels), str(clean_copy(name, sources)))
    return wheels


def test_core_alone_with_build_isolation(tmp_path):
    python = fresh_venv(tmp_path / "env")
    run(str(python), "-m", "pip", "install", "-q", str(clean_copy("core", tmp_path)))
    run(str(python), "-c", ENGINE_WORKS, cwd=tmp_path)
    assert modules_present(python) == {
        "cygrad.variable": True, "cygrad.layers": False,
        "cygrad.models": False, "cygrad.optimizers": False,
    }


@pytest.mark.parametrize(
    "dist, expected",
    [
        ("cygrad-layers", {"cygrad.layers"}),
        ("cygrad-optimizers", {"cygrad.optimizers"}),
        ("cygrad-models", {"cygrad.layers", "cygrad.models"}),
    ],
)
def test_each_distribution_installs_with_only_its_dependencies(tmp_path, wheelhouse, dist, expected):
    python = fresh_venv(tmp_path / "env")
    run(str(python), "-m", "pip", "install", "-q", "--find-links", str(wheelhouse), dist)
    run(str(python), "-m", "pip", "check")
    present = modules_present(python)
    assert {n for n, here in present.items() if here} == {"cygrad.variable"} | expected
    module = dist.replace("-", ".")
    run(str(python), "-c", f"import {module}\n" + ENGINE_WORKS, cwd=tmp_path)


def test_wheels_hold_no_generated_c(wheelhouse):
    import zipfile

    for wheel in wheelhouse.glob("*.whl"):
        names = zipfile.ZipFile(wheel).namelist()
        assert not [n for n in names if n.endswith(".c")], wheel.name
        assert "cygrad/__init__.py" not in names, wheel.name
