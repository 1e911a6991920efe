"""More activations for cygrad, published as a plugin: swish (also silu), leaky_relu, elu,
softplus, mish. Each is differentiable to any order and stable for large inputs."""
from cygrad_contrib_activations.activations import elu, leaky_relu, mish, silu, softplus, swish

__all__ = ["elu", "leaky_relu", "mish", "silu", "softplus", "swish"]
