"""Training for 10,000 steps keeps memory flat: no graph, state or optimizer entry piles up.

Cyclic garbage is kept (the collector is off), so a leak through a reference cycle counts as
growth too. Between steps 1,000 and 10,000 (the same point of the truncation window) the number
of live Variables and Functions must not change, and the number of memory blocks Python has
allocated may move by a few dozen at most (a leak of one object per step would add thousands).
"""
import gc
import sys

import numpy as np

import cygrad.functions as F
from cygrad.models import LSTM, MLP
from cygrad.optimizers import SGD
from cygrad.variable import Function, Variable

STEPS = 10_000
CHECKPOINT = 1_000


def live_graph_objects():
    return sum(1 for o in gc.get_objects() if isinstance(o, (Variable, Function)))


def measure(step, steps=STEPS, checkpoint=CHECKPOINT):
    """Run ``step(k)`` for k in range(steps); growth of live graph objects and memory blocks."""
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        for k in range(checkpoint):
            step(k)
        graph_before, blocks_before = live_graph_objects(), sys.getallocatedblocks()
        for k in range(checkpoint, steps):
            step(k)
        graph_after, blocks_after = live_graph_objects(), sys.getallocatedblocks()
    finally:
        if enabled:
            gc.enable()
    return graph_after - graph_before, blocks_after - blocks_before


def test_mlp_training_keeps_memory_flat():
    model = MLP([4, 1], rng=0)
    opt = SGD(lr=0.01)
    x, t = np.array([[1.0, 2.0, 3.0]]), np.array([[0.5]])

    def step(k):
        loss = F.mean_squared_error(model(x), t)
        model.cleargrads()
        loss.backward()
        opt.update(model)

    graph_growth, block_growth = measure(step)
    assert graph_growth == 0
    assert block_growth < 50


def test_lstm_training_with_truncated_backprop_keeps_memory_flat():
    bptt = 10
    model = LSTM(3, 1, rng=0)
    opt = SGD(lr=0.01)
    seq = np.sin(np.arange(STEPS + 1) * 2 * np.pi / 25).reshape(-1, 1, 1)
    window = {"loss": None}

    def step(k):
        loss = F.mean_squared_error(model(seq[k]), seq[k + 1])
        total = loss if window["loss"] is None else window["loss"] + loss
        window["loss"] = total
        if (k + 1) % bptt == 0:
            window["loss"] = None
            model.cleargrads()
            total.backward()
            total.unchain_backward()
            opt.update(model)

    graph_growth, block_growth = measure(step)
    assert graph_growth == 0
    assert block_growth < 50
    # The recurrent state lives on across windows, cut from the graph that made it.
    assert model.layers[0].h is not None and model.layers[0].h.creator is None
