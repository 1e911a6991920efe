"""DataParallel on a local Ray shared by the module: exact equivalence with the
single-process loop, worker deaths, user exceptions, Ctrl-C, checkpoints and float32."""
from __future__ import annotations

import fcntl
import os
import signal
from functools import partial

import numpy as np
import pytest
import ray

import cygrad.functions as F
from cygrad.distributed import DataParallel, WorkerError
from cygrad.models import LSTM, MLP
from cygrad.optimizers import SGD, Adam, Momentum
from cygrad.variable import no_grad

pytestmark = pytest.mark.usefixtures("local_ray")


def data(rows=23, features=4, classes=3, dtype=np.float64, seed=1):
    gen = np.random.default_rng(seed)
    return gen.standard_normal((rows, features)).astype(dtype), gen.integers(0, classes, rows)


model = partial(MLP, [5, 3], rng=0)
loss = F.softmax_cross_entropy


def reference(model_factory, optimizer_factory, x, t, *, epochs, batch_size, rng, shuffle=True,
              steps=None):
    """The single-process loop DataParallel must equal: the model after ``epochs`` (or only
    ``steps`` steps), and the per-epoch losses averaged over rows."""
    net, opt = model_factory(), optimizer_factory()
    with no_grad():
        net(x[:8])
    gen = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    losses, done = [], 0
    for _ in range(epochs):
        order = gen.permutation(len(x)) if shuffle else np.arange(len(x))
        total = 0.0
        for lo in range(0, len(x), batch_size):
            if steps is not None and done == steps:
                return net, losses
            rows = order[lo:lo + batch_size]
            net.cleargrads()
            value = loss(net(x[rows]), t[rows])
            value.backward()
            opt.update(net)
            total += float(value.data) * len(rows)
            done += 1
        losses.append(total / len(x))
    return net, losses


def assert_same_params(a, b, rtol=1e-12):
    pa, pb = a.params(), b.params()
    assert list(pa) == list(pb)
    for name in pa:
        np.testing.assert_allclose(pa[name].data, pb[name].data, rtol=rtol, atol=0, err_msg=name)


def params_of(net):
    return {name: p.data.copy() for name, p in net.params().items()}


class CountingLoss:
    """The test loss, which at chosen calls (counted over all worker processes, in a file
    under a lock) does something to the worker: ``action(driver_pid)``. Calls in the driver
    (the check on the first rows) are not counted."""

    def __init__(self, folder, calls, action):
        self.counter = os.path.join(folder, "calls")
        self.calls = set(calls)
        self.action = action
        self.driver = os.getpid()

    def __call__(self, y, t):
        self.tick()
        return loss(y, t)

    def tick(self):
        if os.getpid() != self.driver:
            with open(self.counter, "a+") as f:
                fcntl.flock(f, fcntl.LOCK_EX)
                f.seek(0)
                n = int(f.read() or 0) + 1
                f.seek(0)
                f.truncate()
                f.write(str(n))
            if n in self.calls:
                self.action(self.driver)

    def count(self):
        with open(self.counter) as f:
            return int(f.read())


class CountingHook(CountingLoss):
    """The same count over the optimizer's updates in the workers (an optimizer hook)."""

    def __call__(self, params):
        self.tick()


def sgd_with(hook):
    optimizer = OPTIMIZERS["sgd"]()
    optimizer.add_hook(hook)
    return optimizer


def die(driver):
    """Kill this worker's process, as the OOM killer or a lost node would."""
    os.kill(os.getpid(), signal.SIGKILL)


def explode(driver):
    raise ValueError("the shard loss exploded")


def interrupt_driver(driver):
    """Press Ctrl-C in the driver."""
    os.kill(driver, signal.SIGINT)


