"""tools/typecheck's reach: mypy is strict over every package's sources, CI runs it, and every
``type: ignore`` left in the packages says which error it silences and why."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SOURCES = sorted(p.relative_to(REPO).as_posix() for p in REPO.glob("packages/*/src"))


def _mypy_config() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["mypy"]


def test_mypy_is_strict_over_every_package():
    config = _mypy_config()
    assert config["strict"] is True
    assert config["files"] == ["packages/*/src"]
    # explicit_package_bases names each module from the mypy_path entry above it: a package
    # missing there would be checked under a wrong module name.
    assert sorted(config["mypy_path"]) == SOURCES
    assert len(SOURCES) >= 7


def test_ci_runs_typecheck_before_the_tests():
    lines = (REPO / ".ci" / "run").read_text().splitlines()
    check = next(i for i, line in enumerate(lines) if line.endswith("tools/typecheck"))
    tests = next(i for i, line in enumerate(lines) if "-m pytest" in line)
    assert check < tests
    assert "set +e" not in lines[:check]  # a failed check stops the run


def test_every_type_ignore_names_its_error_and_a_reason():
    ignore = re.compile(r"#\s*type:\s*ignore(?P<codes>\[[a-z-]+(, *[a-z-]+)*\])?(?P<rest>.*)")
    bad = []
    for source in SOURCES:
        for path in sorted((REPO / source).rglob("*.py*")):
            if path.suffix not in (".py", ".pyi"):
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                found = ignore.search(line)
                if found and (not found["codes"] or not found["rest"].strip().startswith("#")):
                    bad.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not bad, "type: ignore without an error code and a reason:\n" + "\n".join(bad)
