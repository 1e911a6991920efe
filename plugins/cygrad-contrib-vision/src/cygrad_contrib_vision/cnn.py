"""Train a small convolutional network to read generated 8x8 images of digits.

The images come from cygrad.data.digits (drawn, not downloaded). The network is built by
name from the registry, this plugin's layers next to cygrad's own: conv2d, batchnorm, relu,
maxpool2d, flatten, linear. After training it writes cnn.png (test images with the
predicted digits, and the loss curve) and the weights cnn.npz into the output folder,
reloads the weights into a fresh network, checks that it predicts the same, and prints the
test accuracy last.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

import cygrad.functions as F
from cygrad.data import batches, digits
from cygrad.models import Sequential
from cygrad.optimizers import Adam
from cygrad.options import output_folder, whole_number
from cygrad.plotting import plot_extra, write_figure
from cygrad.progress import ProgressBar
from cygrad.registry import Command
from cygrad.variable import no_grad, test_mode

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["COMMAND", "build_model", "options", "run"]

TRAIN, TEST, BATCH, LR = 5000, 1000, 50, 0.01
DISTRIBUTION = "cygrad-contrib-vision"  # installed with its plot extra for the plot


def build_model(seed: int) -> Sequential:
    """The network, by registered names: (N, 1, 8, 8) images to (N, 10) digit scores."""
    return Sequential(
        "conv2d:16,3,pad=1", "batchnorm", "relu", "maxpool2d:2",
        "conv2d:32,3,pad=1", "relu", "maxpool2d:2",
        "flatten", "linear:10",
        rng=seed,
    )


def options(parser: argparse.ArgumentParser) -> None:
    """The options of ``cygrad cnn``."""
    parser.add_argument("--epochs", type=whole_number(1), default=6,
                        help="passes over the training images (default 6)")
    parser.add_argument("--seed", type=whole_number(0), default=0,
                        help="seed of the images, the weights and the batch order (default 0)")
    parser.add_argument("--out", type=output_folder, default=Path("cnn-out"),
                        help="folder for cnn.png and cnn.npz, created if missing "
                             "(default ./cnn-out)")


def predict(model: Sequential, x: np.ndarray) -> np.ndarray:
    """The predicted digit of each image, in test mode (batch normalisation's running
    statistics) and without recording a graph."""
    with test_mode(), no_grad():
        return np.argmax(model(x).data, axis=1)


def train(model: Sequential, x: np.ndarray, t: np.ndarray, epochs: int, seed: int) -> list[float]:
    """Adam on shuffled mini-batches; the mean loss of every epoch, printed as it ends."""
    opt = Adam(lr=LR)
    rng = np.random.default_rng(seed)
    steps = -(-len(x) // BATCH)
    losses = []
    for epoch in range(1, epochs + 1):
        label = f"epoch {epoch:2d}/{epochs}"
        bar = ProgressBar(steps, label, sys.stderr) if sys.stderr.isatty() else None
        total = 0.0
        for k, (xb, tb) in enumerate(batches(x, t, batch_size=BATCH, shuffle=True, rng=rng), 1):
            loss = F.softmax_cross_entropy(model(xb), tb)
            model.cleargrads()
            loss.backward()
            opt.update(model)
            total += loss.item() * len(xb)
            if bar is not None:
                bar.update(k, total / min(k * BATCH, len(x)))
        losses.append(total / len(x))
        if bar is not None:
            bar.close()
        print(f"{label}  loss {losses[-1]:.4f}", flush=True)
    return losses


def write_png(path: Path, x: np.ndarray, t: np.ndarray, predicted: np.ndarray,
              losses: list[float]) -> bool:
    """Sixteen test images titled with their predicted digits (red when wrong) above the loss
    curve (see ``cygrad.plotting.write_figure``); False (and nothing written) without
    matplotlib."""

    def draw(fig: Figure) -> None:
        grid = fig.add_gridspec(3, 8)
        for i in range(16):
            ax = fig.add_subplot(grid[i // 8, i % 8])
            ax.imshow(x[i, 0], cmap="gray_r")
            ax.set_title(str(predicted[i]), color="black" if predicted[i] == t[i] else "red")
            ax.axis("off")
        ax = fig.add_subplot(grid[2, :])
        ax.plot(range(1, len(losses) + 1), losses, marker="o")
        ax.set_xlabel("epoch")
        ax.set_ylabel("training loss")
        fig.suptitle("cygrad cnn: predicted digits of test images, and the loss")

    return write_figure(path, draw, plot_extra=plot_extra(DISTRIBUTION), figsize=(8, 6))


def run(args: argparse.Namespace) -> int:
    """Train, plot, save and reload, report; the exit status (1 when the reload disagrees)."""
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        print(f"cygrad cnn: cannot create the folder {str(out)!r}: {e.strerror}", file=sys.stderr)
        return 2
    x, t = digits(TRAIN + TEST, rng=args.seed)
    (x_train, t_train), (x_test, t_test) = (x[:TRAIN], t[:TRAIN]), (x[TRAIN:], t[TRAIN:])
    model = build_model(args.seed)
    start = time.perf_counter()
    losses = train(model, x_train, t_train, args.epochs, args.seed)
    print(f"trained in {time.perf_counter() - start:.1f} s")
    predicted = predict(model, x_test)

    write_png(out / "cnn.png", x_test, t_test, predicted, losses)
    weights = out / "cnn.npz"
    model.save(weights)
    reloaded = build_model(args.seed + 1)  # other weights, until the file replaces them
    reloaded.load(weights)
    if not np.array_equal(predict(reloaded, x_test), predicted):
        print(f"cygrad cnn: the model reloaded from {weights} predicts differently",
              file=sys.stderr)
        return 1
    print(f"wrote {weights}; the model reloaded from it predicts the same")
    print(f"test accuracy: {100 * np.mean(predicted == t_test):.1f}%")
    return 0


COMMAND = Command(run, help="train a small CNN on generated digit images (conv2d, pooling, "
                  "batch normalisation)", setup=options)
