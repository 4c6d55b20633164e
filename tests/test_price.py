r"""Price's theorem ∂V_φ/∂q12 = V_φ′ for every registered activation with a derivative.

Registry-driven (CONTRIBUTING, "I'm adding an activation"): every ``Activation`` whose
``derivative`` is registered is collected here.

* Both duals in closed form (relu→step, erf→erf′, identity→one, exp→exp): SymPy proves
  it — ``sympy.simplify(diff(V_φ, q12) − V_φ′) == 0``. For all four registered pairs
  ``simplify`` closes the identity (asserted, so a regression is visible); an activation
  registered later for which it does not is checked numerically instead, at random
  rational points with 50-digit evaluation (:func:`_price_residual_numeric`).
* No closed form (tanh→tanh′, gelu→gelu′): a central finite difference of the
  high-precision quadrature of V_φ against the quadrature of V_φ′, with the tolerance of
  the difference formula: |(V(q+h) − V(q−h))/(2h) − V′(q)| ≤ h²/6·max|∂³V/∂q12³|, and
  ∂³V/∂q12³ = E[φ‴(u)φ‴(v)] is bounded by Cauchy–Schwarz, √(E[φ‴(u)²]E[φ‴(v)²]).
* Derivation: SymPy integrates E[φ(u)φ(v)] over the bivariate Gaussian for φ = identity and
  φ = exp and recovers the registry's closed forms.
"""

import functools
import math

import mpmath
import numpy as np
import pytest
import sympy as sp

from numeric.duals import phi_mpmath
from theory.activations import (
    activation_names,
    c,
    derivative_of,
    get_activation,
    q1,
    q2,
    q12,
    z,
)

PAIRS = [(n, get_activation(n).derivative) for n in activation_names() if get_activation(n).derivative]
CLOSED_PAIRS = [(n, d) for n, d in PAIRS if get_activation(n).dual_c is not None
                and get_activation(d).dual_c is not None]
QUAD_PAIRS = [(n, d) for n, d in PAIRS if (n, d) not in CLOSED_PAIRS]
#: pairs for which sympy.simplify closes Price's identity (the rest: numerically, 50 digits)
SIMPLIFY_CLOSES = {"relu", "erf", "identity", "exp"}


def test_registry_pairs_are_the_expected_ones():
    assert sorted(CLOSED_PAIRS) == [("erf", "erf_prime"), ("exp", "exp"), ("identity", "one"),
                                    ("relu", "step")]
    assert sorted(QUAD_PAIRS) == [("gelu", "gelu_prime"), ("tanh", "tanh_prime")]


def _price_residual_numeric(expr: sp.Expr, seed: int, n: int = 6) -> float:
    """max |expr| / scale at random rational (q1, q2, q12) inside the domain, at 50 digits."""
    rng = np.random.default_rng(seed)
    worst = 0.0
    for _ in range(n):
        a = sp.Rational(int(rng.integers(1, 400)), 100)
        b = sp.Rational(int(rng.integers(1, 400)), 100)
        cc = sp.Rational(int(rng.integers(-95, 96)), 100)
        ab = cc * sp.sqrt(a * b)
        worst = max(worst, abs(float(sp.N(expr.subs({q1: a, q2: b, q12: ab}), 50))))
    return worst


@pytest.mark.parametrize(("name", "der"), CLOSED_PAIRS)
def test_price_closed_forms_symbolic(name, der):
    residual = sp.diff(get_activation(name).dual, q12) - get_activation(der).dual
    simplified = sp.simplify(residual)
    if name in SIMPLIFY_CLOSES:
        assert simplified == 0, simplified
    else:  # pragma: no cover - only for activations registered after this file was written
        # 50-digit evaluation of an identity that is exactly 0: |residual| ≤ 1e-45 (5 digits
        # of room for cancellation in the evaluation)
        assert _price_residual_numeric(residual, seed=0) <= 1e-45


