"""cygrad_contrib_vision.functions: values against sliding-window references, gradients of the
first and second order against finite differences, the tie rule of max pooling, dtypes."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from cygrad.testing import check_double_grad, check_grad
from cygrad.variable import Variable
from cygrad_contrib_vision import functions as VF


def windows(x, kernel, stride, pad, fill=0.0):
    """(N, C, OH, OW, KH, KW): every window, by NumPy's sliding_window_view."""
    xp = np.pad(x, ((0, 0), (0, 0), (pad[0], pad[0]), (pad[1], pad[1])), constant_values=fill)
    return sliding_window_view(xp, kernel, axis=(2, 3))[:, :, :: stride[0], :: stride[1]]


def reference_conv(x, W, b, stride, pad):
    y = np.einsum("nchwij,ocij->nohw", windows(x, W.shape[2:], stride, pad), W)
    return y + b[None, :, None, None]


@st.composite
def geometries(draw, pooling=False):
    """Images, kernel, stride and pad (pairs) for which the kernel fits; for pooling, pad is
    at most half the kernel."""
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    limit = [k // 2 for k in kernel] if pooling else [2, 2]
    pad = (draw(st.integers(0, limit[0])), draw(st.integers(0, limit[1])))
    h = draw(st.integers(max(1, kernel[0] - 2 * pad[0]), 7))
    w = draw(st.integers(max(1, kernel[1] - 2 * pad[1]), 7))
    x = np.random.default_rng(draw(st.integers(0, 2**16))).standard_normal((n, c, h, w))
    return x, kernel, stride, pad


@given(geometries(), st.integers(1, 3))
def test_conv2d_is_the_sliding_window_cross_correlation(geometry, out_channels):
    x, kernel, stride, pad = geometry
    rng = np.random.default_rng(1)
    W = rng.standard_normal((out_channels, x.shape[1], *kernel))
    b = rng.standard_normal(out_channels)
    y = VF.conv2d(Variable(x), Variable(W), Variable(b), stride, pad)
    np.testing.assert_allclose(y.data, reference_conv(x, W, b, stride, pad), rtol=1e-12, atol=1e-12)
    assert VF.conv2d(x, W, stride=stride, pad=pad).shape == y.shape


@given(geometries(pooling=True))
def test_pooling_is_the_sliding_window_maximum_and_mean(geometry):
    x, kernel, stride, pad = geometry
    np.testing.assert_array_equal(
        VF.max_pool2d(x, kernel, stride, pad).data,
        windows(x, kernel, stride, pad, fill=-np.inf).max(axis=(4, 5)),
    )
    np.testing.assert_allclose(
        VF.avg_pool2d(x, kernel, stride, pad).data,
        windows(x, kernel, stride, pad).mean(axis=(4, 5)),
        rtol=1e-12, atol=1e-15,
    )


@given(geometries())
def test_im2col_lists_the_windows_and_col2im_is_its_adjoint(geometry):
    x, kernel, stride, pad = geometry
    col = VF.im2col(x, kernel, stride, pad)
    ref = windows(x, kernel, stride, pad)  # (N, C, OH, OW, KH, KW)
    n, c, oh, ow = ref.shape[:4]
    expected = ref.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kernel[0] * kernel[1], oh * ow)
    np.testing.assert_array_equal(col.data, expected)
    # <im2col(x), g> == <x, col2im(g)> for any g: col2im is the transposed map.
    g = np.random.default_rng(2).standard_normal(col.shape)
    back = VF.col2im(g, x.shape, kernel, stride, pad)
    assert back.shape == x.shape
    np.testing.assert_allclose(np.sum(col.data * g), np.sum(x * back.data), rtol=1e-10)


def test_stride_none_pools_over_adjacent_windows_and_pad_defaults_to_zero():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    assert VF.max_pool2d(x, 2).data.tolist() == [[[[5.0, 7.0], [13.0, 15.0]]]]
    assert VF.avg_pool2d(x, 2).data.tolist() == [[[[2.5, 4.5], [10.5, 12.5]]]]
    assert VF.max_pool2d(x, 2, stride=1).shape == (1, 1, 3, 3)


def test_average_pooling_counts_the_padding_in_the_mean():
    y = VF.avg_pool2d(np.ones((1, 1, 2, 2)), 2, stride=2, pad=1)
    assert y.data.tolist() == [[[[0.25, 0.25], [0.25, 0.25]]]]


