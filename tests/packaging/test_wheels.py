"""tools/wheels builds every distribution into an sdist and a wheel an index would accept, and
the root wheel installs in a fresh environment from those wheels alone, on the Python this suite
runs on and on the oldest Python cygrad claims. Slow: real builds and fresh environments."""
from __future__ import annotations

import platform
import re
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

from .conftest import (
    DISTRIBUTIONS, ENGINE_WORKS, ROOT, VERSION, fresh_venv, install_from_wheelhouse, installed_cygrad,
    python_version, run, wheel_metadata, wheels,
)

pytestmark = pytest.mark.slow

NAMES = sorted(tomllib.loads((f / "pyproject.toml").read_text())["project"]["name"] for f in DISTRIBUTIONS)
SPLIT = ["cygrad-core", "cygrad-layers", "cygrad-models", "cygrad-optimizers"]
MANYLINUX = re.compile(rf"manylinux_\d+_\d+_{platform.machine()}")


def tags(wheel: Path) -> list[str]:
    """Every platform tag of a wheel's file name (``manylinux2014_x86_64.manylinux_2_17_x86_64``)."""
    return wheel.name.removesuffix(".whl").split("-")[-1].split(".")


def test_every_distribution_has_an_sdist_and_a_wheel_of_this_version(wheelhouse):
    assert sorted(wheels(wheelhouse)) == NAMES
    sdists = sorted(s.name for s in wheelhouse.glob("*.tar.gz"))
    assert sdists == sorted(f"{n.replace('-', '_')}-{VERSION}.tar.gz" for n in NAMES)
    assert {w.name.split("-")[1] for w in wheelhouse.glob("*.whl")} == {VERSION}


def test_the_core_wheel_is_manylinux_and_every_other_wheel_is_pure(wheelhouse):
    for name, wheel in wheels(wheelhouse).items():
        if name == "cygrad-core":
            assert all(t.startswith("manylinux") for t in tags(wheel)), wheel.name
            assert any(MANYLINUX.fullmatch(t) for t in tags(wheel)), wheel.name
        else:
            assert wheel.name.endswith("-py3-none-any.whl"), wheel.name


def test_the_root_depends_on_its_siblings_by_exact_pins_and_offers_the_extras(wheelhouse):
    requires = wheel_metadata(wheels(wheelhouse)["cygrad"]).get_all("Requires-Dist")
    plain = sorted(r for r in requires if "extra ==" not in r)
    assert plain == [f"{name}=={VERSION}" for name in SPLIT]
    extras = {re.search(r'extra == "([a-z]+)"', r).group(1): r.split(";")[0] for r in requires
              if "extra ==" in r}
    assert extras == {
        "plot": "matplotlib",
        "safetensors": "safetensors>=0.4",
        "distributed": f"cygrad-distributed=={VERSION}",
        "onnx": f"cygrad-onnx=={VERSION}",
    }
    assert not [r for r in requires if "@" in r], "no dependency may be a URL or a path"


def test_every_wheel_and_sdist_carries_the_license_and_no_generated_c(wheelhouse):
    license_text = (ROOT / "LICENSE").read_bytes()
    for wheel in wheelhouse.glob("*.whl"):
        with zipfile.ZipFile(wheel) as zf:
            names = zf.namelist()
            [license_file] = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
            assert zf.read(license_file) == license_text, wheel.name
        assert wheel_metadata(wheel)["License-Expression"] == "MIT", wheel.name
        assert not [n for n in names if n.endswith(".c")], wheel.name
        assert "cygrad/__init__.py" not in names, wheel.name
    for sdist in wheelhouse.glob("*.tar.gz"):
        with tarfile.open(sdist) as tf:
            top = sdist.name.removesuffix(".tar.gz")
            assert tf.extractfile(f"{top}/LICENSE").read() == license_text, sdist.name


def check_root_install_from_wheels(python: Path, wheelhouse: Path, cwd: Path) -> None:
    install_from_wheelhouse(python, wheelhouse, "cygrad")
    run(python, "-m", "pip", "check")
    assert installed_cygrad(python) == {name: VERSION for name in ["cygrad", *SPLIT]}
    run(python, "-c", ENGINE_WORKS + "import cygrad.layers, cygrad.models, cygrad.optimizers, cygrad.cli",
        cwd=cwd)
    run(python.parent / "cygrad", "rosenbrock", cwd=cwd)
    # Every module file belongs to exactly one distribution.
    once = ("from collections import Counter\nfrom importlib import metadata\n"
            "seen = Counter(str(f) for d in metadata.distributions() if d.metadata['Name'].startswith('cygrad')"
            " for f in d.files or [] if f.suffix in ('.py', '.so', '.pyx', '.pxd'))\n"
            "assert [f for f, n in seen.items() if n > 1] == [], seen\n")
    run(python, "-c", once, cwd=cwd)


def test_the_root_wheel_installs_from_the_wheels_alone(wheelhouse, tmp_path):
    python = fresh_venv(sys.executable, tmp_path / "env")
    check_root_install_from_wheels(python, wheelhouse, tmp_path)


def test_the_readme_command_works_on_the_oldest_python(oldest_checkout, oldest_python):
    python = oldest_checkout / ".venv" / "bin" / "python"
    assert python_version(python) == python_version(oldest_python)
    assert installed_cygrad(python) == {name: VERSION for name in ["cygrad", *SPLIT]}
    # The demo ran, plot extra included.
    assert (oldest_checkout / "lstm-out" / "lstm.csv").stat().st_size > 0
    assert (oldest_checkout / "lstm-out" / "lstm.png").stat().st_size > 0


def test_the_root_wheel_installs_from_the_wheels_alone_on_the_oldest_python(
        oldest_wheelhouse, oldest_python, tmp_path):
    version = python_version(oldest_python).replace(".", "")
    core = wheels(oldest_wheelhouse)["cygrad-core"]
    assert core.name.startswith(f"cygrad_core-{VERSION}-cp{version}-cp{version}-"), core.name
    assert any(MANYLINUX.fullmatch(t) for t in tags(core)), core.name
    python = fresh_venv(oldest_python, tmp_path / "env")
    check_root_install_from_wheels(python, oldest_wheelhouse, tmp_path)
