"""Bad arguments raise TypeError/ValueError naming DataParallel or fit before Ray starts."""
from __future__ import annotations

import os
import signal
from functools import partial

import numpy as np
import pytest
import ray

import cygrad.functions as F
from cygrad.distributed import DataParallel
from cygrad.distributed.interrupt import interrupts_deferred
from cygrad.models import MLP
from cygrad.optimizers import SGD

model = partial(MLP, [4, 2], rng=0)
x = np.zeros((6, 3))
t = np.zeros(6, dtype=int)


def trainer(**options):
    return DataParallel(model, SGD, F.softmax_cross_entropy, **options)


@pytest.mark.parametrize(
    "options, error, message",
    [
        ({"workers": 0}, ValueError, "DataParallel: workers must be at least 1, got 0"),
        ({"workers": 1.5}, TypeError, "DataParallel: workers must be an int"),
        ({"max_restarts": -1}, ValueError, "DataParallel: max_restarts must be at least 0"),
        ({"cpus_per_worker": 0}, ValueError, "DataParallel: cpus_per_worker must be above 0"),
        ({"cpus_per_worker": "1"}, TypeError, "DataParallel: cpus_per_worker must be a number"),
        ({"address": 6379}, TypeError, "DataParallel: address must be None, 'auto'"),
    ],
)
def test_bad_options(options, error, message):
    with pytest.raises(error, match=message):
        trainer(**options)
    assert not ray.is_initialized()


def test_factories_that_do_not_build_a_model_or_an_optimizer():
    with pytest.raises(TypeError, match="DataParallel: model must be a zero-argument factory"):
        DataParallel(model(), SGD, F.softmax_cross_entropy)
    with pytest.raises(TypeError, match="optimizer must be a zero-argument factory.*built SGD"):
        DataParallel(model, SGD(), F.softmax_cross_entropy)
    with pytest.raises(TypeError, match="DataParallel: model must be callable, got int"):
        DataParallel(3, SGD, F.softmax_cross_entropy)
    with pytest.raises(TypeError, match=r"model factory returned ndarray, not a model.*params"):
        DataParallel(lambda: np.zeros(3), SGD, F.softmax_cross_entropy)
    with pytest.raises(TypeError, match=r"optimizer factory returned MLP, not an optimizer"):
        DataParallel(model, model, F.softmax_cross_entropy)
    with pytest.raises(TypeError, match="DataParallel: loss must be callable"):
        DataParallel(model, SGD, "mse")
    assert not ray.is_initialized()


@pytest.mark.parametrize(
    "args, options, error, message",
    [
        ((x, t[:5]), {"batch_size": 2}, ValueError, r"fit: len\(x\) is 6 but len\(t\) is 5"),
        ((x[:0], t[:0]), {"batch_size": 2}, ValueError, "fit: x and t have no rows"),
        ((x, t), {"batch_size": 0}, ValueError, "fit: batch_size must be at least 1, got 0"),
        ((x, t), {"batch_size": 2, "epochs": 0}, ValueError, "fit: epochs must be at least 1"),
        ((x, t), {"batch_size": 2, "rng": "seed"}, TypeError, "fit: rng must be"),
        ((x, t), {"batch_size": 2, "shuffle": 1}, TypeError, "fit: shuffle must be True or"),
        ((x, 3.0), {"batch_size": 2}, ValueError, "fit: t must have rows"),
    ],
)
def test_bad_fit_arguments(args, options, error, message):
    with pytest.raises(error, match=message):
        trainer(workers=1).fit(*args, progress=False, **options)
    assert not ray.is_initialized()


def test_a_loss_that_is_not_a_0d_variable_is_refused_in_the_driver():
    per_row = DataParallel(model, SGD, lambda y, t: y.sum(axis=1))
    with pytest.raises(ValueError, match=r"fit: loss\(y, t\) must return a 0-d Variable.*\(6,\)"):
        per_row.fit(x, t, batch_size=2, progress=False)
    a_float = DataParallel(model, SGD, lambda y, t: 0.5)
    with pytest.raises(TypeError, match=r"fit: loss\(y, t\) must return a 0-d Variable.*float"):
        a_float.fit(x, t, batch_size=2, progress=False)
    assert not ray.is_initialized()


def test_interrupts_wait_until_the_step_is_complete():
    steps = []
    with pytest.raises(KeyboardInterrupt):
        with interrupts_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            steps.append("completed")
    assert steps == ["completed"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
