"""What the packaging tests share: fresh virtual environments on a chosen Python, copies of the
checkout to build in (so no test writes into it), and the wheels `tools/wheels` builds, once
per session and Python."""
from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DISTRIBUTIONS = [ROOT, *sorted(p.parent for p in ROOT.glob("packages/*/pyproject.toml")),
                 *sorted(p.parent for p in ROOT.glob("plugins/*/pyproject.toml"))]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
ENV = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
for _name in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"):
    ENV.pop(_name, None)

ENGINE_WORKS = (
    "from cygrad.variable import Variable\n"
    "x = Variable(3.0); y = x * x + x; y.backward()\n"
    "assert (y.item(), x.grad.item()) == (12.0, 7.0)\n"
)


def run(*cmd: str | Path, cwd: Path | None = None, env: dict | None = None) -> str:
    """Run a command to completion; fail the test with its output if it fails."""
    done = subprocess.run([str(c) for c in cmd], cwd=cwd, env={**ENV, **(env or {})},
                          capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, f"{cmd}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def find_oldest_python() -> Path | None:
    """An interpreter of the oldest Python that requires-python admits, or None if none is here.

    Looks on PATH, then among pyenv's and the system's installed versions.
    """
    spec = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    major, minor = re.fullmatch(r">=\s*(\d+)\.(\d+)", spec).groups()
    name = f"python{major}.{minor}"
    pyenv = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates = [shutil.which(name), *sorted(glob.glob(f"{pyenv}/versions/{major}.{minor}*/bin/{name}")),
                  f"/usr/bin/{name}", f"/usr/local/bin/{name}"]
    for candidate in filter(None, candidates):
        done = subprocess.run([candidate, "-c", "import sys, venv, ensurepip; print(*sys.version_info[:2])"],
                              capture_output=True, text=True, env=ENV)
        if done.returncode == 0 and done.stdout.split() == [major, minor]:
            return Path(candidate)
    return None


def python_version(python: Path | str) -> str:
    return run(python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])").strip()


def fresh_venv(base: Path | str, path: Path) -> Path:
    """A new virtual environment of the interpreter ``base``, with pip and nothing else."""
    run(base, "-m", "venv", "--clear", path)
    return path / "bin" / "python"


def copy_checkout(dest: Path, only: list[str] | None = None) -> Path:
    """The files of this checkout that git would commit (no build/, no .venv), or those under
    ``only``, copied to ``dest``; symbolic links are copied as the files they point to."""
    listed = run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if not source.exists() or (only and not any(name == o or name.startswith(o + "/") for o in only)):
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    return dest


def wheel_metadata(wheel: Path):
    """The METADATA of a wheel, as an email message (``get_all("Requires-Dist")``...)."""
    with zipfile.ZipFile(wheel) as zf:
        [name] = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        return Parser().parsestr(zf.read(name).decode())


def wheels(wheelhouse: Path) -> dict[str, Path]:
    """The wheels of a folder by distribution name (``cygrad_core-0.1.0-...`` -> cygrad-core)."""
    return {w.name.split("-")[0].replace("_", "-"): w for w in wheelhouse.glob("*.whl")}


def install_from_wheelhouse(python: Path, wheelhouse: Path, *names: str) -> None:
    """Install cygrad distributions from ``wheelhouse`` alone (``--no-index``), after the
    third-party packages that they and the siblings they pin require, from the usual index."""
    found = wheels(wheelhouse)
    pending, seen, third_party = list(names), set(), set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        for req in wheel_metadata(found[name]).get_all("Requires-Dist") or []:
            if "extra ==" in req:
                continue
            if req.startswith("cygrad"):
                pending.append(re.match(r"[a-z0-9-]+", req).group())
            else:
                third_party.add(req)
    if third_party:
        run(python, "-m", "pip", "install", "-q", "-c", ROOT / "tools" / "requirements-build.txt",
            *sorted(third_party))
    run(python, "-m", "pip", "install", "-q", "--no-index", "--find-links", wheelhouse, *names)


def installed_cygrad(python: Path) -> dict[str, str]:
    """Every installed distribution whose name starts with cygrad, with its version."""
    listed = json.loads(run(python, "-m", "pip", "list", "--format", "json"))
    return {d["name"].lower().replace("_", "-"): d["version"] for d in listed
            if d["name"].lower().startswith("cygrad")}


def tools_wheels(checkout: Path, python: Path) -> Path:
    """Run a checkout's tools/wheels with ``python``; the folder of sdists and wheels it made."""
    wheelhouse = checkout.parent / "wheelhouse"
    run(checkout / "tools" / "wheels", "--out", wheelhouse, env={"PYTHON": str(python)})
    return wheelhouse


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory) -> Path:
    """Every distribution's sdist and wheel, built by tools/wheels with this test run's Python."""
    checkout = copy_checkout(tmp_path_factory.mktemp("current") / "checkout")
    return tools_wheels(checkout, Path(sys.executable))


@pytest.fixture(scope="session")
def oldest_python() -> Path:
    """The oldest Python that cygrad claims (requires-python), where it is installed."""
    python = find_oldest_python()
    if python is None:
        pytest.skip("no interpreter of the oldest Python that requires-python admits is installed here")
    return python


@pytest.fixture(scope="session")
def oldest_checkout(tmp_path_factory, oldest_python) -> Path:
    """A copy of the checkout on which the README's first command ran with the oldest Python
    cygrad claims: its .venv has the pinned build dependencies and every package."""
    checkout = copy_checkout(tmp_path_factory.mktemp("oldest") / "checkout")
    readme = (ROOT / "README.md").read_text()
    command = re.search(r"```bash\n(python3 -m venv .*?)\n```", readme, flags=re.S).group(1)
    run("bash", "-c", f"{oldest_python} " + command.removeprefix("python3 "), cwd=checkout)
    return checkout


@pytest.fixture(scope="session")
def oldest_wheelhouse(oldest_checkout) -> Path:
    """tools/wheels run with the oldest Python, in the environment the README's command made."""
    python = oldest_checkout / ".venv" / "bin" / "python"
    run(python, "-m", "pip", "install", "-q", "-r", oldest_checkout / "tools" / "requirements-wheels.txt")
    return tools_wheels(oldest_checkout, python)
