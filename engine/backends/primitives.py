"""The backend seam: every primitive a backend provides, its signature and its contract.

The op table composes every tensor operation from these, so a backend (a module: numpy on the
CPU, WGSL on WebGPU) that provides all of them runs the whole engine. tests/engine/
test_backend_seam.py holds each backend to this list. A backend may also provide
`to_numpy_many(arrays)`, reading several arrays with one wait (engine._device uses it when present).

Conventions for every primitive: arrays are the backend's own array type; a binary primitive's
array operands already share one dtype (the engine promotes first), either operand may instead
be a Python scalar, and shapes broadcast as in numpy. Axes are non-negative ints, `axes` a tuple
(None: all). Results are new arrays unless the contract says view or in place.
"""
from typing import Protocol


class Backend(Protocol):
    name: str  # the device type it serves ("cpu", "webgpu")

    # --- transfer and creation ---------------------------------------------------------------
    def from_numpy(self, a):
        """The numpy array a as a backend array (the same values and dtype)."""

    def to_numpy(self, a):
        """A numpy array with a's values, shape and dtype (waits for a device to finish)."""

    def full(self, shape, value, dtype):
        """A new array of shape filled with value."""

    def arange(self, start, stop, step, dtype):
        """start, start + step, ... below stop, as numpy.arange."""

    def astype(self, a, dtype):
        """a converted to dtype (a copy)."""

    # --- elementwise: one value in, one out ----------------------------------------------------
    def neg(self, a):
        """-a."""

    def exp(self, a):
        """e ** a."""

    def log(self, a):
        """Natural logarithm (nan below 0, -inf at 0)."""

    def sqrt(self, a):
        """Square root (nan below 0)."""

    def abs(self, a):
        """|a|."""

    def sign(self, a):
        """-1, 0 or 1 as a's sign (nan stays nan)."""

    def sin(self, a):
        """Sine, radians."""

    def cos(self, a):
        """Cosine, radians."""

    def tanh(self, a):
        """Hyperbolic tangent."""

    def floor(self, a):
        """Largest integer <= a (integers unchanged)."""

    def ceil(self, a):
        """Smallest integer >= a (integers unchanged)."""

    def round(self, a):
        """Nearest integer, halves to even (as torch.round)."""

    def log1p(self, a):
        """log(1 + a), exact for small a."""

    def expm1(self, a):
        """exp(a) - 1, exact for small a."""

    def reciprocal(self, a):
        """1 / a."""

    def sigmoid(self, a):
        """1 / (1 + exp(-a)), without overflow for large |a|."""

    def relu(self, a):
        """max(a, 0) in a's dtype."""

    def erf(self, a):
        """The error function."""

    def erfc(self, a):
        """1 - erf(a), without the cancellation of that difference for large a."""

    def logical_not(self, a):
        """bool: a == 0."""

    def bitwise_not(self, a):
        """~a, for integers (two's complement)."""

    # --- elementwise: two values in, one out ---------------------------------------------------
    def add(self, a, b):
        """a + b."""

    def sub(self, a, b):
        """a - b."""

    def mul(self, a, b):
        """a * b."""

    def div(self, a, b):
        """a / b, true division."""

    def pow(self, a, b):
        """a ** b."""

    def maximum(self, a, b):
        """The larger of a and b, nan if either is nan."""

    def minimum(self, a, b):
        """The smaller of a and b, nan if either is nan."""

    def floor_divide(self, a, b):
        """floor(a / b), as Python's //."""

    def remainder(self, a, b):
        """a - floor(a / b) * b: the sign of b, as Python's %."""

    def atan2(self, a, b):
        """The angle of the point (x=b, y=a) in radians, in [-pi, pi] (atan, asin, acos are made from it)."""

    def eq(self, a, b):
        """bool: a == b."""

    def ne(self, a, b):
        """bool: a != b."""

    def lt(self, a, b):
        """bool: a < b."""

    def le(self, a, b):
        """bool: a <= b."""

    def gt(self, a, b):
        """bool: a > b."""

    def ge(self, a, b):
        """bool: a >= b."""

    def logical_and(self, a, b):
        """bool: a != 0 and b != 0."""

    def logical_or(self, a, b):
        """bool: a != 0 or b != 0."""

    def logical_xor(self, a, b):
        """bool: (a != 0) != (b != 0)."""

    def bitwise_and(self, a, b):
        """a & b, for integers and bools."""

    def bitwise_or(self, a, b):
        """a | b, for integers and bools."""

    def bitwise_xor(self, a, b):
        """a ^ b, for integers and bools."""

    def where(self, cond, a, b):
        """a where cond is true, else b (all three broadcast)."""

    # --- fused activation gradients --------------------------------------------------------------
    def threshold_backward(self, g, out):
        """relu's input gradient: g where out > 0, else 0."""

    def tanh_backward(self, g, y):
        """tanh's input gradient from its output y: g * (1 - y * y)."""

    def sigmoid_backward(self, g, y):
        """sigmoid's input gradient from its output y: g * y * (1 - y)."""

    # --- reductions (contiguous results) --------------------------------------------------------
    def sum(self, a, axes, keepdims):
        """Sum over axes."""

    def prod(self, a, axes, keepdims):
        """Product over axes."""

    def max(self, a, axes, keepdims):
        """Largest element over axes (nan wins)."""

    def min(self, a, axes, keepdims):
        """Smallest element over axes (nan wins)."""

    def any(self, a, axes, keepdims):
        """bool: some element over axes is nonzero."""

    def all(self, a, axes, keepdims):
        """bool: every element over axes is nonzero."""

    def argmax(self, a, axis, keepdims):
        """int64 position of the first largest element along axis (None: of the flattened a)."""

    def argmin(self, a, axis, keepdims):
        """int64 position of the first smallest element along axis (None: of the flattened a)."""

    # --- linear algebra ---------------------------------------------------------------------------
    def matmul(self, a, b):
        """Matrix product with batch dims broadcast, as numpy.matmul."""

    # --- movement ---------------------------------------------------------------------------------
    def reshape(self, a, shape):
        """a with a new shape: a view when the strides allow, else a copy."""

    def view(self, a, shape):
        """a view of a with a new shape, or None when the strides do not allow one (torch's .view rule)."""

    def permute(self, a, axes):
        """A view with the dims in the order axes."""

    def broadcast_to(self, a, shape):
        """A read-only view of a broadcast to shape."""

    def getitem(self, a, index):
        """a[index] for a basic index (ints, slices, None, Ellipsis): a view."""

    def contiguous(self, a):
        """a itself when it is C-contiguous, else a C-ordered copy."""

    def is_contiguous(self, a):
        """Whether a is laid out in C order without gaps."""

    def concatenate(self, arrays, axis):
        """The arrays joined along axis, C-ordered (as torch.cat)."""

    def pad(self, a, widths, value):
        """a with (before, after) widths per dim filled with value."""

    def flip(self, a, axes):
        """A copy of a reversed along axes, in a's layout."""

    # --- indexing and in-place writes -----------------------------------------------------------
    def copy_into(self, dst, src):
        """dst[...] = src in place, src broadcast and converted: every in-place op comes down to this."""

    def setitem(self, dst, index, src):
        """dst[index] = src in place, for basic and advanced (integer or bool array) indices."""

    def take(self, a, index):
        """a read flat at the int64 positions index (the shape of index): every advanced-indexing read."""

    def scatter_add(self, n, index, values):
        """A length-n array holding the sum of values at each index (advanced-indexing backward)."""

    # --- convolution (NCHW) -----------------------------------------------------------------------
    def conv2d(self, x, w, stride, padding, dilation, groups, keep_windows=False, bias=None):
        """x (N, C, H, W) convolved with w (Cout, C/groups, kh, kw), plus bias (Cout) where given; with
        keep_windows, (out, windows): the unfolded input for conv2d_backward_weight, or None."""

    def conv2d_backward_input(self, grad_out, w, input_shape, stride, padding, dilation, groups):
        """conv2d's gradient with respect to its input, of input_shape."""

    def conv2d_backward_weight(self, x, grad_out, weight_shape, stride, padding, dilation, groups,
                               windows=None):
        """conv2d's gradient with respect to its weight; windows: what conv2d kept, saving an unfold."""

    # --- pooling (NCHW) ---------------------------------------------------------------------------
    def max_pool2d(self, x, kernel, stride, padding, dilation, ceil_mode):
        """(values, indices): each window's maximum (nan wins) and its flat position in the H*W plane."""

    def max_pool2d_backward(self, grad_out, indices, input_shape, overlapping=True):
        """grad_out added at indices in a zero array of input_shape; overlapping=False promises no
        position gets two."""

    def avg_pool2d(self, x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
        """Each window's mean, the divisor as torch.nn.functional.avg_pool2d's."""

    def avg_pool2d_backward(self, grad_out, input_shape, kernel, stride, padding, ceil_mode,
                            count_include_pad, divisor_override):
        """avg_pool2d's gradient with respect to its input, of input_shape."""

    # --- softmax ------------------------------------------------------------------------------------
    def softmax(self, a, axis):
        """exp(a) / sum(exp(a)) along axis, shifted by the max so nothing overflows; contiguous."""

    def log_softmax(self, a, axis):
        """log(softmax(a)) along axis without taking a log of a rounded-away 0; contiguous."""

    # --- fused optimizer updates (in place) -----------------------------------------------------
    def sgd_step(self, param, grad, momentum_buf, lr, momentum, dampening, weight_decay, nesterov,
                 maximize):
        """One torch.optim.SGD update of param in place (momentum_buf too), PyTorch's formula."""

    def adam_step(self, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2, eps,
                  weight_decay, amsgrad, decoupled_weight_decay, maximize):
        """One torch.optim.Adam (AdamW when decoupled) update of param and its state in place."""


def primitive_names():
    """The names every backend must provide, in the order declared above."""
    return [name for name, member in vars(Backend).items()
            if callable(member) and not name.startswith("_")]
