"""A plugin author's workflow: write a small third-party plugin, install it with pip, and check
it with ``pytest --cygrad-conformance``, the same checks cygrad's own suite runs."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

PYPROJECT = """
[build-system]
requires = ["setuptools>=77"]
build-backend = "setuptools.build_meta"

[project]
name = "cygrad-affine-demo"
version = "0.3.0"
dependencies = ["cygrad-core", "cygrad-layers"]

[project.entry-points.cygrad]
affine-demo = "cygrad_affine_demo.plugin"
"""

# The plugin's layers: Affine, which tests/core/registry/test_protocols.py imports too, and one
# that lacks the LazyLayer members.
LAYERS = (Path(__file__).parents[1] / "affine_layer.py").read_text() + '''

class ForgetfulAffine:
    """Lazy too, but without the LazyLayer members: Model.load cannot create its parameters."""

    def __init__(self, scale=1.0):
        self.scale = scale
        self._params = Parameters()

    def first(self, x):
        return self.forward(x)[0]

    def forward(self, x):
        if not self._params:
            Affine.initialize(self, np.shape(x)[-1])
        return [x * self._params["gamma"] + self._params["beta"]]

    def params(self):
        return self._params

    def cleargrads(self):
        self._params.cleargrads()
'''

PLUGIN = '''
from cygrad.registry import hookimpl

from cygrad_affine_demo.layers import Affine, ForgetfulAffine


def square_plus(x, shift=0.5):
    return x * x + shift


@hookimpl
def cygrad_register_layers(register):
    register("affine", Affine)
    register("forgetful_affine", ForgetfulAffine)


@hookimpl
def cygrad_register_activations(register):
    register("square_plus", square_plus)
'''


def write_package(root: Path) -> Path:
    source = root / "cygrad-affine-demo"
    package = source / "cygrad_affine_demo"
    package.mkdir(parents=True)
    (source / "pyproject.toml").write_text(textwrap.dedent(PYPROJECT))
    (package / "__init__.py").write_text("")
    (package / "layers.py").write_text(LAYERS)
    (package / "plugin.py").write_text(PLUGIN)
    return source


def conformance(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CYGRAD_STRICT_PLUGINS"}
    env["PYTHONPATH"] = str(site)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--cygrad-conformance", "-p", "no:cacheprovider", "-v", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
    )


def test_a_new_plugin_is_checked_with_pytest_cygrad_conformance(tmp_path):
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-build-isolation", "--no-deps", "--no-index",
         "--target", str(site), str(write_package(tmp_path))],
        check=True, capture_output=True, timeout=300,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    project = tmp_path / "author-project"  # the author's checkout, here without tests of its own
    project.mkdir()

    done = conformance(site, project)
    assert done.returncode == 1, done.stdout + done.stderr
    results = {line.split()[0]: line.split()[1] for line in done.stdout.splitlines() if line.startswith("cygrad-conformance::")}
    assert results["cygrad-conformance::plugins"] == "PASSED"
    assert results["cygrad-conformance::layers[affine]"] == "PASSED"
    assert results["cygrad-conformance::activations[square_plus]"] == "PASSED"
    assert results["cygrad-conformance::layers[linear]"] == "PASSED"  # cygrad's own, checked beside the plugin's
    assert results["cygrad-conformance::layers[forgetful_affine]"] == "FAILED"
    assert [k for k, v in results.items() if v != "PASSED"] == ["cygrad-conformance::layers[forgetful_affine]"]
    assert (
        "check_layer(registry.layer('forgetful_affine', 3)): ForgetfulAffine creates its parameters (gamma, beta) "
        "on its first call but is not a cygrad.protocols.LazyLayer (it lacks in_key, initialized, param_shapes, "
        "initialize)"
    ) in done.stdout

    done = conformance(site, project, "-k", "affine and not forgetful")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout.splitlines()[-1]
