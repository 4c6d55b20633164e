r"""Cross-checks of the dual kernels V_φ(q1, q2, q12) across levels.

For every registered activation with a closed-form dual the same point is evaluated by

* SymPy (``Activation.dual`` in (q1, q2, q12), ``evalf(50)`` at the exact binary value of
  the float inputs),
* mpmath (``numeric.dual_mp`` at 50 digits),
* float64 (``numeric.dual``),
* an independent quadrature: tensor-product Gauss–Hermite in float64
  (``numeric.duals.dual_quadrature``) for smooth φ; for the kinked relu / step a 1-D
  mpmath quadrature of φ(u)·E[φ(v) | u] with the Gaussian conditional in closed form.

All levels see the same input: the float's exact value (``sp.Rational(float)`` and
``mpmath.mpf(float)`` are exact), so the float64 error measured is evaluation error only.

Float64 error model (a priori; used for every float64-vs-mpmath tolerance here)::

    |V_f64 − V| ≤ 2·Δc·|∂V/∂c|  +  32·u·S  (+ u·√(q1q2) / (4π·√(1−c²)) for relu)

* Δc: the error of the computed correlation c = q12/√(q1q2): ≤ 2.5·u·|c| (three
  roundings: product, sqrt [half], quotient); 0 where c is exact (q1 == q2, or √(q1q2)
  exact). The factor 2 covers the variation of ∂V/∂c over [c, c + Δc] (we keep
  1 − |c| ≥ 1e-14 ≫ Δc wherever Δc ≠ 0).
* 32·u·S: ≤ ~15 correctly rounded operations (libm acos/asin/exp ≤ 1 ulp), S = √(V(q1,q1,q1)
  V(q2,q2,q2)) ≥ |V| (Cauchy–Schwarz), the natural scale of V; 2× margin.
* relu: 1 − c² is formed from a rounded c² (absolute error ≤ u/2), which enters through
  √(1 − c²) with slope 1/(2√(1 − c²)); 2× margin.

u = 2^-53 is the unit round-off. The first term is the documented trap: for step (relu′)
∂V/∂c = 1/(2π√(1 − c²)) diverges at c → ±1, so at 1 − c ~ 1e-16 about 8 of 16 digits go
(``test_step_trap_near_c1``).
"""

import functools
import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from scipy import integrate, special

from numeric import dual, dual_diag, dual_mp
from numeric.duals import GH_ORDER, dual_quadrature, phi_mpmath, phi_numpy
from theory.activations import activation_names, c, get_activation, q1, q2, q12

U = np.finfo(np.float64).eps / 2  # unit round-off 2^-53
CLOSED = ("relu", "step", "erf", "erf_prime", "identity", "one", "exp")
SMOOTH = ("erf", "erf_prime", "identity", "one", "exp")  # entire φ: GH converges geometrically

# SymPy evalf(50) and mpmath at 50 digits evaluate the same closed form: both carry 50
# correct digits up to a few units in the last place; 1e-40 leaves ten digits of room.
TOL_SYMPY_MPMATH = 1e-40
# Tensor-product GH (GH_ORDER² = 65536 nodes) on entire φ at q ≤ 5: the rule's truncation
# error is far below eps there, what remains is the float64 weighted sum: pairwise summation
# ~log2(65536)·u·Σ|w φφ| ≤ 16·u·S (Cauchy–Schwarz bounds Σ|w φφ| by S), plus node/weight
# round-off of the same order: ~2e-15·S. 1e-12 leaves > 100×.
TOL_GH_SMOOTH = 1e-12
# 1-D mpmath.quad (tanh-sinh, split at the kink u = 0, analytic on each half-line) at 30
# digits converges to the working precision; we ask for 10 digits less.
TOL_MP_QUAD = 1e-20


def _sym(x: float) -> sp.Rational:
    return sp.Rational(x)  # the float's exact binary value


def _to_mpf(v: sp.Expr) -> mpmath.mpf:
    return mpmath.mpf(sp.Float(v, 50)._mpf_)


