"""The vision layers: Conv2d, MaxPool2d, AvgPool2d, BatchNorm and Flatten."""
from cygrad_contrib_vision.layers.batchnorm import BatchNorm
from cygrad_contrib_vision.layers.conv2d import Conv2d
from cygrad_contrib_vision.layers.flatten import Flatten
from cygrad_contrib_vision.layers.pooling import AvgPool2d, MaxPool2d

__all__ = ["AvgPool2d", "BatchNorm", "Conv2d", "Flatten", "MaxPool2d"]
