r"""Normalized-input (pinned-diagonal) NNGP/NTK recursion and high-precision erf fixed points.

Xiao, Pennington & Schoenholz (2020), eqs. (12)–(15). If every input is normalized so that
:math:`K^{(0)}(x, x) = q^*`, the NNGP diagonal stays at q* and the layer maps act entrywise on
the off-diagonal entries:

.. math::
    q_{ab}^{(l+1)} = \sigma_w^2 T(q_{ab}^{(l)}) + \sigma_b^2,\quad
    p_{ab}^{(l+1)} = q_{ab}^{(l+1)} + \sigma_w^2\dot T(q_{ab}^{(l)})\,p_{ab}^{(l)},\quad
    p^{(l+1)} = q^* + \chi_1 p^{(l)},\quad \Theta^{(0)} = K^{(0)}.

T and Ṫ are the registry duals V_φ(q*, q*, ·) and V_φ'(q*, q*, ·) (:mod:`theory.activations`),
printed once to NumPy or mpmath. The diagonal is *pinned* (q^{(l)} = q* exactly): evaluating
the diagonal through the pointwise map is unstable in the chaotic phase (its slope there is
χ₁ > 1, so round-off grows like χ₁^l; catalog pitfall). The general bivariate recursion is
:func:`numeric.kernel_sequence`; the two agree for normalized inputs (checked in the suite).

Index convention: depth l = 0 is the first-layer pre-activation kernel
K^{(0)} = σ_w²⟨x, x'⟩/n₀ + σ_b², so depth l here equals ``kernel_sequence(..., depth=l)[-1]``.

:func:`erf_fixed_point` refines :func:`numeric.q_star` / :func:`numeric.c_star` to any
precision (mpmath ``findroot``) and adds the second derivatives χ₂ = σ_w² T̈(q*) and
χ_{c,2} = σ_w² T̈(q*_ab) and χ₃ (from :mod:`theory.kernel_asymptotics`).

References: Xiao, Pennington & Schoenholz (2020), §4, App. A; Poole et al. (2016).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from numeric.mean_field import c_star, chi_1, q_star
from theory import kernel_asymptotics as ka
from theory.activations import c, derivative_of, get_activation, q1, q2
from theory.validation import check_bias_variance, check_depth, check_variance


@functools.cache
def pointwise_duals(activation: str, backend: str):
    """(T, Ṫ) as functions of (q*, q_ab), printed from the registry's closed-form duals.

    ``backend`` is a :func:`sympy.lambdify` module name (``"numpy"`` or ``"mpmath"``).
    """
    act = get_activation(activation)
    der = derivative_of(act)
    qs, qa = sp.symbols("qs qa", positive=True)
    out = []
    for a in (act, der):
        if a.dual_c is None:
            raise ValueError(
                f"activation must have closed-form duals (erf, relu, identity), got {activation!r}"
            )
        expr = a.dual_c.subs({q1: qs, q2: qs}).subs(c, qa / qs)
        out.append(sp.lambdify((qs, qa), expr, modules=backend))
    return tuple(out)


@functools.cache
def _erf_mp_functions():
    """mpmath (T, Ṫ, T̈, T⃛)(q*, q_ab) for erf, from theory.kernel_asymptotics.erf_duals."""
    return tuple(
        sp.lambdify((ka.q_star, ka.q_ab), e, modules="mpmath") for e in ka.erf_duals()
    )


@dataclass(frozen=True)
class FixedPoint:
    """Mean-field constants of an erf network at (σ_w², σ_b²), at ``dps`` digits (mpf)."""

    sigma_w2: Any
    sigma_b2: Any
    q_star: Any
    chi_1: Any
    chi_2: Any
    chi_3: Any
    q_ab_star: Any  # = q* in the ordered phase / on the critical line
    chi_c: Any  # = χ₁ there
    chi_c2: Any  # = χ₂ there
    dps: int

    @property
    def phase(self) -> str:
        eps = mpmath.mpf(10) ** (-(self.dps // 2))
        if abs(self.chi_1 - 1) < eps:
            return "critical"
        return "ordered" if self.chi_1 < 1 else "chaotic"

    @property
    def p_star(self) -> Any:
        """q*/(1 − χ₁): the NTK diagonal limit (ordered phase)."""
        return self.q_star / (1 - self.chi_1)

    @property
    def p_ab_star(self) -> Any:
        """q*_ab/(1 − χ_c): the NTK off-diagonal limit (chaotic phase; = p* when ordered)."""
        return self.q_ab_star / (1 - self.chi_c)

    @property
    def xi_1(self) -> float:
        return -1.0 / math.log(float(self.chi_1))

    @property
    def xi_c(self) -> float:
        return -1.0 / math.log(float(self.chi_c))

    @property
    def xi_star(self) -> float:
        return -1.0 / (math.log(float(self.chi_c)) - math.log(float(self.chi_1)))


def erf_fixed_point(sigma_w2: Any, sigma_b2: Any, dps: int = 50) -> FixedPoint:
    """Fixed points q*, q*_ab and χ₁, χ₂, χ₃, χ_c, χ_{c,2} of erf at ``dps`` digits.

    Accepts strings or mpf for exact decimal inputs. Starts from the float64 solvers of
    :mod:`numeric.mean_field` and refines with ``mpmath.findroot``.
    """
    if not isinstance(dps, int) or dps < 15:
        raise ValueError(f"dps must be an integer >= 15, got {dps!r}")
    check_variance("sigma_w2", float(sigma_w2))
    check_bias_variance("sigma_b2", float(sigma_b2))
    if float(sigma_b2) == 0:
        raise ValueError("sigma_b2 must be > 0 for erf_fixed_point (q* = 0 at sigma_b2 = 0)")
    t, tdot, tddot, tdddot = _erf_mp_functions()
    q0 = q_star("erf", float(sigma_w2), float(sigma_b2))
    with mpmath.workdps(dps + 10):
        sw2, sb2 = mpmath.mpf(sigma_w2), mpmath.mpf(sigma_b2)
        qs = mpmath.findroot(lambda q: sw2 * t(q, q) + sb2 - q, mpmath.mpf(q0))
        x1 = sw2 * tdot(qs, qs)
        x2 = sw2 * tddot(qs, qs)
        x3 = sw2 * tdddot(qs, qs)
        if x1 > 1 + mpmath.mpf(10) ** (-12):  # chaotic; within 1e-12 of 1: critical line
            c0 = c_star("erf", float(sigma_w2), float(sigma_b2))
            qab = mpmath.findroot(lambda u: sw2 * t(qs, u) + sb2 - u, mpmath.mpf(c0) * qs)
            xc, xc2 = sw2 * tdot(qs, qab), sw2 * tddot(qs, qab)
        else:
            qab, xc, xc2 = qs, x1, x2
    with mpmath.workdps(dps):
        vals = [+v for v in (sw2, sb2, qs, x1, x2, x3, qab, xc, xc2)]
    if float(vals[3]) <= 1 and abs(chi_1("erf", float(sigma_w2), float(sigma_b2)) - float(vals[3])) > 1e-8:
        raise RuntimeError("high-precision chi_1 disagrees with numeric.chi_1")  # pragma: no cover
    sw2_, sb2_, qs_, x1_, x2_, x3_, qab_, xc_, xc2_ = vals
    return FixedPoint(sigma_w2=sw2_, sigma_b2=sb2_, q_star=qs_, chi_1=x1_, chi_2=x2_, chi_3=x3_,
                      q_ab_star=qab_, chi_c=xc_, chi_c2=xc2_, dps=dps)


def erf_critical_point(q_star_value: Any, dps: int = 50) -> FixedPoint:
    """The erf critical-line point with the given q* (σ_w², σ_b² from the SymPy parametrization)."""
    sw2_expr, sb2_expr = ka.erf_critical_line()
    with mpmath.workdps(dps + 10):
        qv = mpmath.mpf(q_star_value)
        if not qv > 0:
            raise ValueError(f"q_star must be > 0, got {q_star_value!r}")
        sw2 = sp.lambdify(ka.q_star, sw2_expr, modules="mpmath")(qv)
        sb2 = sp.lambdify(ka.q_star, sb2_expr, modules="mpmath")(qv)
        if not sb2 > 0:
            raise ValueError(f"q_star={q_star_value!r} gives sigma_b2 <= 0 on the critical line")
    return erf_fixed_point(sw2, sb2, dps=dps)


def cosine_matrix(x: Any) -> np.ndarray:
    """cos∠(x_a, x_b) of the rows of x (float64)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 1:
        raise ValueError(f"x must be a 2-D array (m, n0), got shape {x.shape}")
    norms = np.linalg.norm(x, axis=1)
    if np.any(norms == 0):
        raise ValueError("x must have nonzero rows")
    u = x / norms[:, None]
    cos = u @ u.T
    np.fill_diagonal(cos, 1.0)
    return cos