def sympy_dual(name: str, a: float, b: float, ab: float) -> mpmath.mpf:
    expr = get_activation(name).dual
    val = expr.subs({q1: _sym(a), q2: _sym(b), q12: _sym(ab)}).evalf(50)
    with mpmath.workdps(50):
        return _to_mpf(val)


def scale(name: str, a: float, b: float) -> float:
    """S = √(V(a,a,a)·V(b,b,b)) ≥ |V(a, b, ·)| (Cauchy–Schwarz), via mpmath."""
    return float(mpmath.sqrt(dual_mp(name, a, a, a, dps=30) * dual_mp(name, b, b, b, dps=30)))


@functools.cache
def _dv_dc_mp(name: str):
    return sp.lambdify((q1, q2, c), sp.diff(get_activation(name).dual_c, c), modules="mpmath")


def dv_dc(name: str, a: float, b: float, cc: mpmath.mpf) -> float:
    """|∂V/∂c| at (a, b, c) from the SymPy closed form (c strictly inside (−1, 1))."""
    with mpmath.workdps(30):
        return float(abs(_dv_dc_mp(name)(mpmath.mpf(a), mpmath.mpf(b), cc)))


def f64_bound(name: str, a: float, b: float, cc: mpmath.mpf, exact_c: bool) -> float:
    """A priori bound on |dual(name, a, b, q12) − V| (module docstring)."""
    s = scale(name, a, b)
    bound = 32 * U * s
    if not exact_c:
        bound += 2 * 2.5 * U * float(abs(cc)) * dv_dc(name, a, b, cc)
    if name == "relu" and abs(cc) < 1:
        bound += U * math.sqrt(a * b) / (4 * math.pi * float(mpmath.sqrt(1 - cc * cc)))
    return bound


def exact_correlation(a: float, b: float, ab: float) -> mpmath.mpf:
    with mpmath.workdps(50):
        return mpmath.mpf(ab) / mpmath.sqrt(mpmath.mpf(a) * mpmath.mpf(b))


def conditional_quadrature(name: str, a: float, b: float, ab: float, dps: int = 30):
    """V = E_u[φ(u)·E[φ(v) | u]] by 1-D ``mpmath.quad`` (split at 0), inner in closed form.

    v | u ~ N(m, s²), m = (q12/q1)·u, s² = q2 − q12²/q1. Gaussian identities used:
    relu: E[relu(N(m, s²))] = m Φ(m/s) + s φ(m/s); step: P(N(m, s²) > 0) = Φ(m/s);
    erf: E[erf(N(m, s²))] = erf(m/√(1 + 2s²)); gelu: E[v Φ(v)] = m Φ(m/r) + s² N(m; 0, r²),
    gelu′: E[Φ(v) + v φ(v)] = Φ(m/r) + m/r² N(m; 0, r²), with r² = 1 + s².
    """
    phi = phi_mpmath(name)
    with mpmath.workdps(dps):
        a, b, ab = mpmath.mpf(a), mpmath.mpf(b), mpmath.mpf(ab)
        s2 = b - ab * ab / a
        s2 = s2 if s2 > 0 else mpmath.mpf(0)  # |c| = 1 up to the exact-input rounding of c²
        s = mpmath.sqrt(s2)

        def inner(m):
            if name in ("relu", "step") and s == 0:
                return phi(m)
            if name == "relu":
                return m * mpmath.ncdf(m / s) + s * mpmath.npdf(m / s)
            if name == "step":
                return mpmath.ncdf(m / s)
            if name == "erf":
                return mpmath.erf(m / mpmath.sqrt(1 + 2 * s2))
            r2 = 1 + s2
            gauss = mpmath.npdf(m, 0, mpmath.sqrt(r2))
            if name == "gelu":
                return m * mpmath.ncdf(m / mpmath.sqrt(r2)) + s2 * gauss
            if name == "gelu_prime":
                return mpmath.ncdf(m / mpmath.sqrt(r2)) + m / r2 * gauss
            raise AssertionError(name)

        sa = mpmath.sqrt(a)
        return mpmath.quad(
            lambda u: phi(u) * inner(ab / a * u) * mpmath.npdf(u, 0, sa), [-mpmath.inf, 0, mpmath.inf]
        )


