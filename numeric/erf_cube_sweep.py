r"""Fast, uncertified boolean-cube eigenvalues of the erf CK / NTK over many (σ_w², σ_b²) and depths.

For the 41 × 41 × depth sweeps of Yang & Salman's Fig. 2, float64 grids are useless (the
k = 8 eigenvalue is ~1e-15·Φ(1) and, in the ordered / chaotic phases at depth ~100, Φ varies by
< 1e-39·Φ(1) over the grid) and Arb costs ~5 µs per point and layer. This module runs the
recursion in double-double NumPy arithmetic (``numeric.double_double``), vectorised over
settings, with the erf duals in closed form: for y = 2Σ/(2Q + 1), κ = (4/π)/(2Q + 1),

.. math::
    V_{\mathrm{erf}} = \tfrac{2}{\pi}\arcsin y,\qquad V_{\mathrm{erf}'} = \kappa / \sqrt{1 - y^2}.

Two devices make dd sufficient:

* the grid is carried as differences E_r = Φ(t_r) − Φ(0) from the t = 0 point (CK: E, NTK: F),
  updated by cancellation-free difference formulas, with s = √(1 − y²), δ = y − y₀:
  arcsin y − arcsin y₀ = arcsin[δ(2y₀ + δ)/(y s₀ + y₀ s)] (y, y₀ of one sign) and
  κ(1/s − 1/s₀) = κ δ(2y₀ + δ)/(s s₀ (s + s₀)); Φ(0), Φ(1) and the per-layer scalars come from
  Arb at 192 bits. In the chaotic phase t = 1 is an unstable fixed point, so the r = 0
  differences are taken from Arb whenever Arb resolves them to dd accuracy; for σ_b² = 0
  (Φ odd) the antisymmetry E_{d−r} = −E_r is imposed and the even degrees are exact zeros;
* μ_k (k ≥ 1) = 4^{-k} Σ_r Bin(d − 2k, ½)(r) [(I − T_{2Δ})^k E](t_r) (the two-step form of
  Lemma 3.2, 2k ≤ d): the differences in dd, the positive-weight sum in float64 where its
  error bound allows and in dd (TwoProd + AccSum) otherwise; μ_0 adds back Φ(0).

Not a proof: accuracy (≤ 1e-10 relative) is established by sampling against the certified
``boolean_cube_depth_sweep`` (tests/test_boolean_cube.py, benchmarks/bench_boolean_cube.py).

References: Yang & Salman, "A Fine-Grained Spectral Perspective on Neural Networks" (2019),
§3.5 and Fig. 2; Williams, "Computing with infinite networks" (NeurIPS 1996) (erf dual);
Hida, Li & Bailey, "Algorithms for quad-double precision floating point arithmetic" (2001).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import mpmath
import numpy as np
from flint import arb, ctx

from numeric.cube_parameters import check_degree, check_dim
from numeric.double_double import (
    acc_sum,
    dd_add,
    dd_asin,
    dd_div,
    dd_mul,
    dd_of_ball,
    dd_sqrt,
    dd_sub,
    two_prod,
)
from numeric.interval_duals import as_arb
from theory.validation import check_bias_variance, check_depth, check_variance


@functools.lru_cache(maxsize=16)
def _binom_weights(dim: int, degrees: tuple[int, ...]) -> list[tuple[np.ndarray, np.ndarray]]:
    """4^{-k} Bin(d − 2k, ½)(r) as dd pairs (exact rationals rounded once to ~32 digits)."""
    out = []
    for k in degrees:
        n = dim - 2 * k
        with mpmath.workdps(40):
            v = [mpmath.mpf(math.comb(n, r)) / mpmath.mpf(2) ** (n + 2 * k) for r in range(n + 1)]
            hi = np.array([float(x) for x in v])
            lo = np.array([float(x - mpmath.mpf(float(x))) for x in v])
        out.append((hi, lo))
    return out


def _weighted_sum(x, w) -> np.ndarray:
    """Σ_r w_r x_r per row of the dd array x (S × n), for dd weights w (n).

    float64 where its error bound n·2^-53·Σ|w x| is below 1e-14·|Σ w x|; the other rows are
    summed in dd (exact products by TwoProd, then Ogita–Rump–Oishi Sum2 over r).
    """
    val = (x[0] + x[1]) @ w[0]
    absum = np.abs(x[0]) @ w[0]
    bad = np.nonzero(x[0].shape[1] * 2.0**-53 * absum > 1e-14 * np.abs(val))[0]
    if bad.size:
        xh, xl = x[0][bad], x[1][bad]
        p, err = two_prod(xh, w[0][None, :])
        err = err + xh * w[1][None, :] + xl * w[0][None, :]
        val[bad] = acc_sum(p) + err.sum(axis=1)
    return val


def erf_depth_sweep(
    sigma_w2: Any,
    sigma_b2: Any,
    max_depth: int,
    dim: int,
    degrees: Any = range(9),
) -> np.ndarray:
    """Fast μ_k of the erf CK and NTK for many (σ_w², σ_b²) settings and all depths 0 … max_depth.

    ``sigma_w2``, ``sigma_b2``: 1-D arrays of equal length S (one entry per setting).
    Returns ``mu[s, kernel, depth, i]`` (kernel 0 = CK, 1 = NTK, ``i`` indexes ``degrees``,
    which must satisfy 2k ≤ dim). Double-double difference recursion (see the module docstring);
    not certified — accuracy ≤ 1e-10 relative is checked by sampling against
    :func:`boolean_cube_depth_sweep`.
    """
    sw = np.atleast_1d(np.asarray(sigma_w2, dtype=np.float64))
    sb = np.atleast_1d(np.asarray(sigma_b2, dtype=np.float64))
    if sw.shape != sb.shape or sw.ndim != 1:
        raise ValueError("sigma_w2 and sigma_b2 must be 1-D arrays of equal length")
    for x, name in ((sw, "sigma_w2"), (sb, "sigma_b2")):
        for v in x:
            (check_variance if name == "sigma_w2" else check_bias_variance)(name, v)
    max_depth, dim = check_depth(max_depth, "max_depth"), check_dim(dim)
    degrees = tuple(check_degree(k) for k in degrees)
    if any(2 * k > dim for k in degrees):
        raise ValueError(f"degrees must satisfy 2k <= dim = {dim}, got {degrees}")
    n_set, n_pts = sw.size, dim + 1
    odd_rows = np.nonzero(sb == 0)[0]
    weights = _binom_weights(dim, degrees)
    out = np.zeros((n_set, 2, max_depth + 1, len(degrees)))
    t = np.zeros(n_pts)
    # grid state: E = Σ − Σ(0), F = Θ − Θ(0) (dd, shape S × (d+1)); scalars per setting in Arb
    # Σ¹(t_r) − Σ¹(0) = σ_w² (d − 2r)/d: exact product, then one dd division
    e = dd_div(two_prod(sw[:, None] + 0 * t, (dim - 2 * np.arange(n_pts))[None, :] + 0.0 * sw[:, None]),
                (float(dim), 0.0))
    f = e
    with ctx.workprec(192):
        w_a, b_a = [as_arb(x) for x in sw], [as_arb(x) for x in sb]
        q = [w + b for w, b in zip(w_a, b_a, strict=True)]  # Σ(1)
        thd = list(q)  # Θ(1)
        sig0 = list(b_a)  # Σ(0)
        th0 = list(b_a)  # Θ(0)
        two_pi = 2 / arb.pi()
        four_pi = 4 / arb.pi()
        for depth in range(max_depth + 1):
            s0 = np.array([[float(x.mid())] for x in sig0])
            t0 = np.array([[float(x.mid())] for x in th0])
            for kern, (grid, base) in enumerate(((e, s0), (f, t0))):
                dk, done = grid, 0
                for i, k in enumerate(degrees):
                    for _ in range(k - done):  # (I − T_{2Δ})^k, incrementally in k
                        dk = dd_sub((dk[0][:, :-2], dk[1][:, :-2]), (dk[0][:, 2:], dk[1][:, 2:]))
                    done = k
                    val = _weighted_sum(dk, weights[i])
                    out[:, kern, depth, i] = val + base[:, 0] if k == 0 else val
            if depth == max_depth:
                break
            # layer scalars (Arb): a = 2Q/(2Q+1), y0 = a Σ(0)/Q, κ = (4/π)/(2Q+1)
            sc = []
            for j in range(n_set):
                qq = q[j]
                a = 1 - 1 / (2 * qq + 1)  # = 2Q/(2Q+1) with Q once: no ball blow-up
                y0 = a * sig0[j] / qq
                s_0 = (1 - y0 * y0).sqrt()
                kap = four_pi / (2 * qq + 1)
                vp0 = kap / s_0
                as0 = y0.asin()
                new_sig0 = w_a[j] * two_pi * as0 + b_a[j]
                new_q = w_a[j] * two_pi * a.asin() + b_a[j]
                th0[j] = new_sig0 + w_a[j] * vp0 * th0[j]
                thd[j] = new_q + w_a[j] * kap / (1 - a * a).sqrt() * thd[j]
                sig0[j], q[j] = new_sig0, new_q
                sc.append([dd_of_ball(x) for x in (2 / (2 * qq + 1), y0, s_0, kap, vp0, as0)])
            col = [(np.array([[r[m][0]] for r in sc]), np.array([[r[m][1]] for r in sc]))
                   for m in range(6)]
            a_over_q, y0d, s0d, kapd, vp0d, as0d = col
            w_dd = (sw[:, None], 0.0 * sw[:, None])
            th_old = dd_add((t0, 0.0 * t0), f)
            delta = dd_mul(a_over_q, e)
            y = dd_add(y0d, delta)
            two_y0_d = dd_add(dd_add(y0d, y0d), delta)
            num = dd_mul(delta, two_y0_d)  # y² − y0²
            s_r = dd_sqrt(dd_mul(dd_sub((1.0, 0.0), y), dd_add((1.0, 0.0), y)))
            same = (y0d[0] * y[0] > 0) | (y0d[0] == 0)
            with np.errstate(invalid="ignore", divide="ignore"):
                den = dd_add(dd_mul(y, s0d), dd_mul(y0d, s_r))
                z = dd_div(num, den)
                z = (np.where(same, z[0], y[0]), np.where(same, z[1], y[1]))
                z = (np.where(delta[0] == 0, 0.0, z[0]), np.where(delta[0] == 0, 0.0, z[1]))
                diff = dd_asin(z)
                diff = dd_sub(diff, (np.where(same, 0.0, as0d[0]), np.where(same, 0.0, as0d[1])))
                dvp = dd_div(dd_mul(kapd, num), dd_mul(dd_mul(s_r, s0d), dd_add(s_r, s0d)))
            two_pi_dd = dd_of_ball(two_pi)
            e_new = dd_mul(dd_mul(w_dd, (two_pi_dd[0], two_pi_dd[1])), diff)
            f = dd_add(e_new, dd_mul(w_dd, dd_add(dd_mul(dvp, th_old), dd_mul(vp0d, f))))
            e = e_new
            # t = 1 is an unstable fixed point of the correlation map in the chaotic phase
            # (χ₁ > 1): there the r = 0 differences come from Arb, Φ(1) − Φ(0), whenever Arb
            # resolves them to dd accuracy (always, unless Φ(1) ≈ Φ(0) — the ordered phase,
            # where the recursion above is the stable one).
            for j in range(n_set):
                for grid, top, bot in ((e, q[j], sig0[j]), (f, thd[j], th0[j])):
                    gap = top - bot
                    if gap.is_finite() and float(gap.rad()) < 2.0**-110 * abs(float(gap.mid())):
                        grid[0][j, 0], grid[1][j, 0] = dd_of_ball(gap)
            # σ_b² = 0: Φ is odd (t = −1 is the mirror fixed point); impose E_{d−r} = −E_r
            for grid in (e, f):
                for part in grid:
                    part[odd_rows] = 0.5 * (part[odd_rows] - part[odd_rows][:, ::-1])
    odd = sb == 0
    for i, k in enumerate(degrees):
        if k % 2 == 0:
            out[odd, :, :, i] = 0.0  # Φ odd in t (erf, σ_b² = 0): exact zeros
    return out
