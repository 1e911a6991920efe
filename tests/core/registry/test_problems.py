"""Plugins that misbehave are skipped with a warning and listed with their error, never fatal;
under CYGRAD_STRICT_PLUGINS=1 every problem raises instead."""
from __future__ import annotations

import subprocess
import sys
import types

import pytest

from cygrad import registry
from cygrad.registry import PluginError, PluginWarning, UnknownNameError
from cygrad.variable import Variable

from .conftest import SCALE_LAYER
from .test_discovery import activations_plugin

HOOK = "from cygrad.registry import hookimpl\n"


def row(plugin: str) -> registry.PluginInfo:
    [found] = [r for r in registry.plugins() if r.plugin == plugin]
    return found


def discover_with_warning(match: str) -> None:
    with pytest.warns(PluginWarning, match=match):
        registry.names("layers")


def test_a_plugin_that_fails_to_import_is_skipped_and_others_still_load(site):
    site.add("cygrad-fake-broken", {"broken": "fake_broken_plugin"},
             {"fake_broken_plugin": "import not_installed_anywhere_xyz\n"})
    site.add("cygrad-fake-fine", {"fine": "fake_fine_plugin"}, {"fake_fine_plugin": activations_plugin("fake_fine")})

    discover_with_warning(r"plugin 'broken' \(cygrad-fake-broken 1.0\).*ModuleNotFoundError")
    assert registry.activation("fake_fine")(Variable(1.0)).item() == 1.0
    assert registry.activation("relu") is not None
    broken = row("broken")
    assert broken.provides == {}
    assert broken.problems == (
        "skipped: importing 'fake_broken_plugin' failed: ModuleNotFoundError: "
        "No module named 'not_installed_anywhere_xyz'",
    )


@pytest.mark.parametrize(
    "source, error",
    [
        ("def broken(:\n", "SyntaxError"),
        ("raise RuntimeError('plugin exploded')\n", "RuntimeError: plugin exploded"),
        ("import sys\nsys.exit(3)\n", "SystemExit: 3"),
        ("raise GeneratorExit\n", "failed: GeneratorExit"),
        ("from cygrad import registry\nregistry.names('layers')\n", "PluginError: cygrad.registry: used while plugins are loading"),
    ],
)
def test_any_error_at_import_is_reported_not_raised(site, source, error):
    site.add("cygrad-fake-explodes", {"explodes": "fake_explodes_plugin"}, {"fake_explodes_plugin": source})
    discover_with_warning("explodes")
    [problem] = row("explodes").problems
    assert problem.startswith("skipped: importing 'fake_explodes_plugin' failed: ") and error in problem


def test_an_entry_point_to_a_missing_attribute_is_reported(site):
    site.add("cygrad-fake-attr", {"attr": "fake_attr_plugin:nothing_here"}, {"fake_attr_plugin": "x = 1\n"})
    discover_with_warning("attr")
    assert "AttributeError" in row("attr").problems[0]