def gauss_trapezoid_mp(name: str, a: float, b: float, cc: float, dps: int = 25, h=0.1, L=10):
    r"""E[φ(u)φ(v)] by the 2-D trapezoidal rule in mpmath (independent of GH and mpmath.quad).

    u = √a z1, v = √b (c z1 + √(1 − c²) z2), z ~ N(0, I), nodes k·h, |k·h| ≤ L.
    A priori error: for an integrand analytic in the strip |Im z| < d of each variable the
    trapezoidal rule errs by ~2M·exp(−2πd/h) (M bounds it in the strip). tanh(√q x) has
    poles at Im x = π/(2√q): for q ≤ 4, d ≥ 0.9·π/4 (staying off the poles, |tanh| ≤ 6.3,
    Gaussian growth ≤ e^{d²/2} ≤ 1.4, so M ≤ 60) gives ≤ 120·e^{−44} ~ 1e-17 at h = 0.1;
    gelu is entire (smaller still). Truncation at L = 10: Gaussian mass e^{−50} ~ 2e-22.
    """
    phi = phi_mpmath(name)
    with mpmath.workdps(dps):
        a, b, cc = mpmath.mpf(a), mpmath.mpf(b), mpmath.mpf(cc)
        s = mpmath.sqrt((1 - cc) * (1 + cc))
        hh = mpmath.mpf(h)
        n = int(round(L / h))
        zs = [k * hh for k in range(-n, n + 1)]
        w = [mpmath.exp(-zk * zk / 2) for zk in zs]
        ra, rb = mpmath.sqrt(a), mpmath.sqrt(b)
        total = mpmath.mpf(0)
        for z1, w1 in zip(zs, w, strict=True):
            m, sig = rb * cc * z1, rb * s
            inner = mpmath.fsum(w2 * phi(m + sig * z2) for z2, w2 in zip(zs, w, strict=True))
            total += w1 * phi(ra * z1) * inner
        return total * hh * hh / (2 * mpmath.pi)


def _random_points(seed: int, n: int, cmax: float = 0.95):
    rng = np.random.default_rng(seed)
    qa = np.exp(rng.uniform(np.log(0.05), np.log(5.0), n))
    qb = np.exp(rng.uniform(np.log(0.05), np.log(5.0), n))
    cs = rng.uniform(-cmax, cmax, n)
    return [(float(x), float(y), float(cc * np.sqrt(x * y))) for x, y, cc in zip(qa, qb, cs, strict=True)]


# --------------------------------------------------------------------------------------
# Closed forms: SymPy vs mpmath vs float64 vs quadrature
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CLOSED)
def test_closed_form_levels_agree_at_interior_points(name):
    points = _random_points(seed=CLOSED.index(name), n=8)
    worst = {"mp": 0.0, "f64": 0.0, "quad": 0.0}
    for a, b, ab in points:
        s = scale(name, a, b)
        ref = sympy_dual(name, a, b, ab)
        mp = dual_mp(name, a, b, ab, dps=50)
        with mpmath.workdps(50):
            err_mp = float(abs(mp - ref)) / s
        assert err_mp <= TOL_SYMPY_MPMATH, (name, a, b, ab, err_mp)

        f64 = float(dual(name, a, b, ab))
        err_f64 = abs(f64 - float(ref))
        bound = f64_bound(name, a, b, exact_correlation(a, b, ab), exact_c=False)
        assert err_f64 <= bound, (name, a, b, ab, err_f64, bound)

        cc = float(exact_correlation(a, b, ab))
        if name in SMOOTH:
            quad = float(dual_quadrature(name, a, b, cc))
            err_q = abs(quad - float(ref)) / s
            assert err_q <= TOL_GH_SMOOTH, (name, a, b, ab, err_q)
        else:
            quad = conditional_quadrature(name, a, b, ab)
            with mpmath.workdps(30):
                err_q = float(abs(quad - ref)) / s
            assert err_q <= TOL_MP_QUAD, (name, a, b, ab, err_q)
        worst = {"mp": max(worst["mp"], err_mp), "f64": max(worst["f64"], err_f64 / s),
                 "quad": max(worst["quad"], err_q)}
    print(f"{name}: max |Δ|/S  mpmath {worst['mp']:.1e}  float64 {worst['f64']:.1e}  quad {worst['quad']:.1e}")


