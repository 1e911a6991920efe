"""Train an LSTM network to predict a noisy sine curve, then plot its predictions.

The network reads the curve one point at a time and learns to predict the next point. Its
weights are updated every few steps (--bptt), backpropagating through those steps only. After
training it predicts the clean curve one step ahead and writes lstm.csv (x, truth, prediction)
and, when matplotlib is installed, the plot lstm.png into the output folder.
"""
from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import numpy as np

import cygrad.functions as F
from cygrad.data import sine_curve
from cygrad.models import LSTM
from cygrad.optimizers import Adam
from cygrad.options import (
    make_output_folder,
    non_negative_number,
    output_folder,
    positive_number,
    whole_number,
)
from cygrad.plotting import plot_extra, write_figure
from cygrad.progress import ProgressBar
from cygrad.registry.hookspecs import PROJECT
from cygrad.variable import Variable, no_grad

if TYPE_CHECKING:
    from matplotlib.figure import Figure



def train(model: LSTM, curve: np.ndarray, args: argparse.Namespace, stream: TextIO,
          progress: bool) -> float:
    """Train over ``args.epochs`` passes of the curve; the last epoch's mean squared error.

    Each epoch's loss is printed on stdout; with ``progress`` a bar on ``stream`` shows the
    epoch under way and is erased when the epoch's line is printed.
    """
    opt = Adam(lr=args.lr)
    inputs = curve[:-1].reshape(-1, 1, 1)
    targets = curve[1:].reshape(-1, 1, 1)
    steps = len(inputs)
    mean = math.nan
    for epoch in range(1, args.epochs + 1):
        label = f"epoch {epoch:3d}/{args.epochs}"
        bar = ProgressBar(steps, label, stream) if progress else None
        model.reset_state()
        window: Variable | None = None
        total = 0.0
        for k in range(steps):
            step_loss = F.mean_squared_error(model(inputs[k]), targets[k])
            total += step_loss.item()
            window = step_loss if window is None else window + step_loss
            if (k + 1) % args.bptt == 0 or k + 1 == steps:
                model.cleargrads()
                window.backward()
                # Truncated backprop: the state carries on, its history does not.
                window.unchain_backward()
                opt.update(model)
                window = None
            if bar is not None:
                bar.update(k + 1, total / (k + 1))
        mean = total / steps
        if bar is not None:
            bar.close()
        print(f"epoch {epoch:3d}/{args.epochs}  loss {mean:.6f}", flush=True)
    return mean


def predict(model: LSTM, curve: np.ndarray) -> np.ndarray:
    """One-step-ahead predictions: the model reads ``curve[k]`` and predicts ``curve[k + 1]``."""
    model.reset_state()
    with no_grad():
        return np.array([model(np.array([[v]])).item() for v in curve[:-1]])


def write_csv(path: Path, x: np.ndarray, truth: np.ndarray, prediction: np.ndarray) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["x", "truth", "prediction"])
        for row in zip(x, truth, prediction):
            writer.writerow([float(v) for v in row])


def write_png(path: Path, x: np.ndarray, truth: np.ndarray, prediction: np.ndarray) -> bool:
    """Plot prediction against truth (see ``cygrad.plotting.write_figure``); False (and nothing
    written) without matplotlib."""

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        ax.plot(x, truth, label="truth", linewidth=2)
        ax.plot(x, prediction, label="prediction", linestyle="--")
        ax.set_xlabel("x")
        ax.set_title("cygrad LSTM: one-step-ahead prediction of sin(x)")
        ax.legend()

    return write_figure(path, draw, plot_extra=plot_extra(PROJECT))


def run(args: argparse.Namespace) -> int:
    """Train, predict, write the files; the exit status."""
    try:
        csv_path, png_path = make_output_folder(args.out, "lstm.csv", "lstm.png")
    except argparse.ArgumentTypeError as e:
        print(f"cygrad lstm: error: argument --out: {e}", file=sys.stderr)
        return 2
    rng = np.random.default_rng(args.seed)
    x, noisy = sine_curve(args.n, noise=args.noise, rng=rng)
    model = LSTM(args.hidden, 1, rng=rng)
    start = time.perf_counter()
    loss = train(model, noisy, args, sys.stderr, args.progress and sys.stderr.isatty())
    elapsed = time.perf_counter() - start
    print(f"final loss {loss:.6f}  ({elapsed:.1f} s)")

    clean = np.sin(x)
    prediction = predict(model, clean)
    error = np.mean((prediction - clean[1:]) ** 2)
    print(f"prediction error on the clean curve (mean squared) {error:.6f}")
    write_csv(csv_path, x[1:], clean[1:], prediction)
    print(f"wrote {csv_path}")
    write_png(png_path, x[1:], clean[1:], prediction)
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "lstm", help="train an LSTM network on a sine curve; write its predictions as CSV and PNG",
        description=__doc__,
    )
    p.add_argument("--n", type=whole_number(3), default=1000,
                   help="points on the curve, at least 3 (default 1000)")
    p.add_argument("--bptt", type=whole_number(1), default=30,
                   help="steps between weight updates; gradients flow back over these steps "
                        "only (default 30)")
    p.add_argument("--hidden", type=whole_number(1), default=32,
                   help="size of the LSTM's hidden state (default 32)")
    p.add_argument("--epochs", type=whole_number(1), default=100,
                   help="passes over the curve (default 100)")
    p.add_argument("--lr", type=positive_number, default=0.001,
                   help="learning rate of the Adam optimizer (default 0.001)")
    p.add_argument("--noise", type=non_negative_number, default=0.05,
                   help="amplitude of the uniform noise added to the curve (default 0.05)")
    p.add_argument("--seed", type=whole_number(0), default=0,
                   help="seed of the random numbers for the noise and the weights (default 0)")
    p.add_argument("--out", type=output_folder, default="lstm-out",
                   help="folder for lstm.csv and lstm.png, created if missing "
                        "(default ./lstm-out)")
    p.add_argument("--no-progress", dest="progress", action="store_false",
                   help="no progress bar (it is only drawn when stderr is a terminal)")
    p.set_defaults(func=run)
