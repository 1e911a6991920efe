"""Variables from other frameworks' arrays through DLPack, sharing their memory."""
from __future__ import annotations

from typing import Any

import numpy as np

from cygrad.variable._core import Variable

__all__ = ["from_dlpack"]


def from_dlpack(obj: Any) -> Variable:
    """A Variable sharing the memory of ``obj``, any DLPack producer on the CPU (a torch
    tensor, a JAX array, a NumPy array): writes to one show in the other.

    Only float32 and float64 data can be shared (a Variable holds no other dtype); anything
    else is a TypeError, rather than a silent copy that would no longer share.
    """
    if not hasattr(obj, "__dlpack__"):
        raise TypeError(
            f"from_dlpack: expected an object with __dlpack__ (a torch tensor, a JAX or NumPy "
            f"array), got {type(obj).__name__}"
        )
    try:
        data = np.from_dlpack(obj)
    except (BufferError, RuntimeError, ValueError) as e:
        # A device NumPy cannot read (a GPU tensor), or a layout it cannot view.
        raise ValueError(
            f"from_dlpack: cannot share the memory of {type(obj).__name__}: {e}"
        ) from None
    if data.dtype not in (np.float32, np.float64):
        raise TypeError(
            f"from_dlpack: a Variable shares only float32 or float64 data, got {data.dtype}; "
            "convert it in its own framework first"
        )
    return Variable(data)