# (q1, q2, q12) at the boundary of the correlation range. q1 = q2 = 1 makes the float c equal
# to q12 exactly; (0.5, 2.0) has √(q1 q2) = 1 exactly, so c = ±1 exactly off the diagonal too.
BOUNDARY = [
    (1.0, 1.0, 1 - 1e-6),
    (1.0, 1.0, 1 - 1e-10),
    (1.5, 1.5, 1.5),
    (0.5, 2.0, 1.0),
    (1.5, 1.5, -1.5),
    (0.5, 2.0, -1.0),
]


@pytest.mark.parametrize("name", CLOSED)
@pytest.mark.parametrize("point", BOUNDARY, ids=["1-1e-6", "1-1e-10", "1", "1-offdiag", "-1", "-1-offdiag"])
def test_closed_form_levels_agree_near_boundary(name, point):
    a, b, ab = point
    s = scale(name, a, b)
    ref = sympy_dual(name, a, b, ab)
    with mpmath.workdps(50):
        assert float(abs(dual_mp(name, a, b, ab, dps=50) - ref)) / s <= TOL_SYMPY_MPMATH
    cc = exact_correlation(a, b, ab)
    # exact inputs: c is exact in float64 here, so only evaluation error remains
    err = abs(float(dual(name, a, b, ab)) - float(ref))
    assert err <= f64_bound(name, a, b, cc, exact_c=True), (name, point, err)
    if name in SMOOTH:
        quad = float(dual_quadrature(name, a, b, float(cc)))
        assert abs(quad - float(ref)) / s <= TOL_GH_SMOOTH
    else:
        with mpmath.workdps(30):
            assert float(abs(conditional_quadrature(name, a, b, ab) - ref)) / s <= TOL_MP_QUAD


def test_boundary_values_are_exact():
    """At c = ±1 the closed forms reduce to exact numbers; float64 reproduces them to a few ulp."""
    # V_step(c=1) = 1/2 and V_step(−1) = 0 (θ = 0, π); V_relu(q, q, ±q) = q/2, 0;
    # V_erf(q, q, q) = (2/π) asin(2q/(1 + 2q)); V_erf′(q, q, q) = 4/(π√(1 + 4q)).
    assert float(dual("step", 1.5, 1.5, 1.5)) == 0.5
    assert float(dual("step", 1.5, 1.5, -1.5)) == 0.0
    # ≤ 6 roundings on the way (two sqrt, three products, one quotient): 8u
    assert float(dual("relu", 1.5, 1.5, 1.5)) == pytest.approx(0.75, rel=8 * U, abs=0)
    # V_relu(−1) = √(q1q2)/(2π)·(0 + (π − π)·(−1)) = 0 up to the rounding of π − fl(π)
    assert abs(float(dual("relu", 1.5, 1.5, -1.5))) <= 4 * U * 1.5
    assert float(dual("erf_prime", 2.0, 2.0, 2.0)) == pytest.approx(4 / (math.pi * 3.0), rel=8 * U, abs=0)


# --------------------------------------------------------------------------------------
# The documented float64 trap of the step (relu′) dual near c = ±1
# --------------------------------------------------------------------------------------


