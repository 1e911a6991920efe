"""Plugin subcommands: ``cygrad_register_commands``, ``registry.commands()`` and the ``cygrad``
command that runs them."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from cygrad import registry
from cygrad.cli import build_parser
from cygrad.cli import lstm as lstm_demo
from cygrad.cli import main as cygrad_main
from cygrad.registry import Command

from ..core.registry.conftest import site  # noqa: F401  (the fake-installation fixture)

# A plugin adding `cygrad greet --times N`, which prints a line N times and exits 3.
GREET = '''
import argparse
from cygrad.registry import Command, hookimpl

def setup(parser):
    parser.add_argument("--times", type=int, default=1)

def run(args):
    for _ in range(args.times):
        print("hello from a plugin")
    return 3

@hookimpl
def cygrad_register_commands(register):
    register("greet", Command(run=run, help="print a greeting", setup=setup))
'''


def test_a_registered_command_runs_with_its_options(site, capsys):
    installed = registry.names("commands")  # the commands of the plugins in plugins/
    site.add("cygrad-greet", {"greet": "greet_plugin"}, {"greet_plugin": GREET})
    assert sorted(registry.commands()) == sorted([*installed, "greet"])
    assert registry.names("commands") == sorted([*installed, "greet"])
    assert cygrad_main(["greet", "--times", "2"]) == 3
    assert capsys.readouterr().out == "hello from a plugin\n" * 2


def test_plugin_commands_are_listed_in_help_and_by_cygrad_plugins(site, capsys):
    site.add("cygrad-greet", {"greet": "greet_plugin"}, {"greet_plugin": GREET})
    assert "print a greeting" in build_parser().format_help()
    row = next(r for r in registry.plugins() if r.plugin == "greet")
    assert row.provides == {"commands": ("greet",)} and row.problems == ()
    assert cygrad_main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert "commands: greet" in out and f"{len(registry.names('commands'))} commands" in out


@pytest.mark.parametrize(
    "registration, problem",
    [
        ('register("greet", lambda args: 0)', "not a cygrad.registry.Command"),
        ('register("Greet", Command(run=print))', "command name 'Greet'"),
        ('register("a b", Command(run=print))', "command name 'a b'"),
    ],
)
def test_an_invalid_command_registration_is_a_reported_problem(site, registration, problem):
    source = f'''
from cygrad.registry import Command, hookimpl

@hookimpl
def cygrad_register_commands(register):
    {registration}
'''
    site.add("cygrad-bad", {"bad": "bad_plugin"}, {"bad_plugin": source})
    with pytest.warns(registry.PluginWarning, match=problem):
        rows = registry.plugins()
    (row,) = [r for r in rows if r.plugin == "bad"]
    assert row.provides == {} and problem in row.problems[0]
    assert "greet" not in registry.commands()


def test_command_rejects_a_non_callable_run_or_setup():
    with pytest.raises(TypeError, match="run must be callable"):
        Command(run="main")
    with pytest.raises(TypeError, match="setup must be callable"):
        Command(run=print, setup=3)
    with pytest.raises(TypeError, match="help must be a str"):
        Command(run=print, help=None)


def test_a_command_named_like_a_builtin_is_skipped_and_the_builtin_kept(site, capsys):
    source = GREET.replace('register("greet"', 'register("lstm"')
    site.add("cygrad-greet", {"greet": "greet_plugin"}, {"greet_plugin": source})
    parser = build_parser()
    assert "cygrad has a command of that name" in capsys.readouterr().err
    assert parser.parse_args(["lstm"]).func is lstm_demo.run


def test_a_command_whose_setup_raises_is_skipped_and_the_others_work(site, capsys):
    source = GREET + '''
def broken_setup(parser):
    raise RuntimeError("no options today")

@hookimpl(specname="cygrad_register_commands")
def more(register):
    register("broken", Command(run=run, setup=broken_setup))
'''
    site.add("cygrad-greet", {"greet": "greet_plugin"}, {"greet_plugin": source})
    assert cygrad_main(["greet"]) == 3
    captured = capsys.readouterr()
    assert "skipped the plugin command 'broken': its setup raised RuntimeError: no options today" \
        in captured.err
    assert cygrad_main(["broken"]) == 2  # a usage error: argparse's exit is returned


def test_a_command_two_plugins_claim_is_left_out_and_listed_as_a_problem(site):
    site.add("cygrad-greet", {"greet": "greet_plugin"}, {"greet_plugin": GREET})
    site.add("cygrad-greet-too", {"greet2": "greet_plugin2"}, {"greet_plugin2": GREET})
    with pytest.warns(registry.PluginWarning, match="also provided by"):
        assert "greet" not in registry.commands()
    assert any("command 'greet' is also provided by" in p
               for r in registry.plugins() for p in r.problems)


def test_the_installed_command_runs_a_plugin_command(site):
    site.add("cygrad-greet", {"greet": "greet_plugin"}, {"greet_plugin": GREET})
    env = dict(os.environ, PYTHONPATH=str(site.root))
    env.pop("CYGRAD_STRICT_PLUGINS", None)
    done = subprocess.run([sys.executable, "-m", "cygrad.cli", "greet", "--times", "1"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert (done.returncode, done.stdout) == (3, "hello from a plugin\n"), done.stderr
