"""Bare ``cygrad``, ``cygrad --version`` and the help texts every subcommand prints."""
from __future__ import annotations

import argparse
from importlib import metadata

import pytest

from cygrad.cli import build_parser, main


def subcommands() -> dict[str, argparse.ArgumentParser]:
    (action,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_bare_cygrad_prints_the_help_on_stderr_and_exits_2(capsys):
    assert main([]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == build_parser().format_help()
    for name in ("lstm", "rosenbrock", "dot", "plugins"):
        assert f"\n    {name}" in err


def test_version_lists_every_installed_cygrad_distribution_and_plugin(capsys):
    assert main(["--version"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == f"cygrad {metadata.version('cygrad')}"
    for part in ("core", "layers", "models", "optimizers"):
        assert f"cygrad-{part} {metadata.version(f'cygrad-{part}')}" in lines
    plugins = {d.metadata["Name"] for d in metadata.distributions()
               if any(ep.group == "cygrad" and not ep.value.startswith("cygrad.")
                      for ep in d.entry_points)}
    assert plugins, "the contrib plugins are installed in the test environment"
    assert lines[len(lines) - len(plugins) - 2] == "plugins:"
    for name in plugins:
        assert f"  {name} {metadata.version(name)}" in lines
    assert lines[-1].startswith("Python 3.")


@pytest.mark.parametrize("command", [None, *subcommands()])
def test_help_reads_as_plain_english(command, capsys):
    assert main(["--help"] if command is None else [command, "--help"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: cygrad")
    assert "`" not in text  # no reStructuredText markup
    for jargon in ("BENCHMARKS.md", "the seed", "seed's"):
        assert jargon not in text


def test_benchmarks_are_not_part_of_the_installed_command(capsys):
    assert "bench" not in subcommands()
    assert main(["bench", "--workloads", "W9"]) == 2
    assert "invalid choice: 'bench'" in capsys.readouterr().err
    installed = [str(f) for f in metadata.files("cygrad") or []]
    assert any(f.startswith("cygrad/cli/") for f in installed)
    assert [f for f in installed if "benchmarks" in f or f.endswith("bench.py")] == []
