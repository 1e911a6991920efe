"""Keep a worker process's freed memory for its next step (glibc's ``malloc``).

Every training step allocates the same large arrays (activations, gradients, temporaries)
and frees them again. By default glibc gives blocks over 128 KiB their own ``mmap`` and hands
free memory at the top of its heap back to the kernel, so each step faults fresh pages in
again, which the kernel must zero: in W6 about 18,000 page faults per worker per epoch, and
some 10% of a worker's time. A worker process exists only to train, so it tells ``malloc`` to
serve blocks up to 32 MiB from its heap and to keep up to 1 GiB of free memory there. Its
memory then stays at its peak, as with any caching allocator, and steps after the first
fault in nothing.

The driver is the user's process: its allocator is left as it is.
"""
from __future__ import annotations

import ctypes
import platform

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
"""``mallopt`` parameters, from glibc's ``malloc.h``."""

MMAP_THRESHOLD = 32 << 20
"""Blocks smaller than this come from the heap: the ceiling glibc's own dynamic threshold
grows to on 64-bit systems. Larger blocks keep their own ``mmap``, as glibc gives them anyway."""

TRIM_THRESHOLD = 1 << 30
"""Free memory at the heap's top is returned to the kernel only beyond this."""


def keep_freed_memory() -> bool:
    """Set this process's ``malloc`` to reuse freed memory instead of returning it (glibc
    only); whether it did. Elsewhere (musl, macOS, Windows) nothing changes."""
    if platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the process's own C library
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    # Setting either turns glibc's own adjustment of both off, so both are set.
    mmap = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    trim = mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    return bool(mmap and trim)
