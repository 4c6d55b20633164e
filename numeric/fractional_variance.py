r"""Fractional variances of a boolean-cube spectrum and their d → ∞ limit (Maclaurin series of Φ).

On {±1}^d the degree-k eigenspace has dimension C(d, k), and the trace identity
Σ_k C(d, k) μ_k = Φ(1) gives the fraction of the kernel's variance in degree k,

.. math::
    \mathrm{FV}_k = \frac{C(d, k)\,\mu_k}{\Phi(1)} \xrightarrow[d\to\infty]{}
    \frac{\Phi^{(k)}(0)}{k!\,\Phi(1)} = \frac{a_k}{\Phi(1)},\qquad \Phi(t) = \sum_n a_n t^n

(Yang & Salman 2019, Thm 5.1). The normalisation sums in 30-digit mpmath (the terms of the
trace are nonnegative for a PSD kernel but span many decades). The Maclaurin coefficients
a_0 … a_n come from Arb power-series arithmetic through the same recursion as the grid:
Σ¹(t) = σ_b² + σ_w² t as a series, then the closed-form duals composed as series, so each a_k
is a rigorous ball; the limit doubles the precision until a_k/Φ(1) is tight to ~1e-16
(or, for an exactly vanishing coefficient, below 1e-100 from 2048 bits on).

References: Yang & Salman, "A Fine-Grained Spectral Perspective on Neural Networks" (2019),
§3.1 and Thm 5.1; Johansson, "Arb: efficient arbitrary-precision midpoint-radius interval
arithmetic" (IEEE Trans. Computers, 2017).
"""

from __future__ import annotations

import math
from typing import Any

import mpmath
import numpy as np
from flint import arb, arb_series, ctx

from numeric.adaptive_precision import ball_mid
from numeric.cube_parameters import check_degree, check_dim, kernel_setting
from numeric.interval_duals import as_arb, interval_grid, series_duals
from theory.activations import Activation, derivative_of


def _weights(dim: int) -> list[int]:
    return [math.comb(dim, k) for k in range(dim + 1)]


def _as_mu(mu: Any, dim: int | None = None) -> np.ndarray:
    arr = np.asarray(mu, dtype=np.float64)
    if arr.ndim != 1 or arr.size < 2:
        raise ValueError(f"mu must be a 1-D array of length dim + 1 >= 2, got shape {arr.shape}")
    if dim is not None and arr.size != check_dim(dim) + 1:
        raise ValueError(f"mu must have length dim + 1 = {dim + 1}, got {arr.size}")
    return arr


def fractional_variances(mu: Any, dim: int) -> np.ndarray:
    """FV_k = C(d, k) μ_k / Φ(1), with Φ(1) = Σ_k C(d, k) μ_k (trace identity)."""
    arr = _as_mu(mu, dim)
    with mpmath.workdps(30):
        terms = [mpmath.mpf(w) * mpmath.mpf(float(m)) for w, m in zip(_weights(dim), arr, strict=True)]
        total = mpmath.fsum(terms)
        if total <= 0:
            raise ValueError("mu must have a positive trace Σ C(d,k) μ_k")
        return np.array([float(t / total) for t in terms], dtype=np.float64)


def normalized_eigenvalues(mu: Any) -> np.ndarray:
    """μ_k / Φ(1), with Φ(1) = Σ_k C(d, k) μ_k and d = len(mu) − 1."""
    arr = _as_mu(mu)
    dim = arr.size - 1
    with mpmath.workdps(30):
        total = mpmath.fsum(mpmath.mpf(w) * mpmath.mpf(float(m))
                            for w, m in zip(_weights(dim), arr, strict=True))
        if total <= 0:
            raise ValueError("mu must have a positive trace Σ C(d,k) μ_k")
        return np.array([float(mpmath.mpf(float(m)) / total) for m in arr], dtype=np.float64)