OPTIMIZERS = {
    "sgd": partial(SGD, lr=0.5),
    "momentum": partial(Momentum, lr=0.2, momentum=0.9),
    "adam": partial(Adam, lr=0.05),
}


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_every_step_equals_the_single_process_step_on_the_whole_batch(workers):
    # 23 rows in batches of 7 (7, 7, 7, 2): uneven shards, and an empty one for 3 workers.
    x, t = data()
    for name, optimizer in OPTIMIZERS.items():
        expected, expected_losses = reference(
            model, optimizer, x, t, epochs=3, batch_size=7, rng=5
        )
        with DataParallel(model, optimizer, loss, workers=workers) as trainer:
            losses = trainer.fit(x, t, epochs=3, batch_size=7, rng=5, progress=False)
            assert_same_params(trainer.model, expected)
            np.testing.assert_allclose(losses, expected_losses, rtol=1e-12, err_msg=name)


def model_in_small_pieces():
    """The model, in a worker whose gradients travel in pieces of three float64s."""
    from cygrad.distributed import flat

    flat.PIECE_BYTES = 24
    return model()


def test_gradients_in_many_pieces_give_the_single_process_step():
    # 43 parameters in 15 pieces; 3 workers, uneven and empty shards, weighted piece by piece.
    x, t = data()
    optimizer = OPTIMIZERS["adam"]
    expected, expected_losses = reference(model, optimizer, x, t, epochs=2, batch_size=7, rng=5)
    with DataParallel(model_in_small_pieces, optimizer, loss, workers=3) as trainer:
        losses = trainer.fit(x, t, epochs=2, batch_size=7, rng=5, progress=False)
        assert_same_params(trainer.model, expected)
        np.testing.assert_allclose(losses, expected_losses, rtol=1e-12)
        (_, _, pieces, _), _ = ray.get(trainer._handles[2].gradient.remote(slice(0, 5)))
        assert [len(piece) for piece in pieces] == [3] * 14 + [1]


def test_replicas_start_from_the_drivers_parameters_whatever_the_factory_draws():
    # An unseeded model factory: every worker's own draw differs from the driver's.
    x, t = data()
    unseeded = partial(partial(model.func, [5, 3]))
    with DataParallel(unseeded, OPTIMIZERS["sgd"], loss, workers=2) as trainer:
        start = trainer.model
        trainer.fit(x[:8], t[:8], epochs=1, batch_size=8, shuffle=False, progress=False)
        before = params_of(start)
        losses = trainer.fit(x, t, epochs=2, batch_size=7, rng=3, progress=False)

    def same_start():
        net = model()
        net(x[:8])
        for name, p in net.params().items():
            p.data = before[name].copy()
        return net

    expected, expected_losses = reference(
        same_start, OPTIMIZERS["sgd"], x, t, epochs=2, batch_size=7, rng=3
    )
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-12)


def test_fit_again_continues_from_where_the_last_fit_ended():
    x, t = data()
    gen = np.random.default_rng(8)
    expected, expected_losses = reference(
        model, OPTIMIZERS["adam"], x, t, epochs=3, batch_size=6, rng=np.random.default_rng(8)
    )
    with DataParallel(model, OPTIMIZERS["adam"], loss, workers=2) as trainer:
        losses = trainer.fit(x, t, epochs=2, batch_size=6, rng=gen, progress=False)
        losses += trainer.fit(x, t, epochs=1, batch_size=6, rng=gen, progress=False)
        assert_same_params(trainer.model, expected)
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-12)


def test_without_shuffle_batches_come_in_row_order():
    x, t = data()
    expected, expected_losses = reference(
        model, OPTIMIZERS["momentum"], x, t, epochs=2, batch_size=5, rng=0, shuffle=False
    )
    with DataParallel(model, OPTIMIZERS["momentum"], loss, workers=2) as trainer:
        losses = trainer.fit(x, t, epochs=2, batch_size=5, shuffle=False, progress=False)
        assert_same_params(trainer.model, expected)
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-12)


