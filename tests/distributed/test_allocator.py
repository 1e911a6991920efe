"""A worker's ``malloc`` keeps freed memory for its next step; glibc's own settings return it
(and the next step faults it in again, page by page)."""
from __future__ import annotations

import platform
import subprocess
import sys

import pytest
from ray import cloudpickle

from cygrad.distributed import allocator

from .heap import BLOCK_MIB, BLOCKS, probe

glibc = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's malloc only")

CHILD = """
import pickle, sys
from cygrad.distributed.allocator import keep_freed_memory
kept_mib = pickle.loads(sys.stdin.buffer.read())
applied = keep_freed_memory() if sys.argv[1] == "keep" else None
print(applied, kept_mib())
"""


def kept_in_a_child(mode: str) -> tuple[str, int]:
    done = subprocess.run([sys.executable, "-c", CHILD, mode], input=cloudpickle.dumps(probe()),
                          capture_output=True, check=True)
    applied, mib = done.stdout.decode().split()
    return applied, int(mib)


@glibc
def test_glibcs_own_settings_return_freed_memory_and_keep_freed_memory_keeps_it():
    assert kept_in_a_child("default") == ("None", pytest.approx(0, abs=BLOCK_MIB * 4))
    applied, mib = kept_in_a_child("keep")
    assert applied == "True"
    assert mib >= BLOCKS * BLOCK_MIB


def test_off_glibc_nothing_changes(monkeypatch):
    monkeypatch.setattr(platform, "libc_ver", lambda *a, **k: ("", ""))
    monkeypatch.setattr(allocator.ctypes, "CDLL", lambda *a: pytest.fail("mallopt was called"))
    assert allocator.keep_freed_memory() is False


def test_a_c_library_without_mallopt_changes_nothing(monkeypatch):
    monkeypatch.setattr(platform, "libc_ver", lambda *a, **k: ("glibc", "2.36"))
    monkeypatch.setattr(allocator.ctypes, "CDLL", lambda *a: object())
    assert allocator.keep_freed_memory() is False
