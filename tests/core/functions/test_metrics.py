"""accuracy: the fraction of correct argmax predictions, never differentiated."""
import numpy as np
import pytest

import cygrad.functions as F
from cygrad.variable import Variable

Y = np.array([[0.1, 0.8, 0.1], [0.6, 0.3, 0.1], [0.2, 0.2, 0.6], [0.9, 0.05, 0.05]])


def test_accuracy_is_a_0d_variable_without_a_graph():
    acc = F.accuracy(Variable(Y), np.array([1, 0, 1, 0]))
    assert isinstance(acc, Variable) and acc.shape == () and acc.creator is None
    assert acc.item() == 0.75


def test_accuracy_takes_float_label_variables_and_keeps_float32():
    acc = F.accuracy(Y.astype(np.float32), Variable(np.array([1.0, 2.0, 2.0, 0.0])))
    assert acc.item() == 0.75 and acc.dtype == np.float32


def test_accuracy_errors():
    with pytest.raises(ValueError, match=r"accuracy: labels of shape \(3,\) do not match scores of shape \(4, 3\)"):
        F.accuracy(Y, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="accuracy: labels must be integers, got 0.5"):
        F.accuracy(Y, np.array([0.5, 1, 2, 0]))
