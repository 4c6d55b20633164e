r"""The document's float64 algorithms for boolean-cube eigenvalues, as printed (§3.5).

These are the *objects under test* of the numerical-stability claims of Yang & Salman (2019),
§3.5 — not the suite's eigenvalue engine (that is ``numeric.boolean_cube``, certified by ball
arithmetic). All take the grid ``phi_grid[r] = Φ(1 − rΔ)``, r = 0 … d, Δ = 2/d, and return μ_k.

* :func:`naive_krawtchouk` — Lemma 3.2, first form (Eq. 4–5):
  :math:`\mu_k = 2^{-d}\sum_r C^r_{d-k,k}\,\Phi(1 - r\Delta)`, alternating integer coefficients;
* :func:`one_step` — Eq. 6: :math:`\Phi^{(a)}(t) = \tfrac12(\Phi^{(a-1)}(t) - \Phi^{(a-1)}(t-\Delta))`
  k times, then :math:`\mu_k = \sum_{r=0}^{d-k} \mathrm{Bin}(d-k, \tfrac12)(r)\,\Phi^{(k)}(1 - r\Delta)`;
* :func:`two_step` — "a slightly more clever way": :math:`(I - T_\Delta)(I + T_\Delta) = I - T_{2\Delta}`,
  so :math:`\mu_k = 4^{-k}\sum_{r=0}^{d-2k} \mathrm{Bin}(d-2k, \tfrac12)(r)\,[(I - T_{2\Delta})^k\Phi](1 - r\Delta)`
  (2k ≤ d; the paper falls back to :func:`one_step` otherwise);
* :func:`exact_on_grid` — the same linear functional evaluated exactly (integer Krawtchouk
  coefficients, mpmath at ``dps`` digits) on the *same* float64 grid values: the reference
  that isolates each algorithm's own rounding error;
* :func:`amplification` — Σ|terms| / |Σ terms| of each algorithm's final sum (cancellation).

Binomial weights are ``scipy.stats.binom.pmf`` (no overflow of 2^d or C(d, r)).

References: Yang & Salman (2019), "A Fine-Grained Spectral Perspective on Neural Networks",
§3.1 Lemma 3.2 and §3.5; Higham (2002), "Accuracy and Stability of Numerical Algorithms", §4.
"""

from __future__ import annotations

import math
from typing import Any

import mpmath
import numpy as np
from scipy.stats import binom

METHODS = ("naive", "one_step", "two_step")


def _grid(phi_grid: Any) -> np.ndarray:
    g = np.asarray(phi_grid, dtype=np.float64)
    if g.ndim != 1 or g.size < 2 or not np.all(np.isfinite(g)):
        raise ValueError(f"phi_grid must be a finite 1-D array Φ(1 − rΔ), r = 0 … d, got shape {g.shape}")
    return g


def _k(k: Any, d: int, *, two_step: bool = False) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 0 <= k <= d:
        raise ValueError(f"k must be an integer in [0, d = {d}], got {k!r}")
    if two_step and 2 * k > d:
        raise ValueError(f"k must satisfy 2k <= d = {d} for the two-step algorithm, got {k}")
    return int(k)


def krawtchouk_row(d: int, k: int) -> list[int]:
    """Exact C^r_{d−k,k} = Σ_j (−1)^j C(k, j) C(d−k, r−j), r = 0 … d (Lemma 3.2)."""
    return [
        sum((-1) ** j * math.comb(k, j) * math.comb(d - k, r - j) for j in range(0, min(k, r) + 1))
        for r in range(d + 1)
    ]


def _naive_terms(g: np.ndarray, k: int) -> np.ndarray:
    d = g.size - 1
    coeff = np.array([float(c) for c in krawtchouk_row(d, k)])
    return coeff * g * 2.0**-d


def naive_krawtchouk(phi_grid: Any, k: int) -> float:
    """μ_k by the alternating Krawtchouk sum in float64 (Lemma 3.2, Eq. 4–5)."""
    g = _grid(phi_grid)
    k = _k(k, g.size - 1)
    return float(np.sum(_naive_terms(g, k)))


def _one_step_terms(g: np.ndarray, k: int) -> np.ndarray:
    d = g.size - 1
    diff = g.copy()
    for _ in range(k):
        diff = 0.5 * (diff[:-1] - diff[1:])  # (½(I − T_Δ)) Φ on t = 1 − rΔ, r ≤ d − a
    return binom.pmf(np.arange(d - k + 1), d - k, 0.5) * diff


def one_step(phi_grid: Any, k: int) -> float:
    """μ_k by Eq. 6: k halved first differences, then a binomial-weighted sum (float64)."""
    g = _grid(phi_grid)
    k = _k(k, g.size - 1)
    return float(np.sum(_one_step_terms(g, k)))


def _two_step_terms(g: np.ndarray, k: int) -> np.ndarray:
    d = g.size - 1
    diff = g.copy()
    for _ in range(k):
        diff = diff[:-2] - diff[2:]  # (I − T_{2Δ}) Φ
    return 4.0**-k * binom.pmf(np.arange(d - 2 * k + 1), d - 2 * k, 0.5) * diff


def two_step(phi_grid: Any, k: int) -> float:
    """μ_k by the two-step algorithm: k differences of step 2Δ, binomial sum of length d − 2k."""
    g = _grid(phi_grid)
    k = _k(k, g.size - 1, two_step=True)
    return float(np.sum(_two_step_terms(g, k)))


def finite_differences(phi_grid: Any, k: int, step: int = 1) -> np.ndarray:
    """[(I − T_{step·Δ})^k Φ](1 − rΔ) on the grid (unscaled), float64."""
    g = _grid(phi_grid)
    k = _k(k, g.size - 1)
    if step not in (1, 2):
        raise ValueError(f"step must be 1 or 2, got {step!r}")
    diff = g.copy()
    for _ in range(k):
        diff = diff[:-step] - diff[step:]
    return diff


def exact_on_grid(phi_grid: Any, k: int, dps: int = 80) -> mpmath.mpf:
    """2^{−d} Σ_r C^r_{d−k,k} g_r with exact integers and g_r = the given float64 values."""
    g = _grid(phi_grid)
    d = g.size - 1
    k = _k(k, d)
    with mpmath.workdps(dps):
        total = mpmath.fsum(
            c * mpmath.mpf(float(v)) for c, v in zip(krawtchouk_row(d, k), g, strict=True)
        )
        return total / mpmath.mpf(2) ** d


def amplification(phi_grid: Any, k: int, method: str) -> float:
    """Σ|terms| / |Σ terms| of the final sum of ``method`` (∞ when the sum is exactly 0)."""
    g = _grid(phi_grid)
    d = g.size - 1
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    k = _k(k, d, two_step=method == "two_step")
    terms = {"naive": _naive_terms, "one_step": _one_step_terms, "two_step": _two_step_terms}[
        method
    ](g, k)
    total = abs(float(np.sum(terms)))
    return math.inf if total == 0 else float(np.sum(np.abs(terms)) / total)
