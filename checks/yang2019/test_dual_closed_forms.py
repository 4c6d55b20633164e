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


# --------------------------------------------------------------------------------------------
# The other App. C.2 facts: V_{relu'}, V_erf, V_{erf'}, V_{exp(·/σ)}
# --------------------------------------------------------------------------------------------

RELU_STEP = Claim(
    id="yang2019/relu-step-dual",
    source="000_2c13c77332d87a04.txt, App. C.2, Fact C.1, second formula",
    statement="V_{relu'}(K)(x,x') = (π − arccos c)/(2π), c = K(x,x')/√(K(x,x)K(x',x')).",
)
ERF_ARCSIN = Claim(
    id="yang2019/erf-arcsin-dual",
    source="000_2c13c77332d87a04.txt, App. C.2, Fact C.2 (Neal 1995), first formula",
    statement="V_erf(K)(x,x') = (2/π) arcsin(K(x,x')/√((K(x,x)+½)(K(x',x')+½))).",
)
ERF_DERIV = Claim(
    id="yang2019/erf-derivative-dual",
    source="000_2c13c77332d87a04.txt, App. C.2, Fact C.2, second formula",
    statement="V_{erf'}(K)(x,x') = (4/π)[(1+2K(x,x))(1+2K(x',x')) − 4K(x,x')²]^{−1/2}.",
)
EXP_DUAL = Claim(
    id="yang2019/exp-dual",
    source="000_2c13c77332d87a04.txt, App. C.2, third Fact (φ(x) = exp(x/σ))",
    statement="For φ(x) = exp(x/σ): V_φ(K)(x,x') = exp((K(x,x) + 2K(x,x') + K(x',x'))/(2σ²)).",
)

#: MC sample size for the Gaussian expectations (catalog: 4·10^6; SE ~ 5e-4·scale)
MC_SAMPLES = 1_000_000


def _mc_pairs(check, name, qa, qb, cc, n):
    """(u, v) ~ N(0, [[qa, q12], [q12, qb]]) by JAX, float64; returns numpy arrays."""
    import zlib

    import jax
    import numpy as np

    tag = f"{name} {qa},{qb},{cc}"
    key = jax.random.PRNGKey(check.seed(zlib.crc32(tag.encode()), f"mc {tag}"))
    z = np.asarray(jax.random.normal(key, (2, n), dtype="float64"))
    u = np.sqrt(qa) * z[0]
    v = np.sqrt(qb) * (cc * z[0] + np.sqrt(1 - cc * cc) * z[1])
    return u, v


def _mc_estimate(check, name, qa, qb, cc, fn):
    from checks.harness import Estimate

    n = check.size("MC samples per point", fast=MC_SAMPLES, paper=4 * MC_SAMPLES)
    u, v = _mc_pairs(check, name, qa, qb, cc, n)
    return Estimate.of(fn(u) * fn(v))


@RELU_STEP.check
def test_relu_step_dual(check):
    import numpy as np

    from checks.harness import StatTol

    step = get_activation("step").dual_c
    # theory: P(u > 0, v > 0) for a standard bivariate normal is ¼ + arcsin(c)/(2π) (Sheppard)
    sheppard = sp.Rational(1, 4) + sp.asin(c) / (2 * sp.pi)
    check.agree(
        "(π − arccos c)/2π − (¼ + arcsin c/2π) at c = 1/3 (symbolic difference)",
        theory=sp.Integer(0),
        numeric=sp.N(sp.simplify(step - sheppard).subs(c, sp.Rational(1, 3)), 40),
        tol=Tol(abs=1e-35, why="arccos c = π/2 − arcsin c exactly; 40-digit evaluation"),
    )
    for qa, qb, cc in POINTS:
        with mpmath.workdps(30):
            cm = mpmath.mpf(str(cc))
            # independent route: ∫_0^∞ P(v > 0 | u) φ(u) du with v | u ~ N(c u, 1 − c²)
            quad = mpmath.quad(
                lambda u, cm=cm: mpmath.ncdf(cm * u / mpmath.sqrt(1 - cm**2)) * mpmath.npdf(u),
                [0, mpmath.inf],
            )
        exact = step.subs(c, sp.Rational(str(cc))).evalf(40)
        check.agree(
            f"V_step({qa}, {qb}, c={cc})",
            theory=exact,
            numeric=dual("step", qa, qb, cc * np.sqrt(qa * qb)),
            tol=Tol(rel=1e-13, why="float64 arccos away from c = ±1: a few ulp"),
        )
        check.agree(
            f"V_step(c={cc}) vs conditional 1-D quadrature",
            theory=exact,
            numeric=quad,
            tol=Tol(rel=1e-20, why="mpmath tanh-sinh quadrature at 30 digits of a smooth integrand"),
        )
        est = _mc_estimate(check, "step", qa, qb, cc, lambda s: (s > 0).astype(float))
        check.agree_stat(
            f"E[1(u>0)1(v>0)] at ({qa}, {qb}, c={cc})",
            theory=exact,
            empirical=est,
            tol=StatTol(z=4, why="Monte Carlo with independent normals; 4 SE"),
        )


