r"""NNGP / NTK of 1-D circularly padded CNNs, with flatten and global-average-pool readouts.

Xiao, Pennington & Schoenholz (2020), App. D, eqs. (86)–(100). Inputs x have shape
(d pixels, n₀ channels); a layer is a circular convolution with filter size 2k+1 in the NTK
parametrization, W = σ_w/√((2k+1)n)·ω, b = σ_b μ. Kernels are indexed by (input, pixel):
arrays of shape (m, d, m, d), ``K[a, α, b, α'] = K_{α,α'}(x_a, x_b)``.

.. math::
    [A(K)]_{\alpha,\alpha'} = \sigma_b^2 + \frac{\sigma_w^2}{2k+1}\sum_{\beta=-k}^{k}
        K_{\alpha+\beta,\alpha'+\beta},\qquad
    \hat A = \sigma_w^{-2}(A - \sigma_b^2)\ \text{(shift average)},

    K^{(0)} = A(G),\ G_{\alpha\alpha'}(x,x') = \langle x_\alpha, x'_{\alpha'}\rangle/n_0,\quad
    \Theta^{(0)} = K^{(0)},\quad K^{(l+1)} = A(T(K^{(l)})),\quad
    \Theta^{(l+1)} = K^{(l+1)} + \sigma_w^2 \hat A(\dot T(K^{(l)}) \odot \Theta^{(l)}).

T acts on the whole (m·d)×(m·d) covariance through the registry's bivariate dual
(:func:`numeric.dual`); with ``pinned=True`` (every pixel normalized, diagonal q*) the pointwise
duals of :func:`numeric.normalized_recursion.pointwise_duals` are used instead (the same
expressions at equal variances; faster, and stable in the chaotic phase).

Readouts of the last layer's kernel (eq. 98): flatten = (1/d)Σ_α X_{αα}(x, x'),
global average pool = (1/d²)Σ_{α,α'} X_{αα'}(x, x') (neural-tangents' ``Flatten`` /
``GlobalAvgPool`` conventions in the NTK parametrization).

References: Xiao, Pennington & Schoenholz (2020), App. D; Novak et al. (2019), "Bayesian
Deep Convolutional Networks with Many Channels are Gaussian Processes"; Arora et al. (2019).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from numeric.duals import dual
from numeric.normalized_recursion import pointwise_duals
from theory.activations import derivative_of, get_activation
from theory.validation import check_bias_variance, check_depth, check_variance

READOUTS = ("flatten", "pool")


def _check_filter(k: int, d: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0:
        raise ValueError(f"k must be an integer >= 0 (filter size 2k+1), got {k!r}")
    if 2 * k + 1 > d:
        raise ValueError(f"filter size 2k+1 = {2 * k + 1} must be <= d = {d}")
    return int(k)


def shift_average(x: np.ndarray, k: int) -> np.ndarray:
    r"""Â(X)_{αα'} = (1/(2k+1)) Σ_{β=−k}^{k} X_{α+β, α'+β} (circular), for X of shape (m, d, m, d)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 4 or x.shape[0] != x.shape[2] or x.shape[1] != x.shape[3]:
        raise ValueError(f"kernel must have shape (m, d, m, d), got {x.shape}")
    k = _check_filter(k, x.shape[1])
    out = np.zeros_like(x)
    for beta in range(-k, k + 1):
        out += np.roll(x, shift=(-beta, -beta), axis=(1, 3))
    return out / (2 * k + 1)


