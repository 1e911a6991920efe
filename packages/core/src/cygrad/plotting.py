"""Saving a demo's plot as a PNG when matplotlib is installed, and saying how to get it when not.

matplotlib is optional everywhere in cygrad (the ``plot`` extras), so the demos of the
``cygrad`` command and of plugins draw through ``write_figure``: the same file format and
messages, drawn on a ``Figure`` of its own, outside pyplot, so a caller's own figures and
backend are left alone::

    def draw(fig):
        ax = fig.subplots()
        ax.plot(losses)

    write_figure(out / "loss.png", draw, plot_extra=plot_extra("my-plugin"))
"""
from __future__ import annotations

import json
import math
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Callable
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_extra", "write_figure"]


def plot_extra(distribution: str) -> str:
    """The requirement that installs ``distribution`` with its ``plot`` extra, for
    ``write_figure``'s hint: the folder it was installed from, when pip recorded one (PEP 610's
    ``direct_url.json``, as for an install from a checkout), else ``distribution[plot]``."""
    try:
        text = metadata.distribution(distribution).read_text("direct_url.json")
        info = json.loads(text) if text else {}
        url = urlsplit(info["url"]) if isinstance(info, dict) and "dir_info" in info else None
    except (metadata.PackageNotFoundError, OSError, ValueError, KeyError, TypeError):
        url = None
    if url is None or url.scheme != "file":
        return f"{distribution}[plot]"
    from urllib.request import url2pathname  # only here: it imports much of the standard library

    return f"{url2pathname(url.path)}[plot]"


def write_figure(
    path: Path,
    draw: Callable[[Figure], None],
    *,
    plot_extra: str,
    figsize: tuple[float, float] = (8, 4),
) -> bool:
    """Draw a figure of ``figsize`` inches with ``draw(fig)`` and save it as the PNG ``path``;
    whether it was written.

    Prints ``wrote PATH`` on stdout; without matplotlib nothing is drawn or written, and the
    line printed names the commands that install it: ``pip install matplotlib``, or
    ``pip install 'PLOT_EXTRA'`` (the distribution with its plot extra, ``cygrad[plot]``).
    """
    if not callable(draw):
        raise TypeError(f"write_figure: draw must be callable, got {type(draw).__name__}")
    if not isinstance(plot_extra, str) or not plot_extra:
        raise TypeError(
            f"write_figure: plot_extra must be a requirement such as 'cygrad[plot]', "
            f"got {plot_extra!r}"
        )
    if not (
        isinstance(figsize, (tuple, list))
        and len(figsize) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in figsize)
    ):
        raise TypeError(
            f"write_figure: figsize must be a pair of numbers (width, height) in inches, "
            f"got {figsize!r}"
        )
    if not all(0 < v < math.inf for v in figsize):
        raise ValueError(
            f"write_figure: figsize must be (width, height) in inches, both above 0 and "
            f"finite, got {figsize!r}"
        )
    try:
        import matplotlib  # noqa: F401  (what is missing when the plot extra is not installed)
        # Not pyplot: choosing its backend would close every figure the caller has open.
        from matplotlib.figure import Figure
    except ImportError:
        print(
            "matplotlib is not installed, so no plot was drawn; to get it: pip install "
            f"matplotlib  (or install it as the plot extra: pip install '{plot_extra}')"
        )
        return False
    fig = Figure(figsize=figsize)  # saved by its own Agg canvas: no window, no display
    draw(fig)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"wrote {path}")
    return True