@pytest.mark.parametrize(("name", "der"), CLOSED_PAIRS)
def test_price_closed_forms_numeric_50_digits(name, der):
    """The same identity at random points at 50 digits, independently of ``simplify``."""
    residual = sp.diff(get_activation(name).dual, q12) - get_activation(der).dual
    # exact rational inputs; sp.N(…, 50) guarantees 50 significant digits of each term
    # (|terms| ≤ ~e^8 here), so an exact zero evaluates to ≤ 1e-45
    assert _price_residual_numeric(residual, seed=1) <= 1e-45


def test_step_has_no_function_valued_derivative():
    """Price's chain stops at step: its derivative is a Dirac delta, not a registry entry."""
    with pytest.raises(ValueError, match="no function-valued derivative"):
        derivative_of("step")


# --------------------------------------------------------------------------------------
# tanh, gelu: finite differences of the high-precision quadrature
# --------------------------------------------------------------------------------------


def trapezoid_dual_mp(name: str, a, b, ab, dps: int, h: str = "0.1", n: int = 100):
    r"""E[φ(u)φ(v)] by the 2-D trapezoidal rule at ``dps`` digits (same rule as tests/test_duals.py).

    u = √a z1, v = (ab/√a) z1 + √(b − ab²/a) z2, nodes k·h for |k| ≤ n. A priori error (tanh, q ≤ 4): the integrand
    is analytic in |Im z| < π/(2√q) ≥ 0.78; at step h = 0.1 the trapezoidal error is
    ≲ 2M·e^{−2π·0.9·0.78/h} ~ 1e-17 (M ≲ 300 bounds it 10% off the poles, tanh′ included),
    truncation at |z| ≤ nh = 10 ~ e^{−50}. gelu is entire: balancing the strip width d
    against the Gaussian's growth e^{d²/2} gives ~e^{−2π²/h²}, negligible already at h = 0.2
    (nh = 10 again). The rule is a fixed linear functional, so its error is a smooth
    function of q12 of that size.
    """
    phi = phi_mpmath(name)
    with mpmath.workdps(dps):
        a, b, ab = mpmath.mpf(a), mpmath.mpf(b), mpmath.mpf(ab)
        ra = mpmath.sqrt(a)
        slope, sig = ab / ra, mpmath.sqrt(b - ab * ab / a)
        h = mpmath.mpf(h)
        zs = [k * h for k in range(-n, n + 1)]
        w = [mpmath.exp(-t * t / 2) for t in zs]
        total = mpmath.mpf(0)
        for z1, w1 in zip(zs, w, strict=True):
            inner = mpmath.fsum(w2 * phi(slope * z1 + sig * z2) for z2, w2 in zip(zs, w, strict=True))
            total += w1 * phi(ra * z1) * inner
        return total * h * h / (2 * mpmath.pi)


@functools.cache
def _third_derivative_mp(name: str):
    return sp.lambdify(z, sp.diff(get_activation(name).phi, z, 3), modules="mpmath")


def third_derivative_bound(name: str, a: float, b: float) -> float:
    """√(E[φ‴(√a t)²]·E[φ‴(√b t)²]) ≥ |∂³V/∂q12³| (Price iterated + Cauchy–Schwarz)."""
    f = _third_derivative_mp(name)
    with mpmath.workdps(20):
        def moment(q):
            rq = mpmath.sqrt(q)
            return mpmath.quad(lambda t: f(rq * t) ** 2 * mpmath.npdf(t), [-mpmath.inf, 0, mpmath.inf])

        return float(mpmath.sqrt(moment(mpmath.mpf(a)) * moment(mpmath.mpf(b))))


# (q1, q2, c) with q ≤ 4 (the trapezoid's a priori bound above)
FD_POINTS = {"tanh": [(1.0, 4.0, 0.3), (2.0, 2.0, -0.6)], "gelu": [(3.0, 0.7, 0.4)]}
TRAPEZOID = {"tanh": ("0.1", 100), "gelu": ("0.2", 50)}  # (h, n): see trapezoid_dual_mp


