r"""Mean-field signal propagation: fixed points, χ's, phases, the critical line.

Checks ``numeric.mean_field`` against closed forms (relu; erf at σ_b² = 0), against the
maps it solves (fixed-point residuals, slopes by finite differences, Price's theorem
χ_c = slope of the correlation map), and for consistency between ``classify``, ``chi_1``,
``c_star`` and ``critical_sigma_w2``.
"""

import functools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numeric import (
    c_star,
    chi_1,
    chi_c,
    classify,
    correlation_map,
    critical_sigma_w2,
    depth_scales,
    length_map,
    q_star,
)

U = np.finfo(np.float64).eps / 2

# --------------------------------------------------------------------------------------
# relu: closed forms
# --------------------------------------------------------------------------------------

RELU_GRID = [(sw, sb) for sw in (0.1, 0.5, 1.0, 1.5, 1.9, 1.999) for sb in (0.0, 1e-3, 0.1, 1.0, 7.0)]


@pytest.mark.parametrize(("sigma_w2", "sigma_b2"), RELU_GRID)
def test_relu_closed_forms(sigma_w2, sigma_b2):
    """q* = σ_b²/(1 − σ_w²/2), χ₁ = σ_w²/2 (V_step(q, q, q) = 1/2 exactly), c* = 1, χ_c = χ₁."""
    exact = Fraction(sigma_b2) / (1 - Fraction(sigma_w2) / 2)  # of the float inputs
    # V_relu(1, 1, 1) = 0.5 and σ_w²·0.5 are exact in float64, 1 − σ_w²/2 is exact
    # (Sterbenz) or one rounding: q* carries ≤ 2 roundings
    assert q_star("relu", sigma_w2, sigma_b2) == pytest.approx(float(exact), rel=2 * U, abs=0)
    assert chi_1("relu", sigma_w2, sigma_b2) == sigma_w2 / 2  # exact: every factor is exact
    assert critical_sigma_w2("relu", sigma_b2) == 2.0
    if sigma_b2 > 0:
        assert c_star("relu", sigma_w2, sigma_b2) == 1.0  # ordered (χ₁ < 1)
        assert chi_c("relu", sigma_w2, sigma_b2) == sigma_w2 / 2


@pytest.mark.parametrize("sigma_b2", [0.0, 1e-3, 0.5, 3.0])
def test_relu_critical_line_is_sigma_w2_two(sigma_b2):
    """Independently of the special case in critical_sigma_w2: χ₁(2, σ_b²) = 1 exactly."""
    assert chi_1("relu", 2.0, sigma_b2) == 1.0


@pytest.mark.parametrize(("sigma_w2", "sigma_b2"), [(2.0, 0.1), (2.5, 1e-6), (10.0, 1.0)])
def test_relu_no_finite_fixed_point_raises(sigma_w2, sigma_b2):
    for fn in (q_star, c_star, chi_c, classify):
        with pytest.raises(ValueError, match="no finite fixed point.*sigma_w2"):
            fn("relu", sigma_w2, sigma_b2)


def test_relu_marginal_point_raises():
    """σ_w² = 2, σ_b² = 0: every q is fixed (q* is input-dependent)."""
    with pytest.raises(ValueError, match="every q > 0 is a fixed point"):
        q_star("relu", 2.0, 0.0)


def test_unbounded_exp_diverges_with_a_clear_error():
    with pytest.raises(ValueError, match="no finite fixed point.*exp"):
        q_star("exp", 10.0, 0.0)


# --------------------------------------------------------------------------------------
# erf, tanh at σ_b² = 0; the critical line
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "exact"), [("erf", math.pi / 4), ("tanh", 1.0)])
def test_critical_sigma_w2_at_zero_bias(name, exact):
    """σ_b² = 0: q* = 0 while σ_w² φ′(0)² ≤ 1, so the critical σ_w² is 1/φ′(0)²
    (erf′(0)² = 4/π → π/4; tanh′(0) = 1 → 1)."""
    assert critical_sigma_w2(name, 0.0) == pytest.approx(exact, rel=2 * U, abs=0)
    # independently: on either side χ₁ is below / above 1 (relative steps ≫ the root's
    # √eps ill-conditioning where χ₁ − 1 grows quadratically)
    assert chi_1(name, exact * (1 - 1e-3), 0.0) < 1
    assert q_star(name, exact * (1 - 1e-3), 0.0) == 0.0
    assert chi_1(name, exact * (1 + 1e-2), 0.0) > 1
    assert q_star(name, exact * (1 + 1e-2), 0.0) > 0


