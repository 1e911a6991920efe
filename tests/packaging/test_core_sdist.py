"""The engine's source is one `_core.pyx` that includes its sections (`.pxi` files): cygrad-core's
sdist must carry every section (tools/wheels builds the wheel from that sdist, so the wheel's
existence shows it compiles), and its setup.py must list them as the extension's build
dependencies, so that editing a section rebuilds the module. Slow: shares the built wheelhouse."""
from __future__ import annotations

import re
import sys
import tarfile
from pathlib import Path

import pytest

from .conftest import ROOT, VERSION, run, wheels

pytestmark = pytest.mark.slow

ENGINE = ROOT / "packages" / "core" / "src" / "cygrad" / "variable"
TOP = f"cygrad_core-{VERSION}"


def included_sections() -> list[str]:
    """The .pxi files `_core.pyx` includes, as paths inside the sdist."""
    names = re.findall(r'^include "([^"]+)"', (ENGINE / "_core.pyx").read_text(), flags=re.M)
    return sorted(f"src/cygrad/variable/{n}" for n in names)


def test_core_pyx_includes_every_section_file_of_the_checkout():
    assert included_sections() == sorted(
        f"src/cygrad/variable/{p.name}" for p in ENGINE.glob("*.pxi")
    )
    assert len(included_sections()) >= 8


def test_the_core_sdist_holds_every_section_and_its_wheel_was_built_from_it(wheelhouse):
    with tarfile.open(wheelhouse / f"{TOP}.tar.gz") as tf:
        names = set(tf.getnames())
    missing = [s for s in included_sections() if f"{TOP}/{s}" not in names]
    assert missing == []
    assert "cygrad-core" in wheels(wheelhouse)


def test_the_sdist_setup_lists_every_section_as_a_build_dependency(wheelhouse, tmp_path):
    with tarfile.open(wheelhouse / f"{TOP}.tar.gz") as tf:
        tf.extractall(tmp_path, filter="data")
    # setup.py run up to its configuration, with cythonize left out (it would compile).
    listed = run(sys.executable, "-c", (
        "import setuptools, Cython.Build\n"
        "Cython.Build.cythonize = lambda extensions, **options: extensions\n"
        "from distutils.core import run_setup\n"
        "dist = run_setup('setup.py', stop_after='init')\n"
        "[ext] = dist.ext_modules\n"
        "print(*ext.depends, sep='\\n')\n"
    ), cwd=tmp_path / TOP).split()
    assert set(included_sections()) <= set(map(str, map(Path, listed)))
