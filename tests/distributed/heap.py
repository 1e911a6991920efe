"""A probe of how much freed memory a process's ``malloc`` keeps (glibc), to run in this
process's children and in Ray workers."""
from __future__ import annotations

from collections.abc import Callable

BLOCKS, BLOCK_MIB = 8, 20
"""What the probe allocates and frees: blocks under 32 MiB, 160 MiB in all, more than
glibc's own settings ever keep at the top of its heap (twice its threshold, at most 64 MiB)."""


def probe() -> Callable[..., int]:
    """The probe, made here so that it is pickled by value (a Ray worker or a child process
    cannot import the tests): called with anything or nothing, it allocates and touches
    BLOCKS blocks, frees them and returns the MiB of free memory ``malloc`` holds after."""
    def kept_mib(*_: object) -> int:
        import ctypes

        import numpy as np

        class Mallinfo2(ctypes.Structure):
            _fields_ = [(name, ctypes.c_size_t) for name in (
                "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                "uordblks", "fordblks", "keepcost")]

        mallinfo2 = ctypes.CDLL(None).mallinfo2
        mallinfo2.restype = Mallinfo2
        blocks = [np.ones(BLOCK_MIB << 20, np.uint8) for _ in range(BLOCKS)]
        del blocks
        return int(mallinfo2().fordblks >> 20)

    return kept_mib
