r"""Arb ball evaluation of the registry duals and of the CK / NTK layer recursion on the cube grid.

The closed-form duals V_φ(q1, q2, c) of ``theory.activations`` (SymPy, in the correlation c)
are printed to python-flint Arb calls — exact rationals, π at the working precision, integer
and half-integer powers by multiplication (``x ** n`` is NaN on a ball containing 0) — so that
every value is a ball that provably contains the exact value for the float64 σ's given (a
binary float is exact in Arb). On the unit-diagonal grid t_r = 1 − 2r/d the recursion is

.. math::
    \Sigma^1(t) = \sigma_w^2 t + \sigma_b^2,\qquad
    \Sigma^{l+1}(t) = \sigma_w^2 V_\phi(q_l, q_l, \Sigma^l(t)) + \sigma_b^2,\qquad
    \Theta^{l+1}(t) = \Sigma^{l+1}(t) + \sigma_w^2 V_{\phi'}(q_l, q_l, \Sigma^l(t))\,\Theta^l(t),

with q_l = Σ^l(1), Θ¹ = Σ¹ and output Φ = Σ^{L+1} (CK) or Θ^{L+1} (NTK); V(Q, Q, cQ) is
evaluated as a function of (Q, c = Σ^l(t)/Q). Two devices keep the balls tight:

* the diagonal r = 0 is propagated with c = 1 exactly, so an off-diagonal correlation ball
  never has to be clipped to [−1, 1];
* a correlation ball c = m ± ρ is evaluated in the centred (mean-value) form
  F(m) + F′(c)·[±ρ], with F′ = ∂F/∂c differentiated symbolically from the same closed form:
  plain ball evaluation of e.g. c(π − arccos c) + √(1 − c²) adds two large, cancelling slopes
  ±c/√(1 − c²) and the radius explodes over deep recursions near c = 1.

:func:`series_duals` is the plain (non-centred) form, for Arb power series (Maclaurin
coefficients); :func:`is_odd_activation` decides φ(−z) = −φ(z) symbolically (then Φ is odd
in t when σ_b² = 0, for the CK and the NTK: V_φ odd, V_φ′ even).

References: Yang & Salman, "A Fine-Grained Spectral Perspective on Neural Networks" (2019),
§2 (CK / NTK recursions); Johansson, "Arb: efficient arbitrary-precision midpoint-radius
interval arithmetic" (IEEE Trans. Computers, 2017); Moore, Kearfott & Cloud, "Introduction to
Interval Analysis" (2009) (mean-value form).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import SimpleNamespace

import sympy as sp
from flint import arb
from sympy.printing.lambdarepr import LambdaPrinter

from theory.activations import Activation, c, get_activation, q1, q2, z


class _ArbPrinter(LambdaPrinter):
    """Print SymPy to Arb: exact rationals, π at the working precision, method calls."""

    def _print_Rational(self, e):
        return f"_rat({e.p}, {e.q})"

    def _print_Half(self, e):
        return "_rat(1, 2)"

    def _print_Pi(self, e):
        return "_pi()"

    def _print_Pow(self, e, rational=False):
        # python-flint's ``x ** n`` is NaN for a ball containing 0: multiply instead
        base, ex = self._print(e.base), e.exp
        if ex.is_Integer:
            n = int(ex)
            return f"_ipow({base}, {n})" if n > 0 else f"(1/_ipow({base}, {-n}))"
        if ex.is_Rational and ex.q == 2:  # half-integer: b^{p/2} = b^{(p-1)/2} sqrt(b)
            p = abs(int(ex.p))
            out = f"sqrt({base})" if p == 1 else f"(_ipow({base}, {(p - 1) // 2})*sqrt({base}))"
            return out if ex > 0 else f"(1/{out})"
        raise NotImplementedError(f"power {e} has no Arb printing")


def _rat(p: int, q: int):
    return arb(p) / q


def _ipow(x, n: int):
    out = x
    for _ in range(n - 1):
        out = out * x
    return out


_ARB_FUNCS = {
    "sqrt": lambda x: x.sqrt(),
    "acos": lambda x: x.acos(),
    "asin": lambda x: x.asin(),
    "exp": lambda x: x.exp(),
}
# LambdaPrinter writes ``math.acos(...)``: the namespace's ``math`` is this shim
_ARB_NS = {"_rat": _rat, "_ipow": _ipow, "_pi": arb.pi, "math": SimpleNamespace(**_ARB_FUNCS), **_ARB_FUNCS}

_Q = sp.Symbol("Q", positive=True)


def _arb_lambdify(exprs: list) -> Callable:
    return sp.lambdify((_Q, c), tuple(exprs), modules=[_ARB_NS], printer=_ArbPrinter, cse=True)


@functools.cache
def layer_duals(name: str, der_name: str | None) -> Callable:
    """(Q, c) ↦ (V_φ(Q, Q, cQ) [, V_φ′(Q, Q, cQ)]) as Arb balls.

    A ball c = m ± ρ is evaluated in the centred (mean-value) form F(m) + F′(c)·[±ρ]: direct
    ball evaluation of e.g. c(π − arccos c) + √(1 − c²) adds the two large, cancelling
    slopes ±c/√(1 − c²) and makes the radius explode over deep recursions near c = 1.
    F′ = ∂F/∂c is differentiated symbolically (SymPy) from the same registry closed form.
    """
    exprs = [get_activation(name).dual_c]
    if der_name is not None:
        exprs.append(get_activation(der_name).dual_c)
    exprs = [sp.sympify(e).subs({q1: _Q, q2: _Q}) for e in exprs]
    value = _arb_lambdify(exprs)
    slope = _arb_lambdify([sp.simplify(sp.diff(e, c)) for e in exprs])

    def centred(q, cc):
        if cc.rad() == 0:
            return value(q, cc)
        mid = arb(cc.mid())
        dev = cc - mid
        return tuple(v + g * dev for v, g in zip(value(q, mid), slope(q, cc), strict=True))

    return centred


@functools.cache
def series_duals(name: str, der_name: str | None) -> Callable:
    """Plain (non-centred) version of :func:`layer_duals`, for Arb power series."""
    exprs = [get_activation(name).dual_c]
    if der_name is not None:
        exprs.append(get_activation(der_name).dual_c)
    return _arb_lambdify([sp.sympify(e).subs({q1: _Q, q2: _Q}) for e in exprs])


@functools.cache
def is_odd_activation(name: str) -> bool:
    """φ(−z) = −φ(z) symbolically (then Φ is odd in t when σ_b² = 0, for CK and NTK)."""
    phi = get_activation(name).phi
    return bool(sp.simplify(phi.subs(z, -z) + phi) == 0)


def as_arb(x: float):
    """x as an exact Arb ball (a float64 is exactly representable)."""
    return arb(float(x))  # a binary float is exact in Arb: the σ's are the float64 given


_UNIT = arb(0, 1)  # the ball [−1, 1]


def _correlation(s, q):
    """Σ^l(t)/q_l as a ball inside [−1, 1] (see :func:`interval_layers`)."""
    c = s / q
    if c.mid() - c.rad() >= -1 and c.mid() + c.rad() <= 1:
        return c
    if not c.overlaps(_UNIT):
        raise ArithmeticError(f"correlation ball {c} lies outside [-1, 1]: the recursion is inconsistent")
    return c.intersection(_UNIT)


def interval_layers(act: Activation, der: Activation | None, kernel: str, depth: int,
                    sw2: float, sb2: float, dim: int, n_points: int):
    """Yield (Σ^l, Θ^l) on t_r = 1 − 2r/d, r = 0 … n_points−1, for l = 1 … depth+1, as lists
    of Arb balls at the current ``ctx.prec`` (Θ^l is ``None`` for ``kernel="ck"``).

    r = 0 (the diagonal, correlation exactly 1) is propagated on its own so that the
    correlation ball of the off-diagonal points never has to be clipped to [−1, 1].
    The correlation is one correctly rounded division Σ^l(t)/q_l (exact −1 at the antipodal
    point t = −1 when σ_b² = 0, for any σ_w²); a ball that still reaches past ±1 is intersected
    with [−1, 1], which contains the exact value by Cauchy–Schwarz (an interval tightening,
    not a clip: a ball entirely outside [−1, 1] raises).
    """
    f = layer_duals(act.name, der.name if der is not None else None)
    w, b = as_arb(sw2), as_arb(sb2)
    sig = [w * (arb(dim - 2 * r) / dim) + b for r in range(1, n_points)]
    q = w + b
    ntk = kernel == "ntk"
    th = list(sig) if ntk else []
    th_diag = q
    one = arb(1)
    yield [q, *sig], ([th_diag, *th] if ntk else None)
    for _ in range(depth):
        diag = f(q, one)
        if ntk:
            new_sig, new_th = [], []
            for s, t in zip(sig, th, strict=True):
                v, vp = f(q, _correlation(s, q))
                ns = w * v + b
                new_sig.append(ns)
                new_th.append(ns + w * vp * t)
            q_new = w * diag[0] + b
            th_diag = q_new + w * diag[1] * th_diag
            sig, th = new_sig, new_th
        else:
            sig = [w * f(q, _correlation(s, q))[0] + b for s in sig]
            q_new = w * diag[0] + b
        q = q_new
        yield [q, *sig], ([th_diag, *th] if ntk else None)


def interval_grid(act, der, kernel, depth, sw2, sb2, dim, n_points) -> list:
    """Φ(1 − 2r/d) at the output layer (see :func:`interval_layers`)."""
    *_, last = interval_layers(act, der, kernel, depth, sw2, sb2, dim, n_points)
    return last[1] if kernel == "ntk" else last[0]
