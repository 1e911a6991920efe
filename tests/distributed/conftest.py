"""The distributed tests' local Ray, kept up for a whole test module."""
from __future__ import annotations

import pytest

from cygrad.distributed import runtime

CPUS = 4
"""The module runtime's CPUs: room for a three-worker trainer and one closing."""


@pytest.fixture(scope="module")
def local_ray():
    """One private local Ray for the module: trainers join it and never shut it down, so
    the module pays for one start-up."""
    runtime.acquire("tests", None, CPUS, reserve=False)
    yield
    runtime.release()
