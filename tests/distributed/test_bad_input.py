"""Bad arguments raise TypeError/ValueError naming DataParallel or fit before Ray starts."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from functools import partial

import numpy as np
import pytest
import ray

import cygrad.functions as F
from cygrad.distributed import DataParallel
from cygrad.distributed.interrupt import interrupts_deferred
from cygrad.models import MLP
from cygrad.models.atomic_write import temporary_prefix
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


def test_factories_and_losses_that_cannot_be_pickled_are_refused_before_ray_starts():
    lock = threading.Lock()  # what a closure may hold that no pickle can carry

    def locked_model():
        with lock:
            return model()

    def locked_loss(y, t):
        with lock:
            return F.softmax_cross_entropy(y, t)

    message = (r"DataParallel: {} must be picklable, since every worker gets a copy through "
               r"Ray; pickling it raised TypeError: cannot pickle '_thread.lock' object")
    with pytest.raises(TypeError, match=message.format("model")):
        DataParallel(locked_model, SGD, F.softmax_cross_entropy)
    with pytest.raises(TypeError, match=message.format("optimizer")):
        DataParallel(model, partial(SGD, lr=lock), F.softmax_cross_entropy)
    with pytest.raises(TypeError, match=message.format("loss")):
        DataParallel(model, SGD, locked_loss)
    assert not ray.is_initialized()
    DataParallel(lambda: model(), SGD, lambda y, t: F.softmax_cross_entropy(y, t))  # lambdas go


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


def sized_trainer():
    """A trainer whose model has its parameters, from ``evaluate`` (no Ray)."""
    sized = trainer(workers=1)
    sized.evaluate(x, t)
    return sized


def test_save_follows_model_saves_file_rules(tmp_path):
    sized = sized_trainer()
    # Through a symbolic link: the link stays, its target is written.
    target = tmp_path / "target.npz"
    target.write_bytes(b"old")
    link = tmp_path / "link.npz"
    link.symlink_to(target)
    sized.save(link)
    assert link.is_symlink() and np.load(target)["param/0.W"].shape == (3, 4)
    # A temporary file left by a killed writer of this host is removed by the next save.
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"{temporary_prefix('target.npz').rsplit('.', 2)[0]}.{dead.pid}.x1.tmp"
    stale.write_bytes(b"partial")
    sized.save(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.npz", "target.npz"]
    # An error names the path given, never a temporary file.
    missing = tmp_path / "no-such-folder" / "run.npz"
    with pytest.raises(FileNotFoundError) as caught:
        sized.save(missing)
    assert caught.value.filename == str(missing) and "DataParallel.save" in str(caught.value)
    assert not ray.is_initialized()


def test_a_save_that_fails_part_way_leaves_the_file_there_and_no_other(tmp_path, monkeypatch):
    sized = sized_trainer()
    path = tmp_path / "run.npz"
    sized.save(path)
    before = path.read_bytes()

    def broken(f, **arrays):
        f.write(b"half an archive")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", broken)
    with pytest.raises(OSError, match="No space left on device"):
        sized.save(path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["run.npz"]


@pytest.mark.parametrize("change, message", [
    ({"optimizer/t": np.arange(3)}, r"not one value: optimizer/t \(holds 3\)"),
    ({"optimizer/hyperparameter/lr": np.ones(2)},
     r"not one value: optimizer/hyperparameter/lr \(holds 2\)"),
    ({"optimizer/kind": None}, "missing: optimizer/kind"),
    ({"extra": np.zeros(1)}, "unknown keys: extra"),
])
def test_load_refuses_a_damaged_checkpoint_and_changes_nothing(tmp_path, change, message):
    sized = sized_trainer()
    path = tmp_path / "run.npz"
    sized.save(path)
    arrays = dict(np.load(path))
    for key, value in change.items():
        if value is None:
            del arrays[key]
        else:
            arrays[key] = value
    np.savez(path, **arrays)
    before = {name: p.data.copy() for name, p in sized.model.params().items()}
    with pytest.raises(ValueError, match=rf"DataParallel.load\('.*run.npz'\): not a "
                                         rf"DataParallel checkpoint, nothing was changed; {message}"):
        sized.load(path)
    assert all(np.array_equal(before[n], p.data) for n, p in sized.model.params().items())


ENTERED, LEAVE = threading.Event(), threading.Event()


def waiting_loss(y, t):
    """The driver's check of the loss (the first thing a fit runs) waits for ``LEAVE``, then
    ends that fit before Ray starts."""
    ENTERED.set()
    LEAVE.wait(60)
    raise ArithmeticError("the fit under way ends here")


def test_fit_load_save_and_close_are_refused_while_another_thread_fits(tmp_path):
    busy = DataParallel(model, SGD, waiting_loss, workers=1)
    path = tmp_path / "run.npz"
    failed = []
    fitting = threading.Thread(target=lambda: failed.append(pytest.raises(
        ArithmeticError, busy.fit, x, t, batch_size=2, progress=False)))
    ENTERED.clear(), LEAVE.clear()
    fitting.start()
    try:
        assert ENTERED.wait(60)
        calls = {"fit": partial(busy.fit, x, t, batch_size=2, progress=False),
                 "save": partial(busy.save, path), "load": partial(busy.load, path),
                 "close": busy.close}
        for name, call in calls.items():
            with pytest.raises(RuntimeError, match=rf"DataParallel.{name}: the trainer is busy "
                                                   "with a fit, load, save or close"):
                call()
    finally:
        LEAVE.set()
        fitting.join(60)
    assert len(failed) == 1 and not path.exists() and not ray.is_initialized()
    busy.save(path)  # free again once that fit has returned
    busy.load(path)
    busy.close()
    with pytest.raises(RuntimeError, match="DataParallel.fit: the trainer is closed"):
        busy.fit(x, t, batch_size=2, progress=False)