def test_step_trap_near_c1():
    """float64 V_step loses digits as 1 − |c| → 0, exactly as the arccos conditioning predicts.

    The closed form itself is evaluated accurately (see the boundary test with exact c);
    what is amplified is the round-off Δc ≤ 2.5u|c| of c = q12/√(q1 q2):
    ΔV ≈ Δc/(2π√(1 − c²)), i.e. relative ≈ u/(π√(2(1 − c))) near c = 1 (≈ 2.5e-9 at
    1 − c = 1e-16: 8 of 16 digits) and ≈ u/(2(1 + c)) near c = −1 where V → 0.
    ``dual_mp`` evaluates the same floats' exact correlation and stays accurate.
    """
    rng = np.random.default_rng(7)
    worst_near_1 = 0.0
    rows = []
    for sign in (1.0, -1.0):
        for delta in np.geomspace(1e-14, 1e-6, 24):
            a, b = float(np.exp(rng.uniform(-1, 1))), float(np.exp(rng.uniform(-1, 1)))
            ab = float(sign * (1 - delta) * np.sqrt(a * b))
            cc = exact_correlation(a, b, ab)
            ref = dual_mp("step", a, b, ab, dps=50)  # = SymPy's value (tests above)
            got = float(dual("step", a, b, ab))
            err = abs(got - float(ref))
            bound = f64_bound("step", a, b, cc, exact_c=False)
            assert err <= bound, (a, b, ab, err, bound)
            rel = err / float(ref)
            # the predicted relative error at this point: the Δc term over V
            predicted = 2 * 2.5 * U * dv_dc("step", a, b, cc) / float(ref)
            rows.append((sign, delta, rel, predicted))
            if sign > 0 and delta <= 1e-12:
                worst_near_1 = max(worst_near_1, rel)
            # The mpmath route at 30 digits works on the same floats' exact correlation:
            # its c carries ~1e-30 relative error, amplified by the same conditioning,
            # |c V'/V| ≤ 1/(2(1 − |c|)) for step at 1 − |c| ≤ 1e-6; 20× margin.
            with mpmath.workdps(50):
                mp_rel = float(abs(dual_mp("step", a, b, ab, dps=30) - ref) / ref)
            assert mp_rel <= 1e-29 / delta, (a, b, ab, mp_rel)
    # The trap is real: among 1 − c ≤ 1e-12 the predicted loss is ≥ ~5e-12 for a typical
    # Δc ~ u/2; at least one of the ~6 points must show ≥ 1e-12 (≥ 4 digits beyond eps).
    assert worst_near_1 >= 1e-12, worst_near_1
    ratio = max(rel / pred for _, _, rel, pred in rows)
    print(f"step trap: max relative error at 1 − c ≤ 1e-12: {worst_near_1:.1e}; "
          f"max observed / predicted (2·Δc_max·|V′|/V): {ratio:.2f}")


def test_step_float64_on_the_diagonal_is_exact():
    """The recursion's diagonal hits c = 1 exactly (sqrt(fl(q²)) = q), avoiding the trap."""
    # 1e-200, 1e200: q·q under/overflows float64; c is then q12/q1 (still exactly 1)
    for q in (1e-200, 1e-150, 0.3, 1.0, 7.0, 1e150, 1e200):
        assert float(dual("step", q, q, q)) == 0.5


# --------------------------------------------------------------------------------------
# No closed form: tanh and gelu, float64 GH (GH_ORDER) vs mpmath
# --------------------------------------------------------------------------------------

# Documented next to GH_ORDER in numeric/duals.py (measured there, asserted here):
GH_TANH_Q4 = 1e-10  # tanh, q ≤ 4 (6e-11 at q = 4 in the comment; ~exp(−π√(n/q)) ≈ 1e-11)
GH_GELU_Q10 = 1e-13  # gelu, q ≤ 10 (≤ 1e-15 in the comment)
# 1-D mpmath.quad at 25 digits (analytic integrand on each half-line) is accurate to ~1e-25;
# the mpmath trapezoid's a priori error is ≤ ~1e-17 (gauss_trapezoid_mp): both negligible.


def _diag_mp_quad(name: str, q: float, dps: int = 25) -> mpmath.mpf:
    phi = phi_mpmath(name)
    with mpmath.workdps(dps):
        rq = mpmath.sqrt(mpmath.mpf(q))
        return mpmath.quad(lambda t: phi(rq * t) ** 2 * mpmath.npdf(t), [-mpmath.inf, 0, mpmath.inf])


@pytest.mark.parametrize(
    "q",
    [
        0.25,
        1.0,
        2.5,
        4.0,  # was 1.0e-9 with 2-D Gauss–Hermite; the diagonal now uses adaptive 1-D quadrature
    ],
)
def test_tanh_gauss_hermite_diagonal(q):
    """E[tanh(√q z)²] = V_tanh(q, q, q): the length map of every tanh mean-field quantity."""
    ref = _diag_mp_quad("tanh", q)
    got = float(dual("tanh", q, q, q))
    assert abs(got - float(ref)) / float(ref) <= GH_TANH_Q4, (q, got, ref)


