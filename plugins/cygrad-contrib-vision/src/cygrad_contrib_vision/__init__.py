"""Convolution, pooling and batch normalisation for cygrad, published as a plugin.

The layers are registered as ``conv2d``, ``maxpool2d``, ``avgpool2d``, ``batchnorm`` and
``flatten``; their functions live in ``cygrad_contrib_vision.functions``. The plugin also
adds the ``cygrad cnn`` demo.
"""
from cygrad_contrib_vision.layers import AvgPool2d, BatchNorm, Conv2d, Flatten, MaxPool2d

__all__ = ["AvgPool2d", "BatchNorm", "Conv2d", "Flatten", "MaxPool2d"]
