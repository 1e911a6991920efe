"""The monorepo's packaging rules, checked on the source tree and on this environment."""
from __future__ import annotations

import re
import subprocess
import sys
import sysconfig
import tomllib
from collections import Counter
from importlib import metadata
from pathlib import Path

import cygrad
import cygrad.variable

from .conftest import DISTRIBUTIONS, ROOT

SPLIT = ["core", "layers", "models", "optimizers"]


def pyproject(path: Path) -> dict:
    return tomllib.loads((path / "pyproject.toml").read_text())


def cygrad_distributions() -> list[metadata.Distribution]:
    return [metadata.distribution(n) for n in ["cygrad"] + [f"cygrad-{name}" for name in SPLIT]]


def metadata_files(name: str) -> list:
    return metadata.distribution(name).files or []


def test_no_distribution_ships_a_namespace_init():
    assert sorted(ROOT.glob("packages/*/src/cygrad/__init__.py")) == []
    for dist in cygrad_distributions():
        files = [str(f) for f in dist.files or []]
        assert "cygrad/__init__.py" not in files, dist.metadata["Name"]
    assert not any((Path(p) / "__init__.py").exists() for p in cygrad.__path__)


def requirements(project: dict) -> list[str]:
    """Every requirement of a [project] table: dependencies and every extra's."""
    extras = project.get("optional-dependencies", {}).values()
    return [*project.get("dependencies", []), *(r for extra in extras for r in extra)]


def test_versions_move_in_lockstep_with_exact_sibling_pins():
    version = pyproject(ROOT)["project"]["version"]
    for folder in DISTRIBUTIONS:
        project = pyproject(folder)["project"]
        assert project["version"] == version, folder
        for dep in requirements(project):
            match = re.match(r"(cygrad(?:-[a-z0-9]+)*)\s*(.*)", dep)
            if match:
                assert match.group(2) == f"=={version}", f"{folder}: {dep} is not an exact pin"


def test_the_root_pins_the_split_distributions_and_offers_the_extras():
    project = pyproject(ROOT)["project"]
    version = project["version"]
    assert "dynamic" not in project
    assert project["dependencies"] == [f"cygrad-{name}=={version}" for name in SPLIT]
    extras = project["optional-dependencies"]
    assert {"plot", "safetensors", "distributed", "onnx"} <= set(extras)
    assert extras["distributed"] == [f"cygrad-distributed=={version}"]
    assert extras["onnx"] == [f"cygrad-onnx=={version}"]


def test_bump_version_moves_every_version_and_every_cygrad_pin(tmp_path):
    for path in [ROOT / "tools" / "bump_version", *(f / "pyproject.toml" for f in DISTRIBUTIONS)]:
        target = tmp_path / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text())
    # A distribution that does not exist yet, pinning with an environment marker.
    new_package = tmp_path / "packages" / "future" / "pyproject.toml"
    new_package.parent.mkdir(parents=True)
    old = pyproject(ROOT)["project"]["version"]
    new_package.write_text(f'[project]\nname = "cygrad-future"\nversion = "{old}"\n'
                           f'dependencies = ["cygrad-core=={old}; python_version >= \'3.10\'", "numpy>=1.25"]\n')
    done = subprocess.run([sys.executable, str(tmp_path / "tools" / "bump_version"), "9.8.7"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for folder in DISTRIBUTIONS:
        before, after = pyproject(folder)["project"], pyproject(tmp_path / folder.relative_to(ROOT))["project"]
        assert after["version"] == "9.8.7", folder
        expected = [re.sub(r"^(cygrad[a-z0-9-]*)==[^;]+", r"\1==9.8.7", r) for r in requirements(before)]
        assert requirements(after) == expected, folder
    assert pyproject(new_package.parent)["project"]["version"] == "9.8.7"
    assert requirements(pyproject(new_package.parent)["project"]) == [
        "cygrad-core==9.8.7; python_version >= '3.10'", "numpy>=1.25"]


def test_installed_versions_match_the_source_tree():
    version = pyproject(ROOT)["project"]["version"]
    assert {d.version for d in cygrad_distributions()} == {version}


def test_root_install_holds_every_file_once():
    seen = Counter()
    for dist in cygrad_distributions():
        for f in dist.files or []:
            if f.suffix in (".py", ".so", ".pyx", ".pxd", ".typed") and "dist-info" not in str(f):
                seen[str(f)] += 1
    assert seen, "no files recorded"
    assert [f for f, n in seen.items() if n > 1] == []


def test_root_distribution_holds_only_the_command():
    files = [str(f) for f in metadata_files("cygrad") if not str(f).startswith(("cygrad-", "../"))]
    modules = [f for f in files if f.endswith(".py") and "dist-info" not in f]
    assert modules and all(f.startswith("cygrad/cli/") for f in modules), modules


def test_imports_come_from_site_packages():
    site = {Path(sysconfig.get_paths()[k]).resolve() for k in ("purelib", "platlib")}
    for module_path in [Path(cygrad.variable.__file__)] + [Path(p) for p in cygrad.__path__]:
        resolved = module_path.resolve()
        assert any(resolved.is_relative_to(s) for s in site), resolved
        assert not resolved.is_relative_to(ROOT / "packages"), resolved


def test_the_core_is_compiled_and_no_generated_c_is_shipped():
    import cygrad.variable._core as core

    assert Path(core.__file__).suffix in (".so", ".pyd")
    core_files = [str(f) for f in metadata_files("cygrad-core")]
    assert not [f for f in core_files if f.endswith(".c")]
    assert any(f.endswith("_core.pxd") for f in core_files)


def test_the_core_type_stub_covers_every_public_name():
    import ast
    import types

    import cygrad.variable._core as core

    stub = Path(core.__file__).with_name("_core.pyi")
    tree = ast.parse(stub.read_text())
    declared = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    public = {
        name for name, obj in vars(core).items()
        if not name.startswith("_") and not isinstance(obj, types.ModuleType)
        and getattr(obj, "__module__", None) == core.__name__
    }
    # The operation classes are the engine's own; their functions (add, matmul...) are the API.
    operations = {n for n in public
                  if isinstance(vars(core)[n], type) and issubclass(vars(core)[n], core.Function)}
    assert public - (operations - {"Function"}) <= declared
    assert {"Variable", "Function", "as_variable", "matmul"} <= public


def test_every_distribution_declares_the_mit_license_and_carries_the_file():
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License\n\nCopyright (c) 2026 the cygrad developers\n")
    assert "Permission is hereby granted, free of charge" in text
    for folder in DISTRIBUTIONS:
        project = pyproject(folder)["project"]
        assert (project["license"], project["license-files"]) == ("MIT", ["LICENSE"]), folder
        assert (folder / "LICENSE").read_text() == text, folder


def test_tools_distributions_lists_every_distribution_folder():
    done = subprocess.run([ROOT / "tools" / "distributions"], capture_output=True, text=True, check=True)
    assert sorted((ROOT / line).resolve() for line in done.stdout.split()) == sorted(DISTRIBUTIONS)


def test_build_outputs_and_demo_outputs_are_ignored_by_git():
    paths = ["lstm-out/lstm.csv", "spiral-out/a.png", "cnn-out/b.csv", "gpt-out/c.txt", "dist/x.whl",
             "packages/layers/build/lib/x.py"]
    done = subprocess.run(["git", "check-ignore", "--no-index", *paths], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.stdout.split() == paths