@functools.cache
def _critical(name: str, sigma_b2: float) -> float:
    return critical_sigma_w2(name, sigma_b2)


@pytest.mark.parametrize("name", ["tanh", "erf"])
def test_critical_line_monotone_in_sigma_b2(name):
    """The order-to-chaos line σ_w²(σ_b²) increases with σ_b² (Poole et al. 2016, Fig. 2)."""
    grid = [0.0, 0.05, 0.5]  # tanh: ~1 s of quadrature per point
    line = [_critical(name, sb) for sb in grid]
    assert all(b > a for a, b in zip(line, line[1:], strict=False)), line
    for sb, sw in zip(grid[1:], line[1:], strict=True):
        # root of χ₁ − 1 found to xtol 1e-14 in σ_w² (dχ₁/dσ_w² = O(1)): 1e-10 is ample
        assert abs(chi_1(name, sw, sb) - 1) <= 1e-10, (name, sb, sw)


# --------------------------------------------------------------------------------------
# Fixed points satisfy their maps; stability
# --------------------------------------------------------------------------------------

CASES = [
    ("relu", 1.5, 0.3),
    ("erf", 0.5, 0.1),
    ("erf", 3.0, 0.2),
    ("erf", 10.0, 0.0),
    ("tanh", 0.8, 0.05),
    ("tanh", 2.5, 0.1),
    ("identity", 0.7, 0.2),
]


