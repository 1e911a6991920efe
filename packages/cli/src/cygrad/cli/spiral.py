"""Train a small network to classify the points of three interleaved spirals, on Ray workers.

With --workers N (N at least 1) the training is shared by N worker processes through
cygrad.distributed.DataParallel (install it with: pip install "cygrad[distributed]");
--workers 0 trains in this process with the same steps, so both give the same numbers. Prints
the final loss and the accuracy, and writes spiral.csv (points, labels, predictions) and, when
matplotlib is installed, spiral.png (the decision regions with the points) into the output
folder.
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

import cygrad.functions as F
from cygrad.options import make_output_folder, output_folder, positive_number, whole_number
from cygrad.data import spiral
from cygrad.models import MLP
from cygrad.optimizers import Adam
from cygrad.plotting import plot_extra, write_figure
from cygrad.registry.hookspecs import PROJECT
from cygrad.progress import ProgressBar
from cygrad.variable import no_grad

if TYPE_CHECKING:
    from matplotlib.figure import Figure

INSTALL_HINT = 'pip install "cygrad[distributed]"'


def train_in_process(
    model: MLP, args: argparse.Namespace, x: np.ndarray, t: np.ndarray, progress: bool
) -> list[float]:
    """The loop DataParallel distributes: shuffled batches, Adam, per-epoch mean loss.

    With ``progress`` a bar on stderr shows the epoch under way, replaced by the epoch's loss
    at its end (as ``DataParallel.fit`` does).
    """
    opt = Adam(lr=args.lr)
    gen = np.random.default_rng(args.seed)
    losses = []
    for epoch in range(1, args.epochs + 1):
        order = gen.permutation(len(x))
        steps = -(-len(x) // args.batch_size)
        bar = ProgressBar(steps, f"epoch {epoch}/{args.epochs}", sys.stderr) if progress else None
        total = 0.0
        for k in range(steps):
            rows = order[k * args.batch_size:(k + 1) * args.batch_size]
            model.cleargrads()
            loss = F.softmax_cross_entropy(model(x[rows]), t[rows])
            loss.backward()
            opt.update(model)
            total += float(loss.data) * len(rows)
            if bar is not None:
                bar.update(k + 1, total / min(len(x), (k + 1) * args.batch_size))
        if bar is not None:
            bar.close()
            print(f"epoch {epoch}/{args.epochs} loss {total / len(x):.6f}", file=sys.stderr)
        losses.append(total / len(x))
    return losses


def write_csv(path: Path, x: np.ndarray, t: np.ndarray, predicted: np.ndarray) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["x0", "x1", "label", "predicted"])
        for (a, b), label, guess in zip(x, t, predicted):
            writer.writerow([float(a), float(b), int(label), int(guess)])


def write_png(path: Path, model: MLP, x: np.ndarray, t: np.ndarray) -> bool:
    """Decision regions on a grid with the points (see ``cygrad.plotting.write_figure``);
    False (nothing written) without matplotlib."""

    def draw(fig: Figure) -> None:
        axis = np.linspace(-1.1, 1.1, 300)
        gx, gy = np.meshgrid(axis, axis)
        with no_grad():
            regions = model(np.stack([gx.ravel(), gy.ravel()], axis=1)).data.argmax(axis=1)
        ax = fig.subplots()
        ax.contourf(gx, gy, regions.reshape(gx.shape), alpha=0.3, cmap="brg")
        ax.scatter(x[:, 0], x[:, 1], c=t, s=12, cmap="brg", edgecolors="k", linewidths=0.3)
        ax.set_title("cygrad spiral: decision regions")
        ax.set_aspect("equal")

    return write_figure(path, draw, plot_extra=plot_extra(PROJECT), figsize=(6, 6))


def run(args: argparse.Namespace) -> int:
    """Train, report, write the files; the exit status."""
    if args.workers > 0:
        try:
            from cygrad.distributed import DataParallel
        except ImportError:
            print(
                f"cygrad spiral: --workers {args.workers} needs cygrad-distributed: "
                f"{INSTALL_HINT} (or --workers 0 to train in this process)",
                file=sys.stderr,
            )
            return 1
    try:
        csv_path, png_path = make_output_folder(args.out, "spiral.csv", "spiral.png")
    except argparse.ArgumentTypeError as e:
        print(f"cygrad spiral: error: argument --out: {e}", file=sys.stderr)
        return 2
    progress = args.progress and sys.stderr.isatty()
    x, t = spiral(rng=args.seed)
    factory = partial(MLP, [args.hidden, 3], rng=args.seed)
    start = time.perf_counter()
    if args.workers == 0:
        model = factory()
        losses = train_in_process(model, args, x, t, progress)
    else:
        with DataParallel(
            factory, partial(Adam, lr=args.lr), F.softmax_cross_entropy, workers=args.workers
        ) as trainer:
            losses = trainer.fit(
                x, t, epochs=args.epochs, batch_size=args.batch_size, rng=args.seed,
                progress=progress,
            )
            model = trainer.model
    elapsed = time.perf_counter() - start
    where = "in this process" if args.workers == 0 else f"on {args.workers} Ray workers"
    print(f"trained {args.epochs} epochs {where} in {elapsed:.1f} s; final loss {losses[-1]:.6f}")
    with no_grad():
        predicted = model(x).data.argmax(axis=1)
    print(f"accuracy {np.mean(predicted == t):.4f}")
    write_csv(csv_path, x, t, predicted)
    print(f"wrote {csv_path}")
    write_png(png_path, model, x, t)
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "spiral", help="data-parallel demo: a network learns the spiral data set on Ray workers",
        description=__doc__,
    )
    p.add_argument("--workers", type=whole_number(0), default=2,
                   help="Ray worker processes; 0 trains in this process (default 2)")
    p.add_argument("--epochs", type=whole_number(1), default=100,
                   help="passes over the data (default 100)")
    p.add_argument("--batch-size", type=whole_number(1), default=30,
                   help="rows per step (default 30)")
    p.add_argument("--hidden", type=whole_number(1), default=30,
                   help="hidden units (default 30)")
    p.add_argument("--lr", type=positive_number, default=0.05,
                   help="learning rate of the Adam optimizer (default 0.05)")
    p.add_argument("--seed", type=whole_number(0), default=0,
                   help="seed of the random numbers for the data, the weights and the "
                        "shuffling (default 0)")
    p.add_argument("--out", type=output_folder, default="spiral-out",
                   help="folder for spiral.csv and spiral.png, created if missing "
                        "(default ./spiral-out)")
    p.add_argument("--no-progress", dest="progress", action="store_false",
                   help="no progress bar (it is only drawn when stderr is a terminal)")
    p.set_defaults(func=run)
