r"""CNN-S: a small LeNet-like convolutional network for 8×8×1 inputs (JAX, float64).

The fast-tier stand-in for the LeNet of Ortiz-Jiménez et al. (2021) on sklearn's digits:

.. math::
    x \in \mathbb R^{64} \to 8{\times}8{\times}1
    \xrightarrow{\text{conv }3\times3\times c_1,\ \text{SAME}} \phi \xrightarrow{\text{avgpool }2}
    \xrightarrow{\text{conv }3\times3\times c_2,\ \text{SAME}} \phi \xrightarrow{\text{avgpool }2}
    \xrightarrow{\text{flatten}} \xrightarrow{\text{dense } h} \phi \xrightarrow{\text{dense } 1} f(x).

With the default ``channels=(6, 16)`` and ``hidden=32`` it has 3 053 parameters. The flatten
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
_KERNEL = 3
#: images up to this size use the dense (Toeplitz) convolution matrix, larger ones lax.conv
_DENSE_MAX_SIZE = 16
#: two implementations of the same convolution: "dense" (faster batched training on CPU),
#: "patches" (faster per-sample gradients / Jacobians); same parameters, same function
CONV_METHODS = ("dense", "patches")


@functools.cache
def _toeplitz_index(size: int, c_in: int, c_out: int) -> np.ndarray:
    """Index of the dense (size²·c_in, size²·c_out) matrix of a 3×3 'SAME' convolution.

    Entry [(iy, ix, ci), (oy, ox, co)] points into the flattened HWIO kernel at
    (iy − oy + 1, ix − ox + 1, ci, co), or to the appended zero (index 9·c_in·c_out) where the
    input pixel falls outside the 3×3 window (zero padding).
    """
    zero = _KERNEL * _KERNEL * c_in * c_out
    idx = np.full((size, size, c_in, size, size, c_out), zero, dtype=np.int64)
    ci, co = np.arange(c_in)[:, None], np.arange(c_out)[None, :]
    for oy in range(size):
        for ox in range(size):
            for i in range(_KERNEL):
                for j in range(_KERNEL):
                    iy, ix = oy + i - 1, ox + j - 1
                    if 0 <= iy < size and 0 <= ix < size:
                        idx[iy, ix, :, oy, ox, :] = ((i * _KERNEL + j) * c_in + ci) * c_out + co
    return idx.reshape(size * size * c_in, size * size * c_out)


def conv3x3_same(h: jax.Array, w: jax.Array) -> jax.Array:
    """3×3 'SAME' convolution (cross-correlation, zero padding) of flattened HWC images.

    ``h`` has shape (n, size²·c_in) in (y, x, c) order, ``w`` is an HWIO kernel; the result
    is (n, size²·c_out). Computed as one matmul with the dense (Toeplitz) matrix of the
    convolution — equal to ``lax.conv_general_dilated(..., "SAME")`` — because XLA's CPU
    convolution is slow under ``vmap`` (it becomes a grouped convolution) while a batched
    matmul is not; for 8×8 images the dense matrix is small (above 16×16, lax.conv is used).
    """
    c_in, c_out = int(w.shape[2]), int(w.shape[3])
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
    return h @ flat[_toeplitz_index(size, c_in, c_out)]


@functools.cache
def _patch_index(size: int, c_in: int) -> np.ndarray:
    """(size², 9·c_in) indices of each output pixel's 3×3×c_in input window in a flattened
    HWC image with one zero appended (index size²·c_in = zero padding)."""
    zero = size * size * c_in
    idx = np.full((size, size, _KERNEL, _KERNEL, c_in), zero, dtype=np.int64)
    for oy in range(size):
        for ox in range(size):
            for i in range(_KERNEL):
                for j in range(_KERNEL):
                    iy, ix = oy + i - 1, ox + j - 1
                    if 0 <= iy < size and 0 <= ix < size:
                        idx[oy, ox, i, j, :] = (iy * size + ix) * c_in + np.arange(c_in)
    return idx.reshape(size * size, _KERNEL * _KERNEL * c_in)


def conv3x3_same_patches(h: jax.Array, w: jax.Array) -> jax.Array:
    """The same convolution as :func:`conv3x3_same` by im2col (gather the input windows, then
    one matmul with the 9·c_in×c_out kernel). Per-sample parameter gradients are plain matmuls
    here (no scatter into the dense matrix), which makes per-sample Jacobians much cheaper."""
    c_in, c_out = int(w.shape[2]), int(w.shape[3])
    size = math.isqrt(h.shape[-1] // c_in)
    if size * size * c_in != h.shape[-1]:
        raise ValueError(f"h must have size²·c_in columns, got {h.shape[-1]} for c_in={c_in}")
    padded = jnp.concatenate([h, jnp.zeros((h.shape[0], 1), dtype=h.dtype)], axis=1)
    patches = padded[:, _patch_index(size, c_in)]
    return (patches @ w.reshape(-1, c_out)).reshape(h.shape[0], -1)


def _avgpool2(h: jax.Array, size: int, c: int) -> jax.Array:
    """2×2 average pooling of flattened HWC images: (n, size²·c) → (n, (size/2)²·c)."""
    n = h.shape[0]
    return h.reshape(n, size // 2, 2, size // 2, 2, c).mean(axis=(2, 4)).reshape(n, -1)


@dataclass(frozen=True)
class SmallCNN:
    """CNN-S with a scalar output; validates itself on construction."""

    activation: str = "relu"
    sigma_w2: float = 2.0
    sigma_b2: float = 0.0
    channels: tuple[int, int] = (6, 16)
    hidden: int = 32
    image_size: int = 8
    in_channels: int = 1
    parametrization: str = "standard"
    conv: str = "dense"

    def __post_init__(self) -> None:
        check_choice("activation", get_activation(self.activation).name, NETWORK_ACTIVATIONS)
        check_variance("sigma_w2", self.sigma_w2)
        check_bias_variance("sigma_b2", self.sigma_b2)
        check_choice("parametrization", self.parametrization, ("ntk", "standard"))
        check_choice("conv", self.conv, CONV_METHODS)
        if len(self.channels) != 2 or any(int(c) < 1 for c in self.channels):
            raise ValueError(f"channels must be two ints >= 1, got {self.channels!r}")
        if int(self.hidden) < 1:
            raise ValueError(f"hidden must be an int >= 1, got {self.hidden!r}")
        if int(self.in_channels) < 1:
            raise ValueError(f"in_channels must be an int >= 1, got {self.in_channels!r}")
        if int(self.image_size) < 4 or int(self.image_size) % 4:
            raise ValueError(
                f"image_size must be a multiple of 4 that is >= 4 (two 2×2 poolings), "
                f"got {self.image_size!r}"
            )

    @property
    def input_dim(self) -> int:
        return int(self.image_size) ** 2 * int(self.in_channels)

    def _fans(self) -> list[tuple[tuple[int, ...], int]]:
        """(weight shape, fan_in) of the four layers (conv kernels in HWIO)."""
        c1, c2 = (int(c) for c in self.channels)
        c0 = int(self.in_channels)
        flat = (int(self.image_size) // 4) ** 2 * c2
        return [
            ((_KERNEL, _KERNEL, c0, c1), _KERNEL * _KERNEL * c0),
            ((_KERNEL, _KERNEL, c1, c2), _KERNEL * _KERNEL * c1),
            ((flat, int(self.hidden)), flat),
            ((int(self.hidden), 1), int(self.hidden)),
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
        sw, sb = self._scale(fans[2][1])
        h = phi(sw * (h @ params[2]["W"]) + sb * params[2]["b"])
        sw, sb = self._scale(fans[3][1])
        return sw * (h @ params[3]["W"]) + sb * params[3]["b"]
