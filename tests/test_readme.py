"""The README's Python examples run, so the documentation cannot drift from the code."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = [README, *sorted(ROOT.glob("packages/*/README.md"))]
BLOCKS = [
    (doc.relative_to(ROOT), block)
    for doc in DOCS
    for block in re.findall(r"```python\n(.*?)```", doc.read_text(), flags=re.S)
]


def test_readmes_have_examples():
    assert {doc for doc, _ in BLOCKS} == {d.relative_to(ROOT) for d in DOCS}


@pytest.mark.parametrize("doc, block", BLOCKS, ids=[f"{d}-{i}" for i, (d, _) in enumerate(BLOCKS)])
def test_readme_example_runs(doc, block):
    exec(compile(block, str(doc), "exec"), {})


def test_readme_names_the_ci_command():
    assert "bash .ci/run" in README.read_text()
