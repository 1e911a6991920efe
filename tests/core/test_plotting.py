"""cygrad.plotting: the demos' PNG, or a line saying how to get matplotlib, and what to install."""
import json
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

from cygrad import plotting
from cygrad.plotting import plot_extra, write_figure

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def draw_line(fig):
    fig.subplots().plot([0, 1, 2], [1, 0, 1])


def test_the_figure_drawn_is_saved_as_a_png_and_closed(tmp_path, capsys):
    plt = pytest.importorskip("matplotlib.pyplot")
    sizes = []

    def draw(fig):
        sizes.append(tuple(fig.get_size_inches()))
        draw_line(fig)

    path = tmp_path / "line.png"
    assert write_figure(path, draw, plot_extra="cygrad[plot]", figsize=(3, 2)) is True
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    assert sizes == [(3.0, 2.0)]
    assert capsys.readouterr().out == f"wrote {path}\n"
    assert plt.get_fignums() == []


def test_the_callers_pyplot_backend_and_open_figures_are_left_alone(tmp_path, capsys):
    # Choosing pyplot's backend closes every open figure: write_figure must not.
    matplotlib = pytest.importorskip("matplotlib")
    plt = pytest.importorskip("matplotlib.pyplot")
    backend = matplotlib.get_backend()
    plt.switch_backend("svg")
    try:
        mine = plt.figure()
        assert write_figure(tmp_path / "line.png", draw_line, plot_extra="cygrad[plot]") is True
        assert plt.get_fignums() == [mine.number]
        assert matplotlib.get_backend() == "svg"
    finally:
        plt.close("all")
        plt.switch_backend(backend)


def test_a_draw_that_fails_leaves_no_figure_open_and_no_file(tmp_path, capsys):
    plt = pytest.importorskip("matplotlib.pyplot")

    def draw(fig):
        raise RuntimeError("no data")

    with pytest.raises(RuntimeError, match="no data"):
        write_figure(tmp_path / "x.png", draw, plot_extra="cygrad[plot]")
    assert plt.get_fignums() == [] and not (tmp_path / "x.png").exists()
    assert capsys.readouterr().out == ""


def test_without_matplotlib_nothing_is_drawn_and_the_install_commands_are_printed(
    tmp_path, capsys, monkeypatch
):
    # A None entry in sys.modules makes ``import matplotlib`` raise ImportError.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    drawn = []
    assert write_figure(tmp_path / "x.png", drawn.append, plot_extra="my-plugin[plot]") is False
    assert drawn == [] and not (tmp_path / "x.png").exists()
    assert capsys.readouterr().out == (
        "matplotlib is not installed, so no plot was drawn; to get it: pip install matplotlib  "
        "(or install it as the plot extra: pip install 'my-plugin[plot]')\n"
    )


@pytest.mark.parametrize("draw, options, error, message", [
    ("plot", {}, TypeError, "write_figure: draw must be callable, got str"),
    (draw_line, {"plot_extra": ""}, TypeError, "write_figure: plot_extra must be a requirement"),
    (draw_line, {"plot_extra": None}, TypeError, "got None"),
    (draw_line, {"figsize": (0, 4)}, ValueError, r"figsize must be .* got \(0, 4\)"),
    (draw_line, {"figsize": (8, float("inf"))}, ValueError, r"finite, got \(8, inf\)"),
    (draw_line, {"figsize": (8,)}, TypeError, r"pair of numbers .* got \(8,\)"),
    (draw_line, {"figsize": 8}, TypeError, "got 8"),
    (draw_line, {"figsize": (True, True)}, TypeError, r"got \(True, True\)"),
    (draw_line, {"figsize": ("8", 4)}, TypeError, r"got \('8', 4\)"),
])
def test_bad_arguments_are_refused_before_anything_is_printed_or_written(
    tmp_path, capsys, draw, options, error, message
):
    with pytest.raises(error, match=message):
        write_figure(tmp_path / "x.png", draw, **{"plot_extra": "cygrad[plot]", **options})
    assert capsys.readouterr().out == "" and not (tmp_path / "x.png").exists()


class Recorded:
    """A distribution whose ``direct_url.json`` (PEP 610) is ``text`` (None: not recorded)."""

    def __init__(self, text):
        self.text = text

    def read_text(self, name):
        assert name == "direct_url.json"
        return self.text


FOLDER = {"url": "file:///home/me/my%20plugin", "dir_info": {}}


@pytest.mark.parametrize("recorded, requirement", [
    (FOLDER, "/home/me/my plugin[plot]"),  # installed from a checkout's folder
    ({**FOLDER, "dir_info": {"editable": True}}, "/home/me/my plugin[plot]"),
    (None, "my-plugin[plot]"),  # from an index, or a wheel found there: nothing recorded
    ({"url": "file:///w/my_plugin-0.1.0-py3-none-any.whl", "archive_info": {}}, "my-plugin[plot]"),
    ({"url": "https://example.org/my-plugin", "dir_info": {}}, "my-plugin[plot]"),
    ({"url": "git+https://example.org/p", "vcs_info": {"vcs": "git"}}, "my-plugin[plot]"),
    ({"dir_info": {}}, "my-plugin[plot]"),  # damaged records change nothing
    ([], "my-plugin[plot]"),
    ("not json {", "my-plugin[plot]"),
])
def test_plot_extra_names_the_folder_a_distribution_was_installed_from(
    monkeypatch, recorded, requirement
):
    text = recorded if recorded is None or isinstance(recorded, str) else json.dumps(recorded)
    monkeypatch.setattr(plotting.metadata, "distribution", lambda name: Recorded(text))
    assert plot_extra("my-plugin") == requirement


def test_plot_extra_of_an_installed_distribution_is_a_requirement_pip_takes():
    requirement = plot_extra("cygrad")
    folder = requirement.removesuffix("[plot]")
    if folder != "cygrad":  # installed from a checkout: that checkout's root
        project = tomllib.loads((Path(folder) / "pyproject.toml").read_text())["project"]
        assert project["name"] == "cygrad" and "plot" in project["optional-dependencies"]
    assert plot_extra("no-such-distribution") == "no-such-distribution[plot]"