@pytest.mark.parametrize("deaths", [[1], [2, 5], [4, 9, 10]])
def test_a_worker_killed_mid_step_is_replaced_and_the_step_redone(tmp_path, deaths):
    # Calls count over both workers (4 steps an epoch, 2 shards a step, 3 epochs).
    x, t = data()
    killer = CountingLoss(tmp_path, deaths, die)
    expected, expected_losses = reference(
        model, OPTIMIZERS["adam"], x, t, epochs=3, batch_size=7, rng=4
    )
    with DataParallel(model, OPTIMIZERS["adam"], killer, workers=2) as trainer:
        losses = trainer.fit(x, t, epochs=3, batch_size=7, rng=4, progress=False)
        assert_same_params(trainer.model, expected)
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-12)
    # Each killed call was made again by the replacement: no step lost or applied twice.
    assert killer.count() == 3 * 4 * 2 + len(deaths)


@pytest.mark.parametrize("death", [3, 7])
def test_a_worker_killed_while_taking_a_step_is_replaced_from_the_drivers_step(tmp_path, death):
    # Updates count over both workers: the steps of batches 1-3 of the first epoch come with
    # the next batch's call (updates 1-6), the last batch's with the second epoch's first call
    # (7, 8). The replacement starts from the driver, which has taken that step: it only
    # computes the gradient, so no step is lost or taken twice.
    x, t = data()
    killer = CountingHook(tmp_path, [death], die)
    expected, expected_losses = reference(
        model, OPTIMIZERS["sgd"], x, t, epochs=2, batch_size=7, rng=4
    )
    with DataParallel(model, partial(sgd_with, killer), loss, workers=2) as trainer:
        losses = trainer.fit(x, t, epochs=2, batch_size=7, rng=4, progress=False)
        assert_same_params(trainer.model, expected)
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-12)
    # Two workers, 4 steps, 2 epochs, but the fit's last step, which the workers take only
    # at a next fit's start; the killed update is counted and not made again.
    assert killer.count() == 2 * 4 * 2 - 2


@pytest.mark.parametrize("death", [7, 8])
def test_a_worker_killed_taking_the_last_fits_last_step_at_the_next_start(tmp_path, death):
    # The first fit's updates 1-6 come with its batches 2-4; its last step (7, 8) with the
    # second fit's start, where a death is not counted (max_restarts=0): the replacement
    # starts from the driver, which has taken that step.
    x, t = data()
    killer = CountingHook(tmp_path, [death], die)
    expected, expected_losses = reference(
        model, OPTIMIZERS["sgd"], x, t, epochs=2, batch_size=7, rng=np.random.default_rng(6)
    )
    gen = np.random.default_rng(6)
    with DataParallel(model, partial(sgd_with, killer), loss, workers=2,
                      max_restarts=0) as trainer:
        losses = trainer.fit(x, t, epochs=1, batch_size=7, rng=gen, progress=False)
        assert killer.count() == 6
        losses += trainer.fit(x, t, epochs=1, batch_size=7, rng=gen, progress=False)
        assert_same_params(trainer.model, expected)
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-12)
    assert killer.count() == 2 * 4 * 2 - 2


@pytest.mark.parametrize("dead", [0, 1])
def test_a_worker_that_died_between_fits_is_replaced_at_the_next(dead):
    # max_restarts=0: a death before the fit is not one of its restarts.
    x, t = data()
    expected, _ = reference(model, OPTIMIZERS["momentum"], x, t, epochs=2, batch_size=7, rng=2)
    gen = np.random.default_rng(2)
    with DataParallel(model, OPTIMIZERS["momentum"], loss, workers=2, max_restarts=0) as trainer:
        trainer.fit(x, t, epochs=1, batch_size=7, rng=gen, progress=False)
        pid = ray.get(trainer._handles[dead].pid.remote())
        os.kill(pid, signal.SIGKILL)
        trainer.fit(x, t, epochs=1, batch_size=7, rng=gen, progress=False)
        assert ray.get(trainer._handles[dead].pid.remote()) != pid
        assert_same_params(trainer.model, expected)


