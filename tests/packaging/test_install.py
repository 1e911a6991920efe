"""Each distribution installs in a fresh virtual environment with only its declared
dependencies: from the wheels, and from the checkout's folders named together, as the README
says. Slow (builds and installs for real)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from .conftest import ENGINE_WORKS, VERSION, copy_checkout, fresh_venv, install_from_wheelhouse, installed_cygrad, run

pytestmark = pytest.mark.slow


def modules_present(python: Path) -> set[str]:
    code = (
        "import importlib.util, json\n"
        "names = ['cygrad.variable', 'cygrad.layers', 'cygrad.models', 'cygrad.optimizers', 'cygrad.cli']\n"
        "print(json.dumps([n for n in names if importlib.util.find_spec(n) is not None]))\n"
    )
    return set(json.loads(run(python, "-c", code)))


@pytest.mark.parametrize(
    "dist, expected",
    [
        ("cygrad-core", set()),
        ("cygrad-layers", {"cygrad-layers"}),
        ("cygrad-optimizers", {"cygrad-optimizers"}),
        ("cygrad-models", {"cygrad-layers", "cygrad-models"}),
    ],
)
def test_each_distribution_installs_with_only_its_dependencies(tmp_path, wheelhouse, dist, expected):
    python = fresh_venv(sys.executable, tmp_path / "env")
    install_from_wheelhouse(python, wheelhouse, dist)
    run(python, "-m", "pip", "check")
    assert installed_cygrad(python) == {name: VERSION for name in {"cygrad-core", dist} | expected}
    modules = {"cygrad.variable"} | {n.replace("-", ".") for n in expected}
    assert modules_present(python) == modules
    run(python, "-c", "".join(f"import {m}\n" for m in sorted(modules)) + ENGINE_WORKS, cwd=tmp_path)


def test_layers_installs_from_the_checkout_together_with_core(tmp_path):
    # With build isolation, as a user without the pinned build tools would: core's declared
    # build requirements must be enough to compile it.
    checkout = copy_checkout(tmp_path / "checkout", only=["LICENSE", "packages/core", "packages/layers"])
    python = fresh_venv(sys.executable, tmp_path / "env")
    run(python, "-m", "pip", "install", "-q", "./packages/core", "./packages/layers", cwd=checkout)
    run(python, "-m", "pip", "check")
    assert installed_cygrad(python) == {"cygrad-core": VERSION, "cygrad-layers": VERSION}
    assert modules_present(python) == {"cygrad.variable", "cygrad.layers"}
    run(python, "-c", "from cygrad.layers import Linear\n" + ENGINE_WORKS, cwd=tmp_path)
