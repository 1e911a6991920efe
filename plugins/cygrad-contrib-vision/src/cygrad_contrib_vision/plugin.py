"""The plugin module named by this distribution's ``cygrad`` entry point."""
from __future__ import annotations

from cygrad.registry import hookimpl
from cygrad.registry.hookspecs import Register

from cygrad_contrib_vision import AvgPool2d, BatchNorm, Conv2d, Flatten, MaxPool2d
from cygrad_contrib_vision.cnn import COMMAND


@hookimpl
def cygrad_register_layers(register: Register) -> None:
    register("conv2d", Conv2d)
    register("maxpool2d", MaxPool2d)
    register("avgpool2d", AvgPool2d)
    register("batchnorm", BatchNorm)
    register("flatten", Flatten)


@hookimpl
def cygrad_register_commands(register: Register) -> None:
    register("cnn", COMMAND)