class ModelOfTheWorkers:
    """A model factory that builds another architecture outside the driver's process."""

    def __init__(self):
        self.driver = os.getpid()

    def __call__(self):
        return MLP([5, 3] if os.getpid() == self.driver else [6, 3], rng=0)


def test_workers_whose_factory_builds_another_architecture_are_refused():
    x, t = data()
    with DataParallel(ModelOfTheWorkers(), OPTIMIZERS["sgd"], loss, workers=2) as trainer:
        before = params_of(trainer.model)
        with pytest.raises(WorkerError, match="worker 0 raised ValueError: .* must build the "
                                              "same architecture every time"):
            trainer.fit(x, t, epochs=1, batch_size=7, progress=False)
        after = params_of(trainer.model)
    assert all(np.array_equal(before[k], after[k]) for k in before)


class DriftingSGD(SGD):
    """SGD whose steps in a worker are a little longer than in the driver's process."""

    def __init__(self, driver, lr=0.5):
        super().__init__(lr=lr)
        self.driver = driver

    def update_one(self, data, grad, state):
        data -= self.lr * (1.0 if os.getpid() == self.driver else 1.001) * grad


@pytest.mark.parametrize("fits, batch_size, found", [
    ([1], 7, 1),  # steps 1-3 drift: the last batch's parameters differ
    ([2], 23, 2),  # one step an epoch: the first epoch's step, taken with the second's
    ([1, 1], 23, 1),  # the first fit's step, which the workers take at the next start
])
def test_replicas_that_drift_apart_raise_worker_error(fits, batch_size, found):
    # ``fits``: the epochs of each fit; the last raises in epoch ``found``.
    x, t = data()
    drifting = partial(DriftingSGD, os.getpid())
    with DataParallel(model, drifting, loss, workers=2) as trainer:
        for epochs in fits[:-1]:
            trainer.fit(x, t, epochs=epochs, batch_size=batch_size, progress=False)
        with pytest.raises(WorkerError, match=f"at the last batch of epoch {found} the "
                                              "replicas' parameters differ"):
            trainer.fit(x, t, epochs=fits[-1], batch_size=batch_size, progress=False)


def test_more_deaths_than_max_restarts_raise_worker_error(tmp_path):
    x, t = data()
    killer = CountingLoss(tmp_path, range(1, 100), die)
    with DataParallel(model, OPTIMIZERS["sgd"], killer, workers=2, max_restarts=1) as trainer:
        before = params_of(trainer.model)
        with pytest.raises(WorkerError, match=r"died 2 times .* more than max_restarts=1"):
            trainer.fit(x, t, epochs=1, batch_size=7, progress=False)
        after = params_of(trainer.model)
    assert all(np.array_equal(before[k], after[k]) for k in before)


def test_a_user_exception_in_a_worker_arrives_with_its_traceback(tmp_path):
    # One worker: the third loss call is the third step; two steps were completed.
    x, t = data()
    failing = CountingLoss(tmp_path, [3], explode)
    with DataParallel(model, OPTIMIZERS["adam"], failing, workers=1) as trainer:
        with pytest.raises(WorkerError, match="ValueError: the shard loss exploded") as info:
            trainer.fit(x, t, epochs=1, batch_size=5, shuffle=False, progress=False)
        assert isinstance(info.value, RuntimeError)
        trace = info.value.worker_traceback
        assert 'test_data_parallel.py", line' in trace and "in explode" in trace
        assert "\x1b" not in trace
        assert trace in str(info.value)
        assert failing.count() == 3  # not retried
        two_steps, _ = reference(
            model, OPTIMIZERS["adam"], x, t, epochs=1, batch_size=5, rng=0, shuffle=False,
            steps=2,
        )
        assert_same_params(trainer.model, two_steps)
        # Still usable at the last completed step.
        trainer.fit(x, t, epochs=1, batch_size=5, shuffle=False, progress=False)


