"""Where the workers run: a private local Ray shared by the process's trainers (whatever
RAY_ADDRESS says), shut down by the last close; an existing cluster joined and left running."""
from __future__ import annotations

import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

import numpy as np
import pytest
import ray

import cygrad.functions as F
from cygrad.distributed import DataParallel, runtime
from cygrad.models import MLP
from cygrad.optimizers import SGD

from .heap import BLOCK_MIB, BLOCKS, probe

model = partial(MLP, [4, 2], rng=0)
x = np.random.default_rng(0).standard_normal((12, 3))
t = np.arange(12) % 2


def trainer(**options):
    return DataParallel(model, partial(SGD, lr=0.1), F.softmax_cross_entropy, **options)


def test_trainers_share_one_private_ray_which_the_last_close_shuts_down(monkeypatch, capfd):
    # Nobody listens there: the private Ray must not try to join it.
    monkeypatch.setenv("RAY_ADDRESS", "127.0.0.1:9")
    monkeypatch.setenv("RAY_LOG_MONITOR_MANY_FILES_THRESHOLD", "7")
    first, second = trainer(workers=1), trainer(workers=1)
    assert not ray.is_initialized()  # construction starts nothing
    first.fit(x, t, batch_size=4, progress=False)
    assert_quiet_private_ray(first)
    if platform.libc_ver()[0] == "glibc":  # the worker's malloc keeps what a step frees
        assert ray.get(first._handles[0].__ray_call__.remote(probe())) >= BLOCKS * BLOCK_MIB
    node = ray.get_runtime_context().get_node_id()
    second.fit(x, t, batch_size=4, progress=False)
    assert ray.get_runtime_context().get_node_id() == node
    with pytest.raises(RuntimeError, match="already uses Ray at 'local'"):
        trainer(workers=1, address="auto").fit(x, t, batch_size=4, progress=False)
    first.close()
    assert ray.is_initialized()
    second.close()
    assert not ray.is_initialized()
    assert "Started a local Ray instance" not in capfd.readouterr().err


def assert_quiet_private_ray(trainer):
    """The private Ray collects nothing for a dashboard (nor do ``trainer``'s workers' calls
    send task events, anywhere), and its log monitor started with the environment that slows
    its search for new files, which this process does not keep."""
    assert [handle._ray_enable_task_events for handle in trainer._handles] == [False]
    config = ray._private.state.state.get_system_config()
    assert {name: config.get(name) for name in runtime.LOCAL_CONFIG} == runtime.LOCAL_CONFIG
    assert os.environ["RAY_LOG_MONITOR_MANY_FILES_THRESHOLD"] == "7"
    monitors = [pid for pid in descendants(os.getpid()) if b"log_monitor" in read(pid, "cmdline")]
    assert len(monitors) == 1
    assert b"\0RAY_LOG_MONITOR_MANY_FILES_THRESHOLD=0\0" in b"\0" + read(monitors[0], "environ")


def read(pid, name):
    with open(f"/proc/{pid}/{name}", "rb") as f:
        return f.read()


def descendants(pid):
    """The process ids of ``pid``'s children, theirs, and so on (Linux)."""
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        for child in read(pid, f"task/{task}/children").split():
            found += [int(child), *descendants(int(child))]
    return found


def test_more_workers_than_cores_run_and_a_trainer_that_cannot_fit_is_told(monkeypatch):
    many = os.cpu_count() + 1
    with trainer(workers=many) as first:
        first.fit(x, t, batch_size=6, progress=False)
        assert ray.cluster_resources()["CPU"] == many
        monkeypatch.setattr(runtime, "CPU_WAIT_S", 0.5)
        with pytest.raises(RuntimeError, match=f"has 0 of its {many} CPUs free .* need 1"):
            trainer(workers=1).fit(x, t, batch_size=6, progress=False)
        assert ray.is_initialized()
    assert not ray.is_initialized()