@ERF_ARCSIN.check
def test_erf_arcsin_dual(check):
    import numpy as np
    from scipy.special import erf

    from checks.harness import StatTol
    from numeric.duals import dual_quadrature
    from theory.activations import q12

    v_erf = get_activation("erf").dual
    v_erf_prime = get_activation("erf_prime").dual
    # theory (Price's theorem): ∂V_erf/∂q12 = V_erf' and V_erf = 0 at q12 = 0 (erf is odd)
    price = sp.simplify(sp.diff(v_erf, q12) - v_erf_prime)
    check.agree(
        "∂V_erf/∂q12 − V_erf' (simplified symbolically)",
        theory=sp.Integer(0),
        numeric=sp.N(price.subs({q1: sp.Rational(3, 2), q2: 3, q12: sp.Rational(7, 10)}), 40),
        tol=Tol(abs=1e-35, why="exact symbolic identity evaluated at 40 digits"),
    )
    check.agree(
        "V_erf at q12 = 0",
        theory=sp.Integer(0),
        numeric=sp.N(v_erf.subs(q12, 0), 40),
        tol=Tol(abs=1e-35, why="arcsin(0) = 0 exactly"),
    )
    for qa, qb, cc in POINTS:
        exact = get_activation("erf").dual_c.subs(
            {q1: sp.Rational(str(qa)), q2: sp.Rational(str(qb)), c: sp.Rational(str(cc))}
        ).evalf(40)
        check.agree(
            f"V_erf({qa}, {qb}, c={cc})",
            theory=exact,
            numeric=dual("erf", qa, qb, cc * np.sqrt(qa * qb)),
            tol=Tol(rel=1e-13, why="float64 arcsin closed form: a few ulp"),
        )
        check.agree(
            f"V_erf({qa}, {qb}, c={cc}) vs 2-D Gauss–Hermite (order 80)",
            theory=exact,
            numeric=float(dual_quadrature("erf", qa, qb, cc, order=80)),
            tol=Tol(rel=1e-12, why="catalog: order-80 tensor Gauss–Hermite of an entire integrand"),
        )
        est = _mc_estimate(check, "erf", qa, qb, cc, erf)
        check.agree_stat(
            f"E[erf(u)erf(v)] at ({qa}, {qb}, c={cc})",
            theory=exact,
            empirical=est,
            tol=StatTol(z=4, why="Monte Carlo with independent normals; 4 SE"),
        )


