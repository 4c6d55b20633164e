r"""LeNet-type convolutional networks with a scalar output (JAX, float64): CNN-S and LeNet5.

.. math::
    x \in \mathbb R^{s^2 c_0} \to s{\times}s{\times}c_0
    \xrightarrow{\text{conv }k\times k\times c_1,\ \text{SAME}} \phi \xrightarrow{\text{avgpool }2}
    \xrightarrow{\text{conv }k\times k\times c_2,\ \text{SAME}} \phi \xrightarrow{\text{avgpool }2}
    \xrightarrow{\text{flatten}} \xrightarrow{\text{dense } h_1} \phi \cdots
    \xrightarrow{\text{dense } h_r} \phi \xrightarrow{\text{dense } 1} f(x).

* CNN-S (the defaults: 8×8×1 digits, k = 3, ``channels=(6, 16)``, ``hidden=32``): 3 053
  parameters, the catalog's fast-tier stand-in;
* :func:`lenet5` — "the standard LeNet5" of Ortiz-Jiménez et al. (2021), App. A, laid out as in
  the authors' code (``models/jax/lenet.py``): 5×5 'SAME' convolutions with 6 and 16 channels,
  2×2 average pooling, dense 120 and 84, one logit: 136 121 parameters on 32×32×3 CIFAR-10
  ('SAME' padding keeps 8×8×16 = 1024 features before the dense layers; the classic
  'VALID' LeNet5 keeps 5×5×16), 107 021 on 28×28×1 MNIST; with ``kernel=3, image_size=8``
  the same layer structure on the 8×8 digits (18 989 parameters).

The flatten
and dense head are kept on purpose: with global average pooling (and circular padding) a CNN
is shift-invariant and its mixed-derivative matrix has rank one, so every neural anisotropy
direction after the first is degenerate (catalog caveat E6).

``conv`` selects one of two implementations of the same convolution (dense Toeplitz matrix,
fast for batched training under ``vmap`` on CPU; or im2col patches, fast for per-sample
gradients); ``dataclasses.replace(net, conv=...)`` switches without changing parameters.

Parametrizations follow :mod:`empirical.mlp`: ``"standard"`` stores weights with variance
σ_w²/fan_in and biases with variance σ_b² (fan_in = 9·c_in for a 3×3 convolution);
``"ntk"`` stores N(0, 1) parameters and multiplies by σ_w/√fan_in and σ_b in the forward pass.

References: LeCun et al. (1998) for LeNet; Ortiz-Jiménez, Moosavi-Dezfooli & Frossard (2021),
"What can linearized neural networks actually say about generalization?", App. A.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from empirical.activations import jax_phi
from theory.activations import NETWORK_ACTIVATIONS, get_activation
from theory.validation import check_bias_variance, check_choice, check_variance

jax.config.update("jax_enable_x64", True)

Params = list[dict[str, jax.Array]]
#: images up to this size use the dense (Toeplitz) convolution matrix, larger ones lax.conv
_DENSE_MAX_SIZE = 16
#: two implementations of the same convolution: "dense" (faster batched training on CPU),
#: "patches" (faster per-sample gradients / Jacobians); same parameters, same function
CONV_METHODS = ("dense", "patches")


@functools.cache
def _toeplitz_index(size: int, c_in: int, c_out: int, k: int = 3) -> np.ndarray:
    """Index of the dense (size²·c_in, size²·c_out) matrix of a k×k 'SAME' convolution (k odd).

    Entry [(iy, ix, ci), (oy, ox, co)] points into the flattened HWIO kernel at
    (iy − oy + k//2, ix − ox + k//2, ci, co), or to the appended zero (index k²·c_in·c_out)
    where the input pixel falls outside the k×k window (zero padding).
    """
    zero = k * k * c_in * c_out
    idx = np.full((size, size, c_in, size, size, c_out), zero, dtype=np.int64)
    ci, co = np.arange(c_in)[:, None], np.arange(c_out)[None, :]
    for oy in range(size):
        for ox in range(size):
            for i in range(k):
                for j in range(k):
                    iy, ix = oy + i - k // 2, ox + j - k // 2
                    if 0 <= iy < size and 0 <= ix < size:
                        idx[iy, ix, :, oy, ox, :] = ((i * k + j) * c_in + ci) * c_out + co
    return idx.reshape(size * size * c_in, size * size * c_out)


def conv3x3_same(h: jax.Array, w: jax.Array) -> jax.Array:
    """k×k 'SAME' convolution (k = w.shape[0], odd; 3 for CNN-S) (cross-correlation, zero padding) of flattened HWC images.

    ``h`` has shape (n, size²·c_in) in (y, x, c) order, ``w`` is an HWIO kernel; the result
    is (n, size²·c_out). Computed as one matmul with the dense (Toeplitz) matrix of the
    convolution — equal to ``lax.conv_general_dilated(..., "SAME")`` — because XLA's CPU
    convolution is slow under ``vmap`` (it becomes a grouped convolution) while a batched
    matmul is not; for 8×8 images the dense matrix is small (above 16×16, lax.conv is used).
    """
    c_in, c_out, k = int(w.shape[2]), int(w.shape[3]), int(w.shape[0])
    size = math.isqrt(h.shape[-1] // c_in)
    if size * size * c_in != h.shape[-1]:
        raise ValueError(f"h must have size²·c_in columns, got {h.shape[-1]} for c_in={c_in}")
    if size > _DENSE_MAX_SIZE:  # the dense matrix would be too large: XLA's convolution
        out = jax.lax.conv_general_dilated(
            h.reshape(-1, size, size, c_in), w, (1, 1), "SAME",
            dimension_numbers=("NHWC", "HWIO", "NHWC"),
        )
        return out.reshape(h.shape[0], -1)
    flat = jnp.concatenate([w.reshape(-1), jnp.zeros(1, dtype=w.dtype)])
    return h @ flat[_toeplitz_index(size, c_in, c_out, k)]


@functools.cache
def _patch_index(size: int, c_in: int, k: int = 3) -> np.ndarray:
    """(size², k²·c_in) indices of each output pixel's k×k×c_in input window in a flattened
    HWC image with one zero appended (index size²·c_in = zero padding)."""
    zero = size * size * c_in
    idx = np.full((size, size, k, k, c_in), zero, dtype=np.int64)
    for oy in range(size):
        for ox in range(size):
            for i in range(k):
                for j in range(k):
                    iy, ix = oy + i - k // 2, ox + j - k // 2
                    if 0 <= iy < size and 0 <= ix < size:
                        idx[oy, ox, i, j, :] = (iy * size + ix) * c_in + np.arange(c_in)
    return idx.reshape(size * size, k * k * c_in)


def conv3x3_same_patches(h: jax.Array, w: jax.Array) -> jax.Array:
    """The same convolution as :func:`conv3x3_same` by im2col (gather the input windows, then
    one matmul with the 9·c_in×c_out kernel). Per-sample parameter gradients are plain matmuls
    here (no scatter into the dense matrix), which makes per-sample Jacobians much cheaper."""
    c_in, c_out, k = int(w.shape[2]), int(w.shape[3]), int(w.shape[0])
    size = math.isqrt(h.shape[-1] // c_in)
    if size * size * c_in != h.shape[-1]:
        raise ValueError(f"h must have size²·c_in columns, got {h.shape[-1]} for c_in={c_in}")
    padded = jnp.concatenate([h, jnp.zeros((h.shape[0], 1), dtype=h.dtype)], axis=1)
    patches = padded[:, _patch_index(size, c_in, k)]
    return (patches @ w.reshape(-1, c_out)).reshape(h.shape[0], -1)


def _avgpool2(h: jax.Array, size: int, c: int) -> jax.Array:
    """2×2 average pooling of flattened HWC images: (n, size²·c) → (n, (size/2)²·c)."""
    n = h.shape[0]
    return h.reshape(n, size // 2, 2, size // 2, 2, c).mean(axis=(2, 4)).reshape(n, -1)


@dataclass(frozen=True)
class SmallCNN:
    """CNN-S / LeNet5 with a scalar output; validates itself on construction. ``hidden`` is one
    width or a tuple of dense widths; ``kernel`` the (odd) convolution size."""

    activation: str = "relu"
    sigma_w2: float = 2.0
    sigma_b2: float = 0.0
    channels: tuple[int, int] = (6, 16)
    hidden: int | tuple[int, ...] = 32
    image_size: int = 8
    in_channels: int = 1
    parametrization: str = "standard"
    conv: str = "dense"
    kernel: int = 3

    def __post_init__(self) -> None:
        check_choice("activation", get_activation(self.activation).name, NETWORK_ACTIVATIONS)
        check_variance("sigma_w2", self.sigma_w2)
        check_bias_variance("sigma_b2", self.sigma_b2)
        check_choice("parametrization", self.parametrization, ("ntk", "standard"))
        check_choice("conv", self.conv, CONV_METHODS)
        if len(self.channels) != 2 or any(int(c) < 1 for c in self.channels):
            raise ValueError(f"channels must be two ints >= 1, got {self.channels!r}")
        if not self.hidden_widths or any(int(h) < 1 for h in self.hidden_widths):
            raise ValueError(f"hidden must be an int >= 1 or a non-empty tuple of them, got {self.hidden!r}")
        if int(self.kernel) < 1 or int(self.kernel) % 2 == 0:
            raise ValueError(f"kernel must be an odd int >= 1, got {self.kernel!r}")
        if int(self.in_channels) < 1:
            raise ValueError(f"in_channels must be an int >= 1, got {self.in_channels!r}")
        if int(self.image_size) < 4 or int(self.image_size) % 4:
            raise ValueError(
                f"image_size must be a multiple of 4 that is >= 4 (two 2×2 poolings), "
                f"got {self.image_size!r}"
            )

    @property
    def hidden_widths(self) -> tuple[int, ...]:
        h = self.hidden
        return (int(h),) if isinstance(h, int | np.integer) else tuple(int(w) for w in h)

    @property
    def input_dim(self) -> int:
        return int(self.image_size) ** 2 * int(self.in_channels)

    def _fans(self) -> list[tuple[tuple[int, ...], int]]:
        """(weight shape, fan_in) of the layers (conv kernels in HWIO), input to output."""
        c1, c2 = (int(c) for c in self.channels)
        c0, k = int(self.in_channels), int(self.kernel)
        widths = ((int(self.image_size) // 4) ** 2 * c2, *self.hidden_widths, 1)
        return [((k, k, c0, c1), k * k * c0), ((k, k, c1, c2), k * k * c1)] + [
            ((a, b), a) for a, b in zip(widths[:-1], widths[1:], strict=True)
        ]

    def n_params(self) -> int:
        return sum(math.prod(shape) + shape[-1] for shape, _ in self._fans())

    def init(self, key: jax.Array, d: int) -> Params:
        if int(d) != self.input_dim:
            raise ValueError(f"d must equal image_size²·in_channels = {self.input_dim}, got {d!r}")
        params: Params = []
        for shape, fan_in in self._fans():
            key, kw, kb = jax.random.split(key, 3)
            w = jax.random.normal(kw, shape, dtype=jnp.float64)
            b = jax.random.normal(kb, (shape[-1],), dtype=jnp.float64)
            if self.parametrization == "standard":
                w = w * jnp.sqrt(self.sigma_w2 / fan_in)
                b = b * jnp.sqrt(self.sigma_b2)
            params.append({"W": w, "b": b})
        return params

    def _scale(self, fan_in: int) -> tuple[float, float]:
        if self.parametrization == "ntk":
            return math.sqrt(self.sigma_w2 / fan_in), math.sqrt(self.sigma_b2)
        return 1.0, 1.0

    def apply(self, params: Params, x: jax.Array) -> jax.Array:
        """Outputs of shape (n, 1) for flattened inputs x of shape (n, image_size²)."""
        phi = jax_phi(self.activation)
        size = int(self.image_size)
        fans = self._fans()
        h = x
        for layer, (shape, fan_in) in zip(params[:2], fans[:2], strict=True):
            sw, sb = self._scale(fan_in)
            c_out = shape[-1]
            bias = jnp.tile(layer["b"], size * size)
            conv = conv3x3_same if self.conv == "dense" else conv3x3_same_patches
            h = _avgpool2(phi(sw * conv(h, layer["W"]) + sb * bias), size, c_out)
            size //= 2
        for layer, (_, fan_in) in zip(params[2:-1], fans[2:-1], strict=True):
            sw, sb = self._scale(fan_in)
            h = phi(sw * (h @ layer["W"]) + sb * layer["b"])
        sw, sb = self._scale(fans[-1][1])
        return sw * (h @ params[-1]["W"]) + sb * params[-1]["b"]


def lenet5(
    activation: str = "relu",
    sigma_w2: float = 2.0,
    sigma_b2: float = 0.0,
    image_size: int = 32,
    in_channels: int = 3,
    kernel: int = 5,
    conv: str = "dense",
) -> SmallCNN:
    """LeNet5 with one logit: conv k×k×6 → pool → conv k×k×16 → pool → 120 → 84 → 1 ('SAME'
    padding and average pooling as in the authors' ``models/jax/lenet.py``)."""
    return SmallCNN(activation, sigma_w2, sigma_b2, channels=(6, 16), hidden=(120, 84),
                    image_size=image_size, in_channels=in_channels, conv=conv, kernel=kernel)
