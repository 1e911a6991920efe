"""Discovery: installed distributions' ``cygrad`` entry points, loaded lazily, once, one by one."""
from __future__ import annotations

import sys
import types

import pytest

from cygrad import registry
from cygrad.registry import PluginInfo
from cygrad.variable import Variable

from .conftest import SCALE_LAYER

FULL_PLUGIN = SCALE_LAYER + '''
from cygrad.registry import hookimpl

class Noop:
    """An optimizer that records its settings and changes nothing."""
    def __init__(self, lr=0.1):
        self.lr = lr
    def update(self, model):
        pass

def double(x):
    return x * 2

@hookimpl
def cygrad_register_layers(register):
    register("fake_scale", Scale)

@hookimpl
def cygrad_register_activations(register):
    register("fake_double", double)

@hookimpl
def cygrad_register_optimizers(register):
    register("fake_noop", Noop)
'''

COUNTING_PLUGIN = '''
from cygrad.registry import hookimpl

CALLS = []

@hookimpl
def cygrad_register_activations(register):
    CALLS.append("activations")
    register("fake_counted", lambda x: x)
'''


def activations_plugin(*names: str) -> str:
    """Source of a plugin module registering identity activations under ``names``."""
    body = "".join(f"    register({n!r}, lambda x: x)\n" for n in names)
    return "from cygrad.registry import hookimpl\n\n@hookimpl\ndef cygrad_register_activations(register):\n" + body


def test_a_fake_distribution_is_discovered_and_its_components_are_found(site):
    site.add("cygrad-fake-full", {"fake-full": "fake_full_plugin"}, {"fake_full_plugin": FULL_PLUGIN})

    assert "fake_scale" in registry.names("layers")
    assert "fake_double" in registry.names("activations")
    assert "fake_noop" in registry.names("optimizers")

    layer = registry.layer("fake_scale", 2)
    assert list(layer.params()) == ["w"]
    assert layer.first(Variable([1.0, 1.0])).data.tolist() == [0.5, 1.5]
    assert registry.activation("fake_double")(Variable(3.0)).item() == 6.0
    assert registry.optimizer("fake_noop", lr=0.5).lr == 0.5

    rows = [r for r in registry.plugins() if r.distribution == "cygrad-fake-full"]
    assert rows == [
        PluginInfo(
            plugin="fake-full",
            distribution="cygrad-fake-full",
            version="1.0",
            provides={"layers": ("fake_scale",), "activations": ("fake_double",), "optimizers": ("fake_noop",)},
            problems=(),
        )
    ]


def test_discovery_is_lazy_and_cached_until_refresh(site):
    site.add("cygrad-fake-counting", {"counting": "fake_counting_plugin"}, {"fake_counting_plugin": COUNTING_PLUGIN})
    assert "fake_counting_plugin" not in sys.modules  # nothing loads before the first lookup

    assert "fake_counted" in registry.names("activations")
    module = sys.modules["fake_counting_plugin"]
    registry.activation("fake_counted")
    registry.names("layers")
    registry.plugins()
    assert module.CALLS == ["activations"]

    registry.refresh()
    assert module.CALLS == ["activations"]  # refresh only forgets; the next lookup reloads
    registry.names("activations")
    assert module.CALLS == ["activations", "activations"]


def test_a_distribution_found_twice_on_sys_path_is_loaded_once_from_the_first_copy(site, late_site):
    site.add("cygrad-fake-twice", {"twice": "fake_twice_first"}, {"fake_twice_first": activations_plugin("fake_first_copy")}, version="2.0")
    late_site.add("Cygrad_Fake.Twice", {"twice": "fake_twice_late"}, {"fake_twice_late": activations_plugin("fake_late_copy")}, version="1.0")

    rows = [r for r in registry.plugins() if r.plugin == "twice"]
    assert [(r.distribution, r.version) for r in rows] == [("cygrad-fake-twice", "2.0")]
    assert "fake_first_copy" in registry.names("activations")
    assert "fake_late_copy" not in registry.names("activations")


def test_entry_points_of_the_same_name_in_two_distributions_both_load(site):
    # pluggy's load_setuptools_entrypoints would silently skip the second "contrib".
    site.add("cygrad-fake-a", {"contrib": "fake_contrib_a"}, {"fake_contrib_a": activations_plugin("fake_from_a")})
    site.add("cygrad-fake-b", {"contrib": "fake_contrib_b"}, {"fake_contrib_b": activations_plugin("fake_from_b")})

    rows = {r.distribution: r for r in registry.plugins() if r.plugin == "contrib"}
    assert set(rows) == {"cygrad-fake-a", "cygrad-fake-b"}
    assert rows["cygrad-fake-a"].provides == {"activations": ("fake_from_a",)}
    assert rows["cygrad-fake-b"].provides == {"activations": ("fake_from_b",)}
    assert registry.activation("fake_from_b")(Variable(2.0)).item() == 2.0


def test_an_entry_point_may_name_an_object_inside_a_module(site):
    source = '''
from cygrad.registry import hookimpl

class Hooks:
    @hookimpl
    def cygrad_register_activations(self, register):
        register("fake_method_made", lambda x: x + 1)

hooks = Hooks()
'''
    site.add("cygrad-fake-object", {"object": "fake_object_plugin:hooks"}, {"fake_object_plugin": source})
    assert registry.activation("fake_method_made")(Variable(1.0)).item() == 2.0


def test_in_process_plugins_register_until_refresh():
    plugin = types.ModuleType("my_inline_plugin")

    @registry.hookimpl
    def cygrad_register_activations(register):
        register("fake_inline", lambda x: x * 3)

    plugin.cygrad_register_activations = cygrad_register_activations
    try:
        assert registry.register(plugin) == "my_inline_plugin"
        assert registry.activation("fake_inline")(Variable(2.0)).item() == 6.0
        row = [r for r in registry.plugins() if r.plugin == "my_inline_plugin"]
        assert row == [PluginInfo("my_inline_plugin", None, None, {"activations": ("fake_inline",)}, ())]
    finally:
        registry.refresh()
    assert "fake_inline" not in registry.names("activations")
    assert all(r.plugin != "my_inline_plugin" for r in registry.plugins())


BUILT_IN = {
    "cygrad-core": {"activations": ("gelu", "log_softmax", "relu", "sigmoid", "softmax", "tanh")},
    "cygrad-layers": {"layers": ("linear", "lstm", "rnn")},
    "cygrad-optimizers": {"optimizers": ("adam", "adamw", "momentum", "sgd")},
}


def test_first_party_components_come_through_the_same_entry_point_group():
    rows = {r.distribution: r for r in registry.plugins() if r.distribution in BUILT_IN}
    assert {d: r.provides for d, r in rows.items()} == BUILT_IN
    assert all(r.problems == () and r.version == "0.1.0" for r in rows.values())
    for provides in BUILT_IN.values():
        for kind, names in provides.items():
            assert set(names) <= set(registry.names(kind))


def test_installed_plugins_are_clean():
    # .ci/run installs every plugins/* distribution; none of them may have a problem.
    assert [(r.plugin, r.problems) for r in registry.plugins() if r.problems] == []


def test_names_rejects_an_unknown_kind_and_suggests_one():
    with pytest.raises(ValueError, match=r"unknown kind 'layer' \(did you mean 'layers'\?\)"):
        registry.names("layer")