def normalized_k0(cos: Any, q_star_value: Any, sigma_b2: Any, dps: int | None = None) -> Any:
    """K^{(0)} = σ_b² + (q* − σ_b²)·cos for inputs rescaled so that K^{(0)}(x, x) = q*."""
    cos = np.asarray(cos, dtype=np.float64)
    if dps is None:
        return float(sigma_b2) + (float(q_star_value) - float(sigma_b2)) * cos
    with mpmath.workdps(dps):
        qs, sb2 = mpmath.mpf(q_star_value), mpmath.mpf(sigma_b2)
        return np.frompyfunc(lambda v: sb2 + (qs - sb2) * mpmath.mpf(float(v)), 1, 1)(cos)


def normalized_gram(cos: Any, q_star_value: float, sigma_w2: float, sigma_b2: float) -> np.ndarray:
    """gram = ⟨x, x'⟩/n₀ giving K^{(0)} = σ_b² + (q* − σ_b²) cos (input of kernel_sequence)."""
    return (float(q_star_value) - float(sigma_b2)) / float(sigma_w2) * np.asarray(cos, dtype=float)


@dataclass(frozen=True)
class Layer:
    """K^{(l)} and Θ^{(l)} at one depth (float64 arrays, or object arrays of mpf)."""

    depth: int
    nngp: Any
    ntk: Any


