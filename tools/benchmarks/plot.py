"""Draw docs/benchmarks.png and print the markdown table of docs/benchmarks.md from a timing file.

    tools/bench --torch --json bench.json
    .venv/bin/python tools/benchmarks/plot.py bench.json docs/benchmarks.png

The plot shows, per workload, the time of cygrad and of PyTorch as a ratio to hand-written
NumPy (NumPy is 1) on a log scale, so 2x slower and 2x faster are the same distance from it.
A workload with a baseline of its own (W6: training in one process) gets a panel and a table
of its own, its variants' times as ratios to that baseline. Workloads that were skipped or
failed their checks are left out of both.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

COLOURS = {"cygrad": "#1f77b4", "PyTorch": "#d62728"}


def timed(payload: dict[str, Any], baseline: str = "numpy") -> list[dict[str, Any]]:
    """The workload records of a ``tools/bench --json`` file that passed their checks and
    were measured against ``baseline``."""
    return [w for w in payload["workloads"]
            if w.get("check") == "passed" and w.get("baseline", "numpy") == baseline]


def own_baselines(payload: dict[str, Any]) -> list[str]:
    """The baselines other than NumPy that timed workloads name, in order."""
    found = [w.get("baseline", "numpy") for w in payload["workloads"] if w.get("check") == "passed"]
    return [b for i, b in enumerate(found) if b != "numpy" and b not in found[:i]]


def _variants(payload: dict[str, Any], baseline: str) -> list[tuple[dict[str, Any], str, dict]]:
    """``(record, variant, its figures)`` for every variant timed against ``baseline``."""
    return [(w, name, v) for w in timed(payload, baseline) for name, v in w["variants"].items()]


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _time(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def markdown_table(payload: dict[str, Any]) -> str:
    """Median times in each workload's unit and the ratios to NumPy, as a markdown table;
    ``its rounds`` is the range of cygrad's ratio over the rounds, which shows the noise.
    A table per other baseline follows (``variant_table``)."""
    rows = [
        "| workload | unit | NumPy | cygrad | PyTorch | cygrad / NumPy | its rounds "
        "| PyTorch / NumPy | target |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for w in timed(payload):
        medians = w["medians"]
        rounds = w["round_ratios"]
        target = "-" if w["target"] is None else f"<= {w['target']:g}x"
        cells = [w["id"], w["unit"], _time(medians["numpy"]), _time(medians["cygrad"]),
                 _time(medians.get("torch")), _ratio(w["ratio"]),
                 f"{min(rounds):.2f}-{max(rounds):.2f}x", _ratio(w.get("torch_ratio")), target]
        rows.append("| " + " | ".join(cells) + " |")
    others = [variant_table(payload, b) for b in own_baselines(payload)]
    return "\n\n".join((["\n".join(rows)] if len(rows) > 2 or not others else []) + others)


def variant_table(payload: dict[str, Any], baseline: str) -> str:
    """The variants timed against ``baseline``: median times, each variant's time as a ratio
    to the baseline's (what its target bounds), the range over the rounds, and the speed-up
    (the throughput ratio, the inverse of the time ratio)."""
    rows = [
        f"| workload | variant | unit | {baseline} | variant | variant / {baseline} "
        "| its rounds | speed-up | target |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for w, name, v in _variants(payload, baseline):
        rounds = v["round_ratios"]
        target = "-" if v["target"] is None else f"<= {v['target']:.3g}x"
        cells = [w["id"], name, w["unit"], _time(w["medians"][baseline]),
                 _time(w["medians"][name]), _ratio(v["ratio"]),
                 f"{min(rounds):.2f}-{max(rounds):.2f}x", _ratio(1 / v["ratio"]), target]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def draw(payload: dict[str, Any], path: Path) -> None:
    """Grouped bar charts of the time ratios, log scale, written to ``path`` as PNG: a panel
    against NumPy, and one per other baseline (its variants' ratios)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    workloads = timed(payload)
    series = {"cygrad": [w["ratio"] for w in workloads]}
    if any(w.get("torch_ratio") is not None for w in workloads):
        series["PyTorch"] = [w.get("torch_ratio") for w in workloads]
    panels = [([w["id"] for w in workloads], series, "NumPy",
               "cygrad and PyTorch against hand-written NumPy")] if workloads else []
    for baseline in own_baselines(payload):
        variants = _variants(payload, baseline)
        panels.append(([f"{w['id']} {name}" for w, name, _ in variants],
                       {"variant": [v["ratio"] for _, _, v in variants]}, baseline,
                       f"against {baseline}"))
    sizes = [max(3, len(labels)) for labels, *_ in panels]
    fig, axes = plt.subplots(1, len(panels), squeeze=False, width_ratios=sizes,
                             figsize=(max(7.0, 1.3 * sum(sizes)), 4.8))
    for ax, panel in zip(axes[0], panels):
        _panel(ax, *panel)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _panel(ax: Any, labels: list[str], series: dict[str, list[float | None]], baseline: str,
           title: str) -> None:
    """One panel: a bar per label and series, as ratios to ``baseline`` (1), log scale."""
    width = 0.8 / len(series)
    ax.axhline(1.0, color="black", linewidth=1, label=f"{baseline} (= 1)")
    for k, (name, ratios) in enumerate(series.items()):
        xs = [i + (k - (len(series) - 1) / 2) * width for i in range(len(labels))]
        shown = [(x, r) for x, r in zip(xs, ratios) if r is not None]
        bars = ax.bar([x for x, _ in shown], [r for _, r in shown], width,
                      label=f"{name} / {baseline}", color=COLOURS.get(name, COLOURS["cygrad"]))
        ax.bar_label(bars, labels=[f"{r:.2f}" for _, r in shown], fontsize=8, padding=2)
    ax.set_yscale("log")
    everything = [r for ratios in series.values() for r in ratios if r is not None] + [1.0]
    ax.set_ylim(min(everything) / 1.6, max(everything) * 4)  # room for the labels and legend
    ticks = [t for t in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200)
             if min(everything) / 1.6 <= t <= max(everything) * 4]
    ax.set_yticks(ticks, [f"{t:g}x" for t in ticks])
    ax.minorticks_off()
    ax.set_xticks(range(len(labels)), labels, rotation=20, ha="right")
    ax.set_ylabel(f"time relative to {baseline} (log scale)")
    ax.set_title(f"{title} (lower is faster)", fontsize=10)
    ax.legend(loc="upper left", frameon=False, fontsize=8)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/benchmarks/plot.py",
                                     description=__doc__.split("\n", 1)[0])
    parser.add_argument("timings", type=Path, help="a file written by tools/bench --json")
    parser.add_argument("png", type=Path, help="the plot to write")
    args = parser.parse_args(argv)
    payload = json.loads(args.timings.read_text())
    if not timed(payload) and not own_baselines(payload):
        parser.error(f"{args.timings}: no workload passed its checks, so there is nothing to plot")
    draw(payload, args.png)
    print(markdown_table(payload))
    return 0


if __name__ == "__main__":
    sys.exit(main())
