"""Each plugin is its own distribution and top-level package, outside the cygrad namespace,
pinned to the cygrad version it was built for, and published through the cygrad entry points."""
from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = sorted(p.parent for p in (ROOT / "plugins").glob("*/pyproject.toml"))
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


@pytest.mark.parametrize("folder", PLUGINS, ids=[p.name for p in PLUGINS])
def test_plugin_is_a_separate_distribution_outside_the_cygrad_namespace(folder):
    project = tomllib.loads((folder / "pyproject.toml").read_text())["project"]
    name = project["name"]
    assert name == folder.name
    package = name.replace("-", "_")
    assert (folder / "src" / package / "__init__.py").is_file()
    assert not (folder / "src" / "cygrad").exists()
    pins = [d for d in project["dependencies"] if d.startswith("cygrad-")]
    assert pins and all(d.endswith(f"=={VERSION}") for d in pins), pins
    [(ep_name, target)] = project["entry-points"]["cygrad"].items()
    assert target.split(".")[0] == package

    installed = metadata.distribution(name)
    files = [str(f) for f in installed.files or []]
    assert any(f.startswith(f"{package}/") for f in files)
    assert not [f for f in files if f.startswith("cygrad/")]
    assert [(ep.name, ep.value) for ep in installed.entry_points if ep.group == "cygrad"] == [(ep_name, target)]
