"""Layers: parameterised building blocks of models.

>>> import numpy as np
>>> from cygrad.layers import Linear
>>> layer = Linear(4, rng=0)
>>> y = layer(np.ones((2, 3)))
>>> y.shape, list(layer.params())
((2, 4), ['W', 'b'])
"""
from cygrad.layers.activation import ActivationLayer
from cygrad.layers.base import LayerBase, ParameterLayer
from cygrad.layers.linear import Linear
from cygrad.layers.lstm import LSTM
from cygrad.layers.parameter import Parameter, Parameters
from cygrad.layers.rnn import RNN
from cygrad.protocols import Layer

__all__ = [
    "LSTM", "RNN", "ActivationLayer", "Layer", "LayerBase", "Linear", "Parameter", "ParameterLayer",
    "Parameters",
]
