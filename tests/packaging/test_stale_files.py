"""A module deleted from a package's sources is gone from the next build that tools/rebuild (and
so .ci/run, through tools/install_checkout) makes, although setuptools' build/lib still holds
it. Slow: real builds, in a copy of the checkout."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from .conftest import ROOT, copy_checkout, run

pytestmark = pytest.mark.slow

# Enough of the checkout for tools/rebuild to build two pure distributions quickly: the root
# (the command) and cygrad-layers, and nothing to compile.
PARTS = ["tools", "pyproject.toml", "setup.py", "README.md", "LICENSE", "packages/cli", "packages/layers"]


def rebuild_into(checkout: Path, target: Path) -> set[str]:
    """Run the copy's tools/rebuild, installing into ``target``; the files the wheels held."""
    run(checkout / "tools" / "rebuild", "--target", target, env={"PYTHON": sys.executable})
    return {str(p.relative_to(target)) for p in target.rglob("*.py")}


def test_a_deleted_module_is_not_installed_again(tmp_path):
    checkout = copy_checkout(tmp_path / "checkout", only=PARTS)
    layers = checkout / "packages" / "layers" / "src" / "cygrad" / "layers"
    doomed = next(p for p in sorted(layers.glob("*.py")) if not p.name.startswith("_"))
    name = f"cygrad/layers/{doomed.name}"

    assert name in rebuild_into(checkout, tmp_path / "first")
    assert (checkout / "packages" / "layers" / "build" / "lib" / name).is_file()  # the stale copy

    doomed.unlink()
    second = rebuild_into(checkout, tmp_path / "second")
    assert name not in second
    assert "cygrad/layers/__init__.py" in second and "cygrad/cli/__init__.py" in second
    [record] = (tmp_path / "second").glob("cygrad_layers-*.dist-info/RECORD")
    assert name not in record.read_text()


def test_ci_installs_through_the_cleaning_install():
    assert "tools/install_checkout" in (ROOT / ".ci" / "run").read_text()