@ERF_DERIV.check
def test_erf_derivative_dual(check):
    import numpy as np

    from checks.harness import StatTol
    from numeric.duals import dual_quadrature

    s1, s2, s12 = sp.symbols("s1 s2 s12", real=True)
    sigma = sp.Matrix([[s1, s12], [s12, s2]])
    # theory: E[e^{−u²−v²}] = det(I + 2Σ)^{−1/2} (Gaussian integral of a quadratic form); the
    # determinant is the bracket of the printed formula
    check.agree(
        "det(I + 2Σ) − [(1+2q1)(1+2q2) − 4q12²]",
        theory=sp.Integer(0),
        numeric=sp.expand((sp.eye(2) + 2 * sigma).det() - ((1 + 2 * s1) * (1 + 2 * s2) - 4 * s12**2)),
        tol=Tol(abs=1e-30, why="polynomial identity, exact"),
    )
    # the Gaussian integral itself in 1-D form at one rational point: integrate v | u, then u
    u, v = sp.symbols("u v", real=True)
    qa, qb, qab = sp.Rational(1), sp.Rational(1, 2), sp.Rational(1, 4)
    cond_var = qb - qab**2 / qa
    inner = sp.integrate(
        sp.exp(-(v**2)) * sp.exp(-((v - qab / qa * u) ** 2) / (2 * cond_var)), (v, -sp.oo, sp.oo)
    ) / sp.sqrt(2 * sp.pi * cond_var)
    outer = sp.integrate(
        sp.exp(-(u**2)) * inner * sp.exp(-(u**2) / (2 * qa)) / sp.sqrt(2 * sp.pi * qa),
        (u, -sp.oo, sp.oo),
    )
    formula = get_activation("erf_prime").dual.subs({q1: qa, q2: qb, sp.Symbol("q12", real=True): qab})
    check.agree(
        "(4/π) E[e^{−u²−v²}] by symbolic integration vs the closed form at (1, ½, ¼)",
        theory=sp.simplify(4 / sp.pi * outer),
        numeric=sp.N(formula, 40),
        tol=Tol(rel=1e-30, why="exact SymPy integral vs exact closed form, 40 digits"),
    )
    for qa_, qb_, cc in POINTS:
        exact = get_activation("erf_prime").dual_c.subs(
            {q1: sp.Rational(str(qa_)), q2: sp.Rational(str(qb_)), c: sp.Rational(str(cc))}
        ).evalf(40)
        check.agree(
            f"V_erf'({qa_}, {qb_}, c={cc})",
            theory=exact,
            numeric=dual("erf_prime", qa_, qb_, cc * np.sqrt(qa_ * qb_)),
            tol=Tol(rel=1e-13, why="float64 closed form, no cancellation: a few ulp"),
        )
        check.agree(
            f"V_erf'({qa_}, {qb_}, c={cc}) vs 2-D Gauss–Hermite (order 160)",
            theory=exact,
            numeric=float(dual_quadrature("erf_prime", qa_, qb_, cc, order=160)),
            tol=Tol(
                rel=1e-12,
                why="tensor Gauss–Hermite of the narrow Gaussian e^{−2q z²}; order 160 because "
                "order 80 was measured to leave 1.1e-11 at q = 3 (quadrature error, not the claim)",
            ),
        )
        est = _mc_estimate(
            check, "erf'", qa_, qb_, cc, lambda s: 2 / np.sqrt(np.pi) * np.exp(-(s**2))
        )
        check.agree_stat(
            f"E[erf'(u)erf'(v)] at ({qa_}, {qb_}, c={cc})",
            theory=exact,
            empirical=est,
            tol=StatTol(z=4, why="Monte Carlo with independent normals; 4 SE"),
        )


@EXP_DUAL.check
def test_exp_dual(check):
    import numpy as np

    from checks.harness import StatTol
    from numeric.duals import dual_quadrature

    sig = sp.Symbol("sigma", positive=True)
    s = sp.Symbol("s", positive=True)  # Var(u + v) = q1 + 2 q12 + q2
    w = sp.Symbol("w", real=True)
    mgf = sp.integrate(
        sp.exp(w / sig) * sp.exp(-(w**2) / (2 * s)) / sp.sqrt(2 * sp.pi * s), (w, -sp.oo, sp.oo)
    )
    check.agree(
        "E[e^{(u+v)/σ}] − exp(Var(u+v)/(2σ²)) (symbolic, at σ = 2, Var = 3)",
        theory=sp.Integer(0),
        numeric=sp.N(sp.simplify(mgf - sp.exp(s / (2 * sig**2))).subs({sig: 2, s: 3}), 40),
        tol=Tol(abs=1e-35, why="exact Gaussian moment generating function"),
    )
    sigma = 2.0
    for qa, qb, cc in POINTS:
        q12v = cc * np.sqrt(qa * qb)
        printed = sp.exp(
            (sp.Rational(str(qa)) + 2 * sp.Rational(str(cc)) * sp.sqrt(sp.Rational(str(qa))
             * sp.Rational(str(qb))) + sp.Rational(str(qb))) / (2 * sp.Integer(2) ** 2)
        ).evalf(40)
        # numeric: the registry's exp dual (σ = 1) at the rescaled kernel K/σ², and quadrature
        check.agree(
            f"V_exp(·/2)({qa}, {qb}, c={cc}) via registry dual at K/σ²",
            theory=printed,
            numeric=dual("exp", qa / sigma**2, qb / sigma**2, q12v / sigma**2),
            tol=Tol(rel=1e-14, why="float64 exp of a sum of three terms"),
        )
        check.agree(
            f"V_exp(·/2)({qa}, {qb}, c={cc}) by 2-D Gauss–Hermite (order 80)",
            theory=printed,
            numeric=float(dual_quadrature("exp", qa / sigma**2, qb / sigma**2, cc, order=80)),
            tol=Tol(rel=1e-12, why="order-80 Gauss–Hermite of an entire integrand of modest growth"),
        )
        est = _mc_estimate(check, "exp", qa, qb, cc, lambda x: np.exp(x / sigma))
        check.agree_stat(
            f"E[e^{{u/2}} e^{{v/2}}] at ({qa}, {qb}, c={cc})",
            theory=printed,
            empirical=est,
            tol=StatTol(z=4, why="Monte Carlo, light-tailed log-normal product; 4 SE"),
        )
