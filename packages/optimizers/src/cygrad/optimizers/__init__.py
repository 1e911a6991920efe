"""Optimizers that update a model's parameters in place from their gradients.

>>> from cygrad.variable import Variable
>>> from cygrad.optimizers import SGD
>>> class Model:
...     def __init__(self):
...         self.w = Variable(1.0)
...     def params(self):
...         return {"w": self.w}
>>> model = Model()
>>> model.w.grad = Variable(1.0)
>>> SGD(lr=0.1).update(model)
>>> model.w
variable(0.9)

``update`` also takes a mapping of names to parameters or an iterable of parameters. Hooks
(``cygrad.optimizers.hooks``) adjust the gradients first: ``opt.add_hook(ClipGrad(1.0))``. A new
optimizer subclasses ``Optimizer`` and implements ``update_one(data, grad, state)``.
"""
from cygrad.optimizers.adam import Adam, AdamW
from cygrad.optimizers.momentum import Momentum
from cygrad.optimizers.optimizer import Optimizer
from cygrad.optimizers.sgd import SGD

__all__ = ["Adam", "AdamW", "Momentum", "Optimizer", "SGD"]