@pytest.mark.parametrize(
    "body, problem",
    [
        (
            "@hookimpl\ndef cygrad_register_activations(register):\n"
            "    register('fake_ok', lambda x: x)\n    register('fake_number', 42)\n",
            "skipped: registers activation 'fake_number' as an object of type int, which is not callable",
        ),
        (
            "class Half:\n    def first(self, x): return x\n    def forward(self, x): return [x]\n"
            "@hookimpl\ndef cygrad_register_layers(register):\n    register('fake_half', Half)\n",
            "skipped: registers layer 'fake_half' as fake_bad_plugin.Half, which lacks the "
            "method(s) params, cleargrads",
        ),
        (
            "class Lazy:\n    pass\n"
            "@hookimpl\ndef cygrad_register_optimizers(register):\n    register('fake_lazy', Lazy)\n",
            "skipped: registers optimizer 'fake_lazy' as fake_bad_plugin.Lazy, which lacks the method(s) update",
        ),
        (
            "@hookimpl\ndef cygrad_register_activations(register):\n    register('my act', abs)\n",
            "skipped: registers the activation name 'my act'; a name starts with a letter or _ "
            "and holds only letters, digits, _ . -",
        ),
        (
            "@hookimpl\ndef cygrad_register_activations(register):\n"
            "    register('fake_twice', abs)\n    register('fake_twice', abs)\n",
            "skipped: registers activation 'fake_twice' twice",
        ),
        (
            "@hookimpl\ndef cygrad_register_activations(register):\n    register('fake_ok', abs)\n"
            "    register('fake_none', lambda: 1)\n",
            "skipped: registers activation 'fake_none' as fake_bad_plugin.cygrad_register_activations.<locals>.<lambda>, "
            "which is called "
            "with one Variable but its signature () cannot take one argument (too many positional arguments)",
        ),
        (
            "def pair(x, y):\n    return x * y\n"
            "@hookimpl\ndef cygrad_register_activations(register):\n    register('fake_pair', pair)\n",
            "skipped: registers activation 'fake_pair' as fake_bad_plugin.pair, which is called "
            "with one Variable but its signature (x, y) cannot take one argument (missing a required argument: 'y')",
        ),
        (
            "@hookimpl\ndef cygrad_register_activations(register):\n    raise RuntimeError('boom')\n",
            "skipped: cygrad_register_activations raised RuntimeError: boom",
        ),
        (
            "@hookimpl\ndef cygrad_register_activations(register):\n    register('fake_no_obj')\n",
            "skipped: cygrad_register_activations raised TypeError: ",
        ),
        (
            "x = 1\n",
            "skipped: it provides no hook (no function marked with @cygrad.registry.hookimpl)",
        ),
        (
            "def cygrad_register_layers(register):\n    pass\n",
            "skipped: cygrad_register_layers lack(s) the @cygrad.registry.hookimpl marker, so it provides no hook",
        ),
        (
            "@hookimpl\ndef cygrad_register_layer(register):\n    pass\n",
            "skipped: implements an unknown hook cygrad_register_layer (did you mean cygrad_register_layers?)",
        ),
        (
            "@hookimpl\ndef cygrad_register_layers(reg):\n    pass\n",
            "skipped: Plugin 'cygrad-fake-bad:bad' for hook 'cygrad_register_layers' hookimpl "
            "definition: cygrad_register_layers(reg) Argument(s) {'reg'} are declared in the "
            "hookimpl but can not be found in the hookspec",
        ),
    ],
    ids=["not-callable", "layer-missing-methods", "optimizer-without-update", "bad-name",
         "same-name-twice", "activation-without-argument", "activation-with-two-arguments", "hook-raises", "bad-register-call", "no-hooks", "unmarked-hook",
         "unknown-hook", "wrong-argument"],
)
def test_a_plugin_registering_something_invalid_is_skipped_whole(site, body, problem):
    site.add("cygrad-fake-bad", {"bad": "fake_bad_plugin"}, {"fake_bad_plugin": HOOK + body})
    discover_with_warning(r"plugin 'bad' \(cygrad-fake-bad 1.0\)")
    bad = row("bad")
    assert bad.provides == {}
    assert len(bad.problems) == 1 and bad.problems[0].startswith(problem)
    assert "fake_ok" not in registry.names("activations")  # nothing of a skipped plugin stays


@pytest.mark.parametrize(
    "statement, problem",
    [
        ("sys.exit(4)", "skipped: cygrad_register_layers raised SystemExit: 4"),
        ("sys.exit()", "skipped: cygrad_register_layers raised SystemExit"),
        ("raise GeneratorExit('odd')", "skipped: cygrad_register_layers raised GeneratorExit: odd"),
    ],
)
def test_a_hook_that_exits_is_skipped_like_one_that_raises(site, statement, problem):
    body = f"import sys\n@hookimpl\ndef cygrad_register_layers(register):\n    {statement}\n"
    site.add("cygrad-fake-exits", {"exits": "fake_exits_plugin"}, {"fake_exits_plugin": HOOK + body})
    site.add("cygrad-fake-fine", {"fine": "fake_fine_plugin"}, {"fake_fine_plugin": activations_plugin("fake_fine")})
    discover_with_warning(r"plugin 'exits' \(cygrad-fake-exits 1.0\)")
    assert row("exits").problems == (problem,)
    assert registry.activation("fake_fine") is not None and "linear" in registry.names("layers")


