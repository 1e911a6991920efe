"""The monorepo's packaging rules, checked on the source tree and on this environment."""
from __future__ import annotations

import re
import sysconfig
import tomllib
from collections import Counter
from importlib import metadata
from pathlib import Path

import cygrad
import cygrad.variable

ROOT = Path(__file__).resolve().parents[2]
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


def test_versions_move_in_lockstep_with_exact_sibling_pins():
    version = pyproject(ROOT)["project"]["version"]
    for name in SPLIT:
        project = pyproject(ROOT / "packages" / name)["project"]
        assert project["version"] == version, name
        for dep in project["dependencies"]:
            match = re.match(r"(cygrad-[a-z]+)\s*(.*)", dep)
            if match:
                assert match.group(2) == f"=={version}", f"{name}: {dep} is not an exact pin"


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
