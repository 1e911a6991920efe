"""Saving: errors name the user's path, symbolic links stay links, and temporary files left by
killed writers are removed by the next save to the same name."""
import errno
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from cygrad.models import MLP
from cygrad.models.atomic_write import temporary_prefix


def trained(rng=0):
    model = MLP([4, 3, 2], rng=rng)
    model(np.ones((1, 5)))
    return model


def loaded(path):
    fresh = MLP([4, 3, 2])
    fresh.load(path)
    return {k: p.data for k, p in fresh.params().items()}


def assert_holds(path, model):
    for key, value in loaded(path).items():
        np.testing.assert_array_equal(value, model.params()[key].data, err_msg=key)


def test_an_error_names_the_path_given_not_the_temporary_file(tmp_path, monkeypatch):
    model = trained()
    missing = tmp_path / "no" / "such" / "w.npz"
    with pytest.raises(FileNotFoundError) as info:
        model.save(missing)
    assert info.value.filename == str(missing) and ".tmp" not in str(info.value)
    assert "Model.save" in str(info.value)

    (tmp_path / "folder.npz").mkdir()
    with pytest.raises(IsADirectoryError) as info:
        model.save(tmp_path / "folder.npz")
    assert info.value.filename == str(tmp_path / "folder.npz") and ".tmp" not in str(info.value)

    def full_disk(f, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / ".w.npz.x.tmp"))

    monkeypatch.setattr(np, "savez", full_disk)
    with pytest.raises(OSError) as info:
        model.save(tmp_path / "w.npz")
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(tmp_path / "w.npz")
    assert ".tmp" not in str(info.value)
    assert sorted(os.listdir(tmp_path)) == ["folder.npz"]


def test_saving_through_a_symlink_writes_its_target_and_keeps_the_link(tmp_path):
    (tmp_path / "store").mkdir()
    target = tmp_path / "store" / "real.npz"
    trained(rng=1).save(target)
    link = tmp_path / "latest.npz"
    link.symlink_to(os.path.join("store", "real.npz"))
    model = trained(rng=2)
    model.save(link)
    assert link.is_symlink() and os.readlink(link) == os.path.join("store", "real.npz")
    assert_holds(target, model)
    assert sorted(os.listdir(tmp_path)) == ["latest.npz", "store"]
    assert sorted(os.listdir(tmp_path / "store")) == ["real.npz"]

    dangling = tmp_path / "next.npz"
    dangling.symlink_to(os.path.join("store", "new.npz"))
    model.save(dangling)
    assert dangling.is_symlink()
    assert_holds(tmp_path / "store" / "new.npz", model)


KILLED_WRITER = textwrap.dedent("""
    import sys, time
    import numpy as np
    from cygrad.models import MLP

    def stalled(f, *args, **kwargs):
        f.write(b"PK\\x03\\x04 the first part of an archive")
        f.flush()
        print("writing", flush=True)
        time.sleep(600)

    model = MLP([4, 3, 2], rng=3)
    model(np.ones((1, 5)))
    np.savez = stalled
    model.save(sys.argv[1])
""")


def kill_during_save(path):
    """Start a process that saves to ``path``, SIGKILL it half-way; its pid."""
    child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(path)], stdout=subprocess.PIPE)
    try:
        assert child.stdout.readline() == b"writing\n"
    finally:
        child.kill()
        child.wait()
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    return child.pid


# This host's name as temporary files carry it: ".<name>.<host>.<pid>.".
HOST = temporary_prefix("w.npz")[len(".w.npz."):].split(".")[0]


def temporary(name, pid, host=HOST, random="abc123"):
    return f".{name}.{host}.{pid}.{random}.tmp"


def test_a_killed_save_leaves_the_old_file_and_the_next_save_removes_its_temporary_file(tmp_path):
    path = tmp_path / "w.npz"
    old = trained(rng=1)
    old.save(path)
    before = path.read_bytes()
    for _ in range(2):   # the second writer removes the first one's file before it is killed too
        pid = kill_during_save(path)
        assert path.read_bytes() == before
        assert_holds(path, old)
        left = [name for name in os.listdir(tmp_path) if name != "w.npz"]
        assert len(left) == 1 and left[0].startswith(f".w.npz.{HOST}.{pid}.")

    new = trained(rng=2)
    new.save(path)
    assert os.listdir(tmp_path) == ["w.npz"]
    assert_holds(path, new)


def test_only_temporary_files_of_gone_writers_on_this_host_are_removed(tmp_path):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, check=True)
    gone = int(finished.stdout)
    stale = temporary("w.npz", gone)
    kept = [
        temporary("w.npz", os.getpid()),              # a save in progress in this process
        temporary("w.npz", gone, host="elsewhere"),   # its pid means nothing here
        temporary("w.npz.old", gone),                 # another file's
        f".w.npz.{gone}.tmp",                         # not a name save gives
    ]
    for name in [stale, *kept]:
        (tmp_path / name).write_bytes(b"partial")
    trained().save(tmp_path / "w.npz")
    assert sorted(os.listdir(tmp_path)) == sorted(["w.npz", *kept])