def test_ctrl_c_in_a_plugin_still_stops_the_program(site):
    body = "@hookimpl\ndef cygrad_register_activations(register):\n    raise KeyboardInterrupt\n"
    site.add("cygrad-fake-interrupted", {"interrupted": "fake_interrupted_plugin"},
             {"fake_interrupted_plugin": HOOK + body})
    with pytest.raises(KeyboardInterrupt):
        registry.names("activations")


def test_activations_callable_with_one_argument_register_even_without_a_readable_signature(site):
    body = (
        "import functools\nimport cygrad.functions as F\n"
        "class Halve:\n    def __call__(self, x, scale=0.5):\n        return x * scale\n"
        "@hookimpl\ndef cygrad_register_activations(register):\n"
        "    register('fake_softmax_rows', functools.partial(F.softmax, axis=1))\n"
        "    register('fake_halve', Halve())\n"
        "    register('fake_max', max)\n"  # a builtin whose signature inspect cannot read
    )
    site.add("cygrad-fake-sigs", {"sigs": "fake_sigs_plugin"}, {"fake_sigs_plugin": HOOK + body})
    assert row("sigs").problems == ()
    assert registry.activation("fake_halve")(Variable(3.0)).item() == 1.5


LAYER_NAMED_RELU = SCALE_LAYER + HOOK + "@hookimpl\ndef cygrad_register_layers(register):\n    register('relu', Scale)\n"
AMBIGUOUS = "so the name alone is ambiguous in Sequential"


def test_a_layer_named_like_an_activation_is_a_problem_listed_at_discovery(site):
    site.add("cygrad-fake-relu-layer", {"relu-layer": "fake_relu_layer"}, {"fake_relu_layer": LAYER_NAMED_RELU})
    with pytest.warns(PluginWarning) as caught:
        registry.names("layers")
    assert sorted(str(w.message).split(": ")[0] for w in caught) == [
        "cygrad plugin 'cygrad.functions' (cygrad-core 0.1.0)", "cygrad plugin 'relu-layer' (cygrad-fake-relu-layer 1.0)",
    ]
    assert row("relu-layer").problems == (
        "layer 'relu' has the name of activation 'relu' from plugin 'cygrad.functions' (cygrad-core 0.1.0), " + AMBIGUOUS,
    )
    assert row("cygrad.functions").problems == (
        "activation 'relu' has the name of layer 'relu' from plugin 'relu-layer' (cygrad-fake-relu-layer 1.0), " + AMBIGUOUS,
    )
    assert registry.activation("relu") is not None  # each kind still answers for itself


def test_a_plugin_naming_its_own_layer_and_activation_alike_hears_it_once(site):
    source = LAYER_NAMED_RELU.replace("'relu'", "'fake_twin'") + (
        "@hookimpl\ndef cygrad_register_activations(register):\n    register('fake_twin', abs)\n"
    )
    site.add("cygrad-fake-twin", {"twin": "fake_twin_plugin"}, {"fake_twin_plugin": source})
    discover_with_warning("fake_twin")
    assert row("twin").problems == (f"layer 'fake_twin' has the name of activation 'fake_twin' from this plugin, {AMBIGUOUS}",)


def test_strict_mode_refuses_a_layer_named_like_an_activation(site, monkeypatch):
    site.add("cygrad-fake-relu-layer", {"relu-layer": "fake_relu_layer"}, {"fake_relu_layer": LAYER_NAMED_RELU})
    monkeypatch.setenv("CYGRAD_STRICT_PLUGINS", "1")
    with pytest.raises(PluginError, match=r"plugin 'relu-layer' \(cygrad-fake-relu-layer 1.0\): layer 'relu' has the name"):
        registry.names("layers")


