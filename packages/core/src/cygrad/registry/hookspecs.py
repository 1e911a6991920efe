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
lowercase. A name claimed by two plugins, or used for both a layer and an activation (which
``Sequential("name")`` could not tell apart), is a problem listed from the moment the plugin
loads and an error when the name is used, so choose distinctive names.

A plugin is checked when the registry first loads it. It is skipped, with a warning and its
error listed by ``cygrad plugins``, when it fails to import, has no marked hook, implements
an unknown hook, raises inside a hook (``sys.exit()`` included: only Ctrl-C stops the
program), or registers something invalid (a bad name, a name twice, a non-callable, a layer
lacking a Layer method, an activation that cannot be called with one argument, an optimizer
lacking ``update``). With ``CYGRAD_STRICT_PLUGINS=1`` every problem raises instead.

What each kind must provide is declared in ``cygrad.protocols``; ``cygrad.testing`` checks
a component the way cygrad's own test suite checks every registered one, and
``pytest --cygrad-conformance`` runs those checks on every installed plugin.
"""
from __future__ import annotations

from typing import Any, Callable

import pluggy

PROJECT = "cygrad"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

Register = Callable[[str, Any], None]
# ONNX converters are registered for a class: register(cls, converter).
RegisterConverter = Callable[[type, Any], None]


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
    the error names the missing ones.

    Parameters are ``cygrad.layers.Parameter`` objects (``Parameter(array, name="W")``) kept
    in a ``cygrad.layers.Parameters`` (``params.add("W", p)``), which lists them in insertion
    order: saved files and optimizer state rely on that order and on the names.

    Two optional protocols (``cygrad.protocols``) matter to ``Model`` and ``Sequential``:

    - a **lazy** layer, whose parameters are created from the first input's last dimension
      (or its channel axis), is a ``LazyLayer``: ``in_key`` (the parameter whose first
      dimension is the input size, or dimension ``in_axis`` when the layer sets it),
      ``initialized`` (False until the parameters exist), ``param_shapes(in_size)``
      (every name and shape, in ``params()`` order) and ``initialize(in_size)``. Then
      ``Model.load`` fills a fresh, never-called model from a file; without them it cannot
      (the file's keys for that layer are "extra"). Subclassing ``cygrad.layers.LayerBase``
      and defining ``param_shapes`` and ``forward`` gives all of it.
    - a **stateful** layer, whose output depends on earlier calls, is a ``StatefulLayer``:
      ``reset_state()`` starts a new sequence (``Sequential.reset_state()`` calls it); an
      input that does not fit the state (another batch size) raises ValueError rather than
      being broadcast against it.

    ``cygrad.testing.check_layer`` checks all of this; cygrad's test suite runs it on every
    registered layer through ``cygrad.testing.check_registered``, as ``pytest
    --cygrad-conformance`` does on yours. It builds ``factory(3)`` and feeds float64 inputs
    of shape ``(2, 4)``. A layer that needs something else declares it:

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
    can set them: an activation that cannot be called with one argument is rejected at
    registration. ``cygrad.testing.check_activation`` (run on every registered activation by
    cygrad's test suite and by ``pytest --cygrad-conformance``) checks the shape and dtype
    kept, first and second derivatives against finite differences, and finite float32
    results far out in both tails. A name that is also a layer's is a problem.
    """


@hookspec
def cygrad_register_optimizers(register: Register) -> None:
    """Register optimizers: ``register(name, factory)``.

    ``factory`` is a class (or a function) taking keyword arguments only, with defaults for
    all of them: ``registry.optimizer(name, **kw)`` returns ``factory(**kw)``. The optimizer
    must have ``update(model)`` (``cygrad.protocols.SupportsUpdate``), updating every
    parameter in ``model.params()`` that has a gradient (see ``cygrad.optimizers.Optimizer``).
    ``cygrad.testing.check_optimizer`` checks that its defaults descend, keep shapes and
    dtypes, skip parameters without a gradient, and, with ``state_dict()`` and
    ``load_state_dict(state)``, resume exactly.
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


@hookspec
def cygrad_register_onnx_converters(register: RegisterConverter) -> None:
    """Register how your classes export to ONNX (``cygrad.onnx.export``): ``register(cls, converter)``.

    ``cls`` is a class, not a name (it is listed under its qualified name,
    ``my_package.ops.MyFunction``); only instances of exactly that class use the converter.

    - For a ``Function`` subclass, ``converter(node)`` adds the ONNX operations that compute
      one recorded call and returns the names of its outputs (one name, or one per output).
      ``node`` (a ``cygrad.onnx.Node``) holds the call (``node.function``, its input names
      ``node.inputs``, shapes and dtypes, the target ``node.opset``) and builds the graph:
      ``node.make("Mul", [a, b])``, ``node.constant(array)``, ``node.shape("shape")`` for a
      shape attribute that may involve the batch axis::

          def convert_softplus(node):
              return node.make("Softplus", node.inputs)

          @hookimpl
          def cygrad_register_onnx_converters(register):
              register(Softplus, convert_softplus)

    - For a recurrent layer class, ``converter`` is the tuple of the attribute names that
      hold its state (``("h",)``; the LSTM's is ``("h", "c")``): an exported step takes each as
      an input (``h``) and returns its next value (``h_next``).

    Converters for cygrad's own operations and layers are built into ``cygrad.onnx``; an
    operation without one makes ``export`` raise ``ValueError`` naming its class. Register
    plain functions and tuples: the hook runs whether or not ``cygrad-onnx`` is installed,
    so import nothing from it at module level.
    """