def test_max_pooling_sends_each_window_gradient_to_its_first_maximum():
    x = Variable(np.array([[[[1.0, 3.0, 3.0, 0.0],
                             [3.0, 2.0, 0.0, 0.0],
                             [5.0, 5.0, 4.0, 4.0],
                             [5.0, 5.0, 4.0, 4.0]]]]))
    y = VF.max_pool2d(x, 2)
    y.backward()
    assert y.data.tolist() == [[[[3.0, 3.0], [5.0, 4.0]]]]
    assert x.grad.data.tolist() == [[[[0, 1, 1, 0], [0, 0, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]]]]


def test_overlapping_max_windows_add_their_gradients():
    x = Variable(np.array([[[[0.0, 9.0, 0.0]]]]))
    VF.max_pool2d(x, (1, 2), stride=1).backward()  # both windows choose the 9
    assert x.grad.data.tolist() == [[[[0.0, 2.0, 0.0]]]]


def test_an_empty_batch_gives_an_empty_batch_and_zero_gradients():
    x = Variable(np.ones((0, 2, 5, 5)))
    W = Variable(np.ones((3, 2, 3, 3)))
    ys = [VF.conv2d(x, W, pad=1), VF.max_pool2d(x, 2), VF.avg_pool2d(x, 2), VF.im2col(x, 3)]
    assert [y.shape for y in ys] == [(0, 3, 5, 5), (0, 2, 2, 2), (0, 2, 2, 2), (0, 18, 9)]
    for y in ys:
        y.backward()
    assert x.grad.shape == x.shape and W.grad.shape == W.shape and not W.grad.data.any()


GEOMETRIES = [((3, 3), 1, 0), ((3, 2), 2, 1), ((2, 3), (1, 2), (1, 0))]


@pytest.mark.parametrize("kernel, stride, pad", GEOMETRIES)
def test_conv2d_gradients_first_and_second_order(kernel, stride, pad):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 2, 5, 4))
    W = rng.standard_normal((3, 2, *kernel))
    b = rng.standard_normal(3)

    def f(x, W, b):
        return VF.conv2d(x, W, b, stride, pad)

    check_grad(f, x, W, b)
    check_double_grad(f, x, W, b)
    # Nonzero second derivatives in every argument: square the bilinear map.
    check_double_grad(lambda x, W, b: f(x, W, b) ** 2, x, W, b)


@pytest.mark.parametrize("kernel, stride, pad", GEOMETRIES)
def test_window_maps_gradients_first_and_second_order(kernel, stride, pad):
    x = np.random.default_rng(4).standard_normal((2, 2, 5, 4))
    shape = x.shape
    col = VF.im2col(x, kernel, stride, pad).data
    for f, arg in [
        (lambda x: VF.im2col(x, kernel, stride, pad) ** 2, x),
        (lambda c: VF.col2im(c, shape, kernel, stride, pad) ** 2, col),
    ]:
        check_grad(f, arg)
        check_double_grad(f, arg)


@pytest.mark.parametrize("function", [VF.max_pool2d, VF.avg_pool2d])
@pytest.mark.parametrize("kernel, stride, pad", [(2, None, 0), (3, 2, 1), ((3, 2), 1, (1, 0))])
def test_pooling_gradients_first_and_second_order(function, kernel, stride, pad):
    # Distinct values far apart: no ties for finite differences to straddle.
    x = np.random.default_rng(5).permutation(40).reshape(2, 1, 5, 4) * 0.1

    def f(x):
        return function(x, kernel, stride, pad) ** 2

    check_grad(f, x)
    check_double_grad(f, x)


def test_images_given_as_an_array_are_a_constant_whose_gradient_is_not_computed():
    rng = np.random.default_rng(6)
    x, W = rng.standard_normal((2, 2, 4, 4)), Variable(rng.standard_normal((3, 2, 3, 3)))
    y = VF.conv2d(x, W, pad=1)
    gx, gW = y.creator.backward_arrays(np.ones(y.shape))
    assert gx is None
    y.backward()
    same = Variable(W.data.copy())
    VF.conv2d(Variable(x), same, pad=1).backward()
    np.testing.assert_array_equal(W.grad.data, same.grad.data)
    np.testing.assert_array_equal(W.grad.data, gW)


