"""Writing a file so that a failed or killed writer never damages the file already there.

The data goes to a temporary file in the target's folder, named
``.<name>.<host>.<pid>.<random>.tmp``, which is renamed over the target only when complete.
A writer killed part-way leaves its temporary file behind; the next write to the same name
from the same host removes those whose process is gone, so kills never pile files up.
"""
from __future__ import annotations

import os
import re
import socket
import tempfile
from collections.abc import Callable
from typing import IO

__all__ = ["atomic_write", "remove_stale_temporaries", "temporary_prefix"]


def atomic_write(who: str, path: str, write: Callable[[IO[bytes]], object]) -> None:
    """Call ``write(f)`` on a temporary file, then rename it to ``path``.

    A symbolic link at ``path`` stays a link: its target is written. An OSError names
    ``path``, never the temporary file.
    """
    target = os.path.realpath(path)
    folder, name = os.path.split(target)
    remove_stale_temporaries(folder, name)
    try:
        fd, tmp = tempfile.mkstemp(prefix=temporary_prefix(name), suffix=".tmp", dir=folder)
    except OSError as e:
        raise _naming(who, path, e) from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(e, OSError):
            raise _naming(who, path, e) from e
        raise


def temporary_prefix(name: str) -> str:
    """How this process's temporary files for ``name`` begin: ``.<name>.<host>.<pid>.``."""
    return f".{name}.{_host()}.{os.getpid()}."


def remove_stale_temporaries(folder: str, name: str) -> None:
    """Remove the temporary files for ``name`` left in ``folder`` by writers on this host that
    are gone. Only POSIX can ask whether a process exists; elsewhere nothing is removed."""
    if os.name != "posix":
        return
    pattern = re.compile(re.escape(f".{name}.{_host()}.") + r"(\d+)\.[a-z0-9_]+\.tmp")
    try:
        names = os.listdir(folder)
    except OSError:
        return  # the write itself will report the folder
    for other in names:
        match = pattern.fullmatch(other)
        if match and not _alive(int(match.group(1))):
            try:
                os.unlink(os.path.join(folder, other))
            except OSError:
                pass  # removed by another writer meanwhile, or not ours to remove


def _alive(pid: int) -> bool:
    if pid <= 0:
        return True  # not a pid this module wrote; leave the file alone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists but belongs to someone else
    return True


def _host() -> str:
    """This host's name as a file-name part (pids are only meaningful on one host)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", socket.gethostname()) or "host"


def _naming(who: str, path: str, e: OSError) -> OSError:
    """``e`` about ``path``: same class and errno, the user's name instead of the temporary file."""
    if e.errno is None:
        return OSError(f"{who}({path!r}): {e}")
    return OSError(e.errno, f"{who}: {e.strerror}", path)


def _mode_for(path: str) -> int:
    """The mode of a saved file: the replaced file's, else rw-r--r--."""
    try:
        return os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        return 0o644