def pinned_recursion(
    activation: str,
    sigma_w2: Any,
    sigma_b2: Any,
    k0: Any,
    depths: Iterable[int],
    *,
    dps: int | None = None,
) -> dict[int, Layer]:
    """Iterate eqs. (13)–(14) from K^{(0)} = Θ^{(0)} = ``k0`` with the diagonal pinned at k0[0, 0].

    Returns the layers at the requested ``depths`` (l = 0 is K^{(0)}). ``dps=None`` runs in
    float64; an integer ≥ 15 runs in mpmath at that precision (``k0`` may then hold mpf).
    """
    depths = sorted({check_depth(int(v), "depths") for v in depths})
    if not depths:
        raise ValueError("depths must be a non-empty iterable of integers >= 0")
    check_variance("sigma_w2", float(sigma_w2))
    check_bias_variance("sigma_b2", float(sigma_b2))
    k0 = np.asarray(k0, dtype=object if dps is not None else np.float64)
    if k0.ndim != 2 or k0.shape[0] != k0.shape[1]:
        raise ValueError(f"k0 must be a square matrix, got shape {k0.shape}")
    m = k0.shape[0]
    diag = k0[0, 0]
    if any(abs(float(k0[i, i]) - float(diag)) > 1e-12 * abs(float(diag)) for i in range(m)):
        raise ValueError("k0 must have a constant diagonal q* (normalized inputs)")
    iu = np.triu_indices(m, 1)
    if dps is None:
        t, tdot = pointwise_duals(get_activation(activation).name, "numpy")
        sw2, sb2, qs = float(sigma_w2), float(sigma_b2), float(diag)
        # chaotic p^{(l)} ~ χ₁^l overflows float64 at large depth: raise instead of returning inf
        qa = np.asarray(k0[iu], dtype=np.float64)
        if np.any(np.abs(qa) > qs * (1 + 1e-12)):
            raise ValueError("k0 off-diagonal entries must satisfy |K_ab| <= q*")
        qa = np.clip(qa, -qs, qs)
        with np.errstate(over="raise", invalid="raise"):
            return _iterate(t, tdot, sw2, sb2, qs, qa, qa.copy(), m, iu, depths, None)
    if not isinstance(dps, int) or dps < 15:
        raise ValueError(f"dps must be an integer >= 15, got {dps!r}")
    t, tdot = pointwise_duals(get_activation(activation).name, "mpmath")
    with mpmath.workdps(dps):
        sw2, sb2, qs = mpmath.mpf(sigma_w2), mpmath.mpf(sigma_b2), mpmath.mpf(diag)
        qa_mp = [mpmath.mpf(v) for v in k0[iu]]
        return _iterate(t, tdot, sw2, sb2, qs, qa_mp, list(qa_mp), m, iu, depths, dps)


def _assemble(m, iu, diag_value, off, dps) -> Any:
    if dps is None:
        out = np.empty((m, m))
    else:
        out = np.empty((m, m), dtype=object)
    out[iu] = off
    out[(iu[1], iu[0])] = off
    for i in range(m):
        out[i, i] = diag_value
    return out


def _iterate(t, tdot, sw2, sb2, qs, qa, pa, m, iu, depths, dps) -> dict[int, Layer]:
    chi = sw2 * tdot(qs, qs)
    p = qs
    out: dict[int, Layer] = {}
    last = depths[-1]
    for layer in range(last + 1):
        if layer in depths:
            out[layer] = Layer(layer, _assemble(m, iu, qs, qa, dps), _assemble(m, iu, p, pa, dps))
        if layer == last:
            break
        if dps is None:
            q_new = sw2 * t(qs, qa) + sb2
            pa = q_new + sw2 * tdot(qs, qa) * pa
            if np.any(q_new > qs * (1 + 1e-12)):
                raise FloatingPointError("q_ab exceeded q* beyond round-off")  # pragma: no cover
            qa = np.minimum(q_new, qs)  # q_ab ≤ q*: a last-ulp excess (ordered phase) is round-off
        else:
            q_new = [sw2 * t(qs, u) + sb2 for u in qa]
            pa = [qn + sw2 * tdot(qs, u) * v for qn, u, v in zip(q_new, qa, pa, strict=True)]
            if any(qn > qs * (1 + mpmath.mpf(10) ** (5 - dps)) for qn in q_new):
                raise FloatingPointError("q_ab exceeded q* beyond round-off")  # pragma: no cover
            qa = [min(qn, qs) for qn in q_new]
        p = qs + chi * p
    return out


def pinned_layers_float(layers: dict[int, Layer]) -> dict[int, Layer]:
    """Convert mpmath layers to float64 (for plotting / float64 linear algebra)."""
    return {
        k: Layer(k, np.asarray(v.nngp, dtype=float), np.asarray(v.ntk, dtype=float))
        for k, v in layers.items()
    }
