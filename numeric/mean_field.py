r"""Mean-field signal propagation: fixed points, χ's, depth scales, the critical line.

Maps (Poole et al. 2016; Schoenholz et al. 2017):

* length map :math:`q \mapsto \mathcal V(q) = \sigma_w^2 V_\phi(q, q, q) + \sigma_b^2`,
  :math:`q^*` its stable fixed point reached from q > 0;
* :math:`\chi_1 = \sigma_w^2 V_{\phi'}(q^*, q^*, q^*)` (slope of the correlation map at c = 1);
* correlation map :math:`c \mapsto [\sigma_w^2 V_\phi(q^*, q^*, c q^*) + \sigma_b^2]/q^*`,
  :math:`c^*` its stable fixed point (1 when χ₁ ≤ 1),
  :math:`\chi_c = \sigma_w^2 V_{\phi'}(q^*, q^*, c^* q^*)`;
* depth scales :math:`\xi_1 = -1/\log\chi_1`, :math:`\xi_c = -1/\log\chi_c`,
  :math:`\xi^* = -1/(\log\chi_c - \log\chi_1)` (Xiao et al. 2020).

All solvers bracket (``scipy.optimize.brentq``) and raise a ``ValueError``
naming the parameters when no finite stable fixed point exists (e.g. relu with
σ_w² ≥ 2 and σ_b² > 0, where q diverges).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import sympy as sp
from scipy.optimize import bisect, brentq

from numeric.duals import dual, dual_diag
from theory.activations import Activation, derivative_of, get_activation, z
from theory.validation import check_bias_variance, check_variance

#: largest q we look for a fixed point below; beyond, q is declared divergent
Q_MAX = 1e12


def _root(f, a: float, b: float, xtol: float) -> float:
    """Root in a sign-change bracket: Brent, else bisection (always terminates).

    Brent's 100 iterations do not always suffice: roots ~1e-159 with xtol = 1e-300, or a
    χ₁ − 1 that touches zero tangentially (σ_b² ≈ 0), where it stalls on round-off noise.
    """
    rtol = 4 * np.finfo(float).eps
    try:
        return float(brentq(f, a, b, xtol=xtol, rtol=rtol))
    except RuntimeError:
        return float(bisect(f, a, b, xtol=xtol, rtol=rtol, maxiter=2200))


def length_map(activation: str | Activation, sigma_w2: float, sigma_b2: float, q: float) -> float:
    """One step of the diagonal map q ↦ σ_w² E[φ(√q z)²] + σ_b²."""
    with np.errstate(over="ignore"):
        out = float(sigma_w2 * dual_diag(activation, q) + sigma_b2)
    if not math.isfinite(out):
        raise ValueError(
            f"the length map overflows float64 at q={q!r} (sigma_w2={sigma_w2!r}, sigma_b2={sigma_b2!r})"
        )
    return out


def q_star(activation: str | Activation, sigma_w2: float, sigma_b2: float) -> float:
    """Stable fixed point of the length map reached from any q > 0.

    Returns 0.0 when the origin attracts (σ_b² = 0 and the map lies below the
    diagonal). Raises ``ValueError`` when q diverges or, for positively
    homogeneous φ at σ_w² V_φ(1,1,1) = 1 and σ_b² = 0, when every q is fixed.

    >>> round(q_star("relu", 1.0, 1.0), 12)
    2.0
    """
    act = get_activation(activation)
    sigma_w2 = check_variance("sigma_w2", sigma_w2)
    sigma_b2 = check_bias_variance("sigma_b2", sigma_b2)
    if act.positively_homogeneous:  # the map is linear: q ↦ slope·q + σ_b²
        slope = sigma_w2 * float(dual(act, 1.0, 1.0, 1.0))
        if slope < 1:
            return sigma_b2 / (1 - slope)
        if slope == 1 and sigma_b2 == 0:
            raise ValueError(
                f"every q > 0 is a fixed point for activation={act.name!r}, "
                f"sigma_w2={sigma_w2!r}, sigma_b2=0 (marginal): q* is input-dependent"
            )
        raise ValueError(
            f"no finite fixed point of the length map for activation={act.name!r}, "
            f"sigma_w2={sigma_w2!r}, sigma_b2={sigma_b2!r}: q grows without bound "
            f"(requires sigma_w2 < {1 / float(dual(act, 1.0, 1.0, 1.0)):g})"
        )

    def g(q: float) -> float:
        return length_map(act, sigma_w2, sigma_b2, q) - q

    lo = sigma_b2 if sigma_b2 > 0 else 1e-12
    hi = _upper_bracket(act, sigma_w2, sigma_b2, g, start=max(2 * lo, 1.0))
    grid = np.geomspace(lo, hi, 400)
    with np.errstate(over="ignore", invalid="ignore"):  # overflow → no crossing there
        vals = sigma_w2 * dual_diag(act, grid) + sigma_b2 - grid
    idx = np.nonzero((vals[:-1] >= 0) & (vals[1:] < 0))[0]
    if idx.size == 0:
        if sigma_b2 == 0 and np.all(vals <= 0):
            return 0.0
        raise ValueError(  # pragma: no cover - g(σ_b²) ≥ 0 > g(hi) guarantees a crossing
            f"no stable fixed point bracketed for activation={act.name!r}, "
            f"sigma_w2={sigma_w2!r}, sigma_b2={sigma_b2!r}"
        )
    i = idx[-1]
    if vals[i] == 0:
        return float(grid[i])
    return _root(g, grid[i], grid[i + 1], xtol=1e-300)


def _upper_bracket(act, sigma_w2, sigma_b2, g, start: float) -> float:
    if act.bounded:  # V(q) ≤ sup φ², so g < 0 beyond σ_w² sup φ² + σ_b²
        return sigma_w2 * act.sup_phi2 + sigma_b2 + 1.0
    hi = start
    while hi < Q_MAX:
        try:
            below = g(hi) < 0
        except ValueError:  # V_φ(hi) overflows float64, so g(hi) > 0 and q diverges
            break
        if below:
            return hi
        hi *= 4
    raise ValueError(
        f"no finite fixed point of the length map for activation={act.name!r}, "
        f"sigma_w2={sigma_w2!r}, sigma_b2={sigma_b2!r}: q grows beyond {min(hi, Q_MAX):g}"
    )


def chi_1(activation: str | Activation, sigma_w2: float, sigma_b2: float) -> float:
    """χ₁ = σ_w² E[φ'(√q* z)²]."""
    act = get_activation(activation)
    der = derivative_of(act)
    if act.positively_homogeneous:  # φ' is 0-homogeneous: χ₁ does not depend on q*
        sigma_w2 = check_variance("sigma_w2", sigma_w2)
        check_bias_variance("sigma_b2", sigma_b2)
        return float(sigma_w2 * dual(der, 1.0, 1.0, 1.0))
    q = q_star(act, sigma_w2, sigma_b2)
    if q == 0.0:  # the limit q → 0⁺ of E[φ'(√q z)²] = φ'(0)²
        q = 1e-100
    return float(sigma_w2 * dual_diag(der, q))


def _v(activation: str | Activation, q: float, c: float) -> float:
    """V_φ(q, q, c q), through the accurate 1-D rule at c = 1 (consistent with χ₁, q*)."""
    if c == 1.0:
        return float(dual_diag(activation, q))
    return float(dual(activation, q, q, c * q))


def correlation_map(
    activation: str | Activation, sigma_w2: float, sigma_b2: float, c: float, q: float | None = None
) -> float:
    """c ↦ [σ_w² V_φ(q*, q*, c q*) + σ_b²] / q*."""
    q = q_star(activation, sigma_w2, sigma_b2) if q is None else q
    if not -1 <= c <= 1:
        raise ValueError(f"c must lie in [-1, 1], got {c!r}")
    return float((sigma_w2 * _v(activation, q, c) + sigma_b2) / q)


def c_star(activation: str | Activation, sigma_w2: float, sigma_b2: float) -> float:
    """Stable fixed point of the correlation map: 1 if χ₁ ≤ 1, else the root in [−1, 1)."""
    act = get_activation(activation)
    q = q_star(act, sigma_w2, sigma_b2)
    if q == 0.0:
        raise ValueError(
            f"q* = 0 for activation={act.name!r}, sigma_w2={sigma_w2!r}, sigma_b2=0: "
            "the correlation map is undefined"
        )
    if chi_1(act, sigma_w2, sigma_b2) <= 1.0:
        return 1.0

    def h(c: float) -> float:
        return correlation_map(act, sigma_w2, sigma_b2, c, q) - c

    # h(1) = 0 with h'(1) = χ₁ − 1 > 0, so h < 0 just below 1; h(−1) ≥ 0 since the map stays in [−1, 1]
    upper = 1 - 1e-9
    if h(upper) >= 0:
        raise ValueError("correlation map: could not bracket c* below 1 (chi_1 barely above 1)")
    grid = np.linspace(-1.0, upper, 401)
    vals = np.array([h(x) for x in grid])
    idx = np.nonzero((vals[:-1] >= 0) & (vals[1:] < 0))[0]
    i = idx[-1]
    return _root(h, grid[i], grid[i + 1], xtol=1e-15)


def chi_c(activation: str | Activation, sigma_w2: float, sigma_b2: float) -> float:
    """χ_c = σ_w² V_φ'(q*, q*, c* q*): slope of the correlation map at c*."""
    act = get_activation(activation)
    q = q_star(act, sigma_w2, sigma_b2)
    c = c_star(act, sigma_w2, sigma_b2)
    return float(sigma_w2 * _v(derivative_of(act), q, c))


def critical_sigma_w2(
    activation: str | Activation, sigma_b2: float, bracket: tuple[float, float] = (1e-3, 100.0)
) -> float:
    """σ_w² on the critical line χ₁(σ_w², σ_b²) = 1.

    >>> critical_sigma_w2("relu", 0.5)
    2.0
    """
    act = get_activation(activation)
    sigma_b2 = check_bias_variance("sigma_b2", sigma_b2)
    if act.name == "relu":  # exact: χ₁ = σ_w²/2 for every σ_b² (positive homogeneity)
        return 2.0
    if sigma_b2 == 0 and act.bounded and act.derivative is not None and _is_odd(act):
        # exact: q* = 0 and χ₁ = σ_w² φ'(0)² up to σ_w² = 1/φ'(0)², beyond it q* > 0 and χ₁ > 1
        # (Poole et al. 2016). χ₁ − 1 only grows quadratically there, so a root finder gets
        # ~√eps (erf: 1e-8) or no convergence at all (tanh): use the exact value.
        slope = float(derivative_of(act).phi.subs(z, 0))
        return 1.0 / slope**2

    def f(sw2: float) -> float:
        return chi_1(act, sw2, sigma_b2) - 1.0

    lo, hi = bracket
    flo, fhi = f(lo), f(hi)
    if flo * fhi > 0:
        raise ValueError(
            f"chi_1 - 1 does not change sign for sigma_w2 in {bracket} "
            f"(activation={act.name!r}, sigma_b2={sigma_b2!r})"
        )
    return _root(f, lo, hi, xtol=1e-14)


def _is_odd(act: Activation) -> bool:
    return sp.simplify(act.phi.subs(z, -z) + act.phi) == 0


def depth_scales(chi1: float, chic: float) -> tuple[float, float, float]:
    """(ξ₁, ξ_c, ξ*) = (−1/log χ₁, −1/log χ_c, −1/(log χ_c − log χ₁)); inf where a log is 0."""

    def inv(x: float) -> float:
        return math.inf if x == 0 else -1.0 / x

    return inv(math.log(chi1)), inv(math.log(chic)), inv(math.log(chic) - math.log(chi1))


@dataclass(frozen=True)
class Phase:
    """Mean-field summary at one (σ_w², σ_b²)."""

    q_star: float
    chi_1: float
    c_star: float
    chi_c: float
    label: str  # "ordered" (χ₁ < 1), "critical" (χ₁ = 1 within tol), "chaotic" (χ₁ > 1)


def classify(
    activation: str | Activation, sigma_w2: float, sigma_b2: float, tol: float = 1e-9
) -> Phase:
    """Phase of the fixed point by χ₁ (ordered < 1 < chaotic)."""
    q = q_star(activation, sigma_w2, sigma_b2)
    x1 = chi_1(activation, sigma_w2, sigma_b2)
    label = "critical" if abs(x1 - 1) <= tol else ("ordered" if x1 < 1 else "chaotic")
    if q == 0.0:
        return Phase(q, x1, float("nan"), float("nan"), label)
    c = c_star(activation, sigma_w2, sigma_b2)
    return Phase(q, x1, c, chi_c(activation, sigma_w2, sigma_b2), label)
