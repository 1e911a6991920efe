"""The vision functions against PyTorch's: values and gradients, float64."""
import numpy as np
import pytest

from cygrad import variable
from cygrad.variable import Variable
from cygrad_contrib_vision import functions as VF

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def grads(*tensors):
    return [t.grad.numpy() for t in tensors]


@pytest.mark.parametrize("stride, pad", [(1, 0), (2, 1), ((1, 2), (2, 0))])
def test_conv2d_values_and_gradients(stride, pad):
    rng = np.random.default_rng(0)
    x, W, b = rng.standard_normal((3, 2, 7, 6)), rng.standard_normal((4, 2, 3, 2)), rng.standard_normal(4)
    gy_shape = TF.conv2d(torch.tensor(x), torch.tensor(W), stride=stride, padding=pad).shape
    gy = rng.standard_normal(tuple(gy_shape))
    ours = [Variable(a) for a in (x, W, b)]
    y = VF.conv2d(*ours, stride, pad)
    y.grad = Variable(gy)
    y.backward()
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, W, b)]
    t = TF.conv2d(*theirs, stride=stride, padding=pad)
    t.backward(torch.tensor(gy))
    np.testing.assert_allclose(y.data, t.detach().numpy(), rtol=1e-12, atol=1e-12)
    for a, e in zip([v.grad.data for v in ours], grads(*theirs)):
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12)


def test_im2col_and_col2im_are_unfold_and_fold():
    x = np.random.default_rng(1).standard_normal((2, 3, 6, 5))
    col = VF.im2col(x, (3, 2), (2, 1), (1, 0))
    expected = TF.unfold(torch.tensor(x), (3, 2), padding=(1, 0), stride=(2, 1))
    np.testing.assert_array_equal(col.data, expected.numpy())
    back = VF.col2im(col.data, x.shape, (3, 2), (2, 1), (1, 0))
    folded = TF.fold(expected, (6, 5), (3, 2), padding=(1, 0), stride=(2, 1))
    np.testing.assert_allclose(back.data, folded.numpy(), rtol=1e-13)


@pytest.mark.parametrize("ours, theirs", [(VF.max_pool2d, TF.max_pool2d), (VF.avg_pool2d, TF.avg_pool2d)])
@pytest.mark.parametrize("kernel, stride, pad", [(2, None, 0), (3, 2, 1), ((3, 2), 1, (1, 1))])
def test_pooling_values_and_gradients_with_ties(ours, theirs, kernel, stride, pad):
    # Small integers: many windows hold tied maxima.
    x = np.random.default_rng(2).integers(0, 3, (2, 2, 6, 5)).astype(float)
    xv, xt = Variable(x), torch.tensor(x, requires_grad=True)
    y = ours(xv, kernel, stride, pad)
    t = theirs(xt, kernel, stride, pad)
    gy = np.random.default_rng(3).standard_normal(y.shape)
    y.grad = Variable(gy)
    y.backward()
    t.backward(torch.tensor(gy))
    np.testing.assert_allclose(y.data, t.detach().numpy(), rtol=1e-13)
    np.testing.assert_allclose(xv.grad.data, xt.grad.numpy(), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5, 2)])
def test_batch_norm_training_and_evaluation_with_running_statistics(shape):
    rng = np.random.default_rng(4)
    x, gamma, beta = rng.standard_normal(shape), rng.standard_normal(3), rng.standard_normal(3)
    mean, var = rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    tmean, tvar = torch.tensor(mean), torch.tensor(var)
    ours = [Variable(a) for a in (x, gamma, beta)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, gamma, beta)]
    y = VF.batch_norm(*ours, mean, var, momentum=0.3, eps=1e-4)
    t = TF.batch_norm(theirs[0], tmean, tvar, theirs[1], theirs[2], training=True, momentum=0.3, eps=1e-4)
    gy = rng.standard_normal(shape)
    y.grad = Variable(gy)
    y.backward()
    t.backward(torch.tensor(gy))
    np.testing.assert_allclose(y.data, t.detach().numpy(), rtol=1e-10, atol=1e-12)
    for a, e in zip([v.grad.data for v in ours], grads(*theirs)):
        np.testing.assert_allclose(a, e, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(mean, tmean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(var, tvar.numpy(), rtol=1e-12)
    with variable.test_mode():
        y = VF.batch_norm(x, gamma, beta, mean, var, eps=1e-4)
    t = TF.batch_norm(torch.tensor(x), tmean, tvar, torch.tensor(gamma), torch.tensor(beta), eps=1e-4)
    np.testing.assert_allclose(y.data, t.numpy(), rtol=1e-12, atol=1e-12)
