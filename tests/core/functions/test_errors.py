"""Bad input raises a clear error and leaves no graph node holding the input, nor any change to it."""
import gc

import numpy as np
import pytest

import cygrad.functions as F
from cygrad.variable import Variable

BAD_CALLS = {
    "linear": (lambda x: F.linear(x, np.ones((4, 5))), ValueError, "linear: shapes"),
    "linear bias": (lambda x: F.linear(x, np.ones((3, 2)), np.ones(3)), ValueError, "linear: bias"),
    "matmul": (lambda x: F.matmul(x, np.ones((4, 5))), ValueError, "matmul: shapes"),
    "label": (lambda x: F.softmax_cross_entropy(x, [0, 3]), ValueError, "label 3 is out of range"),
    "softmax axis": (lambda x: F.softmax(x, axis=2), ValueError, "softmax: axis 2"),
    "mean axis": (lambda x: F.mean(x, axis=-3), ValueError, "mean: axis -3"),
    "max axis": (lambda x: F.max(x, axis=5), ValueError, "max: axis 5"),
    "split": (lambda x: F.split(x, 2, axis=1), ValueError, "split: 2 sections do not divide"),
    "concat": (lambda x: F.concat([x, np.ones((2, 2))], axis=0), ValueError, "concat: shapes"),
    "take": (lambda x: F.take(x, [7], axis=1), IndexError, "take: index 7"),
    "squeeze": (lambda x: F.squeeze(x, 0), ValueError, "squeeze: axis 0"),
    "mask": (lambda x: F.mask_fill(x, np.ones(2, bool), 0.0), ValueError, "mask_fill: mask"),
    "clip": (lambda x: F.clip(x, 1.0, 0.0), ValueError, "clip: lo 1.0 is greater than hi 0.0"),
    "dropout": (lambda x: F.dropout(x, 1.0), ValueError, "dropout: ratio"),
    "mse": (lambda x: F.mean_squared_error(x, np.ones(2)), ValueError, "mean_squared_error: shapes"),
    "clip type": (lambda x: F.clip(x, "a", 1.0), TypeError, "clip: lo must be a number"),
    "dropout type": (lambda x: F.dropout(x, "a"), TypeError, "dropout: ratio must be a number"),
    "mask value": (lambda x: F.mask_fill(x, x.data > 0, "a"), TypeError, "mask_fill: value"),
    "split type": (lambda x: F.split(x, 2.0), TypeError, "split: sections must be an int"),
    "mask none": (lambda x: F.mask_fill(x, None, 0.0), TypeError, "mask_fill: mask must be a bool"),
    "mask text": (lambda x: F.mask_fill(x, "a", 0.0), TypeError, "mask_fill: mask must be a bool"),
    "broadcast_to none": (lambda x: F.broadcast_to(x, None), TypeError,
                          r"broadcast_to: shape must be an int or a tuple of ints, got None"),
    "sum_to none": (lambda x: F.sum_to(x, None), TypeError,
                    r"sum_to: shape must be an int or a tuple of ints, got None"),
    "cross entropy text": (lambda x: F.softmax_cross_entropy("abc", [0]), TypeError,
                           "softmax_cross_entropy: x must be numbers, got 'abc'"),
    "float index": (lambda x: x[Variable(1.7)], IndexError,
                    "get_item: indices must be integers or booleans, got a Variable"),
    "float array index": (lambda x: F.get_item(x, np.array([0.0, 1.0])), IndexError,
                          r"get_item: arrays used as indices must be of integer"),
    "modular pow": (lambda x: pow(x, 2, 5), TypeError, "pow: a Variable has no modular power"),
    "modular rpow": (lambda x: x.__rpow__(2, 5), TypeError, "pow: a Variable has no modular power"),
}


@pytest.mark.parametrize("case", sorted(BAD_CALLS))
def test_bad_input_raises_and_leaves_nothing_behind(case):
    call, error, message = BAD_CALLS[case]
    x = Variable(np.ones((2, 3)))
    gc.collect()
    before = len(gc.get_referrers(x))
    with pytest.raises(error, match=message):
        call(x)
    gc.collect()
    assert len(gc.get_referrers(x)) == before
    assert x.creator is None and x.grad is None
