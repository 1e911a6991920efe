"""Models: the seed's model package (Model, MLP, LSTM) and Sequential.

>>> import cygrad.functions as F
>>> from cygrad.models import MLP
>>> from cygrad.variable import Variable
>>> mlp = MLP([10, 10, 1], rng=0)
>>> y = mlp(Variable([1.0, 2.0, 3.0]))
>>> list(mlp.params())
['0.W', '0.b', '1.W', '1.b', '2.W', '2.b']
"""
from cygrad.models.lstm import LSTM
from cygrad.models.mlp import MLP, Activation
from cygrad.models.model import Model
from cygrad.models.sequential import Sequential

__all__ = ["LSTM", "MLP", "Activation", "Model", "Sequential"]