@pytest.mark.parametrize("call", [1, 4])  # the fit's first step (right after its start), the 4th
def test_ctrl_c_leaves_the_model_at_the_last_completed_step(tmp_path, call):
    x, t = data()
    ctrl_c = CountingLoss(tmp_path, [call], interrupt_driver)
    with DataParallel(model, OPTIMIZERS["momentum"], ctrl_c, workers=1) as trainer:
        with pytest.raises(KeyboardInterrupt):
            trainer.fit(x, t, epochs=2, batch_size=5, shuffle=False, progress=False)
        completed, _ = reference(
            model, OPTIMIZERS["momentum"], x, t, epochs=1, batch_size=5, rng=0, shuffle=False,
            steps=call - 1,
        )
        assert_same_params(trainer.model, completed)
        trainer.fit(x, t, epochs=1, batch_size=5, shuffle=False, progress=False)


def spy_on_puts(monkeypatch):
    """The values ``ray.put`` receives from now on, in a list."""
    puts = []
    put = ray.put
    monkeypatch.setattr(ray, "put", lambda value, **kw: puts.append(value) or put(value, **kw))
    return puts


def test_rows_go_into_the_object_store_again_only_when_their_bits_changed(monkeypatch):
    # Per fit the driver puts the rows when they changed, and the parameters only when they
    # are not those every worker ended the last fit with; never anything per step: the
    # gradients go from worker to worker.
    x, t = data()
    x[0, 0] = 0.0
    puts = spy_on_puts(monkeypatch)
    seen = []

    def fit(rows):
        puts.clear()
        seen.append(rows.copy())
        trainer.fit(rows, t, epochs=1, batch_size=7, rng=len(seen), progress=False)
        return [v.shape == x.shape for v in puts if isinstance(v, np.ndarray)]

    with DataParallel(model, OPTIMIZERS["sgd"], loss, workers=2) as trainer:
        assert fit(x) == [True, False] and len(puts) == 3  # rows, labels, parameters
        assert fit(x.copy()) == [] and puts == []  # the same bits in another array
        x[0, 0] = -0.0
        assert fit(x) == [True] and len(puts) == 1  # changed in place, if only a sign bit
        x[1:5] *= 3
        assert fit(x) == [True]
        # Every fit trained on the rows as they were then.
        net = model()
        for rng, rows in enumerate(seen, 1):
            net, _ = reference(lambda: net, OPTIMIZERS["sgd"], rows, t, epochs=1,
                               batch_size=7, rng=rng)
        assert_same_params(trainer.model, net)


def start_from(params):
    """A model factory whose model starts from ``params``."""
    def build():
        net = model()
        net(np.zeros((1, 4)))
        for name, p in net.params().items():
            p.data = params[name].copy()
        return net

    return build


def test_a_change_to_the_drivers_model_between_fits_reaches_the_workers(monkeypatch):
    x, t = data()
    puts = spy_on_puts(monkeypatch)
    with DataParallel(model, OPTIMIZERS["sgd"], loss, workers=2) as trainer:
        trainer.fit(x, t, epochs=1, batch_size=7, rng=1, progress=False)
        puts.clear()
        trainer.model.params()["1.W"].data[0, 0] += 0.25  # in place: the same array
        changed = params_of(trainer.model)
        losses = trainer.fit(x, t, epochs=1, batch_size=7, rng=2, progress=False)
        assert [set(v) for v in puts] == [{"params", "optimizer"}]
        expected, expected_losses = reference(start_from(changed), OPTIMIZERS["sgd"], x, t,
                                              epochs=1, batch_size=7, rng=2)
        assert_same_params(trainer.model, expected)
        np.testing.assert_allclose(losses, expected_losses, rtol=1e-12)
        puts.clear()
        trainer.fit(x, t, epochs=1, batch_size=7, rng=3, progress=False)
        assert puts == []  # unchanged since: nothing to send


