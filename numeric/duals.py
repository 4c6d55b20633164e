r"""Numeric evaluation of dual kernels :math:`V_\phi(q_1, q_2, q_{12})`.

One SymPy definition (``theory.activations``) is printed to NumPy (float64) and
to mpmath (any precision) by :func:`sympy.lambdify`; activations without a closed
form are integrated: Gauss–Hermite (probabilists', tensor product) in float64,
``mpmath.quad`` at high precision.

Numerical trap (documented, tested): in float64 the arc-cosine duals lose
digits as the correlation c → 1 (``acos`` has an infinite derivative at 1):
about 8 of 16 digits for ``step`` (relu′) at 1 − c ~ 1e-16. Use ``dps=`` where
this matters.
"""

from __future__ import annotations

import functools
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from numpy.polynomial.hermite_e import hermegauss

from theory.activations import Activation, c, get_activation, q1, q2, z
from theory.validation import CORRELATION_ROUNDOFF

#: Gauss–Hermite order (per dimension) for float64 quadrature. Measured against mpmath
#: (tests/test_duals.py): tanh rel. err. ≤ 1e-15 for q ≤ 1, 6e-11 at q = 4, 2e-7 at q = 10;
#: gelu ≤ 1e-15 for q ≤ 10. These hold for correlations c ≲ 0.9; the error grows as c → 1
#: and is largest on the diagonal: tanh 1.0e-9 at V(4, 4, 4) (2.7e-10 at c = 0.99), tanh′
#: 1e-7 at q = 4; gelu 3.7e-13, gelu′ 8e-11 at q = 10. The kernel recursion keeps this one
#: rule for every entry of a call (mixing rules breaks |Σ_ij| ≤ √(Σ_ii Σ_jj) near c = 1). A
#: call whose entries are all on the diagonal (|c| = 1: the length map, q*, χ₁, the critical
#: line, 1×1 grams) integrates the 1-D diagonal by composite Gauss–Legendre instead
#: (:func:`dual_diagonal_quad`, ≤ 1e-13 relative up to q = 100).
#: Beyond that domain use ``dps=`` (mpmath.quad).
GH_ORDER = 256


@functools.cache
def _closed_numpy(name: str):
    act = get_activation(name)
    return sp.lambdify((q1, q2, c), act.dual_c, modules="numpy")


@functools.cache
def closed_pair_numpy(name: str, der_name: str | None = None):
    """float64 ``(q1, q2, c) ↦ [V_φ]`` or ``[V_φ, V_φ′]`` from the registry's closed forms.

    One printed function with shared subexpressions (``cse``): the arccos / arcsin of the
    correlation is evaluated once for both duals. No argument checks (the fused kernel
    recursion validates its inputs once, not per call); a constant dual (identity′) comes back
    as a scalar. ``None`` when either activation has no closed form.
    """
    exprs = [get_activation(name).dual_c]
    if der_name is not None:
        exprs.append(get_activation(der_name).dual_c)
    if any(e is None for e in exprs):
        return None
    return sp.lambdify((q1, q2, c), exprs, modules="numpy", cse=cse_variables_only)


def cse_variables_only(exprs):
    """:func:`sympy.cse` that keeps constant subexpressions inline.

    Plain ``cse`` also names constants such as (1/2)/π: x·((1/2)/π) then rounds twice where
    the printed x/(2π) rounds once (measured: relu's duals ~40 % larger mean error against
    40 digits). Only subexpressions with free symbols (the arccos / arcsin) are shared.
    """
    replacements, reduced = sp.cse(exprs)
    keep, inline = [], {}
    for sym, expr in replacements:
        expr = expr.xreplace(inline)
        if expr.free_symbols:
            keep.append((sym, expr))
        else:
            inline[sym] = expr
    return keep, [e.xreplace(inline) for e in reduced]


@functools.cache
def _closed_mpmath(name: str):
    act = get_activation(name)
    return sp.lambdify((q1, q2, c), act.dual_c, modules="mpmath")


@functools.cache
def phi_numpy(name: str):
    """float64 φ(z) for the named activation (vectorised)."""
    act = get_activation(name)
    modules = [{"Heaviside": lambda x, h0=0.5: np.heaviside(x, h0)}, "scipy", "numpy"]
    f = sp.lambdify(z, act.phi, modules=modules)
    if act.phi.is_constant():
        return lambda x: np.full_like(np.asarray(x, dtype=float), float(act.phi))
    return f


@functools.cache
def phi_mpmath(name: str):
    """mpmath φ(z) for the named activation."""
    act = get_activation(name)

    def heaviside(x, h0=0.5):
        return mpmath.mpf(1) if x > 0 else (mpmath.mpf(h0) if x == 0 else mpmath.mpf(0))

    return sp.lambdify(z, act.phi, modules=[{"Heaviside": heaviside}, "mpmath"])


