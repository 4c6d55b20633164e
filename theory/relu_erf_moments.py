r"""Gaussian moments of ReLU and erf in the parametrization of Seleznova & Kutyniok App. E.

App. E writes every integral with :math:`u_1 = a z_1`, :math:`u_2 = b z_1 + \sqrt{a^2-b^2}\,z_2`
(:math:`z_i` i.i.d. N(0, 1)), i.e. :math:`\mathrm{Var}\,u_1 = \mathrm{Var}\,u_2 = a^2` and
:math:`\mathrm{Cov}(u_1, u_2) = ab`. Hence every such integral is a registry dual

.. math::
    \int Dz_1 Dz_2\, \phi(u_1)\phi(u_2) = V_\phi(a^2, a^2, ab),\qquad c = b/a,

and the single integrals are the diagonal :math:`V_\phi(a^2, a^2, a^2)`. The *corrected*
forms below are therefore not retyped: they are the registry's ``dual_c``
(:mod:`theory.activations`) evaluated at those arguments. The *printed* forms are
transcribed from the document, because they are what the errata checks test.

Maps (App. E; the paper's L counts weight layers; q = q^{l-1}, p = p^l):
``q_map``: q^l from q^{l-1}; ``p_map``: p^{l-1} from p^l (printed with the width ratio
:math:`M_l/M_{l+1}` = ``width_ratio``); ``qsr_map`` / ``psr_map`` likewise for a pair.

References: Seleznova & Kutyniok (2021), App. E.1–E.2; Cho & Saul (2009) (arc-cosine);
Williams (1997) (arcsine kernel); Price (1958).
"""

from __future__ import annotations

import sympy as sp

from theory.activations import c as c_sym
from theory.activations import derivative_of, get_activation, q1, q2

a = sp.Symbol("a", positive=True)
b = sp.Symbol("b", real=True)
q = sp.Symbol("q", positive=True)  # q^{l-1}
q_sr = sp.Symbol("q_sr", real=True)  # q_sr^{l-1}
p = sp.Symbol("p", positive=True)  # p^l
p_sr = sp.Symbol("p_sr", real=True)  # p_sr^l
sw2 = sp.Symbol("sigma_w2", positive=True)
sb2 = sp.Symbol("sigma_b2", nonnegative=True)
width_ratio = sp.Symbol("M_ratio", positive=True)  # the printed M_l/M_{l+1}

ACTIVATIONS = ("relu", "erf")


def _check(name: str) -> str:
    if name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {list(ACTIVATIONS)}, got {name!r}")
    return name


def registry_moment(name: str, var: sp.Expr, cov: sp.Expr, *, derivative: bool = False) -> sp.Expr:
    """E[φ(u₁)φ(u₂)] (or of φ') with Var u₁ = Var u₂ = ``var``, Cov = ``cov``, from the registry."""
    act = get_activation(_check(name))
    if derivative:
        act = derivative_of(act)
    if act.dual_c is None:  # pragma: no cover - relu, step, erf, erf_prime all have closed forms
        raise ValueError(f"activation {act.name!r} has no closed-form dual in the registry")
    return act.dual_c.subs({q1: var, q2: var}).subs(c_sym, cov / var)


def corrected_integral(name: str, kind: str) -> sp.Expr:
    """App. E integral in (a, b), corrected = the registry dual at Var = a², Cov = ab (or a²).

    ``kind``: ``"single"`` ∫φ(az)², ``"single_prime"`` ∫φ'(az)², ``"cross"``, ``"cross_prime"``.
    """
    cov = {"single": a**2, "single_prime": a**2, "cross": a * b, "cross_prime": a * b}
    if kind not in cov:
        raise ValueError(f"kind must be one of {list(cov)}, got {kind!r}")
    return registry_moment(name, a**2, cov[kind], derivative=kind.endswith("prime"))


def printed_integral(name: str, kind: str) -> sp.Expr:
    """The App. E integral exactly as printed (E.1 for relu, E.2 for erf), in (a, b), c = b/a."""
    cc = b / a
    table = {
        ("relu", "single"): a**2 / 2,
        ("relu", "single_prime"): sp.Rational(1, 2),
        ("relu", "cross"): a / (2 * sp.pi) * (sp.sqrt(1 - cc**2) + cc * sp.pi / 2 + cc * sp.asin(cc)),
        ("relu", "cross_prime"): (sp.pi / 2 + sp.asin(cc)) / (2 * sp.pi),
        ("erf", "single"): 2 / sp.pi * sp.atan(a**2 / sp.sqrt(a**2 + sp.Rational(1, 4))),
        ("erf", "single_prime"): 2 / sp.pi / sp.sqrt(a**2 + sp.Rational(1, 4)),
        ("erf", "cross"): 2 / sp.pi * sp.atan(2 * b / sp.sqrt((1 + 2 * a) ** 2 - 4 * b**2)),
        ("erf", "cross_prime"): 4 / sp.pi / sp.sqrt((1 + 2 * a) ** 2 - 4 * b**2),
    }
    try:
        return table[(_check(name), kind)]
    except KeyError:
        raise ValueError(f"kind must be one of single, single_prime, cross, cross_prime; got {kind!r}") from None


def corrected_map(name: str, which: str) -> sp.Expr:
    """Corrected App. E map (no width factor; p_sr with p_sr; q̂ from the registry dual).

    ``which``: ``"q"`` → q^l, ``"p"`` → p^{l-1}, ``"qsr"`` → q_sr^l, ``"psr"`` → p_sr^{l-1}.
    """
    if which == "q":
        return sw2 * registry_moment(name, q, q) + sb2
    if which == "p":
        return sw2 * p * registry_moment(name, q, q, derivative=True)
    if which == "qsr":
        return sw2 * registry_moment(name, q, q_sr) + sb2
    if which == "psr":
        return sw2 * p_sr * registry_moment(name, q, q_sr, derivative=True)
    raise ValueError(f"which must be one of q, p, qsr, psr; got {which!r}")


def printed_map(name: str, which: str) -> sp.Expr:
    """App. E map as printed (including the width ratio M_l/M_{l+1} = ``width_ratio``)."""
    cc = q_sr / q
    table = {
        ("relu", "q"): sw2 / 2 * q + sb2,
        ("relu", "p"): sw2 / 2 * p * width_ratio,
        ("relu", "qsr"): sw2 / (2 * sp.pi) * q * (sp.sqrt(1 - cc**2) + cc * sp.pi / 2 + cc * sp.asin(cc)) + sb2,
        ("relu", "psr"): sw2 / (2 * sp.pi) * p * width_ratio * (sp.pi / 2 + sp.asin(cc)),
        ("erf", "q"): 2 * sw2 / sp.pi * sp.atan(q / sp.sqrt(q + sp.Rational(1, 4))) + sb2,
        ("erf", "p"): 2 * sw2 / sp.pi * p / sp.sqrt(q + sp.Rational(1, 4)) * width_ratio,
        ("erf", "qsr"): 2 * sw2 / sp.pi
        * sp.atan(2 * sp.sqrt(q_sr) / sp.sqrt((1 + 2 * sp.sqrt(q)) ** 2 - 4 * q_sr))
        + sb2,
        ("erf", "psr"): 4 * sw2 / sp.pi * p * width_ratio / sp.sqrt((1 + 2 * sp.sqrt(q)) ** 2 - 4 * q_sr),
    }
    try:
        return table[(_check(name), which)]
    except KeyError:
        raise ValueError(f"which must be one of q, p, qsr, psr; got {which!r}") from None
