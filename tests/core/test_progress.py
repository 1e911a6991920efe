"""cygrad.progress.ProgressBar: what it draws, how often, and how it is erased."""
import io

import pytest

from cygrad import progress
from cygrad.progress import ProgressBar


def test_a_step_draws_the_label_the_bar_the_count_and_the_loss():
    stream = io.StringIO()
    ProgressBar(4, "epoch 1/2", stream, width=8).update(1, 0.5)
    assert stream.getvalue() == "\repoch 1/2 [##......] 1/4 loss 0.500000"


def test_redraws_are_limited_to_twenty_a_second_but_the_last_step_is_always_drawn(monkeypatch):
    clock = iter([10.0, 10.01, 10.02, 10.2])
    monkeypatch.setattr(progress.time, "monotonic", lambda: next(clock))
    stream = io.StringIO()
    bar = ProgressBar(10, "e", stream, width=10)
    bar.update(1, 1.0)  # drawn: the first
    bar.update(2, 1.0)  # 0.01 s later: skipped
    bar.update(10, 0.25)  # the last step: drawn however soon
    bar.update(5, 1.0)  # 0.18 s after the last drawing: drawn
    drawn = stream.getvalue().split("\r")[1:]
    assert drawn == ["e [#.........] 1/10 loss 1.000000", "e [##########] 10/10 loss 0.250000",
                     "e [#####.....] 5/10 loss 1.000000"]


def test_close_erases_the_line_so_a_summary_replaces_it():
    stream = io.StringIO()
    bar = ProgressBar(1, "e", stream)
    bar.update(1, 0.1)
    bar.close()
    assert stream.getvalue().endswith("\r\033[K")


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"total": 0}, ValueError, "total must be at least 1, got 0"),
        ({"total": 2.0}, TypeError, "total must be an int, got float"),
        ({"total": True}, TypeError, "total must be an int, got bool"),
        ({"width": 0}, ValueError, "width must be at least 1, got 0"),
    ],
)
def test_bad_sizes_are_refused(kwargs, error, words):
    args = {"total": 3, "label": "e", "stream": io.StringIO(), **kwargs}
    with pytest.raises(error, match=f"ProgressBar: {words}"):
        ProgressBar(**args)


@pytest.mark.parametrize("done", [-1, 4])
def test_a_count_outside_the_total_is_refused_and_nothing_drawn(done):
    stream = io.StringIO()
    with pytest.raises(ValueError, match=rf"ProgressBar.update: done must be in \[0, 3\], got {done}"):
        ProgressBar(3, "e", stream).update(done, 0.0)
    assert stream.getvalue() == ""
