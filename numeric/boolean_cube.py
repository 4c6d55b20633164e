r"""Certified eigenvalues of CK / NTK dot-product kernels on the boolean cube {±1}^d.

Math (Yang & Salman 2019, §3.1, Thm 3.1 and Lemma 3.2; O'Donnell 2014 for the Fourier basis).
On the uniform cube a kernel K(x, y) = Φ(⟨x, y⟩/d) is diagonalised by the parities
χ_S(x) = Π_{i∈S} x_i, with an eigenvalue that depends only on k = |S| (multiplicity C(d, k)):

.. math::
    \mu_k = 2^{-d} \sum_{r=0}^{d} K_k(r)\, \Phi(1 - 2r/d)
          = 2^{-d} (I - T_\Delta)^k (I + T_\Delta)^{d-k} \Phi(1),

where T_Δ Φ(t) = Φ(t − Δ), Δ = 2/d, and the Krawtchouk number K_k(r) is the coefficient of
x^r in (1 − x)^k (1 + x)^{d−k}. Σ_k C(d, k) μ_k = Φ(1) (trace), and the degree-k fractional
variance is FV_k = C(d, k) μ_k / Φ(1); as d → ∞ it tends to Φ^{(k)}(0)/(k! Φ(1)) (Thm 5.1).

Φ is the output-layer CK Σ^{L+1} or NTK Θ^{L+1} of ``numeric.kernels`` (NTK parametrisation,
``depth`` = L hidden layers, Σ¹(t) = σ_w² t + σ_b², unit diagonal t = 1 so q_l = Σ^l(1)).

Why a certified engine. μ_k is an alternating sum: relative to Φ(1) it is ≈ FV_k / C(d, k), down
to ~1e-60 at d = 128 (smaller for smooth, deep kernels), so float64 grid values (relative error
~1e-16, worse where arccos is evaluated near c = 1) lose every digit by k ≈ 12.

Method (all degrees at once):

1. Φ is evaluated on the d + 1 grid points in **ball arithmetic** (FLINT/Arb through
   ``python-flint``): every value is an interval that provably contains the exact Φ(t_r) for
   the given float64 σ's (the closed-form duals of ``theory.activations`` are printed to Arb).
   The diagonal t = 1 is carried separately with the correlation exactly 1.
2. μ = 2^{-d} K Φ with the exact integer Krawtchouk matrix K (cached per d), again in balls, so
   each μ_k comes with a rigorous error radius that includes all cancellation.
3. Precision is adaptive: start at 64 + 1.5·d bits, and raise it from the observed radius until
   every μ_k either has radius ≤ ``rtol``·|μ_k| (certified) or is a ball around 0 at the
   ``max_dps`` ceiling (reported as zero with its bound; status ``"unresolved"``). Successive
   precisions must give overlapping balls (a self-check; failure raises ``RuntimeError``).
4. Exact zeros by symmetry are exact: for an odd activation (φ(−z) = −φ(z), from the SymPy
   registry) with σ_b² = 0, Φ is odd in t for CK and NTK (V_φ odd, V_φ′ even), so μ_k = 0 for
   even k; only half the grid is evaluated.

Sweeps. :func:`boolean_cube_depth_sweep` certifies chosen degrees at every depth 0 … L from
one recursion (one Krawtchouk product per precision); :func:`erf_depth_sweep` and
:func:`relu_depth_sweep` are fast, non-certified double-double NumPy sweeps over many
(σ_w², σ_b²) (accuracy established by sampling against the certified sweep).

Limits. Nonzero eigenvalues with |μ_k| ≳ 10^{-(max_dps − 20)}·Φ(1) are certified to ``rtol``;
smaller ones are indistinguishable from zero at the ceiling and flagged ``"unresolved"`` (this
is how exact zeros that are not parity zeros — depth 0, relu depth 1 with σ_b² = 0 — come out).
float64 outputs underflow below ~1e-308 (use :attr:`CubeSpectrum.balls`). Only activations with
closed-form duals (relu, erf, identity, exp; step for the CK) are supported. The Krawtchouk
matrix costs O(d²) big integers; d = 128 takes 0.005–0.8 s per kernel (depth 128 included).

Layout. This module holds the spectrum and grid-value API and re-exports the rest, so every
name is importable from ``numeric.boolean_cube``:

* ``numeric.cube_parameters`` — argument checks (kernel setting, dimension, degree);
* ``numeric.interval_duals`` — registry duals printed to Arb, the interval layer recursion;
* ``numeric.adaptive_precision`` — ball certification and the precision-raising rule;
* ``numeric.krawtchouk`` — exact Krawtchouk matrices (:func:`krawtchouk_matrix`);
* ``numeric.fractional_variance`` — :func:`fractional_variances`,
  :func:`normalized_eigenvalues`, :func:`maclaurin_coefficients`,
  :func:`asymptotic_fractional_variance` (Thm 5.1);
* ``numeric.cube_depth_sweep`` — :func:`boolean_cube_depth_sweep` (certified, all depths);
* ``numeric.double_double`` and ``numeric.dd_cube_sweep`` — :func:`erf_depth_sweep`,
  :func:`relu_depth_sweep`.

References: Yang & Salman, "A Fine-Grained Spectral Perspective on Neural Networks" (2019);
O'Donnell, "Analysis of Boolean Functions" (2014); Johansson, "Arb" (IEEE TC 2017).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
from flint import arb, arb_mat, ctx

from numeric.adaptive_precision import (
    MAX_DPS,
    RTOL,
    ball_certified,
    ball_mid,
    needed_precision,
)
from numeric.cube_depth_sweep import boolean_cube_depth_sweep
from numeric.cube_parameters import KERNELS, check_dim, kernel_setting
from numeric.dd_cube_sweep import erf_depth_sweep, relu_depth_sweep
from numeric.fractional_variance import (
    asymptotic_fractional_variance,
    fractional_variances,
    maclaurin_coefficients,
    normalized_eigenvalues,
)
from numeric.interval_duals import interval_grid, is_odd_activation
from numeric.krawtchouk import krawtchouk_arb, krawtchouk_matrix
from theory.activations import Activation

__all__ = [
    "KERNELS",
    "MAX_DPS",
    "RTOL",
    "CubeSpectrum",
    "asymptotic_fractional_variance",
    "boolean_cube_depth_sweep",
    "boolean_cube_eigenvalues",
    "boolean_cube_kernel_values",
    "boolean_cube_spectrum",
    "erf_depth_sweep",
    "fractional_variances",
    "krawtchouk_matrix",
    "maclaurin_coefficients",
    "normalized_eigenvalues",
    "relu_depth_sweep",
]


@dataclass(frozen=True)
class CubeSpectrum:
    """Eigenvalues μ_0 … μ_d with certified error bounds.

    Attributes:
        mu: float64 midpoints (not normalised).
        abs_err: rigorous bound |μ_k − mu[k]| (ball radius + float64 rounding of the midpoint).
        status: per degree ``"certified"`` (abs_err ≤ rtol·|μ_k|), ``"zero"`` (exactly 0 by
            the parity of Φ) or ``"unresolved"`` (a ball around 0 at the precision ceiling:
            |μ_k| ≤ abs_err, below the certified range).
        balls: the Arb balls (exact zeros as ``arb(0)``), for sign checks beyond float64.
        phi1: Φ(1) (float64).
        prec_bits: final working precision.
    """

    mu: np.ndarray
    abs_err: np.ndarray
    status: tuple[str, ...]
    balls: tuple
    phi1: float
    prec_bits: int

    @property
    def certified(self) -> bool:
        return all(s in ("certified", "zero") for s in self.status)


def _mu_balls(kernel, act, der, depth, sw2, sb2, dim, odd):
    n_points = (dim + 1) // 2 if odd else dim + 1
    grid = interval_grid(act, der, kernel, depth, sw2, sb2, dim, n_points)
    col = arb_mat([[g] for g in grid])
    prod = krawtchouk_arb(dim, odd) * col
    scale = arb(2) ** (1 - dim if odd else -dim)
    vals = [prod[i, 0] * scale for i in range(prod.nrows())]
    if not odd:
        return grid[0], vals
    mu = [arb(0)] * (dim + 1)
    for i, k in enumerate(range(1, dim + 1, 2)):
        mu[k] = vals[i]
    return grid[0], mu


def boolean_cube_spectrum(
    kernel: str,
    activation: str | Activation,
    depth: int,
    sigma_w2: float,
    sigma_b2: float,
    dim: int,
    *,
    rtol: float = RTOL,
    max_dps: int = MAX_DPS,
) -> CubeSpectrum:
    """All eigenvalues μ_0 … μ_d of the CK/NTK on {±1}^dim, each certified to ``rtol``.

    See the module docstring for the method. Raises ``ValueError`` naming a bad parameter.
    """
    kernel, act, der, depth, sw2, sb2 = kernel_setting(kernel, activation, depth, sigma_w2, sigma_b2)
    dim = check_dim(dim)
    if not (0 < rtol < 1):
        raise ValueError(f"rtol must lie in (0, 1), got {rtol!r}")
    if not isinstance(max_dps, int) or max_dps < 30:
        raise ValueError(f"max_dps must be an integer >= 30, got {max_dps!r}")
    odd = sb2 == 0 and is_odd_activation(act.name)
    max_prec = int(max_dps * 3.33) + 16
    prec = min(64 + (3 * dim) // 2, max_prec)
    previous = None
    while True:
        with ctx.workprec(prec):
            phi1, mu = _mu_balls(kernel, act, der, depth, sw2, sb2, dim, odd)
        if previous is not None:
            bad = [k for k, (a, b_) in enumerate(zip(mu, previous, strict=True))
                   if a.is_finite() and b_.is_finite() and not a.overlaps(b_)]
            if bad:
                raise RuntimeError(f"ball arithmetic self-check failed at degrees {bad}")
        previous = mu
        need = needed_precision(prec, [x for k, x in enumerate(mu) if not (odd and k % 2 == 0)], rtol)
        if need == prec or prec >= max_prec:
            break
        prec = min(need, max_prec)
    status, mids, errs = [], [], []
    for k, x in enumerate(mu):
        m = ball_mid(x)
        if odd and k % 2 == 0:
            status.append("zero")
            errs.append(0.0)
        else:
            if not x.is_finite():
                raise RuntimeError(
                    f"degree {k}: no finite enclosure at {max_dps} digits (raise max_dps)"
                )
            status.append("certified" if ball_certified(x, rtol) else "unresolved")
            errs.append(float(x.rad()) + abs(m) * 2.0**-53)
        mids.append(m)
    return CubeSpectrum(
        mu=np.array(mids, dtype=np.float64),
        abs_err=np.array(errs, dtype=np.float64),
        status=tuple(status),
        balls=tuple(mu),
        phi1=ball_mid(phi1),
        prec_bits=prec,
    )


def boolean_cube_eigenvalues(
    kernel: str,
    activation: str | Activation,
    depth: int,
    sigma_w2: float,
    sigma_b2: float,
    dim: int,
    *,
    rtol: float = RTOL,
    max_dps: int = MAX_DPS,
) -> np.ndarray:
    """μ_0 … μ_dim (float64, not normalised) of the CK (``"ck"``) or NTK (``"ntk"``) on {±1}^dim.

    Every nonzero eigenvalue is certified to relative accuracy ``rtol`` (Arb ball arithmetic
    with adaptive precision); exact zeros by parity are 0.0. See :func:`boolean_cube_spectrum`
    for the error bounds and per-degree status.

    >>> mu = boolean_cube_eigenvalues("ck", "relu", 0, 2.0, 1.0, 4)
    >>> [float(round(m, 12)) for m in mu]
    [1.0, 0.5, 0.0, 0.0, 0.0]
    """
    return boolean_cube_spectrum(
        kernel, activation, depth, sigma_w2, sigma_b2, dim, rtol=rtol, max_dps=max_dps
    ).mu


def boolean_cube_kernel_values(
    kernel: str,
    activation: str | Activation,
    depth: int,
    sigma_w2: float,
    sigma_b2: float,
    dim: int,
    *,
    dps: int | None = None,
) -> Any:
    """Φ(1 − 2r/d), r = 0 … d: float64 (correctly rounded up to ~1 ulp) or, with ``dps``, a
    list of ``mpmath.mpf`` accurate to ``dps`` digits (returned under ``mpmath.workdps(dps)``).
    """
    kernel, act, der, depth, sw2, sb2 = kernel_setting(kernel, activation, depth, sigma_w2, sigma_b2)
    dim = check_dim(dim)
    if dps is not None and (not isinstance(dps, int) or dps < 15):
        raise ValueError(f"dps must be an integer >= 15, got {dps!r}")
    digits = 17 if dps is None else dps
    prec = int(digits * 3.33) + 64
    for _ in range(8):
        with ctx.workprec(prec):
            grid = interval_grid(act, der, kernel, depth, sw2, sb2, dim, dim + 1)
        scale = abs(float(grid[0].mid()))
        if all(g.is_finite() and (float(g.rad()) <= 10.0 ** -(digits + 1) * abs(float(g.mid()))
                                  or float(g.rad()) <= 10.0 ** -(digits + 10) * scale)
               for g in grid):
            break
        prec *= 2
    else:
        raise RuntimeError("kernel values did not reach the requested accuracy")
    if dps is None:
        return np.array([ball_mid(g) for g in grid], dtype=np.float64)
    with mpmath.workdps(dps):
        return [mpmath.mpf(g.mid()) for g in grid]
