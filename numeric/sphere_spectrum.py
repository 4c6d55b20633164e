r"""Eigenvalues of dot-product kernels on the sphere (Gegenbauer / Funk–Hecke) and the partial
diagonalisation over the standard Gaussian.

**Sphere.** On the radius-√d sphere with uniform measure, K(x, y) = Φ(⟨x, y⟩/d) is diagonalised
by spherical harmonics; the degree-l eigenvalue (multiplicity N(d, l) = C(d+l−1, l) − C(d+l−3, l−2))
is the Funk–Hecke coefficient

.. math::
    \mu_l^{sph} = \mathbb E_t[\Phi(t) P_l(t)],\quad P_l = C_l^{(\alpha)}/C_l^{(\alpha)}(1),\
    \alpha = \tfrac{d-2}{2},\quad t \sim c_d (1 - t^2)^{(d-3)/2}\,dt \text{ on } [-1, 1].

Gauss–Gegenbauer quadrature integrates the weight exactly; the integrand Φ·P_l is smooth away
from t = ±1, where the weight's (d−3)/2 power suppresses any endpoint singularity of Φ, so a
few dozen nodes suffice at large d. **Stability**: μ_l is tiny relative to the terms
Φ(t_i)P_l(t_i) (≈ d^l/l! cancellation), so float64 loses ~log10(d^l/l!) digits. The stable mode
(``dps=``) carries nodes, weights, P_l and Φ(t_i) at ``dps`` digits: nodes are refined from
SciPy's float64 roots by Newton's method in mpmath, Φ is evaluated by ``numeric.kernels`` at
that precision. The float64 mode is kept for speed at low l and to demonstrate the instability.

**Gaussian.** For x ~ N(0, I_d), K(x, y) = Φ(cos∠(x, y), ‖x‖²/d, ‖y‖²/d) (``numeric.kernels``
with the actual Gram ⟨x, y⟩/d) is partially diagonalised: eigenfunctions g(‖x‖)Y_lm(x̂), with g
an eigenfunction of the radial kernel κ_l(r, r') = E_t[Φ(t, r²/d, r'²/d) P_l(t)] on the law of
‖x‖ (‖x‖² ~ χ²_d). :func:`gaussian_radial_eigenvalues` discretises ‖x‖² by generalised
Gauss–Laguerre quadrature (weight u^{d/2−1}e^{−u/2}) and returns the eigenvalues of
√w κ_l √w, largest first.

References: Yang & Salman (2019), §3.2–3.4 and App. E; Smola, Óvári & Williamson (2001);
Atkinson & Han (2012), "Spherical Harmonics and Approximations on the Unit Sphere", ch. 2.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
from scipy.special import eval_gegenbauer, roots_gegenbauer, roots_genlaguerre

from numeric.kernels import kernel_sequence
from theory.validation import check_bias_variance, check_choice, check_depth, check_variance

KERNELS = ("ck", "ntk")


def _check_dim(d: Any) -> int:
    if isinstance(d, bool) or not isinstance(d, int | np.integer) or d < 3:
        raise ValueError(f"d must be an integer >= 3 (sphere S^{{d-1}} with d >= 3), got {d!r}")
    return int(d)


def _check_int(name: str, v: Any, lo: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < lo:
        raise ValueError(f"{name} must be an integer >= {lo}, got {v!r}")
    return int(v)


def multiplicity(d: int, l: int) -> int:
    """N(d, l) = C(d+l−1, l) − C(d+l−3, l−2): dimension of degree-l spherical harmonics in ℝ^d."""
    d, l = _check_dim(d), _check_int("l", l, 0)
    return math.comb(d + l - 1, l) - (math.comb(d + l - 3, l - 2) if l >= 2 else 0)


# ------------------------------------------------------------------ nodes and weights


@functools.lru_cache(maxsize=64)
def _nodes_float(d: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    t, w = roots_gegenbauer(n, (d - 2) / 2)
    return t, w / np.sum(w)


@functools.lru_cache(maxsize=32)
def _nodes_mp(d: int, n: int, dps: int) -> tuple[tuple, tuple]:
    t0, _ = _nodes_float(d, n)
    with mpmath.workdps(dps + 10):
        alpha = mpmath.mpf(d - 2) / 2
        nodes, weights = [], []
        for x in t0:
            x = mpmath.mpf(float(x))
            for _ in range(100):
                step = mpmath.gegenbauer(n, alpha, x) / (2 * alpha * mpmath.gegenbauer(n - 1, alpha + 1, x))
                x -= step
                if abs(step) < mpmath.mpf(10) ** (-(dps + 5)):
                    break
            deriv = 2 * alpha * mpmath.gegenbauer(n - 1, alpha + 1, x)
            nodes.append(x)
            weights.append(1 / ((1 - x * x) * deriv * deriv))  # ∝ Christoffel weight
        total = mpmath.fsum(weights)
        return tuple(+x for x in nodes), tuple(+w / total for w in weights)


def gegenbauer_nodes(d: int, n: int, dps: int | None = None) -> tuple[Any, Any]:
    """n-point Gauss rule for the law of t = ⟨x, y⟩/d on the √d-sphere (weights sum to 1)."""
    d, n = _check_dim(d), _check_int("n", n, 2)
    if dps is None:
        t, w = _nodes_float(d, n)
        return t.copy(), w.copy()
    dps = _check_int("dps", dps, 15)
    t_mp, w_mp = _nodes_mp(d, n, dps)
    return list(t_mp), list(w_mp)


def legendre_d(l: int, d: int, t: Any, dps: int | None = None) -> Any:
    """P_l(t) = C_l^{(α)}(t)/C_l^{(α)}(1), α = (d−2)/2 (float64 array, or mpmath list)."""
    d, l = _check_dim(d), _check_int("l", l, 0)
    if dps is None:
        alpha = (d - 2) / 2
        return eval_gegenbauer(l, alpha, np.asarray(t, dtype=float)) / eval_gegenbauer(l, alpha, 1.0)
    with mpmath.workdps(dps):
        alpha = mpmath.mpf(d - 2) / 2
        c1 = mpmath.gegenbauer(l, alpha, 1)
        return [mpmath.gegenbauer(l, alpha, x) / c1 for x in t]


# ------------------------------------------------------------------ Φ of the CK / NTK


def neural_phi(
    kernel: str, activation: str, depth: int, sigma_w2: float, sigma_b2: float, dps: int | None = None
) -> Callable[[Any], Any]:
    """Φ(t) of the CK/NTK on unit-norm inputs as a callable on an array (float64) or list (mpmath).

    float64: one ``numeric.kernels`` call on the realisable Gram of x = e₁ and y_i = t_i e₁ +
    √(1−t_i²) e₂; mpmath: one 2×2 call per t at ``dps`` digits.
    """
    kernel = check_choice("kernel", kernel, KERNELS)
    depth = check_depth(depth)
    sigma_w2 = check_variance("sigma_w2", sigma_w2)
    sigma_b2 = check_bias_variance("sigma_b2", sigma_b2)
    idx = 0 if kernel == "ck" else 1
    ntk = kernel == "ntk"

    if dps is None:
        def phi(t):
            t = np.asarray(t, dtype=float)
            if np.any(np.abs(t) > 1):
                raise ValueError("t must lie in [-1, 1]")
            s = np.sqrt(1 - t * t)
            vec = np.concatenate([[[1.0, 0.0]], np.stack([t, s], axis=1)])
            gram = vec @ vec.T
            np.fill_diagonal(gram, 1.0)
            out = kernel_sequence(activation, sigma_w2, sigma_b2, depth, gram, ntk=ntk)[-1][idx]
            return np.asarray(out[0, 1:], dtype=float)

        return phi
    dps = _check_int("dps", dps, 15)

    def phi_mp(ts):
        out = []
        with mpmath.workdps(dps):
            for x in ts:
                gram = np.array([[mpmath.mpf(1), x], [x, mpmath.mpf(1)]], dtype=object)
                val = kernel_sequence(activation, sigma_w2, sigma_b2, depth, gram, dps=dps, ntk=ntk)
                out.append(val[-1][idx][0, 1])
        return out

    return phi_mp


# ------------------------------------------------------------------ sphere eigenvalues


def sphere_eigenvalues(
    phi: Callable[[Any], Any], d: int, lmax: int, n_nodes: int = 200, dps: int | None = None
) -> Any:
    """μ_0^{sph} … μ_lmax^{sph} of Φ on the √d-sphere by n-point Gauss–Gegenbauer quadrature.

    ``phi`` takes the node array (float64) or node list (``dps``); see :func:`neural_phi`.
    Returns a float64 array, or a list of mpmath numbers at ``dps`` digits.
    """
    d, lmax = _check_dim(d), _check_int("lmax", lmax, 0)
    n_nodes = _check_int("n_nodes", n_nodes, 2)
    t, w = gegenbauer_nodes(d, n_nodes, dps)
    values = phi(t)
    if dps is None:
        values = np.asarray(values, dtype=float)
        return np.array([float(np.sum(w * values * legendre_d(l, d, t))) for l in range(lmax + 1)])
    with mpmath.workdps(dps):
        return [mpmath.fsum(wi * vi * pi for wi, vi, pi in zip(w, values, legendre_d(l, d, t, dps), strict=True))
                for l in range(lmax + 1)]


# ------------------------------------------------------------------ Gaussian


def gaussian_radial_eigenvalues(
    kernel: str,
    activation: str,
    depth: int,
    sigma_w2: float,
    sigma_b2: float,
    d: int,
    lmax: int,
    n_radial: int = 20,
    n_nodes: int = 48,
) -> np.ndarray:
    """Eigenvalues (largest first) of the degree-l radial operators, l = 0 … lmax: (lmax+1, n_radial).

    K(x, y) for |x|²/d = a_i, |y|²/d = a_j, cos = t_m is evaluated by ``numeric.kernels`` on the
    realisable Gram of x_i = √a_i e₁, y_{j,m} = √a_j (t_m e₁ + √(1−t_m²) e₂) (all inputs at once).
    """
    kernel = check_choice("kernel", kernel, KERNELS)
    d, lmax = _check_dim(d), _check_int("lmax", lmax, 0)
    n_radial, n_nodes = _check_int("n_radial", n_radial, 1), _check_int("n_nodes", n_nodes, 2)
    s, wr = roots_genlaguerre(n_radial, d / 2 - 1)  # s = ‖x‖²/2 ~ Gamma(d/2)
    wr = wr / np.sum(wr)
    a = 2 * s / d  # ‖x‖²/d
    t, wt = gegenbauer_nodes(d, n_nodes)
    st = np.sqrt(1 - t * t)
    xs = np.stack([np.sqrt(a), np.zeros_like(a)], axis=1)
    ys = (np.sqrt(a)[:, None, None] * np.stack([t, st], axis=1)[None]).reshape(-1, 2)
    vec = np.concatenate([xs, ys])
    gram = vec @ vec.T
    idx = 0 if kernel == "ck" else 1
    full = kernel_sequence(activation, sigma_w2, sigma_b2, depth, gram, ntk=kernel == "ntk")[-1][idx]
    block = np.asarray(full[:n_radial, n_radial:], dtype=float).reshape(n_radial, n_radial, n_nodes)
    out = np.empty((lmax + 1, n_radial))
    root_w = np.sqrt(wr)
    for l in range(lmax + 1):
        kappa = np.einsum("ijm,m->ij", block, wt * legendre_d(l, d, t))
        kappa = (kappa + kappa.T) / 2
        out[l] = np.sort(np.linalg.eigvalsh(root_w[:, None] * kappa * root_w[None, :]))[::-1]
    return out