def maclaurin_coefficients(
    kernel: str,
    activation: str | Activation,
    depth: int,
    sigma_w2: float,
    sigma_b2: float,
    order: int,
    *,
    prec: int = 256,
    rtol: float = 1e-15,
    atol: float = 1e-100,
    max_prec: int = 1 << 15,
) -> list:
    """Arb balls a_0 … a_order of Φ(t) = Σ a_n t^n (power-series arithmetic through the
    recursion: Σ¹(t) = σ_b² + σ_w² t, then the closed-form duals composed as series).

    Adaptive precision: ``prec`` is the *starting* working precision (bits). The radii grow
    with depth (each composed dual widens the balls: at 256 bits relu balls are NaN from depth
    ≈ 90, and useless — radius > |midpoint| — already at depth 60 for σ_b² = 1), so the
    precision is doubled until every ball is finite and meets the requested accuracy

        rad(a_n) ≤ max(rtol·|mid(a_n)|, atol·max_j |mid(a_j)|)

    (``atol`` admits exact zeros, e.g. the even coefficients of erf with σ_b² = 0, and
    coefficients below atol relative to the largest). Beyond ``max_prec`` bits a
    ``RuntimeError`` names the setting and the worst ball.
    """
    kernel, act, der, depth, sw2, sb2 = kernel_setting(kernel, activation, depth, sigma_w2, sigma_b2)
    order = check_degree(order)
    if isinstance(prec, bool) or not isinstance(prec, int | np.integer) or prec < 53:
        raise ValueError(f"prec must be an integer >= 53 (bits), got {prec!r}")
    if isinstance(max_prec, bool) or not isinstance(max_prec, int | np.integer) or max_prec < prec:
        raise ValueError(f"max_prec must be an integer >= prec = {prec}, got {max_prec!r}")
    if not (isinstance(rtol, int | float) and 0 < rtol < 1):
        raise ValueError(f"rtol must be a number in (0, 1), got {rtol!r}")
    if not (isinstance(atol, int | float) and 0 <= atol < 1):
        raise ValueError(f"atol must be a number in [0, 1), got {atol!r}")
    n = order + 1
    f = series_duals(act.name, der.name if der is not None else None)
    # python-flint truncates every series operation to ctx.cap terms (default 10): without raising
    # it, coefficients beyond a_9 silently come back as 0
    old_cap = ctx.cap
    ctx.cap = max(old_cap, n)
    try:
        work = int(prec)
        while True:
            coeffs = _maclaurin_series(f, kernel, depth, sw2, sb2, n, work)
            worst = _worst_ball(coeffs, rtol, atol)
            if worst is None:
                return coeffs
            if work >= max_prec:
                raise RuntimeError(
                    f"maclaurin_coefficients({kernel!r}, {act.name!r}, depth={depth}, "
                    f"sigma_w2={sw2}, sigma_b2={sb2}, order={order}): ball a_{worst[0]} = {worst[1]} "
                    f"does not meet rtol={rtol:g}, atol={atol:g} at {work} bits (max_prec); "
                    "raise max_prec or loosen rtol"
                )
            work = min(2 * work, int(max_prec))
    finally:
        ctx.cap = old_cap


def _worst_ball(coeffs: list, rtol: float, atol: float) -> tuple[int, Any] | None:
    """First ball that is not finite or too wide (see ``maclaurin_coefficients``), or None."""
    if not all(c.is_finite() for c in coeffs):
        return next((i, c) for i, c in enumerate(coeffs) if not c.is_finite())
    mids = [abs(float(c.mid())) for c in coeffs]
    floor = atol * max(mids)
    for i, (c, m) in enumerate(zip(coeffs, mids, strict=True)):
        if float(c.rad()) > max(rtol * m, floor):
            return i, c
    return None


def _maclaurin_series(f, kernel, depth, sw2, sb2, n, prec) -> list:
    with ctx.workprec(prec):
        w, b = as_arb(sw2), as_arb(sb2)
        sig = arb_series([b, w], prec=n)
        th = sig
        q = w + b
        one = arb(1)
        for _ in range(depth):
            diag = f(q, one)
            out = f(q, sig / q)
            new_sig = w * out[0] + b
            if kernel == "ntk":
                th = new_sig + w * out[1] * th
            sig = new_sig
            q = w * diag[0] + b
        phi = th if kernel == "ntk" else sig
        coeffs = list(phi.coeffs()) + [arb(0)] * n
        return coeffs[:n]


def asymptotic_fractional_variance(
    kernel: str,
    activation: str | Activation,
    depth: int,
    sigma_w2: float,
    sigma_b2: float,
    k: int,
) -> float:
    """lim_{d→∞} FV_k = Φ^{(k)}(0) / (k! Φ(1)) (Thm 5.1), certified to ~1e-15 relative.

    The Maclaurin coefficient is computed by Arb power-series arithmetic (rigorous), with the
    precision doubled until the ball is tight (or, for an exactly vanishing coefficient, tiny).
    """
    kernel, act, _, depth, sw2, sb2 = kernel_setting(kernel, activation, depth, sigma_w2, sigma_b2)
    k = check_degree(k)
    prec = 128
    while True:
        with ctx.workprec(prec):
            a_k = maclaurin_coefficients(kernel, act, depth, sw2, sb2, k, prec=prec)[k]
            phi1 = interval_grid(act, derivative_of(act) if kernel == "ntk" else None, kernel,
                             depth, sw2, sb2, 1, 1)[0]
            fv = a_k / phi1
        if fv.is_finite() and (float(fv.rad()) <= 1e-16 * abs(float(fv.mid()))
                               or (prec >= 2048 and float(fv.rad()) < 1e-100)):
            return ball_mid(fv)
        if prec >= 8192:
            raise RuntimeError(f"Maclaurin coefficient {k} did not converge (ball {fv})")
        prec *= 2