# off-diagonal: (q1, q2, c); |V| is not small against S at these c (checked)
TANH_POINTS = [(4.0, 4.0, 0.5), (1.0, 4.0, -0.7), (2.5, 0.5, 0.9), (4.0, 0.25, 0.3), (1.0, 1.0, 1.0)]


def test_tanh_gauss_hermite_off_diagonal():
    worst = 0.0
    for a, b, cc in TANH_POINTS:
        ref = gauss_trapezoid_mp("tanh", a, b, cc)
        if cc == 1.0:  # the trapezoid code itself vs 1-D mpmath.quad on the diagonal
            assert abs(float(ref - _diag_mp_quad("tanh", a))) <= 1e-16
        got = float(dual("tanh", a, b, cc * math.sqrt(a * b)))
        s = math.sqrt(float(_diag_mp_quad("tanh", a)) * float(_diag_mp_quad("tanh", b)))
        assert abs(float(ref)) >= s / 10  # a relative tolerance is meaningful here
        rel = abs(got - float(ref)) / abs(float(ref))
        worst = max(worst, rel)
        assert rel <= GH_TANH_Q4, (a, b, cc, rel)
    print(f"tanh GH vs mpmath (q ≤ 4): max relative error {worst:.1e}")


GELU_POINTS = [(10.0, 10.0, 0.5), (0.5, 10.0, 0.8), (3.0, 7.0, 0.99), (7.0, 7.0, 1.0),
               (2.0, 0.3, 0.2), (0.1, 10.0, 1.0), (10.0, 10.0, 0.9)]
# V(10, 10, 10) was 3.7e-13 (gelu) / 8.2e-11 (gelu′) off with 2-D Gauss–Hermite; the
# diagonal now goes through adaptive 1-D quadrature (numeric.duals.dual_diagonal_quad)


@pytest.mark.parametrize("name", ["gelu", "gelu_prime"])
@pytest.mark.parametrize(
    "point", GELU_POINTS + [(10.0, 10.0, 1.0)], ids=str
)
def test_gelu_gauss_hermite_vs_mpmath(name, point):
    """gelu and gelu′ (entire; gelu′ is the NTK factor) at q ≤ 10 vs the 1-D conditional
    mpmath.quad, at the documented 1e-13."""
    a, b, cc = point
    ab = cc * math.sqrt(a * b)
    ref = conditional_quadrature(name, a, b, ab, dps=25)
    got = float(dual(name, a, b, ab))
    rel = abs(got - float(ref)) / abs(float(ref))
    assert rel <= GH_GELU_Q10, (name, a, b, cc, rel)


def test_gelu_conditional_route_matches_trapezoid():
    """The two mpmath references for gelu (1-D conditional quad, 2-D trapezoid) agree."""
    a, b, cc = 3.0, 0.7, -0.6
    one = conditional_quadrature("gelu", a, b, cc * math.sqrt(a * b), dps=25)
    two = gauss_trapezoid_mp("gelu", a, b, cc)
    with mpmath.workdps(25):
        assert abs(one - two) <= 1e-16  # both ≤ ~1e-17 (a priori), see the helpers


@pytest.mark.parametrize("q", [0.25, 1.0])
def test_tanh_prime_gauss_hermite_small_q(q):
    """tanh′ = sech² (the tanh NTK factor): same pole strip as tanh, GH error
    ~exp(−π√(GH_ORDER/q)) ≤ 1e-22 at q ≤ 1, i.e. round-off-limited: 1e-13 (≫ 16u)."""
    ref = _diag_mp_quad("tanh_prime", q)
    got = float(dual("tanh_prime", q, q, q))
    assert abs(got - float(ref)) / float(ref) <= 1e-13


