r"""Fast, uncertified boolean-cube eigenvalues of the erf and relu CK / NTK over many (σ_w², σ_b²)
settings and all depths, in double-double NumPy arithmetic.

For the 41 × 41 × depth sweeps of Yang & Salman's Fig. 2, float64 grids are useless (the
k = 8 eigenvalue is ~1e-15·Φ(1) and, in the ordered / chaotic phases at depth ~100, Φ varies by
< 1e-39·Φ(1) over the grid) and Arb costs ~5 µs per point and layer. This module runs the
layer recursion on the grid t_r = 1 − 2r/d in double-double (``numeric.double_double``),
vectorised over settings, with the registry duals (``theory.activations``) in closed form, and
carries the grid as *differences from one reference point*, updated by cancellation-free
difference formulas (one per activation). Conventions are the kernel core's: depth = number of
hidden layers, Σ¹(t) = σ_w² t + σ_b², Σ^{l+1} = σ_w² V_φ(Σ^l) + σ_b², NTK parametrisation
Θ^{l+1} = Σ^{l+1} + σ_w² V_φ′(Σ^l) Θ^l, with the norm Q = Σ^l(1) the same at every cube point.

**erf** (Williams' dual), y = 2Σ/(2Q + 1), κ = (4/π)/(2Q + 1):

.. math::
    V_{\mathrm{erf}} = \tfrac{2}{\pi}\arcsin y,\qquad V_{\mathrm{erf}'} = \kappa / \sqrt{1 - y^2}.

The grid is E_r = Φ(t_r) − Φ(0) (CK: E, NTK: F), with s = √(1 − y²), δ = y − y₀:
arcsin y − arcsin y₀ = arcsin[δ(2y₀ + δ)/(y s₀ + y₀ s)] (y, y₀ of one sign) and
κ(1/s − 1/s₀) = κ δ(2y₀ + δ)/(s s₀ (s + s₀)); Φ(0), Φ(1) and the per-layer scalars come from
Arb at 192 bits. In the chaotic phase t = 1 is an unstable fixed point, so the r = 0
differences are taken from Arb whenever Arb resolves them to dd accuracy; for σ_b² = 0
(Φ odd) the antisymmetry E_{d−r} = −E_r is imposed and the even degrees are exact zeros.

**relu** (arc-cosine dual), y = Σ/Q = cos θ, s = sin θ = √(1 − y²):

.. math::
    V_{\mathrm{relu}} = \tfrac{Q}{2\pi}\,[s + (\pi - \theta) y],\qquad
    V_{\mathrm{step}} = (\pi - \theta)/(2\pi),

(π − θ = π/2 + arcsin y). The relu correlation map is contracting towards t = 1 (ordered
phase σ_w² < 2 with σ_b² > 0: Φ(1) − Φ(t) ~ (σ_w²/2)^l Φ(1) ≈ 1e-39 Φ(1) at depth 128), so
the grid is carried as D_r = Σ(1) − Σ(t_r) ≥ 0 and G_r = Θ(1) − Θ(t_r) ≥ 0. With
u = 1 − y = D/Q (exact up to one dd division, no cancellation),

.. math::
    D' = \tfrac{\sigma_w^2 Q}{2\pi}\,[(\pi - \theta)\,u + (\theta - \sin\theta)],\qquad
    G' = D' + \sigma_w^2\,[\tfrac{\theta}{2\pi}\,\Theta(1) + \tfrac{\pi - \theta}{2\pi}\,G],

sums of non-negative terms only. θ = 2 arcsin √(u/2) for u ≤ 1 and π − θ = 2 arcsin √(1 − u/2)
for u > 1 (arguments ≤ 1/√2: the dd arcsin is well conditioned); sin θ = √(u(2 − u));
θ − sin θ by its Taylor series for θ < 1/4 (alternating, first term dominant) and by a
dd subtraction above (cancellation ≤ 6/θ² < 100). The scalars Q' = σ_w² Q/2 + σ_b²,
Θ(1)' = Q' + σ_w² Θ(1)/2 are rational and run in dd. Depth 0 is exact (linear kernel: μ_0 = σ_b²,
μ_1 = σ_w²/d, μ_{k≥2} = 0), and so are the zeros the math gives at depth 1 for σ_b² = 0 (the
relu and step duals are c/4 (resp. 1/4) plus an even function of c, so Σ² and Θ² have no odd
component beyond degree 1: μ_k = 0 for odd k ≥ 3). No other exact zeros.

**Eigenvalues** (both activations): μ_k (k ≥ 1) = 4^{-k} Σ_r Bin(d − 2k, ½)(r)
[(I − T_{2Δ})^k E](t_r) (the two-step form of Lemma 3.2, 2k ≤ d) for the grid E of signed
differences from a base point (erf: E, base Φ(0); relu: −D, base Φ(1)): the differences in dd,
the positive-weight sum in float64 where its error bound allows and in dd (TwoProd + AccSum)
otherwise; μ_0 adds back the base value.

Not a proof: accuracy (≤ 1e-10 relative) is established by sampling against the certified
``boolean_cube_depth_sweep`` (tests/test_dd_cube_sweep.py, tests/test_boolean_cube.py,
benchmarks/bench_boolean_cube.py).

References: Yang & Salman, "A Fine-Grained Spectral Perspective on Neural Networks" (2019),
§3.5 and Fig. 2; Williams, "Computing with infinite networks" (NeurIPS 1996) (erf dual);
Cho & Saul, "Kernel methods for deep learning" (NeurIPS 2009) (arc-cosine dual);
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
    dd_neg,
    dd_of_ball,
    dd_sqrt,
    dd_sub,
    two_prod,
    two_sum,
)
from numeric.interval_duals import as_arb
from theory.validation import check_bias_variance, check_choice, check_depth, check_variance

ACTIVATIONS = ("erf", "relu")


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


@functools.lru_cache(maxsize=4)
def _dd_constants(n_taylor: int = 11) -> dict:
    """π, 1/(2π) and the coefficients (−1)^{n+1}/(2n+1)!, n = 1 … n_taylor, as dd pairs."""
    def pair(x):
        hi = float(x)
        return hi, float(x - mpmath.mpf(hi))

    with mpmath.workdps(50):
        return dict(
            pi=pair(mpmath.pi),
            inv_2pi=pair(1 / (2 * mpmath.pi)),
            taylor=[pair((-1) ** (n + 1) / mpmath.factorial(2 * n + 1))
                    for n in range(1, n_taylor + 1)],
        )


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


def _spectrum(grid, base: np.ndarray, weights, degrees) -> np.ndarray:
    """μ_k (S × len(degrees)) from the dd grid E of differences from the base value Φ(t*)."""
    out = np.empty((grid[0].shape[0], len(degrees)))
    dk, done = grid, 0
    for i, k in enumerate(degrees):
        for _ in range(k - done):  # (I − T_{2Δ})^k, incrementally in k
            dk = dd_sub((dk[0][:, :-2], dk[1][:, :-2]), (dk[0][:, 2:], dk[1][:, 2:]))
        done = k
        val = _weighted_sum(dk, weights[i])
        out[:, i] = val + base if k == 0 else val
    return out


# ------------------------------------------------------------------ erf


class _ErfRecursion:
    """erf CK/NTK grids as differences from t = 0 (see the module docstring)."""

    def __init__(self, sw: np.ndarray, sb: np.ndarray, dim: int):
        n_pts = dim + 1
        self.sw, self.sb = sw, sb
        self.odd_rows = np.nonzero(sb == 0)[0]
        t = np.zeros(n_pts)
        # Σ¹(t_r) − Σ¹(0) = σ_w² (d − 2r)/d: exact product, then one dd division
        self.e = dd_div(two_prod(sw[:, None] + 0 * t,
                                 (dim - 2 * np.arange(n_pts))[None, :] + 0.0 * sw[:, None]),
                        (float(dim), 0.0))
        self.f = self.e
        with ctx.workprec(192):
            self.w_a, self.b_a = [as_arb(x) for x in sw], [as_arb(x) for x in sb]
            self.q = [w + b for w, b in zip(self.w_a, self.b_a, strict=True)]  # Σ(1)
            self.thd = list(self.q)  # Θ(1)
            self.sig0 = list(self.b_a)  # Σ(0)
            self.th0 = list(self.b_a)  # Θ(0)
            self.two_pi = 2 / arb.pi()
            self.four_pi = 4 / arb.pi()

    def grids(self):
        s0 = np.array([float(x.mid()) for x in self.sig0])
        t0 = np.array([float(x.mid()) for x in self.th0])
        return (self.e, s0), (self.f, t0)

    def step(self):
        with ctx.workprec(192):
            self._step()

    def _step(self):
        sw, e, f = self.sw, self.e, self.f
        w_a, b_a, q, thd, sig0, th0 = self.w_a, self.b_a, self.q, self.thd, self.sig0, self.th0
        two_pi, four_pi = self.two_pi, self.four_pi
        t0 = np.array([[float(x.mid())] for x in th0])
        # layer scalars (Arb): a = 2Q/(2Q+1), y0 = a Σ(0)/Q, κ = (4/π)/(2Q+1)
        sc = []
        for j in range(sw.size):
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
        for j in range(sw.size):
            for grid, top, bot in ((e, q[j], sig0[j]), (f, thd[j], th0[j])):
                gap = top - bot
                if gap.is_finite() and float(gap.rad()) < 2.0**-110 * abs(float(gap.mid())):
                    grid[0][j, 0], grid[1][j, 0] = dd_of_ball(gap)
        # σ_b² = 0: Φ is odd (t = −1 is the mirror fixed point); impose E_{d−r} = −E_r
        odd_rows = self.odd_rows
        for grid in (e, f):
            for part in grid:
                part[odd_rows] = 0.5 * (part[odd_rows] - part[odd_rows][:, ::-1])
        self.e, self.f = e, f

    def exact_values(self, out: np.ndarray, degrees: tuple[int, ...]) -> None:
        odd = self.sb == 0
        for i, k in enumerate(degrees):
            if k % 2 == 0:
                out[odd, :, :, i] = 0.0  # Φ odd in t (erf, σ_b² = 0): exact zeros


# ------------------------------------------------------------------ relu


def _theta_minus_sin(theta, sin_theta):
    """θ − sin θ in dd: Taylor series θ³ Σ_n (−θ²)^{n−1}/(2n+1)! for θ < 1/4 (11 terms: the
    remainder is < 1e-35 relative), dd subtraction θ − sin θ above (cancellation < 6/θ² < 100)."""
    coef = _dd_constants()["taylor"]
    t2 = dd_mul(theta, theta)
    acc = (coef[-1][0] + 0 * t2[0], coef[-1][1] + 0 * t2[0])
    for c in reversed(coef[:-1]):  # Horner in θ²
        acc = dd_add(dd_mul(acc, t2), (c[0] + 0 * t2[0], c[1] + 0 * t2[0]))
    series = dd_mul(dd_mul(acc, t2), theta)
    direct = dd_sub(theta, sin_theta)
    small = theta[0] < 0.25
    return np.where(small, series[0], direct[0]), np.where(small, series[1], direct[1])


class _ReluRecursion:
    """relu CK/NTK grids as differences D = Σ(1) − Σ(t), G = Θ(1) − Θ(t) ≥ 0 (module docstring)."""

    def __init__(self, sw: np.ndarray, sb: np.ndarray, dim: int):
        self.sw, self.sb, self.dim = sw[:, None], sb[:, None], dim
        # D¹_r = σ_w² (1 − t_r) = σ_w² · 2r/d: exact product, then one dd division
        two_r = 2.0 * np.arange(dim + 1)[None, :]
        self.d = dd_div(two_prod(self.sw + 0 * two_r, two_r + 0 * self.sw), (float(dim), 0.0))
        self.g = self.d
        self.q = two_sum(self.sw, self.sb)  # Σ(1) = σ_w² + σ_b², dd
        self.p = self.q  # Θ(1)

    def grids(self):
        return ((dd_neg(self.d), (self.q[0] + self.q[1])[:, 0]),
                (dd_neg(self.g), (self.p[0] + self.p[1])[:, 0]))

    def step(self):
        cst = _dd_constants()
        pi, inv_2pi = cst["pi"], cst["inv_2pi"]
        w = (self.sw, 0.0 * self.sw)
        d, g, q, p = self.d, self.g, self.q, self.p
        u = dd_div(d, q)  # 1 − y ∈ [0, 2]
        v = dd_sub((2.0, 0.0), u)  # 1 + y
        with np.errstate(invalid="ignore"):
            sin_t = dd_sqrt(dd_mul(u, v))
        lower = u[0] <= 1.0  # y ≥ 0: θ = 2 arcsin √(u/2); else π − θ = 2 arcsin √(v/2)
        half = (np.where(lower, u[0], v[0]) * 0.5, np.where(lower, u[1], v[1]) * 0.5)
        a = dd_asin(dd_sqrt((np.maximum(half[0], 0.0), half[1])))
        a = (2.0 * a[0], 2.0 * a[1])
        pi_a = dd_sub(pi, a)
        theta = (np.where(lower, a[0], pi_a[0]), np.where(lower, a[1], pi_a[1]))
        pi_theta = (np.where(lower, pi_a[0], a[0]), np.where(lower, pi_a[1], a[1]))
        tms = _theta_minus_sin(theta, sin_t)
        wq = dd_mul(dd_mul(w, q), inv_2pi)  # σ_w² Q/(2π)
        d_new = dd_mul(wq, dd_add(dd_mul(pi_theta, u), tms))
        g_new = dd_add(d_new, dd_mul(w, dd_mul(inv_2pi, dd_add(dd_mul(theta, p),
                                                              dd_mul(pi_theta, g)))))
        q_new = dd_add(dd_mul(w, (0.5 * q[0], 0.5 * q[1])), (self.sb, 0.0 * self.sb))
        p_new = dd_add(q_new, dd_mul(w, (0.5 * p[0], 0.5 * p[1])))
        # t = 1 (r = 0) is the diagonal: D = G = 0 exactly
        for x in (d_new, g_new):
            x[0][:, 0], x[1][:, 0] = 0.0, 0.0
        self.d, self.g, self.q, self.p = d_new, g_new, q_new, p_new

    def exact_values(self, out: np.ndarray, degrees: tuple[int, ...]) -> None:
        sw, sb = self.sw[:, 0], self.sb[:, 0]
        # depth 0: Φ(t) = σ_w² t + σ_b², so μ_0 = σ_b², μ_1 = σ_w²/d, μ_k = 0 for k ≥ 2
        for i, k in enumerate(degrees):
            val = sb if k == 0 else (sw / self.dim if k == 1 else 0.0 * sw)
            out[:, 0, 0, i] = out[:, 1, 0, i] = val
            if k % 2 == 1 and k >= 3 and out.shape[2] > 1:
                out[sb == 0, :, 1, i] = 0.0  # depth 1, σ_b² = 0: no odd part beyond degree 1


_RECURSIONS = {"erf": _ErfRecursion, "relu": _ReluRecursion}


def dd_depth_sweep(
    activation: str,
    sigma_w2: Any,
    sigma_b2: Any,
    max_depth: int,
    dim: int,
    degrees: Any = range(9),
) -> np.ndarray:
    """Fast μ_k of the CK and NTK for many (σ_w², σ_b²) settings and all depths 0 … max_depth.

    ``activation``: ``"erf"`` or ``"relu"``. ``sigma_w2``, ``sigma_b2``: 1-D arrays of equal
    length S (one entry per setting). Returns ``mu[s, kernel, depth, i]`` (kernel 0 = CK,
    1 = NTK, ``i`` indexes ``degrees``, which must satisfy 2k ≤ dim). Double-double difference
    recursion (see the module docstring); not certified — accuracy ≤ 1e-10 relative is checked
    by sampling against :func:`boolean_cube_depth_sweep`.
    """
    activation = check_choice("activation", activation, ACTIVATIONS)
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
    weights = _binom_weights(dim, degrees)
    out = np.zeros((sw.size, 2, max_depth + 1, len(degrees)))
    rec = _RECURSIONS[activation](sw, sb, dim)
    for depth in range(max_depth + 1):
        for kern, (grid, base) in enumerate(rec.grids()):
            out[:, kern, depth] = _spectrum(grid, base, weights, degrees)
        if depth < max_depth:
            rec.step()
    rec.exact_values(out, degrees)
    return out


def erf_depth_sweep(sigma_w2: Any, sigma_b2: Any, max_depth: int, dim: int,
                    degrees: Any = range(9)) -> np.ndarray:
    """:func:`dd_depth_sweep` for erf: ``mu[s, kernel, depth, i]``."""
    return dd_depth_sweep("erf", sigma_w2, sigma_b2, max_depth, dim, degrees)


def relu_depth_sweep(sigma_w2: Any, sigma_b2: Any, max_depth: int, dim: int,
                     degrees: Any = range(9)) -> np.ndarray:
    """:func:`dd_depth_sweep` for relu: ``mu[s, kernel, depth, i]``."""
    return dd_depth_sweep("relu", sigma_w2, sigma_b2, max_depth, dim, degrees)
