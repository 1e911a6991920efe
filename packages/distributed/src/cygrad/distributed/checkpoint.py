"""A trainer's checkpoint: one .npz holding the parameters and the optimizer state.

Keys: ``param/<name>`` for each parameter; ``optimizer/kind``, ``optimizer/t``,
``optimizer/hyperparameter/<name>`` and ``optimizer/state/<parameter>/<slot>``. Written
atomically (a temporary file renamed over the target), read without pickles, like
``Model.save`` / ``Model.load``.
"""
from __future__ import annotations

import zipfile
from typing import Any

import numpy as np

from cygrad.models.atomic_write import atomic_write

PARAM = "param/"
OPTIMIZER = "optimizer/"
HYPERPARAMETER = OPTIMIZER + "hyperparameter/"


def pack(params: dict[str, np.ndarray], optimizer: dict[str, Any]) -> dict[str, np.ndarray]:
    """The arrays of a checkpoint, by key."""
    arrays = {PARAM + name: data for name, data in params.items()}
    arrays[OPTIMIZER + "kind"] = np.array(optimizer["kind"])
    arrays[OPTIMIZER + "t"] = np.array(optimizer["t"], dtype=np.int64)
    for name, value in optimizer["hyperparameters"].items():
        arrays[HYPERPARAMETER + name] = np.array(value, dtype=np.float64)
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
    unknown, not_one = [], []
    for key, array in arrays.items():
        if key.startswith(PARAM):
            params[key[len(PARAM):]] = array
        elif key in (OPTIMIZER + "kind", OPTIMIZER + "t") or key.startswith(HYPERPARAMETER):
            if array.size != 1:
                not_one.append(f"{key} (holds {array.size})")
            elif key.startswith(HYPERPARAMETER):
                optimizer["hyperparameters"][key[len(HYPERPARAMETER):]] = array.item()
            else:
                optimizer[key[len(OPTIMIZER):]] = array.item()
        elif key.startswith(OPTIMIZER + "state/") and key.count("/") >= 3:
            name, slot = key[len(OPTIMIZER + "state/"):].rsplit("/", 1)
            optimizer["state"].setdefault(name, {})[slot] = array
        else:
            unknown.append(key)
    missing = [key for key in (OPTIMIZER + "kind", OPTIMIZER + "t") if key not in arrays]
    problems = {"unknown keys": unknown, "missing": missing, "not one value": not_one}
    if any(problems.values()):
        raise ValueError(
            f"{owner}: not a DataParallel checkpoint, nothing was changed; "
            + "; ".join(f"{label}: {', '.join(keys)}" for label, keys in problems.items() if keys)
        )
    return params, optimizer


def write(path: str, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` to ``path`` as ``Model.save`` writes its files (``atomic_write``): a
    failed or killed save never damages an existing file, a link's target is written."""
    atomic_write(
        "DataParallel.save", path, lambda f: np.savez(f, allow_pickle=False, **arrays)
    )


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
