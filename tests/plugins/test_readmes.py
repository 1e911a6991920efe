"""Each plugin's README shows how to install and use it; its Python examples run here."""
import re
from pathlib import Path

import pytest

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"
READMES = sorted(PLUGINS.glob("*/README.md"))
BLOCKS = [
    (readme, i, block)
    for readme in READMES
    for i, block in enumerate(re.findall(r"```python\n(.*?)```", readme.read_text(), flags=re.S))
]


def test_every_plugin_has_a_readme_with_install_and_python_examples():
    plugins = sorted(p.parent for p in PLUGINS.glob("*/pyproject.toml"))
    assert plugins and [r.parent for r in READMES] == plugins
    for readme in READMES:
        text = readme.read_text()
        assert f"pip install ./plugins/{readme.parent.name}" in text
        assert "```python" in text


@pytest.mark.parametrize("readme, index, block", BLOCKS, ids=[f"{r.parent.name}-{i}" for r, i, _ in BLOCKS])
def test_readme_example_runs(readme, index, block):
    exec(compile(block, f"{readme} example {index}", "exec"), {})
