"""Yang & Salman 2019, App. C.2 (Fact C.1): closed-form V-transforms of relu and its derivative."""

import mpmath
import sympy as sp

from checks.harness import Claim, Tol
from numeric import dual, dual_mp
from numeric.duals import phi_mpmath
from theory.activations import c, get_activation, q1, q2

RELU_ARCCOS = Claim(
    id="yang2019/relu-arccos-dual",
    source="000_2c13c77332d87a04.txt, App. C.2, Fact C.1 (Cho & Saul 2009), first formula",
    statement="The relu V-transform has the arc-cosine closed form "
    "(1/2π)(√(1−c²) + (π − arccos c)c)·√(q1 q2).",
)

POINTS = [(1.0, 1.0, 0.3), (2.0, 0.5, -0.6), (1.5, 3.0, 0.9)]  # (q1, q2, c) from the catalog


def _conditional_quadrature(q_a, q_b, cc, dps=30):
    """E[relu(u) E(relu(v) | u)] by 1-D mpmath quadrature split at u = 0 (independent route).

    v | u ~ N(cc·√(q_b/q_a)·u, q_b(1−cc²)); E[relu(N(m, s²))] = m Φ(m/s) + s φ(m/s).
    """
    with mpmath.workdps(dps):
        qa, qb, cc = mpmath.mpf(q_a), mpmath.mpf(q_b), mpmath.mpf(cc)
        s = mpmath.sqrt(qb * (1 - cc**2))

        def inner(u):
            m = cc * mpmath.sqrt(qb / qa) * u
            return m * mpmath.ncdf(m / s) + s * mpmath.npdf(m / s)

        relu = phi_mpmath("relu")
        return mpmath.quad(
            lambda u: relu(u) * inner(u) * mpmath.npdf(u, 0, mpmath.sqrt(qa)), [0, mpmath.inf]
        )


@RELU_ARCCOS.check
def test_relu_arccos_dual(check):
    theory = get_activation("relu").dual_c
    # Maclaurin series in c at q1 = q2 = 1: (1/2π)(1 + πc/2 + c²/2 + c⁴/24 + …)
    series = sp.series(theory.subs({q1: 1, q2: 1}), c, 0, 5).removeO()
    printed = (1 + sp.pi * c / 2 + c**2 / 2 + c**4 / 24) / (2 * sp.pi)
    check.agree(
        "Maclaurin coefficients up to c⁴ (difference of polynomials at c = 1/3)",
        theory=sp.Integer(0),
        numeric=sp.N(sp.expand(series - printed).subs(c, sp.Rational(1, 3)), 30),
        tol=Tol(abs=1e-25, why="exact rational arithmetic; 30-digit evaluation"),
    )
    for qa, qb, cc in POINTS:
        # exact decimal inputs for the high-precision levels (float64 0.3 is not 3/10)
        qa_e, qb_e, cc_e = (sp.Rational(str(t)) for t in (qa, qb, cc))
        with mpmath.workdps(50):
            exact = theory.subs({q1: qa_e, q2: qb_e, c: cc_e}).evalf(50)
            quad = _conditional_quadrature(qa, qb, cc)
            q12_mp = mpmath.mpf(str(cc)) * mpmath.sqrt(mpmath.mpf(str(qa)) * mpmath.mpf(str(qb)))
        check.agree(
            f"V_relu({qa}, {qb}, c={cc})",
            theory=exact,
            numeric=dual("relu", qa, qb, cc * (qa * qb) ** 0.5),
            empirical=None,
            tol=Tol(rel=1e-13, why="float64 closed form away from c = ±1: a few ulp"),
        )
        check.agree(
            f"V_relu({qa}, {qb}, c={cc}) vs 1-D conditional quadrature",
            theory=exact,
            numeric=quad,
            tol=Tol(rel=1e-12, why="catalog: mpmath 1-D quadrature at 30 digits"),
        )
        check.agree(
            f"V_relu({qa}, {qb}, c={cc}) at 50 digits",
            theory=exact,
            numeric=dual_mp("relu", qa, qb, q12_mp, dps=50),
            tol=Tol(rel=1e-40, why="same closed form printed to mpmath at 50 digits vs SymPy evalf(50)"),
        )
