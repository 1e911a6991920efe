"""Checks for anyone writing cygrad functions, layers, activations, optimizers or plugins.

``check_grad`` and ``check_double_grad`` compare backward() with central finite differences
and fail with the worst element and both values; ``numerical_grad`` is the differencing
itself. ``check_backward_forms`` checks that a Function's ``backward_arrays`` gives exactly
what its ``backward`` gives. ``check_layer``, ``check_activation`` and ``check_optimizer`` are the conformance
checks cygrad's own test suite runs on every registered component (``check_registered``
runs the right one by kind and name); ``pytest --cygrad-conformance`` runs them on every
component of the installed plugins. Hypothesis strategies for inputs live in
``cygrad.testing.strategies`` (install ``cygrad-core[testing]``); this module itself needs
only NumPy.
"""
from cygrad.testing.activation import check_activation
from cygrad.testing.backward_forms import check_backward_forms
from cygrad.testing.conformance import check_registered, registered_components
from cygrad.testing.gradcheck import check_double_grad, check_grad, numerical_grad
from cygrad.testing.layer import check_layer
from cygrad.testing.optimizer import check_optimizer

__all__ = [
    "check_activation",
    "check_backward_forms",
    "check_double_grad",
    "check_grad",
    "check_layer",
    "check_optimizer",
    "check_registered",
    "numerical_grad",
    "registered_components",
]
