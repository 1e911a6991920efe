"""Fake installed distributions: a ``*.dist-info`` folder (METADATA, entry_points.txt) and the
plugin's modules in a temporary folder put on ``sys.path``, exactly what pip leaves behind."""
from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path

import pytest

from cygrad import registry

# A layer with one parameter, the Layer protocol and nothing else (y = x * w), as the source
# text of a plugin module.
SCALE_LAYER = (Path(__file__).parents[2] / "scale_layer.py").read_text()


class FakeSite:
    """A folder on ``sys.path`` to which tests add fake distributions."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def add(
        self,
        dist: str,
        entry_points: dict[str, str],
        modules: dict[str, str] | None = None,
        version: str = "1.0",
    ) -> Path:
        """Install ``dist`` with ``entry_points`` (name -> "module[:attr]") in group cygrad."""
        info = self.root / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
        lines = "".join(f"{name} = {target}\n" for name, target in entry_points.items())
        (info / "entry_points.txt").write_text("[cygrad]\n" + lines)
        for module, source in (modules or {}).items():
            (self.root / f"{module}.py").write_text(textwrap.dedent(source))
        importlib.invalidate_caches()
        registry.refresh()
        return info


def _forget(root: Path) -> None:
    """Drop imported modules that live under ``root`` and the registry's cache."""
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if file and Path(file).is_relative_to(root):
            del sys.modules[name]
    importlib.invalidate_caches()
    registry.refresh()


def _on_path(root: Path, first: bool):
    root.mkdir()
    sys.path.insert(0 if first else len(sys.path), str(root))
    try:
        yield FakeSite(root)
    finally:
        sys.path.remove(str(root))
        _forget(root)


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A fake site folder first on ``sys.path``; plugin problems warn (not raise) unless a
    test sets strict mode itself."""
    monkeypatch.delenv("CYGRAD_STRICT_PLUGINS", raising=False)
    yield from _on_path(tmp_path / "site", first=True)


@pytest.fixture
def late_site(tmp_path):
    """Another fake site folder, last on ``sys.path`` (what it holds is shadowed by ``site``)."""
    yield from _on_path(tmp_path / "late-site", first=False)