def input_kernel(x: Any, sigma_w2: float, sigma_b2: float, k: int) -> np.ndarray:
    """K^{(0)} = A(G) for images x of shape (m, d, n₀)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError(f"x must have shape (m, d, n0), got {x.shape}")
    g = np.einsum("aic,bjc->aibj", x, x) / x.shape[2]
    return float(sigma_b2) + float(sigma_w2) * shift_average(g, k)


def normalized_images(
    m: int, d: int, n0: int, q_star: float, sigma_w2: float, sigma_b2: float, seed: int
) -> np.ndarray:
    """iid Gaussian pixels, each rescaled so that K^{(0)}_{αα}(x, x) = q* (any k).

    Every pixel gets ‖x_α‖²/n₀ = (q* − σ_b²)/σ_w², so the shift average keeps it.
    """
    for name, v in (("m", m), ("d", d), ("n0", n0)):
        if int(v) < 1:
            raise ValueError(f"{name} must be >= 1, got {v!r}")
    if not float(q_star) > float(sigma_b2):
        raise ValueError(f"q_star must exceed sigma_b2, got q_star={q_star}, sigma_b2={sigma_b2}")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((m, d, n0))
    x /= np.linalg.norm(x, axis=2, keepdims=True)
    return x * np.sqrt(n0 * (float(q_star) - float(sigma_b2)) / float(sigma_w2))


@dataclass(frozen=True)
class ConvLayer:
    """Pixel-resolved K^{(l)} and Θ^{(l)} (shape (m, d, m, d)) at depth l."""

    depth: int
    nngp: np.ndarray
    ntk: np.ndarray

    def readout(self, kind: str, which: str = "ntk") -> np.ndarray:
        """The (m, m) flatten or pool readout of Θ (``which="ntk"``) or K (``"nngp"``)."""
        return readout(self.ntk if which == "ntk" else self.nngp, kind)


def readout(x: np.ndarray, kind: str) -> np.ndarray:
    """Eq. (98): flatten = mean of the pixel diagonal, pool = mean over all pixel pairs."""
    if kind not in READOUTS:
        raise ValueError(f"readout must be one of {list(READOUTS)}, got {kind!r}")
    x = np.asarray(x)
    if kind == "flatten":
        return np.einsum("aibi->ab", x) / x.shape[1]
    return x.mean(axis=(1, 3))


def conv_recursion(
    activation: str,
    sigma_w2: float,
    sigma_b2: float,
    k: int,
    k0: np.ndarray,
    depths: Iterable[int],
    *,
    pinned: bool = False,
) -> dict[int, ConvLayer]:
    """Iterate eqs. (88)/(92) from K^{(0)} = Θ^{(0)} = ``k0`` (shape (m, d, m, d)).

    Returns the layers at ``depths`` (l = 0 is K^{(0)}). ``pinned=True`` requires a constant
    diagonal q* (normalized pixels) and evaluates T, Ṫ pointwise at equal variances q*.
    """
    act = get_activation(activation)
    der = derivative_of(act)
    sw2 = check_variance("sigma_w2", sigma_w2)
    sb2 = check_bias_variance("sigma_b2", sigma_b2)
    k0 = np.asarray(k0, dtype=np.float64)
    if k0.ndim != 4 or k0.shape[0] != k0.shape[2] or k0.shape[1] != k0.shape[3]:
        raise ValueError(f"k0 must have shape (m, d, m, d), got {k0.shape}")
    k = _check_filter(k, k0.shape[1])
    depths = sorted({check_depth(int(v), "depths") for v in depths})
    if not depths:
        raise ValueError("depths must be a non-empty iterable of integers >= 0")
    m, d = k0.shape[:2]
    n = m * d
    diag0 = np.diagonal(k0.reshape(n, n))
    if pinned:
        qs = float(diag0[0])
        if np.max(np.abs(diag0 - qs)) > 1e-12 * qs:
            raise ValueError("pinned=True needs a constant pixel diagonal q* (normalized pixels)")
        t_fn, tdot_fn = pointwise_duals(act.name, "numpy")

        def duals(kk):
            return t_fn(qs, kk), tdot_fn(qs, kk)
    else:

        def duals(kk):
            flat = kk.reshape(n, n)
            dg = np.diagonal(flat)
            a, b = dg[:, None], dg[None, :]
            return dual(act, a, b, flat).reshape(kk.shape), dual(der, a, b, flat).reshape(kk.shape)

    kk, th = k0.copy(), k0.copy()
    out: dict[int, ConvLayer] = {}
    with np.errstate(over="raise", invalid="raise"):
        for layer in range(depths[-1] + 1):
            if layer in depths:
                out[layer] = ConvLayer(layer, kk.copy(), th.copy())
            if layer == depths[-1]:
                break
            v, vp = duals(kk)
            kk_new = sb2 + sw2 * shift_average(v, k)
            th = kk_new + sw2 * shift_average(vp * th, k)
            kk = kk_new
    return out