def test_after_a_failed_fit_the_workers_get_the_drivers_state_again(tmp_path):
    # The first worker's update of the second batch raises (the driver has taken that
    # step): the next fit starts every worker from the driver again.
    x, t = data()
    failing = CountingHook(tmp_path, [3], explode)
    with DataParallel(model, partial(sgd_with, failing), loss, workers=2) as trainer:
        trainer.fit(x[:7], t[:7], epochs=1, batch_size=7, shuffle=False, progress=False)
        with pytest.raises(WorkerError, match="exploded"):
            trainer.fit(x, t, epochs=1, batch_size=7, shuffle=False, progress=False)
        start = params_of(trainer.model)
        losses = trainer.fit(x, t, epochs=1, batch_size=7, shuffle=False, progress=False)
    expected, expected_losses = reference(
        start_from(start), OPTIMIZERS["sgd"], x, t, epochs=1, batch_size=7, rng=0, shuffle=False
    )
    assert_same_params(trainer.model, expected)
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-12)


def test_save_load_and_resume_equal_an_uninterrupted_run(tmp_path):
    x, t = data()
    path = tmp_path / "run.npz"
    expected, expected_losses = reference(
        model, OPTIMIZERS["adam"], x, t, epochs=3, batch_size=6, rng=np.random.default_rng(9)
    )
    gen = np.random.default_rng(9)
    with DataParallel(model, OPTIMIZERS["adam"], loss, workers=2) as first:
        losses = first.fit(x, t, epochs=2, batch_size=6, rng=gen, progress=False)
        first.save(path)
    # A new trainer, its layers not yet sized, resumes from the file.
    with DataParallel(model, OPTIMIZERS["adam"], loss, workers=2) as second:
        second.load(path)
        losses += second.fit(x, t, epochs=1, batch_size=6, rng=gen, progress=False)
        assert_same_params(second.model, expected)
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-12)
    assert sorted(os.listdir(tmp_path)) == ["run.npz"]


def test_load_reaches_the_running_workers_before_the_next_step(tmp_path):
    x, t = data()
    path = tmp_path / "epoch1.npz"
    with DataParallel(model, OPTIMIZERS["momentum"], loss, workers=2) as trainer:
        trainer.fit(x, t, epochs=1, batch_size=7, rng=1, progress=False)
        trainer.save(path)
        first = trainer.fit(x, t, epochs=1, batch_size=7, rng=2, progress=False)
        after = params_of(trainer.model)
        trainer.load(path)
        again = trainer.fit(x, t, epochs=1, batch_size=7, rng=2, progress=False)
        assert again == first
        assert all(np.array_equal(after[k], v.data) for k, v in trainer.model.params().items())


def test_load_refuses_another_architecture_and_changes_nothing(tmp_path):
    x, t = data()
    other = tmp_path / "other.npz"
    with DataParallel(partial(model.func, [6, 3], rng=0), OPTIMIZERS["adam"], loss,
                      workers=1) as trainer:
        trainer.fit(x, t, epochs=1, batch_size=7, rng=0, progress=False)
        trainer.save(other)
    with DataParallel(model, OPTIMIZERS["adam"], loss, workers=1) as trainer:
        trainer.fit(x, t, epochs=1, batch_size=7, rng=0, progress=False)
        before = params_of(trainer.model)
        with pytest.raises(ValueError, match=r"nothing was changed.*mis-shaped: 0.W"):
            trainer.load(other)
        assert all(np.array_equal(before[k], v.data) for k, v in trainer.model.params().items())
        wrong_optimizer = tmp_path / "sgd.npz"
        with DataParallel(model, OPTIMIZERS["sgd"], loss, workers=1) as sgd:
            sgd.fit(x, t, epochs=1, batch_size=7, rng=0, progress=False)
            sgd.save(wrong_optimizer)
        with pytest.raises(ValueError, match="optimizer: .*'SGD', not 'Adam'"):
            trainer.load(wrong_optimizer)


