"""Draw docs/benchmarks.png and print the markdown table of docs/benchmarks.md from a timing file.

    tools/bench --torch --json bench.json
    .venv/bin/python tools/benchmarks/plot.py bench.json docs/benchmarks.png

The plot shows, per workload, the time of cygrad and of PyTorch as a ratio to hand-written
NumPy (NumPy is 1) on a log scale, so 2x slower and 2x faster are the same distance from it.
Workloads that were skipped or failed their checks are left out of both.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

COLOURS = {"cygrad": "#1f77b4", "PyTorch": "#d62728"}


def timed(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The workload records of a ``tools/bench --json`` file that passed their checks."""
    return [w for w in payload["workloads"] if w.get("check") == "passed"]


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _time(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def markdown_table(payload: dict[str, Any]) -> str:
    """Median times in each workload's unit and the ratios to NumPy, as a markdown table;
    ``its rounds`` is the range of cygrad's ratio over the rounds, which shows the noise."""
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
    return "\n".join(rows)


def draw(payload: dict[str, Any], path: Path) -> None:
    """A grouped bar chart of the ratios to NumPy, log scale, written to ``path`` as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    workloads = timed(payload)
    series = {"cygrad": [w["ratio"] for w in workloads]}
    if any(w.get("torch_ratio") is not None for w in workloads):
        series["PyTorch"] = [w.get("torch_ratio") for w in workloads]
    width = 0.8 / len(series)
    fig, ax = plt.subplots(figsize=(max(7.0, 1.3 * len(workloads)), 4.8))
    ax.axhline(1.0, color="black", linewidth=1, label="NumPy (= 1)")
    for k, (name, ratios) in enumerate(series.items()):
        xs = [i + (k - (len(series) - 1) / 2) * width for i in range(len(workloads))]
        shown = [(x, r) for x, r in zip(xs, ratios) if r is not None]
        bars = ax.bar([x for x, _ in shown], [r for _, r in shown], width,
                      label=f"{name} / NumPy", color=COLOURS[name])
        ax.bar_label(bars, labels=[f"{r:.2f}" for _, r in shown], fontsize=8, padding=2)
    ax.set_yscale("log")
    everything = [r for ratios in series.values() for r in ratios if r is not None] + [1.0]
    ax.set_ylim(min(everything) / 1.6, max(everything) * 4)  # room for the labels and legend
    ticks = [t for t in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200)
             if min(everything) / 1.6 <= t <= max(everything) * 4]
    ax.set_yticks(ticks, [f"{t:g}x" for t in ticks])
    ax.minorticks_off()
    ax.set_xticks(range(len(workloads)), [w["id"] for w in workloads], rotation=20, ha="right")
    ax.set_ylabel("time relative to hand-written NumPy (log scale)")
    ax.set_title("cygrad and PyTorch against NumPy, per workload (lower is faster)")
    ax.legend(loc="upper center", ncol=len(series) + 1, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/benchmarks/plot.py",
                                     description=__doc__.split("\n", 1)[0])
    parser.add_argument("timings", type=Path, help="a file written by tools/bench --json")
    parser.add_argument("png", type=Path, help="the plot to write")
    args = parser.parse_args(argv)
    payload = json.loads(args.timings.read_text())
    draw(payload, args.png)
    print(markdown_table(payload))
    return 0


if __name__ == "__main__":
    sys.exit(main())
