"""``cygrad --version``: the version of every installed cygrad distribution and plugin."""
from __future__ import annotations

import argparse
import platform
from importlib import metadata
from typing import Any, NoReturn, Sequence

from cygrad.registry.hookspecs import PROJECT


def _is_plugin(dist: metadata.Distribution) -> bool:
    """Whether ``dist`` plugs into cygrad from a package of its own (not ``cygrad.*``)."""
    return any(ep.group == PROJECT and not ep.value.startswith(PROJECT + ".")
               for ep in dist.entry_points)


def installed() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """``(name, version)`` pairs of cygrad's own distributions and of the plugins.

    cygrad's own are ``cygrad`` (first) and the other ``cygrad-*`` distributions that are not
    plugins; a plugin is any distribution with a ``cygrad`` entry point into a package outside
    the ``cygrad`` namespace. A distribution found twice on the path is listed once.
    """
    own: dict[str, str] = {}
    plugins: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name is None:
            continue
        key = name.lower().replace("_", "-")
        if _is_plugin(dist):
            plugins.setdefault(key, dist.version)
        elif key == PROJECT or key.startswith(PROJECT + "-"):
            own.setdefault(key, dist.version)
    return (sorted(own.items(), key=lambda kv: (kv[0] != PROJECT, kv[0])),
            sorted(plugins.items()))


def version_text() -> str:
    """One line per distribution, the plugins indented under a heading, then Python's version."""
    own, plugins = installed()
    lines = [f"{name} {version}" for name, version in own]
    if plugins:
        lines.append("plugins:")
        lines += [f"  {name} {version}" for name, version in plugins]
    lines.append(f"Python {platform.python_version()}")
    return "\n".join(lines)


class VersionAction(argparse.Action):
    """``--version``: print :func:`version_text` and exit 0, looked up only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 default: Any = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> NoReturn:
        print(version_text())
        parser.exit(0)