def test_a_model_with_state_starts_every_batch_from_a_fresh_state():
    # An LSTM keeps its hidden state between calls; the shards of a batch cannot share one, so
    # every batch (and the probe, and evaluate) starts from a fresh state: each row its own
    # sequence, as in a single-process loop that calls reset_state() before every batch.
    x, t = data(rows=23, features=1)
    y = np.sin(3 * x)
    lstm, adam = partial(LSTM, 4, 1, rng=0), OPTIMIZERS["adam"]
    net, opt = lstm(), adam()
    expected_losses = []
    gen = np.random.default_rng(4)
    for _ in range(2):
        total = 0.0
        order = gen.permutation(len(x))
        for lo in range(0, len(x), 7):
            rows = order[lo:lo + 7]
            net.reset_state()
            net.cleargrads()
            value = F.mean_squared_error(net(x[rows]), y[rows])
            value.backward()
            opt.update(net)
            total += float(value.data) * len(rows)
        expected_losses.append(total / len(x))
    with DataParallel(lstm, adam, F.mean_squared_error, workers=2) as trainer:
        losses = trainer.fit(x, y, epochs=2, batch_size=7, rng=4, progress=False)
        assert_same_params(trainer.model, net)
        net.reset_state()
        with no_grad():
            expected = float(F.mean_squared_error(net(x), y).data)
        assert trainer.evaluate(x, y) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-12)


def test_float32_models_exchange_float32_and_match_the_single_process_loop():
    x, t = data(dtype=np.float32)
    expected, expected_losses = reference(
        model, OPTIMIZERS["sgd"], x, t, epochs=2, batch_size=7, rng=6
    )
    with DataParallel(model, OPTIMIZERS["sgd"], loss, workers=2) as trainer:
        losses = trainer.fit(x, t, epochs=2, batch_size=7, rng=6, progress=False)
        assert all(p.dtype == np.float32 for p in trainer.model.params().values())
        (_, count, pieces, _), _ = ray.get(trainer._handles[0].gradient.remote(slice(0, 4)))
        assert count == 4 and all(piece.dtype == np.float32 for piece in pieces)
        assert_same_params(trainer.model, expected, rtol=1e-5)
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-5)


def test_the_progress_bar_and_evaluate(capsys):
    x, t = data()
    with DataParallel(model, OPTIMIZERS["adam"], loss, workers=2) as trainer:
        losses = trainer.fit(x, t, epochs=2, batch_size=7, rng=0)
        assert trainer.evaluate(x, t) == pytest.approx(float(loss(trainer.model(x), t).data))
        accuracy = trainer.evaluate(x, t, F.accuracy)
        assert accuracy == float(F.accuracy(trainer.model(x), t).data)
    err = capsys.readouterr().err
    # redirected (not a terminal): each epoch's loss once, and no bar redraws
    assert err.splitlines() == [f"epoch {e}/2 loss {losses[e - 1]:.6f}" for e in (1, 2)]


def test_after_close_fit_is_refused():
    x, t = data()
    trainer = DataParallel(model, OPTIMIZERS["sgd"], loss, workers=1)
    trainer.fit(x, t, batch_size=8, progress=False)
    trainer.close()
    trainer.close()
    with pytest.raises(RuntimeError, match="closed"):
        trainer.fit(x, t, batch_size=8, progress=False)


def test_the_spiral_demo_on_workers_gives_the_in_process_numbers(tmp_path, capsys):
    from cygrad.cli import main

    tiny = ["spiral", "--epochs", "3", "--hidden", "5", "--no-progress"]
    assert main(tiny + ["--workers", "0", "--out", str(tmp_path / "a")]) == 0
    in_process = capsys.readouterr().out
    assert main(tiny + ["--workers", "2", "--out", str(tmp_path / "b")]) == 0
    on_workers = capsys.readouterr().out
    assert "on 2 Ray workers" in on_workers

    def results(text):
        return text.split("final loss")[1].split("wrote")[0]

    assert results(on_workers) == results(in_process)
    assert (tmp_path / "b" / "spiral.csv").read_text() == (tmp_path / "a" / "spiral.csv").read_text()