@functools.lru_cache(maxsize=8)
def _gh(order: int) -> tuple[np.ndarray, np.ndarray]:
    x, w = hermegauss(order)
    return x, w / np.sqrt(2 * np.pi)


def correlation(a: np.ndarray, b: np.ndarray, c12: np.ndarray) -> np.ndarray:
    """c = q12/sqrt(q1 q2), exactly ±1 where |c| exceeds 1 by round-off; raise beyond the band.

    q12/sqrt(q1*q2) is exactly ±1 on the diagonal (sqrt(fl(q²)) = q) as long as q1*q2 is a
    normal float; where the product under/overflows (q ≲ 1e-154 or ≳ 1e154; it used to give
    q12/0 or a silent q12/inf = 0) the product is avoided, with q12/q1 on the diagonal.
    """
    with np.errstate(over="ignore", under="ignore"):  # an overflow of c is |c| > 1: rejected below
        ab = a * b
        normal = np.isfinite(ab) & (ab >= np.finfo(np.float64).tiny)
        cc = np.where(
            normal,
            c12 / np.sqrt(np.where(normal, ab, 1.0)),
            np.where(a == b, c12 / a, c12 / np.sqrt(a) / np.sqrt(b)),
        )
    if np.any(np.abs(cc) > 1 + CORRELATION_ROUNDOFF):
        bad = float(cc.flat[int(np.argmax(np.abs(cc)))])
        raise ValueError(
            f"q12 must satisfy |q12| <= sqrt(q1*q2) (correlation in [-1, 1]), got correlation {bad!r}"
        )
    return np.where(np.abs(cc) > 1, np.sign(cc), cc)


def _check_variances(a: np.ndarray, b: np.ndarray, c12: np.ndarray) -> None:
    if np.any(~np.isfinite(a)) or np.any(a <= 0):
        raise ValueError("q1 must be finite and > 0")
    if np.any(~np.isfinite(b)) or np.any(b <= 0):
        raise ValueError("q2 must be finite and > 0")
    if np.any(~np.isfinite(c12)):
        raise ValueError("q12 must be finite")


#: cap on the composite Gauss–Legendre panels of :func:`dual_diagonal_quad`
DIAG_MAX_PANELS = 4096


@functools.lru_cache(maxsize=8)
def _gl(order: int) -> tuple[np.ndarray, np.ndarray]:
    return np.polynomial.legendre.leggauss(order)


def dual_diagonal_quad(name: str, a: Any, b: Any, sign: Any) -> np.ndarray:
    """E[φ(√a z) φ(±√b z)] (correlation ±1): a 1-D integral, by composite Gauss–Legendre.

    Tensor Gauss–Hermite converges slowly here for large variances (tanh(√q z) approaches a
    step, with poles π/(2√q) from the real axis). Composite 16-point Gauss–Legendre on
    [−12, 12] (Gaussian tail < 1e-31) with panels of width ≤ 1/(2√q) keeps every panel's
    analyticity ellipse fixed relative to the poles: error ~ 4^−32 ≈ 1e-19 per panel,
    measured ≤ 1e-15 relative against mpmath (tests/test_duals.py). Vectorised.
    """
    phi = phi_numpy(name)
    a, b, sign = (np.atleast_1d(np.asarray(t, dtype=np.float64)) for t in (a, b, sign))
    out = np.empty(a.shape)
    x, w = _gl(16)
    for i, (qa, qb, sg) in enumerate(zip(a, b, sign, strict=True)):
        # panel count grows like √q up to DIAG_MAX_PANELS (memory stays ~1 MB per entry);
        # the ≤ 1e-13 accuracy is documented for q ≤ (DIAG_MAX_PANELS/48)² ≈ 7e3
        panels = int(min(DIAG_MAX_PANELS, max(48, np.ceil(48 * np.sqrt(max(qa, qb))))))
        edges = np.linspace(-12.0, 12.0, panels + 1)
        half = 0.5 * (edges[1] - edges[0])
        t = (0.5 * (edges[:-1] + edges[1:]))[:, None] + half * x[None, :]
        f = phi(np.sqrt(qa) * t) * phi(sg * np.sqrt(qb) * t) * np.exp(-0.5 * t * t)
        out[i] = half * np.sum(w * f) / np.sqrt(2 * np.pi)
    return out