@pytest.mark.parametrize(("name", "der"), QUAD_PAIRS)
def test_price_by_finite_difference_of_quadrature(name, der):
    dps = 25  # the difference quotient loses 4 digits (h = 1e-4): 1e-21 left, ≪ the tolerance
    h = mpmath.mpf("1e-4")
    rule = TRAPEZOID[name]
    for a, b, cc in FD_POINTS[name]:
        with mpmath.workdps(dps):
            ab = mpmath.mpf(cc) * mpmath.sqrt(mpmath.mpf(a) * mpmath.mpf(b))
            plus = trapezoid_dual_mp(name, a, b, ab + h, dps, *rule)
            minus = trapezoid_dual_mp(name, a, b, ab - h, dps, *rule)
            fd = (plus - minus) / (2 * h)
            v_der = trapezoid_dual_mp(der, a, b, ab, dps, *rule)
            err = float(abs(fd - v_der))
        # truncation h²/6·|V‴| + the quadrature errors (≤ 1e-17 each, a priori) divided by h
        tol = float(h) ** 2 / 6 * third_derivative_bound(name, a, b) + 2 * 1e-17 / float(h) + 1e-17
        assert err <= tol, (name, a, b, cc, err, tol)
        # the check is sharp: the tolerance is far below the derivative itself
        assert tol <= 1e-6 * abs(float(v_der))
        print(f"{name}: FD − V_{der} = {err:.1e} (tolerance {tol:.1e}, V' = {float(v_der):.4f})")


# --------------------------------------------------------------------------------------
# SymPy derives the closed forms from the Gaussian integral
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["identity", "exp"])
def test_sympy_derives_dual_from_gaussian_integral(name):
    r"""E[φ(u)φ(v)] = (1/2π)∬ φ(a z1) φ(b(c z1 + s z2)) e^{−(z1²+z2²)/2} dz1 dz2,
    a = √q1, b = √q2, s = √(1 − c²), integrated by SymPy, equals the registry's dual."""
    a, b, s = sp.symbols("a b s", positive=True)
    z1, z2 = sp.symbols("z1 z2", real=True)
    phi = get_activation(name).phi
    integrand = phi.subs(z, a * z1) * phi.subs(z, b * (c * z1 + s * z2))
    integrand = integrand * sp.exp(-(z1**2 + z2**2) / 2) / (2 * sp.pi)
    # expanded exponentials let SymPy's Gaussian-integral routines complete the square
    integrand = sp.powsimp(sp.expand(integrand, power_exp=True))
    inner = sp.integrate(integrand, (z2, -sp.oo, sp.oo), conds="none")
    derived = sp.integrate(inner, (z1, -sp.oo, sp.oo), conds="none")
    derived = sp.simplify(derived.subs(s, sp.sqrt(1 - c**2)))
    registry = get_activation(name).dual_c.subs({q1: a**2, q2: b**2})
    assert sp.simplify(derived - registry) == 0, (derived, registry)


def test_price_numeric_level_spot_check():
    """float64 level: a central difference of ``numeric.dual`` reproduces V_φ′ for the
    closed forms. Error: truncation h²/6·|V‴| plus round-off ~u·|V|/h; with h = 1e-5 and
    |V|, |V‴| ≤ ~10 here that is ≤ ~2e-10 + 2e-10: 1e-8 leaves a 25× margin."""
    from numeric import dual

    h = 1e-5
    for name, der in CLOSED_PAIRS:
        for a, b, cc in [(1.0, 2.0, 0.3), (0.5, 0.5, -0.5)]:
            ab = cc * math.sqrt(a * b)
            fd = (float(dual(name, a, b, ab + h)) - float(dual(name, a, b, ab - h))) / (2 * h)
            assert abs(fd - float(dual(der, a, b, ab))) <= 1e-8, (name, a, b, cc)