def test_trainers_starting_in_two_threads_at_once_do_not_wait_for_each_other(monkeypatch):
    runtime.acquire("tests", None, 1, reserve=False)  # Ray up, started from this thread
    try:
        monkeypatch.setattr(runtime, "CPU_WAIT_S", 1.0)
        cpus = int(ray.cluster_resources()["CPU"])
        trainers = [trainer(workers=cpus) for _ in range(2)]  # room for one of them
        together = threading.Barrier(2)
        outcomes = {}

        def fit(i):
            together.wait()
            try:
                outcomes[i] = trainers[i].fit(x, t, batch_size=6, progress=False)
            except RuntimeError as e:
                outcomes[i] = e

        threads = [threading.Thread(target=fit, args=(i,), daemon=True) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert not any(thread.is_alive() for thread in threads), "they wait for each other"
        refused = [i for i, outcome in outcomes.items() if isinstance(outcome, RuntimeError)]
        assert len(refused) == 1 and len(outcomes) == 2
        assert f"has 0 of its {cpus} CPUs free and the workers need {cpus}; close the other " \
            "trainers first" in str(outcomes[refused[0]])
        trainers[1 - refused[0]].close()
        assert len(trainers[refused[0]].fit(x, t, batch_size=6, progress=False)) == 1
        trainers[refused[0]].close()
    finally:
        runtime.release()
    assert not ray.is_initialized()


class PicklesOnce:
    """A model factory that pickles once (for the constructor's check), never again."""

    pickled = 0

    def __call__(self):
        return model()

    def __reduce__(self):
        PicklesOnce.pickled += 1
        if PicklesOnce.pickled > 1:
            raise TypeError("pickled once only")
        return PicklesOnce, ()


def test_workers_that_cannot_be_started_leave_nothing_running():
    failing = DataParallel(PicklesOnce(), SGD, F.softmax_cross_entropy, workers=2)
    for _ in range(2):  # and again: every failed start gives back what it took
        with pytest.raises(TypeError, match="pickled once only"):
            failing.fit(x, t, batch_size=6, progress=False)
        assert not ray.is_initialized() and runtime._users == 0 and runtime._reserved == 0


ASYNC_DRIVER = """
import asyncio
import threading
import time
from functools import partial

import numpy as np
import ray

import cygrad.functions as F
from cygrad.distributed import DataParallel
from cygrad.models import MLP
from cygrad.optimizers import SGD

x = np.random.default_rng(0).standard_normal((12, 3))
t = np.arange(12) % 2
with DataParallel(partial(MLP, [4, 2], rng=0), partial(SGD, lr=0.1), F.softmax_cross_entropy,
                  workers=2) as trainer:
    # Ray starts in a thread of asyncio's pool, which ends with the loop.
    first = asyncio.run(asyncio.to_thread(trainer.fit, x, t, batch_size=5, progress=False))
    time.sleep(1)
    second = trainer.fit(x, t, batch_size=5, progress=False)
print(len(first + second), ray.is_initialized(), threading.active_count())
"""


def test_a_private_ray_started_by_a_fit_in_a_passing_thread_outlives_it():
    # In a process of its own: a Ray whose processes died ends the process that uses it.
    run = subprocess.run([sys.executable, "-c", ASYNC_DRIVER], capture_output=True, text=True,
                         timeout=300)
    assert (run.returncode, run.stdout) == (0, "2 False 1\n"), run.stderr[-3000:]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ray_command() -> str:
    return str(Path(sys.executable).with_name("ray"))


@pytest.fixture
def head(monkeypatch):
    """A real one-node cluster from ``ray start --head`` on 127.0.0.1 with token
    authentication (the token in Ray's default file, ~/.ray/auth_token, which this process
    reads too), in its own short temporary folder and process group; stopped by ending
    that group only (``ray stop`` would stop every Ray on the machine)."""
    port = free_port()
    folder = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # Ray's socket paths must stay short
    monkeypatch.setenv("RAY_AUTH_MODE", "token")
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    process = subprocess.Popen(
        [ray_command(), "start", "--head", "--block", f"--port={port}",
         "--node-ip-address=127.0.0.1", f"--temp-dir={folder}", "--num-cpus=2",
         "--include-dashboard=false", "--disable-usage-stats"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not _listening(port):
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "ray start --head did not come up"
            time.sleep(0.5)
        yield f"127.0.0.1:{port}", process
    finally:
        process.terminate()
        try:
            process.wait(30)
        finally:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            shutil.rmtree(folder, ignore_errors=True)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


DRIVER = """
import sys
from functools import partial

import numpy as np
import ray

import cygrad.functions as F
from cygrad.distributed import DataParallel
from cygrad.models import MLP
from cygrad.optimizers import SGD

address, out = sys.argv[1:]
x = np.random.default_rng(0).standard_normal((12, 3))
t = np.arange(12) % 2
with DataParallel(partial(MLP, [4, 2], rng=0), partial(SGD, lr=0.1), F.softmax_cross_entropy,
                  workers=2, address=address) as trainer:
    trainer.fit(x, t, epochs=3, batch_size=5, shuffle=False, progress=False)
    assert ray.cluster_resources()["CPU"] == 2
    params = {name: p.data for name, p in trainer.model.params().items()}
assert not ray.is_initialized()
np.savez(out, **params)
"""


def test_training_joins_a_cluster_and_leaves_it_running(head, tmp_path):
    # The driver is a fresh process, as a user's script would be: Ray reads the
    # authentication settings when a process first uses it.
    address, process = head
    out = tmp_path / "params.npz"
    subprocess.run([sys.executable, "-c", DRIVER, address, str(out)], check=True, timeout=300)
    assert process.poll() is None and _listening(int(address.split(":")[1]))  # still running
    net, opt = model(), SGD(lr=0.1)
    net(x[:8])
    for _ in range(3):
        for lo in range(0, len(x), 5):
            net.cleargrads()
            F.softmax_cross_entropy(net(x[lo:lo + 5]), t[lo:lo + 5]).backward()
            opt.update(net)
    with np.load(out) as trained:
        for name, p in net.params().items():
            np.testing.assert_allclose(trained[name], p.data, rtol=1e-12)
