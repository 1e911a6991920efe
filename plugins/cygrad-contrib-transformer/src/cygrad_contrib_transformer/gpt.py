"""``cygrad gpt``: train a small character-level transformer on the Zen of Python, then write
with it.

The model is a ``Sequential`` of registered names, so it shows plugins composing with
cygrad's own layers: ``embedding`` (cygrad-contrib-layers), ``positional_embedding``, two
causal ``transformer_block``s and ``layernorm`` (this plugin), and ``linear`` (cygrad). It
learns to predict each next character of random windows of the text; the loss of every
block of steps is printed, the loss curve drawn to ``DIR/gpt.png``, and a passage sampled
from the trained model printed last.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from threadpoolctl import threadpool_limits

import cygrad.functions as F
from cygrad.models import Sequential
from cygrad.optimizers import Adam
from cygrad.optimizers.hooks import ClipGrad
from cygrad.options import output_folder, whole_number
from cygrad.plotting import plot_extra, write_figure
from cygrad.progress import ProgressBar
from cygrad.registry import Command
from cygrad.variable import Variable, no_grad, test_mode

from cygrad_contrib_transformer.zen import CharVocabulary, zen_of_python

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["COMMAND", "build_model", "run", "sample", "train"]

EMBED_DIM = 64
NUM_HEADS = 4
BLOCKS = 2
CONTEXT = 64  # characters the model sees at once (the positional table's rows)
BATCH = 16  # windows per step
STEPS = 500
BLOCK_STEPS = 50  # steps per printed loss line (this demo's "epoch")
LEARNING_RATE = 1e-2  # Adam's, decayed linearly to a tenth of it by the last step
SAMPLE_LENGTH = 300
TEMPERATURE = 0.8
DISTRIBUTION = "cygrad-contrib-transformer"  # installed with its plot extra for the plot


def build_model(vocab_size: int, rng: np.random.Generator) -> Sequential:
    """The transformer, by registered names: (batch, T) ids -> (batch, T, vocab_size) logits."""
    return Sequential(
        {"layer": "embedding", "num_embeddings": vocab_size, "embedding_dim": EMBED_DIM},
        {"layer": "positional_embedding", "max_len": CONTEXT, "embed_dim": EMBED_DIM},
        *[
            {"layer": "transformer_block", "embed_dim": EMBED_DIM, "num_heads": NUM_HEADS, "causal": True}
            for _ in range(BLOCKS)
        ],
        "layernorm",
        f"linear:{vocab_size}",
        rng=rng,
    )


def to_float32(model: Sequential) -> None:
    """Make every parameter float32 (a first call creates the lazy ones): the activations
    follow, and a step takes about half the time it takes in float64."""
    with no_grad():
        model(np.zeros((1, 1), dtype=np.int64))
    for p in model.params().values():
        p.data = p.data.astype(np.float32)


def next_char_loss(model: Sequential, windows: np.ndarray) -> Variable:
    """Mean cross entropy of predicting ``windows[:, t + 1]`` from ``windows[:, :t + 1]``."""
    logits = model(windows[:, :-1])
    batch, steps, vocab = logits.shape
    return F.softmax_cross_entropy(logits.reshape(batch * steps, vocab), windows[:, 1:].reshape(-1))


# The matrices here are small: BLAS threads cost more than they bring, and on a busy machine
# (threads spinning while waiting for a core) many times more. Training and sampling use one.
one_blas_thread = threadpool_limits.wrap(limits=1, user_api="blas")


@one_blas_thread
def train(model: Sequential, ids: np.ndarray, steps: int, rng: np.random.Generator, progress: bool) -> list[float]:
    """``steps`` Adam steps on random windows of ``ids``; every step's loss.

    The learning rate falls linearly from LEARNING_RATE to a tenth of it: large steps while
    the loss is high, small ones to settle at the end.
    """
    optimizer = Adam(lr=LEARNING_RATE)
    optimizer.add_hook(ClipGrad(1.0))
    width = min(CONTEXT, len(ids) - 1)
    losses: list[float] = []
    for first in range(0, steps, BLOCK_STEPS):
        last = min(first + BLOCK_STEPS, steps)
        label = f"steps {first + 1:4d}-{last:4d}/{steps}"
        bar = ProgressBar(last - first, label, sys.stderr) if progress else None
        for done in range(1, last - first + 1):
            optimizer.lr = LEARNING_RATE * (1 - 0.9 * (first + done - 1) / steps)
            starts = rng.integers(0, len(ids) - width, BATCH)
            loss = next_char_loss(model, ids[starts[:, None] + np.arange(width + 1)])
            model.cleargrads()
            loss.backward()
            optimizer.update(model)
            losses.append(loss.item())
            if bar is not None:
                bar.update(done, float(np.mean(losses[first:])))
        if bar is not None:
            bar.close()
        print(f"{label}  loss {np.mean(losses[first:last]):.4f}", flush=True)
    return losses


@one_blas_thread
def sample(model: Sequential, vocab: CharVocabulary, prompt: str, length: int, rng: np.random.Generator) -> str:
    """``prompt`` continued by ``length`` characters, each drawn from the model's next-character
    distribution at temperature TEMPERATURE (test mode, no graph)."""
    ids = list(vocab.encode(prompt))
    with no_grad(), test_mode():
        for _ in range(length):
            logits = model(np.array([ids[-CONTEXT:]])).data[0, -1].astype(np.float64)
            weights = np.exp((logits - logits.max()) / TEMPERATURE)
            ids.append(int(rng.choice(len(vocab), p=weights / weights.sum())))
    return vocab.decode(ids)


def write_png(path: Path, losses: list[float]) -> bool:
    """Plot the loss of every step and its running mean (see
    ``cygrad.plotting.write_figure``); False (nothing written) without matplotlib."""

    def draw(fig: Figure) -> None:
        steps = np.arange(1, len(losses) + 1)
        window = min(BLOCK_STEPS, len(losses))
        smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
        ax = fig.subplots()
        ax.plot(steps, losses, linewidth=0.8, alpha=0.5, label="loss per step")
        ax.plot(steps[window - 1:], smooth, linewidth=2, label=f"mean of {window} steps")
        ax.set_xlabel("step")
        ax.set_ylabel("cross entropy (nats per character)")
        ax.set_title("cygrad gpt: a character-level transformer on the Zen of Python")
        ax.legend()

    return write_figure(path, draw, plot_extra=plot_extra(DISTRIBUTION))


def run(args: argparse.Namespace) -> int:
    """Train, plot, sample; the exit status."""
    rng = np.random.default_rng(args.seed)
    text = zen_of_python()
    vocab = CharVocabulary(text)
    ids = vocab.encode(text)
    model = build_model(len(vocab), rng)
    to_float32(model)
    start = time.perf_counter()
    losses = train(model, ids, args.steps, rng, progress=sys.stderr.isatty())
    elapsed = time.perf_counter() - start
    print(f"final loss {np.mean(losses[-BLOCK_STEPS:]):.4f}  ({elapsed:.1f} s)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_png(out / "gpt.png", losses)
    passage = sample(model, vocab, "\n", SAMPLE_LENGTH, rng)
    print("sample:")
    print(passage.strip("\n"))
    return 0


def setup(parser: argparse.ArgumentParser) -> None:
    """The options of ``cygrad gpt``."""
    parser.add_argument(
        "--steps", type=whole_number(1), default=STEPS,
        help=f"training steps of {BATCH} windows of {CONTEXT} characters (default {STEPS})",
    )
    parser.add_argument(
        "--seed", type=whole_number(0), default=0,
        help="seed for the weights, the windows and the sampling (default 0)",
    )
    parser.add_argument(
        "--out", type=output_folder, default=Path("gpt-out"),
        help="folder for gpt.png, the loss curve (default ./gpt-out)",
    )


COMMAND = Command(
    run=run,
    help="train a small character-level transformer on the Zen of Python and sample from it",
    setup=setup,
)