# --------------------------------------------------------------------------------------
# erf against the bivariate Gaussian integral; diagonals against 1-D integrals
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("point", [(1.0, 1.0, 0.3), (0.4, 2.5, -0.8), (3.0, 0.2, 0.95)])
def test_erf_dual_against_bivariate_gaussian_integral(point):
    """V_erf = ∬ erf(u) erf(v) N₂(u, v; Σ) du dv by scipy ``dblquad`` on the bivariate
    density (float64, independent of every route above) and by the 1-D conditional mpmath
    quadrature."""
    a, b, cc = point
    ab = cc * math.sqrt(a * b)
    det = a * b - ab * ab
    norm = 1 / (2 * math.pi * math.sqrt(det))

    def integrand(v, u):
        quad_form = (b * u * u - 2 * ab * u * v + a * v * v) / det
        return special.erf(u) * special.erf(v) * norm * math.exp(-quad_form / 2)

    lim_u, lim_v = 12 * math.sqrt(a), 12 * math.sqrt(b)  # Gaussian mass beyond 12σ: 4e-33
    val, est = integrate.dblquad(integrand, -lim_u, lim_u, -lim_v, lim_v, epsabs=1e-12, epsrel=0)
    got = float(dual("erf", a, b, ab))
    # dblquad's requested absolute accuracy 1e-12 (and its own estimate), plus float64 round-off
    assert abs(got - val) <= 1e-12 + est + 1e-15, (point, got, val, est)
    ref = conditional_quadrature("erf", a, b, ab)
    assert abs(got - float(ref)) <= f64_bound("erf", a, b, exact_correlation(a, b, ab), exact_c=False)


DIAG_QS = {name: (0.3, 1.0, 3.0) for name in activation_names()}
# tanh, tanh′: GH error ~exp(−π√(GH_ORDER/q)) ≈ 3e-13 at q = 3 already; keep q ≤ 1 here
# (the tanh range up to q = 4 is covered above at its documented 1e-10)
DIAG_QS["tanh"] = DIAG_QS["tanh_prime"] = (0.3, 1.0)


@pytest.mark.parametrize("name", activation_names())
def test_diagonal_is_one_dimensional_integral(name):
    """V_φ(q, q, q) = E[φ(√q z)²] by 1-D scipy.integrate.quad (QUADPACK, split at 0)."""
    phi = phi_numpy(name)
    for q in DIAG_QS[name]:
        rq = math.sqrt(q)

        def f(t, rq=rq):
            return float(phi(np.float64(rq * t))) ** 2 * math.exp(-t * t / 2) / math.sqrt(2 * math.pi)

        # |t| ≤ 40: the tail is ≤ e^{−(40 − 2√q)²/2} relative (exp, the widest: peak at 2√q)
        left, e1 = integrate.quad(f, -40, 0, epsabs=0, epsrel=1e-12, limit=200)
        right, e2 = integrate.quad(f, 0, 40, epsabs=0, epsrel=1e-12, limit=200)
        ref = left + right
        got = float(dual_diag(name, q))
        # QUADPACK asked for 1e-12 relative (10× margin: 1e-11) plus its error estimates;
        # float64 closed forms / GH at these q are ≤ 1e-13
        assert abs(got - ref) <= 1e-11 * abs(ref) + e1 + e2, (name, q, got, ref)


def test_gh_order_is_the_documented_one():
    """The accuracies asserted above are the ones documented for this GH_ORDER."""
    assert GH_ORDER == 256


@pytest.mark.parametrize("name", ["tanh", "tanh_prime", "gelu", "gelu_prime"])
@pytest.mark.parametrize("q", [0.3, 4.0, 10.0, 100.0])
def test_diagonal_rule_of_the_mean_field_scalars(name, q):
    """numeric.dual_diag (composite Gauss–Legendre, used by q*, χ₁, the critical line) vs 1-D
    mpmath.quad: ≤ 1e-13 relative (16-point panels of width ≤ 1/(2√q): ~1e-19 truncation per
    panel; the bound leaves room for ~10³ float64 roundings in the panel sums)."""
    from numeric.duals import dual_diag

    ref = _diag_mp_quad(name, q)
    got = float(dual_diag(name, q))
    assert abs(got - float(ref)) <= 1e-13 * abs(float(ref)), (name, q, got, ref)
