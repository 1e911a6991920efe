"""A trainer's checkpoint: one .npz holding the parameters and the optimizer state.

Keys: ``param/<name>`` for each parameter; ``optimizer/kind``, ``optimizer/t``,
``optimizer/hyperparameter/<name>`` and ``optimizer/state/<parameter>/<slot>``. Written
atomically (a temporary file renamed over the target), read without pickles, like
``Model.save`` / ``Model.load``.
"""
from __future__ import annotations

import os
import tempfile
import zipfile
from typing import Any

import numpy as np

PARAM = "param/"
OPTIMIZER = "optimizer/"


def pack(params: dict[str, np.ndarray], optimizer: dict[str, Any]) -> dict[str, np.ndarray]:
    """The arrays of a checkpoint, by key."""
    arrays = {PARAM + name: data for name, data in params.items()}
    arrays[OPTIMIZER + "kind"] = np.array(optimizer["kind"])
    arrays[OPTIMIZER + "t"] = np.array(optimizer["t"], dtype=np.int64)
    for name, value in optimizer["hyperparameters"].items():
        arrays[f"{OPTIMIZER}hyperparameter/{name}"] = np.array(value, dtype=np.float64)
    for name, slots in optimizer["state"].items():
        for slot, array in slots.items():
            arrays[f"{OPTIMIZER}state/{name}/{slot}"] = array
    return arrays


def unpack(
    owner: str, arrays: dict[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Parameters and an optimizer ``state_dict`` from a checkpoint's arrays."""
    params: dict[str, np.ndarray] = {}
    optimizer: dict[str, Any] = {"hyperparameters": {}, "state": {}}
    unknown = []
    for key, array in arrays.items():
        if key.startswith(PARAM):
            params[key[len(PARAM):]] = array
        elif key in (OPTIMIZER + "kind", OPTIMIZER + "t"):
            optimizer[key[len(OPTIMIZER):]] = array.item()
        elif key.startswith(OPTIMIZER + "hyperparameter/"):
            optimizer["hyperparameters"][key.rsplit("/", 1)[1]] = array.item()
        elif key.startswith(OPTIMIZER + "state/") and key.count("/") >= 3:
            name, slot = key[len(OPTIMIZER + "state/"):].rsplit("/", 1)
            optimizer["state"].setdefault(name, {})[slot] = array
        else:
            unknown.append(key)
    missing = [k for k in ("kind", "t") if k not in optimizer]
    if unknown or missing:
        raise ValueError(
            f"{owner}: not a DataParallel checkpoint, nothing was changed; "
            f"unknown keys {unknown}, missing optimizer/{missing}"
        )
    return params, optimizer


def write(path: str, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` to exactly ``path`` through a temporary file in the same folder, so a
    failed save never damages an existing file (it keeps its permissions)."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            # A file object, not a name: np.savez would append ".npz" to a name without it.
            np.savez(f, allow_pickle=False, **arrays)
            f.flush()
            os.fsync(f.fileno())
        try:
            mode = os.stat(path).st_mode & 0o777
        except FileNotFoundError:
            mode = 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def read(owner: str, path: str) -> dict[str, np.ndarray]:
    """Every array of the .npz archive at ``path``; pickled objects are refused."""
    try:
        loaded = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise
    except (ValueError, OSError, EOFError) as e:
        raise ValueError(f"{owner}({path!r}): not a readable .npz archive: {e}") from None
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise ValueError(f"{owner}({path!r}): a single .npy array, not an .npz archive")
    try:
        with loaded:
            return {key: loaded[key] for key in loaded.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(f"{owner}({path!r}): cannot read an array: {e}") from None
