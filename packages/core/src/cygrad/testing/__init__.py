"""Gradient checks for anyone writing cygrad functions, layers or plugins.

``check_grad`` and ``check_double_grad`` compare backward() with central finite differences
and fail with the worst element and both values; ``numerical_grad`` is the differencing
itself. Hypothesis strategies for inputs live in ``cygrad.testing.strategies`` (install
``cygrad-core[testing]``); this module itself needs only NumPy.
"""
from cygrad.testing.gradcheck import check_double_grad, check_grad, numerical_grad
from cygrad.testing.layer import check_layer

__all__ = ["check_double_grad", "check_grad", "check_layer", "numerical_grad"]
