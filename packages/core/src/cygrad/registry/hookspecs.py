"""The hooks a cygrad plugin implements: this module is the plugin author's documentation.

A plugin is a module (or any object) with functions marked by ``cygrad.registry.hookimpl``,
published through the ``cygrad`` entry-point group of its distribution::

    # pyproject.toml of your distribution
    [project.entry-points.cygrad]
    my-plugin = "my_package.plugin"

    # my_package/plugin.py
    from cygrad.registry import hookimpl

    @hookimpl
    def cygrad_register_layers(register):
        register("gru", GRU)

    @hookimpl
    def cygrad_register_activations(register):
        register("swish", swish)

Once the distribution is installed, ``cygrad.registry.layer("gru", 32)``,
``Sequential("gru:32", "swish", "linear:1")`` and ``MLP([16, 1], activation="swish")`` find
your components by name, and ``cygrad plugins`` lists them. A plugin can also be registered
in-process, without a distribution: ``cygrad.registry.register(my_module)``.

Each hook receives one argument, ``register(name, obj)``, to be called once per component.
A plugin may also add subcommands to the ``cygrad`` command (``cygrad_register_commands``).
Names are case-sensitive identifiers (letters, digits, ``_``, ``.`` and ``-``, starting with a
letter or ``_``; no ``:`` because ``Sequential`` reads ``"name:args"``); built-in names are
lowercase and a name claimed by two plugins is an error when it is used, so choose
distinctive names.

A plugin is checked when the registry first loads it. It is skipped, with a warning and its
error listed by ``cygrad plugins``, when it fails to import, has no marked hook, implements
an unknown hook, raises inside a hook, or registers something invalid (a bad name, a name
twice, a non-callable, a layer lacking a Layer method, an optimizer lacking ``update``).
With ``CYGRAD_STRICT_PLUGINS=1`` every such problem raises instead: run your tests that way.
"""
from __future__ import annotations

from typing import Any, Callable

import pluggy

PROJECT = "cygrad"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

Register = Callable[[str, Any], None]


@hookspec
def cygrad_register_layers(register: Register) -> None:
    """Register layer factories: ``register(name, factory)``.

    ``factory`` is a class (or a function) that builds a layer: ``registry.layer(name, *args,
    **kw)`` returns ``factory(*args, **kw)``. The layer must have the four methods of the
    Layer protocol (``cygrad.protocols.Layer``):

    - ``first(*xs) -> Variable``: the first output (what ``Sequential`` passes on),
    - ``forward(*xs) -> list[Variable]``: every output,
    - ``params() -> Parameters``: its parameters by name, in a stable order,
    - ``cleargrads() -> None``: drop every parameter's gradient.

    A class is checked for those methods at registration, the built layer when it is built;
    the error names the missing ones. A stateful layer also defines ``reset_state()``, which
    ``Sequential.reset_state()`` and the conformance checks call.

    Every registered layer is checked by ``cygrad.testing.check_layer`` in cygrad's test
    suite (and should be in yours). By default the check builds ``factory(3)`` and feeds one
    float64 input of shape ``(2, 4)``. A layer that needs something else declares it:

    - ``factory.example_args``: a tuple of positional arguments used instead of ``(3,)``
      (``Embedding.example_args = (10, 3)``);
    - ``layer.example_inputs(input_shape, rng) -> tuple``: the inputs to feed, one array per
      argument of ``first``. Float arrays are differentiated; integer arrays (token ids) are
      passed as they are and not differentiated.

    To be rebuilt from ``Sequential.to_config()``, a layer is created from its registered
    name (``"gru:32"``), or defines ``to_config() -> dict`` returning
    ``{"layer": name, **arguments}``.
    """


@hookspec
def cygrad_register_activations(register: Register) -> None:
    """Register activations: ``register(name, fn)``.

    ``fn`` is a callable ``Variable -> Variable`` returning a Variable of the input's shape,
    differentiable to any order: build it from ``cygrad.functions`` operations, or a
    ``cygrad.variable.Function`` whose ``backward`` uses such operations. Extra parameters
    must be keyword arguments with defaults (``leaky_relu(x, slope=0.01)``), so
    ``Sequential("leaky_relu:slope=0.2")`` and ``{"activation": "leaky_relu", "slope": 0.2}``
    can set them. The test suite checks every registered activation's first and second
    derivatives against finite differences.
    """


@hookspec
def cygrad_register_optimizers(register: Register) -> None:
    """Register optimizers: ``register(name, factory)``.

    ``factory`` is a class (or a function) taking keyword arguments only, with defaults for
    all of them: ``registry.optimizer(name, **kw)`` returns ``factory(**kw)``. The optimizer
    must have ``update(model)``, updating every parameter in ``model.params()`` that has a
    gradient (see ``cygrad.optimizers.Optimizer``).
    """


@hookspec
def cygrad_register_commands(register: Register) -> None:
    """Register subcommands of the ``cygrad`` command: ``register(name, command)``.

    ``command`` is a ``cygrad.registry.Command(run, help="...", setup=...)``: ``setup(parser)``
    adds options to the subcommand's ``argparse`` parser, ``run(args)`` does the work and
    returns the exit status. ``cygrad NAME`` then runs it, ``cygrad --help`` lists it with its
    help line, and ``cygrad plugins`` lists it under ``commands``. Names are lowercase words
    joined by ``-``. A name taken by one of cygrad's own subcommands, or claimed by two
    plugins, is left out of the command (with a warning) rather than replacing anything; a
    command whose ``setup`` raises is left out the same way. Demos that train a model are the
    typical use::

        @hookimpl
        def cygrad_register_commands(register):
            register("cnn", Command(run=train_cnn, help="train a small CNN", setup=options))
    """