def test_strict_mode_refuses_an_in_process_layer_named_like_an_activation(monkeypatch):
    monkeypatch.setenv("CYGRAD_STRICT_PLUGINS", "1")
    plugin = types.ModuleType("fake_inline_tanh")
    exec(SCALE_LAYER + HOOK + "@hookimpl\ndef cygrad_register_layers(register):\n    register('tanh', Scale)\n",
         plugin.__dict__)
    try:
        with pytest.raises(PluginError, match=r"register: plugin 'fake_inline_tanh' \(registered in-process\) has "
                           r"problems \(CYGRAD_STRICT_PLUGINS is set\): layer 'tanh' has the name of activation 'tanh'"):
            registry.register(plugin)
        assert "tanh" not in registry.names("layers")
        assert all(r.plugin != "fake_inline_tanh" for r in registry.plugins())
        assert registry.plugins()[0].problems == ()  # the built-in tanh's row is clean again
    finally:
        registry.refresh()


def test_two_entry_points_naming_the_same_module_load_it_once(site):
    site.add("cygrad-fake-first", {"first": "fake_same_plugin"}, {"fake_same_plugin": activations_plugin("fake_same")})
    site.add("cygrad-fake-second", {"second": "fake_same_plugin"})
    discover_with_warning("plugin 'second'")
    assert row("second").problems == ("skipped: the same object as plugin 'cygrad-fake-first:first'",)
    assert row("first").provides == {"activations": ("fake_same",)}
    assert registry.activation("fake_same") is not None


def test_a_warning_points_at_the_code_that_triggered_discovery(site):
    site.add("cygrad-fake-where", {"where": "fake_where_plugin"}, {"fake_where_plugin": "x = 1\n"})
    with pytest.warns(PluginWarning) as caught:
        registry.names("activations")
    assert [w.filename for w in caught] == [__file__]


def test_a_layer_factory_that_builds_a_non_layer_fails_when_used(site):
    body = "@hookimpl\ndef cygrad_register_layers(register):\n    register('fake_factory', lambda *a: object())\n"
    site.add("cygrad-fake-factory", {"factory": "fake_factory_plugin"}, {"fake_factory_plugin": HOOK + body})
    with pytest.raises(PluginError, match=r"registry.layer: 'fake_factory' from plugin 'factory' "
                       r"\(cygrad-fake-factory 1.0\) built an object of type object, which lacks the Layer "
                       r"method\(s\) first, forward, params, cleargrads"):
        registry.layer("fake_factory")


def test_a_name_claimed_twice_is_an_error_naming_both_providers(site):
    site.add("cygrad-fake-dup-a", {"dup-a": "fake_dup_a"}, {"fake_dup_a": activations_plugin("fake_shared", "fake_only_a")})
    site.add("cygrad-fake-dup-b", {"dup-b": "fake_dup_b"}, {"fake_dup_b": activations_plugin("fake_shared")})

    discover_with_warning(r"activation 'fake_shared' is also provided by plugin")
    with pytest.raises(PluginError) as info:
        registry.activation("fake_shared")
    assert str(info.value) == (
        "cygrad.registry.activation: activation 'fake_shared' is provided by both "
        "plugin 'dup-a' (cygrad-fake-dup-a 1.0) and plugin 'dup-b' (cygrad-fake-dup-b 1.0); "
        "uninstall one of them"
    )
    assert registry.activation("fake_only_a") is not None  # the rest of both plugins works
    assert row("dup-a").problems == ("activation 'fake_shared' is also provided by plugin 'dup-b' (cygrad-fake-dup-b 1.0)",)
    assert row("dup-b").problems == ("activation 'fake_shared' is also provided by plugin 'dup-a' (cygrad-fake-dup-a 1.0)",)


