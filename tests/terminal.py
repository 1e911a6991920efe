"""A pseudo-terminal for the tests of what commands show in a terminal (progress bars), shared
by the tests of cygrad's demos and of the plugins'."""
import errno
import os
import pty
import re
import subprocess


def screen(raw: str) -> list[str]:
    """The lines a terminal shows for ``raw``: carriage returns and erase-line (ESC [K) applied."""
    lines: list[str] = []
    line: list[str] = []
    col = 0
    for token in re.findall(r"\x1b\[K|.", raw, flags=re.S):
        if token == "\x1b[K":
            del line[col:]
        elif token == "\r":
            col = 0
        elif token == "\n":
            lines.append("".join(line))
            line, col = [], 0
        else:
            line[col:col + 1] = [token]
            col += 1
    return lines + ["".join(line)] if line else lines


def run_in_terminal(argv, cwd, timeout=60) -> str:
    """Run ``argv`` with stdout and stderr on a pseudo-terminal; everything it wrote there.

    The command must exit with status 0 within ``timeout`` seconds."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=follower,
                            stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError as e:  # EIO: the process closed the terminal
            assert e.errno == errno.EIO
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait(timeout=timeout) == 0
    return b"".join(chunks).decode()


def terminal(argv, cwd, timeout=60) -> tuple[str, list[str]]:
    """Run ``argv`` on a terminal (see ``run_in_terminal``): what it wrote, and the screen."""
    raw = run_in_terminal(argv, cwd, timeout)
    return raw, screen(raw)
