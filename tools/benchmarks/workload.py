"""What a benchmark workload is: its implementations, its unit and target, and its checks.

A workload (one row of docs/benchmarks.md) is implemented several times over the same starting
numbers: a hand-written NumPy reference (forward plus a manual backward), cygrad, and
optionally PyTorch. An implementation is a *prepare* function: ``prepare(steps)`` builds
everything a run needs (weights, model, data), untimed, and returns the *run* closure, which
does the timed work and returns its final numbers (parameters, losses) by name.

A workload that compares cygrad with itself (W6: data-parallel training against training in
one process) names its own baseline instead of NumPy and measures several variants of it.
"""
from __future__ import annotations

import importlib
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np

Results = Mapping[str, np.ndarray]
Run = Callable[[], Results]
Prepare = Callable[[int], Run]


@dataclass(frozen=True)
class Workload:
    """One benchmark row: how to run it, what it must compute, and how fast it should be.

    ``unit_factor`` turns seconds per step into the reported unit (1e6 for us/iteration,
    1000 for s/epoch of 1000 steps). ``expected(steps)`` gives absolute values the final
    results must have (within ``expected_tol``) for that many steps, or None where
    docs/benchmarks.md gives none. ``requires`` names the dotted cygrad objects the cygrad
    implementation uses, so the workload is skipped, not crashed, while they do not exist.
    ``memory_runs`` is how many runs ``tools/bench --memory`` makes in one process (0: none).

    A workload measured against something other than hand-written NumPy sets ``baseline`` to
    that reference's name (``numpy`` is then its prepare function) and ``variants`` to the
    implementations timed against it, with ``targets`` giving each variant's time ratio to
    reach (``cygrad`` and ``torch`` are then unused). ``session``, when given, is entered
    around all of the workload's runs, untimed: what every run shares and that is too costly
    to prepare per run (W6: Ray and its workers). ``clock`` overrides ``tools/bench --clock``
    where one of them cannot measure the workload (work in other processes or threads is no
    CPU time of this process).
    """

    id: str
    title: str
    unit: str
    unit_factor: float
    steps: int
    quick_steps: int
    numpy: Prepare
    cygrad: Prepare | None = None
    torch: Prepare | None = None
    requires: tuple[str, ...] = ()
    rtol: float = 1e-9
    expected: Callable[[int], dict[str, float] | None] = lambda steps: None
    expected_tol: float = 0.0
    target: float | None = None
    stretch: float | None = None
    memory_runs: int = 1
    baseline: str = "numpy"
    variants: Mapping[str, Prepare] = field(default_factory=dict)
    targets: Mapping[str, float] = field(default_factory=dict)
    session: AbstractContextManager[object] | None = None
    clock: str | None = None

    def __post_init__(self) -> None:
        own_baseline = self.baseline != "numpy"
        if (self.cygrad is None) != own_baseline or bool(self.variants) != own_baseline:
            raise ValueError(
                f"Workload {self.id}: a NumPy baseline needs cygrad and no variants, another "
                f"baseline variants and no cygrad (baseline {self.baseline!r}, cygrad "
                f"{'set' if self.cygrad else 'None'}, variants {list(self.variants)})"
            )
        if self.baseline in self.variants:  # the two would share one entry of implementations()
            raise ValueError(
                f"Workload {self.id}: a variant is named {self.baseline!r}, as the baseline is"
            )
        if unknown := set(self.targets) - set(self.variants):
            raise ValueError(f"Workload {self.id}: targets for no variant: {sorted(unknown)}")

    @property
    def whole_runs(self) -> bool:
        """Whether the harness times whole runs rather than blocks of fewer steps: a workload
        against NumPy is a loop of like steps, any number of which is a fair sample, while what
        a run against a baseline of its own costs beyond its steps (W6: starting a ``fit``,
        the rows into Ray's object store) is part of what it measures."""
        return self.baseline != "numpy"

    def implementations(self, with_torch: bool) -> dict[str, Prepare]:
        """The implementations to time, the reference (named ``baseline``) first."""
        if self.variants:
            return {self.baseline: self.numpy, **self.variants}
        assert self.cygrad is not None, "checked at construction"
        impls = {"numpy": self.numpy, "cygrad": self.cygrad}
        if with_torch and self.torch is not None:
            impls["torch"] = self.torch
        return impls


def missing_requirements(names: tuple[str, ...]) -> str | None:
    """Why the dotted objects in ``names`` cannot be used yet, or None when all exist.

    ``cygrad.models.MLP`` is missing either because ``cygrad.models`` does not import
    ("needs cygrad.models (not installed)") or because it has no ``MLP`` yet.
    """
    modules: list[str] = []
    attrs: list[str] = []
    for name in names:
        module_name, _, attr = name.rpartition(".")
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            if module_name not in modules:
                modules.append(module_name)
            continue
        if not hasattr(module, attr):
            attrs.append(name)
    problems = []
    if modules:
        problems.append(f"needs {', '.join(modules)} (not installed)")
    if attrs:
        problems.append(f"needs {', '.join(attrs)} (not in the installed packages)")
    return "; ".join(problems) if problems else None


def compare_results(reference: Results, other: Results, rtol: float) -> str | None:
    """Where ``other`` differs from ``reference`` by more than ``rtol``, or None if it agrees.

    Each array is compared to ``rtol`` relative to the largest magnitude in the reference
    array, so entries near zero do not demand impossible relative accuracy.
    """
    if set(reference) != set(other):
        return f"result names differ: {sorted(reference)} vs {sorted(other)}"
    for name, ref in reference.items():
        ref = np.asarray(ref, dtype=np.float64)
        got = np.asarray(other[name], dtype=np.float64)
        if ref.shape != got.shape:
            return f"{name}: shape {got.shape}, expected {ref.shape}"
        if not np.all(np.isfinite(got)):
            return f"{name}: non-finite values"
        scale = float(np.max(np.abs(ref))) if ref.size else 0.0
        err = float(np.max(np.abs(got - ref))) if ref.size else 0.0
        if err > rtol * max(scale, 1e-300):
            flat = int(np.argmax(np.abs(got - ref)))
            worst = tuple(int(i) for i in np.unravel_index(flat, ref.shape))
            where = f"{name}{list(worst)}" if worst else name
            return (
                f"{where}: {float(got[worst])!r} vs {float(ref[worst])!r} "
                f"(max difference {err:.3g}, allowed {rtol:.1g} x {scale:.3g})"
            )
    return None


def check_expected(results: Results, expected: dict[str, float], tol: float) -> str | None:
    """Where ``results`` miss the absolute values docs/benchmarks.md gives, or None."""
    for name, want in expected.items():
        got = np.asarray(results[name], dtype=np.float64)
        if not np.all(np.abs(got - want) <= tol):
            return (f"{name} = {got.ravel().tolist()}, docs/benchmarks.md says {want!r} "
                    f"(tolerance {tol:g})")
    return None
