"""The autograd engine: ``Variable``, ``Function``, the backward pass and the settings.

>>> from cygrad.variable import Variable
>>> x = Variable(3.0)
>>> y = x * x + x
>>> y.backward()
>>> x.grad
variable(7.)
"""
from cygrad.config import config, no_grad, test_mode, using_config
from cygrad.variable._core import Function, Variable, as_variable
from cygrad.variable.constructors import normal, ones, ones_like, rand, randn, zeros, zeros_like
from cygrad.variable.dlpack import from_dlpack

__all__ = [
    "Function",
    "Variable",
    "as_variable",
    "config",
    "from_dlpack",
    "no_grad",
    "normal",
    "ones",
    "ones_like",
    "rand",
    "randn",
    "test_mode",
    "using_config",
    "zeros",
    "zeros_like",
]
