"""The step's Python work per parameter: the base checks everything in one engine call and
then calls ``update_one``, adding no Python-level call of its own per parameter; SGD's own
step makes none at all."""
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from cygrad.optimizers import SGD, Adam, AdamW, Momentum
from cygrad.variable import Variable

BASE = {"optimizer.py", "named_params.py", "owners.py"}


def python_calls(fn):
    """How many Python-level calls ``fn`` makes, by (file name, function name)."""
    calls = Counter()

    def profile(frame, event, arg):
        if event == "call":
            calls[Path(frame.f_code.co_filename).name, frame.f_code.co_name] += 1

    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return calls


def calls_for(cls, form, n, stand_in):
    params = [Variable(np.ones(3)) for _ in range(n)]
    for p in params:
        p.grad = Variable(np.ones(3))
    source = stand_in(**{f"p{i}": p for i, p in enumerate(params)}) if form == "model" else params
    opt = cls()
    opt.update(source)  # the first update creates the state
    return python_calls(lambda: opt.update(source))


@pytest.mark.parametrize("form", ["model", "list"])
@pytest.mark.parametrize("cls", [SGD, Momentum, Adam, AdamW])
def test_ten_more_parameters_cost_ten_update_one_calls_and_nothing_else_in_the_base(
    cls, form, stand_in
):
    few, many = calls_for(cls, form, 2, stand_in), calls_for(cls, form, 12, stand_in)
    extra = {key: many[key] - few[key] for key in many if many[key] != few[key]}
    base = {key: n for key, n in extra.items() if key[0] in BASE and key[1] != "update_one"}
    assert base == {}
    # SGD's step runs in one engine call; the others call their update_one per parameter.
    expected = 0 if cls is SGD else 10
    assert sum(n for (_, name), n in extra.items() if name == "update_one") == expected


@pytest.mark.parametrize("form", ["model", "list"])
def test_sgd_makes_no_python_call_per_parameter(form, stand_in):
    few, many = calls_for(SGD, form, 2, stand_in), calls_for(SGD, form, 12, stand_in)
    assert {key: many[key] - few[key] for key in many if many[key] != few[key]} == {}