def _slope(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


@pytest.mark.parametrize(("name", "sigma_w2", "sigma_b2"), CASES)
def test_fixed_points_satisfy_their_maps_and_are_stable(name, sigma_w2, sigma_b2):
    q = q_star(name, sigma_w2, sigma_b2)
    # brentq stops at rtol = 4u in q; the map's residual there is ≤ |1 − slope|·4u·q plus
    # a few u·q of evaluation: ≤ 1e-14·q; the required 1e-12 holds with margin
    assert abs(length_map(name, sigma_w2, sigma_b2, q) - q) <= 1e-12 * q
    # stability of q*: slope of the length map by a central difference, h = 1e-4·q:
    # error ≤ h²/6·|V‴|·σ_w² + 2u·q/h ~ 1e-8 relative; stable means slope < 1 by far more
    slope = _slope(lambda x: length_map(name, sigma_w2, sigma_b2, x), q, 1e-4 * q)
    assert abs(slope) < 1 - 1e-6, slope

    x1 = chi_1(name, sigma_w2, sigma_b2)
    c = c_star(name, sigma_w2, sigma_b2)
    if x1 <= 1:
        assert c == 1.0
        return
    # chaotic: c* < 1 is a fixed point of the correlation map (root to xtol 1e-15)
    assert c < 1
    assert abs(correlation_map(name, sigma_w2, sigma_b2, c, q) - c) <= 1e-12
    xc = chi_c(name, sigma_w2, sigma_b2)
    # χ_c is the slope of the correlation map at c* (Price): central difference, h = 1e-5,
    # error ≤ h²/6·|∂³| + 2u/h ≈ 1e-10 (the map's derivatives are O(σ_w²) here)
    fd = _slope(lambda t: correlation_map(name, sigma_w2, sigma_b2, t, q), c, 1e-5)
    assert abs(fd - xc) <= 1e-8, (fd, xc)
    assert 0 <= xc < 1  # c* is stable; χ_c = σ_w² E[φ′φ′] ≥ 0 for monotone φ
    # and the slope at c = 1 is χ₁ > 1 (one-sided difference, error ≤ h·|∂²|/2 ~ 1e-5)
    one_sided = (1 - correlation_map(name, sigma_w2, sigma_b2, 1 - 1e-6, q)) / 1e-6
    assert one_sided == pytest.approx(x1, rel=1e-4)


# --------------------------------------------------------------------------------------
# Classification consistent with χ₁ and the critical line
# --------------------------------------------------------------------------------------

SW_GRID = [0.2, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0]
SB_GRID = [0.0, 0.01, 0.1, 0.5]


@settings(max_examples=30, deadline=None)
@given(
    name=st.sampled_from(["erf", "relu"]),
    sigma_w2=st.sampled_from(SW_GRID),
    sigma_b2=st.sampled_from(SB_GRID),
)
def test_classification_consistent_with_chi_1(name, sigma_w2, sigma_b2):
    if name == "relu" and (sigma_w2 > 2 or (sigma_w2 == 2 and sigma_b2 > 0)):
        with pytest.raises(ValueError, match="no finite fixed point"):
            classify(name, sigma_w2, sigma_b2)
        return
    if name == "relu" and sigma_w2 == 2:
        with pytest.raises(ValueError, match="every q > 0"):
            classify(name, sigma_w2, sigma_b2)
        return
    phase = classify(name, sigma_w2, sigma_b2)
    x1 = chi_1(name, sigma_w2, sigma_b2)
    assert phase.chi_1 == x1
    assert phase.label == ("critical" if abs(x1 - 1) <= 1e-9 else "ordered" if x1 < 1 else "chaotic")
    crit = _critical(name, sigma_b2)
    # χ₁ increases with σ_w², so the label must agree with the side of the critical line
    # (grid points are ≥ 1e-3 relative away from it)
    assert abs(sigma_w2 / crit - 1) > 1e-3
    assert phase.label == ("ordered" if sigma_w2 < crit else "chaotic")
    if phase.q_star == 0.0:  # σ_b² = 0 in the ordered phase: the origin attracts
        assert sigma_b2 == 0 and phase.label == "ordered" and math.isnan(phase.c_star)
        return
    if phase.label == "ordered":
        assert phase.c_star == 1.0 and phase.chi_c == pytest.approx(x1, rel=1e-12)
    else:
        assert phase.c_star < 1 and 0 <= phase.chi_c < 1


def test_c_star_undefined_when_q_star_is_zero():
    with pytest.raises(ValueError, match="q\\* = 0"):
        c_star("erf", 0.5, 0.0)


def test_depth_scales():
    """ξ₁ = −1/log χ₁, ξ_c = −1/log χ_c, ξ* = −1/(log χ_c − log χ₁) (Xiao et al. 2020)."""
    xi1, xic, xis = depth_scales(0.5, 0.25)
    assert xi1 == pytest.approx(1 / math.log(2), rel=4 * U)
    assert xic == pytest.approx(1 / math.log(4), rel=4 * U)
    assert xis == pytest.approx(1 / math.log(2), rel=4 * U)
    assert depth_scales(1.0, 0.5)[0] == math.inf  # critical: ξ₁ diverges
    assert depth_scales(0.5, 0.5)[2] == math.inf  # ordered with c* = 1: χ_c = χ₁
    phase = classify("erf", 3.0, 0.2)
    xi1, xic, _ = depth_scales(phase.chi_1, phase.chi_c)
    assert xi1 < 0 < xic  # chaotic: χ₁ > 1 > χ_c


@pytest.mark.parametrize("fn", [q_star, chi_1, c_star, chi_c])
@pytest.mark.parametrize(
    ("sigma_w2", "sigma_b2", "match"),
    [(-1.0, 0.1, "sigma_w2"), (0.0, 0.1, "sigma_w2"), (1.0, -0.1, "sigma_b2"),
     (float("nan"), 0.1, "sigma_w2"), (1.0, float("inf"), "sigma_b2"), ("x", 0.1, "sigma_w2")],
)
def test_invalid_mean_field_inputs_name_the_parameter(fn, sigma_w2, sigma_b2, match):
    with pytest.raises(ValueError, match=match):
        fn("erf", sigma_w2, sigma_b2)


def test_invalid_critical_inputs():
    with pytest.raises(ValueError, match="sigma_b2"):
        critical_sigma_w2("erf", -1.0)
    with pytest.raises(ValueError, match="activation"):
        critical_sigma_w2("softsign", 0.1)
    with pytest.raises(ValueError, match="no function-valued derivative"):
        critical_sigma_w2("step", 0.1)