@pytest.mark.parametrize("make", [
    lambda x, W: VF.conv2d(x, W, Variable(np.arange(3.0)), 2, 1),
    lambda x, W: VF.max_pool2d(x, 3, 2, 1),
    lambda x, W: VF.avg_pool2d(x, 3, 2, 1),
    lambda x, W: VF.im2col(x, 3, 2, 1),
    lambda x, W: VF.col2im(VF.im2col(x, 3, 2, 1), x.shape, 3, 2, 1),
])
def test_the_array_form_of_the_gradient_agrees_bit_for_bit(make):
    rng = np.random.default_rng(7)
    x = Variable(rng.standard_normal((2, 2, 6, 5)))
    W = Variable(rng.standard_normal((3, 2, 3, 3)))
    y = make(x, W)
    gy = rng.standard_normal(y.shape)
    arrays = y.creator.backward_arrays(gy)
    arrays = arrays if isinstance(arrays, tuple) else (arrays,)
    inputs = y.creator.inputs
    y.grad = Variable(gy)
    y.backward(create_graph=True, retain_grad=True)  # the recorded form, on Variables
    assert len(arrays) == len(inputs)
    for a, v in zip(arrays, inputs):
        assert a.dtype == v.grad.dtype and np.array_equal(a, v.grad.data)


@pytest.mark.parametrize("make", [
    lambda x: VF.conv2d(x, x.data[:2, :, :2, :2].copy(), None, 1, 1),
    lambda x: VF.max_pool2d(x, 2),
    lambda x: VF.avg_pool2d(x, 2, 1, 1),
    lambda x: VF.im2col(x, 2),
    lambda x: VF.batch_norm(x, np.ones(3, np.float32), np.zeros(3, np.float32)),
])
def test_float32_stays_float32_forward_and_backward(make):
    x = Variable(np.random.default_rng(8).standard_normal((2, 3, 4, 4)).astype(np.float32))
    y = make(x)
    y.backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32


@pytest.mark.parametrize("call, error, message", [
    (lambda: VF.conv2d(np.ones((1, 2, 4, 4)), np.ones((3, 3, 3, 3))), ValueError,
     r"conv2d: x of shape \(1, 2, 4, 4\) has 2 channels, but W of shape \(3, 3, 3, 3\) expects 3"),
    (lambda: VF.conv2d(np.ones((1, 2, 4, 4)), np.ones((3, 2, 3))), ValueError,
     r"conv2d: W must have shape \(out_channels, in_channels, KH, KW\) with at least one "
     r"filter, got shape \(3, 2, 3\)"),
    (lambda: VF.conv2d(np.ones((1, 2, 4, 4)), np.ones((3, 2, 3, 3)), np.ones(2)), ValueError,
     r"conv2d: b must have shape \(3,\) for 3 filters, got \(2,\)"),
    (lambda: VF.conv2d(np.ones((2, 4, 4)), np.ones((3, 2, 3, 3))), ValueError,
     r"conv2d: expected images of shape \(N, C, H, W\), got shape \(2, 4, 4\)"),
    (lambda: VF.conv2d(np.ones((1, 2, 2, 2)), np.ones((3, 2, 3, 3))), ValueError,
     r"conv2d: a 3x3 kernel does not fit images of 2x2 padded by \(0, 0\)"),
    (lambda: VF.conv2d(np.ones((1, 2, 4, 4)), np.ones((3, 2, 3, 3)), stride=0), ValueError,
     r"conv2d: stride must be at least 1, got 0"),
    (lambda: VF.conv2d(np.ones((1, 2, 4, 4)), np.ones((3, 2, 3, 3)), pad=-1), ValueError,
     r"conv2d: pad must be at least 0, got -1"),
    (lambda: VF.conv2d(np.ones((1, 2, 4, 4)), np.ones((3, 2, 3, 3)), pad=(1, 1, 1)), ValueError,
     r"conv2d: pad must be an int or a pair of ints, got \(1, 1, 1\)"),
    (lambda: VF.max_pool2d(np.ones((1, 1, 4, 4)), 2.5), TypeError,
     r"max_pool2d: kernel_size must be an int, got float"),
    (lambda: VF.max_pool2d(np.ones((1, 1, 4, 4)), 2, pad=2), ValueError,
     r"max_pool2d: pad \(2, 2\) must be at most half the kernel size \(2, 2\)"),
    (lambda: VF.avg_pool2d(np.ones((1, 1, 4, 4)), (2, 3), pad=(1, 2)), ValueError,
     r"avg_pool2d: pad \(1, 2\) must be at most half the kernel size \(2, 3\)"),
    (lambda: VF.col2im(np.ones((1, 9, 3)), (1, 1, 4, 4), 3), ValueError,
     r"col2im: col has shape \(1, 9, 3\), but images of shape \(1, 1, 4, 4\) with a 3x3 "
     r"kernel, stride \(1, 1\) and pad \(0, 0\) give \(1, 9, 4\)"),
    (lambda: VF.col2im(np.ones((1, 9, 4)), 16, 3), TypeError,
     r"col2im: input_shape must be a sequence of ints, got int"),
])
def test_bad_arguments_are_refused_naming_the_function_and_values(call, error, message):
    with pytest.raises(error, match=message):
        call()