def test_a_plugin_claiming_a_built_in_name_makes_that_name_ambiguous(site):
    site.add("cygrad-fake-relu", {"my-relu": "fake_relu_plugin"}, {"fake_relu_plugin": activations_plugin("relu")})
    with pytest.warns(PluginWarning):
        with pytest.raises(PluginError, match=r"plugin 'cygrad.functions' \(cygrad-core 0.1.0\) and plugin 'my-relu'"):
            registry.activation("relu")


def test_an_unknown_name_lists_the_closest_registered_names():
    with pytest.raises(UnknownNameError, match=r"no activation named 'rleu'; closest: relu") as info:
        registry.activation("rleu")
    assert "Registered activations: " in str(info.value) and "sigmoid" in str(info.value)
    with pytest.raises(UnknownNameError, match=r"registry.layer: no layer named 'lstn'; closest: lstm"):
        registry.layer("lstn", 3)
    with pytest.raises(UnknownNameError, match=r"'relu' is a registered activation"):
        registry.layer("relu")
    with pytest.raises(LookupError, match=r"no optimizer named 'adan'; closest: adam"):
        registry.optimizer("adan")


def test_strict_mode_turns_every_problem_into_an_error(site, monkeypatch):
    site.add("cygrad-fake-strict", {"strict": "fake_strict_plugin"}, {"fake_strict_plugin": "raise ImportError('nope')\n"})
    monkeypatch.setenv("CYGRAD_STRICT_PLUGINS", "1")
    for lookup in (lambda: registry.names("layers"), registry.plugins, lambda: registry.activation("relu")):
        with pytest.raises(PluginError, match=r"(?s)CYGRAD_STRICT_PLUGINS is set.*plugin 'strict' \(cygrad-fake-strict 1.0\): "
                           r"skipped: importing 'fake_strict_plugin' failed: ImportError: nope"):
            lookup()
    monkeypatch.setenv("CYGRAD_STRICT_PLUGINS", "0")
    assert "relu" in registry.names("activations")


def test_strict_mode_refuses_a_duplicate_name(site, monkeypatch):
    site.add("cygrad-fake-dup-strict", {"dup": "fake_dup_strict"}, {"fake_dup_strict": activations_plugin("tanh")})
    monkeypatch.setenv("CYGRAD_STRICT_PLUGINS", "1")
    with pytest.raises(PluginError, match=r"activation 'tanh' is also provided by"):
        registry.names("activations")


def test_strict_mode_refuses_a_bad_in_process_plugin_and_keeps_the_registry_usable(monkeypatch):
    monkeypatch.setenv("CYGRAD_STRICT_PLUGINS", "1")
    plugin = types.SimpleNamespace()

    @registry.hookimpl
    def cygrad_register_activations(register):
        register("fake_strict_inline", "not a function")

    plugin.cygrad_register_activations = cygrad_register_activations
    try:
        with pytest.raises(PluginError, match=r"register: plugin 'bad-inline' \(registered in-process\) has problems"):
            registry.register(plugin, name="bad-inline")
        assert "relu" in registry.names("activations")
        assert all(r.plugin != "bad-inline" for r in registry.plugins())
    finally:
        registry.refresh()


def test_a_bad_in_process_plugin_warns_and_is_listed(site):
    plugin = types.SimpleNamespace()
    with pytest.warns(PluginWarning, match="registered in-process"):
        registry.register(plugin, name="empty-inline")
    assert row("empty-inline").problems == (
        "skipped: it provides no hook (no function marked with @cygrad.registry.hookimpl)",
    )


def test_importing_cygrad_never_fails_because_of_a_plugin(site):
    site.add("cygrad-fake-fatal", {"fatal": "fake_fatal_plugin"}, {"fake_fatal_plugin": "raise SystemExit(9)\n"})
    code = (
        "import cygrad.registry, cygrad.functions, cygrad.layers, cygrad.models, cygrad.optimizers\n"
        "import warnings; warnings.simplefilter('ignore')\n"
        "print('relu' in cygrad.registry.names('activations'))\n"
    )
    env_path = str(site.root)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PYTHONPATH": env_path, "PATH": ""}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