def dual_quadrature(name: str, a: Any, b: Any, cc: Any, order: int = GH_ORDER) -> np.ndarray:
    """E[φ(u)φ(v)] by tensor-product Gauss–Hermite quadrature in float64.

    Takes the correlation c (not q12). Writes u = √q1 z1, v = √q2 (c z1 + √(1−c²) z2). Exponential convergence for
    analytic φ; only algebraic for kinks (relu, step) — closed forms exist there.
    """
    phi = phi_numpy(name)
    a, b, c = np.broadcast_arrays(*(np.asarray(t, dtype=np.float64) for t in (a, b, cc)))
    x, w = _gh(order)
    s = np.sqrt(1 - c**2)  # c is a correlation in [-1, 1] (see `correlation`)
    out = np.empty(a.shape)
    flat = [t.reshape(-1) for t in (a, b, c, s)]
    chunk = max(1, 2_000_000 // (order * order))
    ww = np.outer(w, w)
    for start in range(0, flat[0].size, chunk):
        sl = slice(start, start + chunk)
        aa, bb, cc, ss = (t[sl, None, None] for t in flat)
        u = np.sqrt(aa) * x[None, :, None]
        v = np.sqrt(bb) * (cc * x[None, :, None] + ss * x[None, None, :])
        out.reshape(-1)[sl] = np.sum(ww[None] * phi(u) * phi(v), axis=(1, 2))
    return out


def dual(activation: str | Activation, a: Any, b: Any, c12: Any) -> np.ndarray:
    """float64 :math:`V_\\phi(q_1, q_2, q_{12})`, vectorised over broadcastable arrays.

    Raises ``ValueError`` for q1, q2 ≤ 0 or |q12| > sqrt(q1 q2) beyond round-off.
    """
    act = get_activation(activation)
    a, b, c12 = np.broadcast_arrays(*(np.asarray(t, dtype=np.float64) for t in (a, b, c12)))
    _check_variances(a, b, c12)
    cc = correlation(a, b, c12)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # checked just below
        if act.dual_c is None and cc.size and np.all(np.abs(cc) == 1.0):
            # a purely diagonal call (length map, 1×1 grams): the integral is 1-D and the
            # accurate rule applies; mixed calls keep one rule for every entry (see GH_ORDER)
            out = dual_diagonal_quad(act.name, a.reshape(-1), b.reshape(-1), cc.reshape(-1))
            out = out.reshape(a.shape)
        elif act.dual_c is None:
            out = dual_quadrature(act.name, a, b, cc)
        else:
            out = _closed_numpy(act.name)(a, b, cc)
        out = np.broadcast_to(np.asarray(out, dtype=np.float64), a.shape).copy()
    if not np.all(np.isfinite(out)):
        raise ValueError(
            f"V_{act.name}(q1, q2, q12) is not representable in float64 here (overflow in "
            f"its evaluation; largest q1 = {float(np.max(a)):.3g}, q2 = {float(np.max(b)):.3g}); "
            "use numeric.dual_mp"
        )
    return out


def dual_mp(activation: str | Activation, a: Any, b: Any, c12: Any, dps: int = 50) -> mpmath.mpf:
    """Scalar :math:`V_\\phi` at ``dps`` decimal digits (closed form, else ``mpmath.quad``).

    Precision is set with ``mp.workdps`` (never globally). Returns an ``mpf`` valid at
    the working precision it was computed with.
    """
    act = get_activation(activation)
    with mpmath.workdps(dps):
        a, b, c12 = mpmath.mpf(a), mpmath.mpf(b), mpmath.mpf(c12)
        if a <= 0:
            raise ValueError(f"q1 must be > 0, got {a}")
        if b <= 0:
            raise ValueError(f"q2 must be > 0, got {b}")
        cc = c12 / mpmath.sqrt(a * b)
        if abs(cc) > 1 + CORRELATION_ROUNDOFF:
            raise ValueError(f"q12 must satisfy |q12| <= sqrt(q1*q2), got correlation {cc}")
        if abs(cc) > 1:
            cc = mpmath.sign(cc)
        if act.dual_c is not None:
            return +_closed_mpmath(act.name)(a, b, cc)
        phi = phi_mpmath(act.name)
        sc = mpmath.sqrt(1 - cc * cc)
        ra, rb = mpmath.sqrt(a), mpmath.sqrt(b)
        norm = 1 / (2 * mpmath.pi)

        def integrand(z1, z2):
            return phi(ra * z1) * phi(rb * (cc * z1 + sc * z2)) * mpmath.exp(-(z1 * z1 + z2 * z2) / 2)

        return norm * mpmath.quad(integrand, [-mpmath.inf, 0, mpmath.inf], [-mpmath.inf, 0, mpmath.inf])


def dual_diag(activation: str | Activation, q: Any) -> np.ndarray:
    """float64 :math:`V_\\phi(q, q, q) = \\mathbb E[\\phi(\\sqrt q z)^2]`.

    Closed forms where they exist; otherwise the 1-D integral by composite Gauss–Legendre
    (:func:`dual_diagonal_quad`), more accurate than the tensor rule of :func:`dual`.
    """
    act = get_activation(activation)
    q = np.asarray(q, dtype=np.float64)
    if act.dual_c is not None:
        return dual(act, q, q, q)
    _check_variances(q, q, q)
    flat = q.reshape(-1)
    return dual_diagonal_quad(act.name, flat, flat, np.ones_like(flat)).reshape(q.shape)
