"""Differentiable image functions on NCHW arrays, built on ``cygrad.variable.Function``.

>>> import numpy as np
>>> from cygrad_contrib_vision import functions as VF
>>> x = np.arange(16.0).reshape(1, 1, 4, 4)
>>> VF.max_pool2d(x, 2).data[0, 0]
array([[ 5.,  7.],
       [13., 15.]])
"""
from cygrad_contrib_vision.functions.conv import conv2d
from cygrad_contrib_vision.functions.im2col import col2im, im2col
from cygrad_contrib_vision.functions.normalization import batch_norm
from cygrad_contrib_vision.functions.pooling import avg_pool2d, max_pool2d

__all__ = ["avg_pool2d", "batch_norm", "col2im", "conv2d", "im2col", "max_pool2d"]
