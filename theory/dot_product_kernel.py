r"""The CK / NTK of an MLP as a symbolic function Φ of the input overlap (SymPy).

For inputs of squared norms :math:`\|x\|^2/d = a`, :math:`\|y\|^2/d = b` and cosine
:math:`t = \langle x, y\rangle / (\|x\|\|y\|)`, the layerwise recursion (NTK parametrization,
``depth`` = L hidden layers, shared with ``numeric.kernels``)

.. math::
    \Sigma^1 = \sigma_w^2 \sqrt{ab}\,t + \sigma_b^2,\qquad
    \Sigma^{l} = \sigma_w^2 V_\phi(\Sigma^{l-1}) + \sigma_b^2,\qquad
    \Theta^1 = \Sigma^1,\quad
    \Theta^{l} = \Sigma^{l} + \sigma_w^2 V_{\phi'}(\Sigma^{l-1})\,\Theta^{l-1}

only involves the triple (t, a, b), never d, so K(x, y) = Φ(t, a, b) (Yang & Salman 2019,
§2 "Neural Kernels" and Thm 5.1). On the boolean cube and the √d-sphere a = b = 1 and
K(x, y) = Φ(⟨x, y⟩/d). The duals V_φ, V_φ' are the registry's closed forms
(``theory.activations``), composed symbolically; activations without a closed form raise.

References: Yang & Salman (2019), "A Fine-Grained Spectral Perspective on Neural Networks",
§2 and §5; Cho & Saul (2009); Williams (1997).
"""

from __future__ import annotations

import sympy as sp

from theory.activations import c, derivative_of, get_activation, q1, q2
from theory.validation import check_choice, check_depth

#: the overlap variable t = ⟨x, y⟩/d on the cube / sphere (cosine in general)
t = sp.Symbol("t", real=True)

KERNELS = ("ck", "ntk")


def _exact(name: str, value) -> sp.Expr:
    expr = sp.nsimplify(value) if not isinstance(value, sp.Basic) else value
    if expr.is_number and (not expr.is_real or expr.is_negative):
        raise ValueError(f"{name} must be a real number >= 0, got {value!r}")
    return expr


def _closed_dual(activation):
    act = get_activation(activation)
    if act.dual_c is None:
        raise ValueError(
            f"activation {act.name!r} has no closed-form dual; theory.dot_product_kernel "
            "needs one of the closed-form activations (relu, erf, step, erf_prime, identity, exp)"
        )
    return act.dual_c


def kernel_layers(
    activation: str,
    sigma_w2,
    sigma_b2,
    depth: int,
    *,
    cos: sp.Expr = t,
    a: sp.Expr = sp.S.One,
    b: sp.Expr = sp.S.One,
    ntk: bool = True,
    digits: int | None = None,
) -> list[tuple[sp.Expr, sp.Expr | None]]:
    """Symbolic ``[(Σ^l(x,y), Θ^l(x,y))]`` for l = 1 … L+1, as expressions in (cos, a, b).

    ``sigma_w2`` / ``sigma_b2`` are converted to exact numbers (``nsimplify``) unless they
    are SymPy expressions already. Each layer also propagates the two diagonals
    Σ^l(x,x), Σ^l(y,y), so the result is a function of (cos, a, b) only.

    ``digits``: for numeric (cos, a, b), evaluate every layer with ``evalf(digits)`` so that
    deep recursions do not build exponentially large expression trees (SymPy's own
    arbitrary-precision arithmetic; independent of the lambdified numerics).
    """
    if digits is not None and (not isinstance(digits, int) or digits < 15):
        raise ValueError(f"digits must be an integer >= 15 or None, got {digits!r}")

    def ev(e):
        return e if digits is None else e.evalf(digits)

    depth = check_depth(depth)
    sw2 = _exact("sigma_w2", sigma_w2)
    sb2 = _exact("sigma_b2", sigma_b2)
    if sw2.is_number and sw2 == 0:
        raise ValueError("sigma_w2 must be > 0")
    v = _closed_dual(activation)
    vp = _closed_dual(derivative_of(activation).name) if ntk else None

    sxx, syy = ev(sw2 * a + sb2), ev(sw2 * b + sb2)
    sxy = ev(sw2 * sp.sqrt(a * b) * cos + sb2)
    txy = sxy if ntk else None
    out = [(sxy, txy)]
    for _ in range(depth):
        # diagonals at correlation exactly 1 (no rounded q/√(q·q) slightly above 1)
        cxy = sxy / sp.sqrt(sxx * syy)
        new_xy = ev(sw2 * v.subs({q1: sxx, q2: syy, c: cxy}, simultaneous=True) + sb2)
        new_xx = ev(sw2 * v.subs({q1: sxx, q2: sxx, c: 1}, simultaneous=True) + sb2)
        new_yy = ev(sw2 * v.subs({q1: syy, q2: syy, c: 1}, simultaneous=True) + sb2)
        if vp is not None:
            dv = vp.subs({q1: sxx, q2: syy, c: cxy}, simultaneous=True)
            txy = ev(new_xy + sw2 * dv * txy)
        sxx, syy, sxy = new_xx, new_yy, new_xy
        out.append((sxy, txy))
    return out


def phi(activation: str, sigma_w2, sigma_b2, depth: int, kernel: str = "ck") -> sp.Expr:
    """Φ(t) of the CK (``"ck"``, Σ^{L+1}) or NTK (``"ntk"``, Θ^{L+1}) on unit-norm inputs.

    >>> sp.simplify(phi("relu", 2, 0, 1).subs(t, 1))
    2
    """
    kernel = check_choice("kernel", kernel, KERNELS)
    sig, theta = kernel_layers(activation, sigma_w2, sigma_b2, depth, ntk=kernel == "ntk")[-1]
    return sig if kernel == "ck" else theta


def maclaurin(expr: sp.Expr, order: int, var: sp.Symbol = t) -> list[sp.Expr]:
    """Exact Maclaurin coefficients a_0 … a_{order−1} of ``expr`` in ``var`` (SymPy series)."""
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"order must be an integer >= 1, got {order!r}")
    ser = sp.series(expr, var, 0, order).removeO()
    poly = sp.Poly(sp.expand(ser), var)
    return [sp.simplify(poly.coeff_monomial(var**n)) for n in range(order)]
