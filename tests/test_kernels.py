r"""Cross-checks of the NNGP / NTK recursion ``numeric.nngp_ntk`` / ``kernel_sequence``.

(a) against neural-tangents' analytic ``stax`` kernels (relu / erf / gelu, both
    parametrizations, depths 1–10); (b) float64 against the same recursion at 40 digits;
(c) large depth (10^4) and the float64 range; (d) Hypothesis properties (symmetry, PSD,
    nonnegative Maclaurin coefficients of dot-product kernels, monotone V-maps);
(e) invalid input → ``ValueError`` naming the parameter, and a fuzz of the public API.

Mapping to neural-tangents: ``depth`` = L hidden layers =
``[Dense(n_l, W_std, b_std), φ] × L + [Dense(·)]``; the last Dense's width does not enter
the kernel. ``widths = (d, n_1, …, n_L)``: NT's standard-parametrization NTK uses the fan-in of
each Dense (d for the first). W_std = √σ_w², b_std = √σ_b²; ``gram = x xᵀ / d``.
"""

import math
import warnings

import mpmath
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from empirical.nt_compat import load_neural_tangents
from numeric import (
    c_star,
    chi_1,
    chi_c,
    critical_sigma_w2,
    dual,
    kernel_sequence,
    length_map,
    nngp,
    nngp_ntk,
    q_star,
)
from theory.activations import activation_names, get_activation

U = np.finfo(np.float64).eps / 2
D = 5
SIGMA_W2, SIGMA_B2 = 1.7, 0.2
WIDTHS = (D, 64, 128, 96, 80, 112, 72, 120, 88, 104, 56)  # distinct: pins which n_l is used
MAX_DEPTH = 10

# (a) tolerances. Off-diagonal entries, relu / erf: both sides evaluate closed forms
# (arccos / arcsin) in float64 in a different order: ≤ ~20 roundings per layer, amplified by
# the arccos/arcsin conditioning 1/√(1 − c²) ≤ 10 (c ≤ 0.995 asserted below) and accumulated
# additively over ≤ 10 layers (the maps are contractions or near-critical here):
# 10·20·u·10 ≈ 2e-13; 1e-12 leaves 4×.
TOL_NT_CLOSED = 1e-12
# gelu: NT uses a closed form, we use GH_ORDER Gauss–Hermite, documented (and tested in
# tests/test_duals.py) to 1e-13 relative for q ≤ 10 at c ≲ 0.9; ≤ 10 layers add up to 1e-12,
# plus the round-off above: 2e-12. (Here q ≤ 4 and c ≤ 0.995; see TOL_NT_CLOSED.)
TOL_NT_GELU = 2e-12
# relu NTK diagonal: NT forms cos = Σ_ii/√(Σ_ii Σ_ii) and rounds it to 1 − O(u); arccos then
# gives θ ≈ √(2·2u) ≈ 2e-8 instead of 0, so V_step is off by θ/π ≈ 7e-9 relative per layer,
# up to 7e-8 after 10 layers (summed). Our recursion has c = 1 exactly on the diagonal and
# is checked against 40-digit mpmath below: the gap is NT's.
TOL_NT_RELU_NTK_DIAG = 1e-7


@pytest.fixture(scope="module")
def stax():
    return load_neural_tangents().stax


@pytest.fixture(scope="module")
def inputs():
    x = np.random.default_rng(0).standard_normal((7, D))
    return x, x @ x.T / D


def _max_offdiag_correlation(seq, depth):
    worst = 0.0
    for sigma, _ in seq[: depth + 1]:
        dg = np.sqrt(np.diag(sigma))
        cor = sigma / np.outer(dg, dg)
        worst = max(worst, float(np.max(np.abs(cor - np.diag(np.diag(cor))))))
    return worst


@pytest.mark.parametrize("parametrization", ["ntk", "standard"])
@pytest.mark.parametrize("name", ["relu", "erf", "gelu"])
def test_matches_neural_tangents(stax, inputs, name, parametrization):
    x, gram = inputs
    layer = {"relu": stax.Relu, "erf": stax.Erf, "gelu": lambda: stax.Gelu(approximate=False)}[name]
    w_std, b_std = math.sqrt(SIGMA_W2), math.sqrt(SIGMA_B2)
    seq = kernel_sequence(name, SIGMA_W2, SIGMA_B2, MAX_DEPTH, gram, parametrization, WIDTHS)
    assert _max_offdiag_correlation(seq, MAX_DEPTH) <= 0.995  # premise of the tolerances
    tol = TOL_NT_GELU if name == "gelu" else TOL_NT_CLOSED
    off = ~np.eye(len(x), dtype=bool)
    worst = {"off": 0.0, "diag": 0.0}
    for depth in range(1, MAX_DEPTH + 1):
        layers = []
        for n_l in WIDTHS[1 : depth + 1]:
            layers += [stax.Dense(n_l, w_std, b_std, parameterization=parametrization), layer()]
        layers.append(stax.Dense(3, w_std, b_std, parameterization=parametrization))
        k = stax.serial(*layers)[2](x, None, ("nngp", "ntk"))
        sigma, theta = seq[depth]  # Σ^{L+1}, Θ^{L+1} for L = depth
        for ours, theirs, kind in ((sigma, k.nngp, "nngp"), (theta, k.ntk, "ntk")):
            theirs = np.asarray(theirs)
            assert theirs.dtype == np.float64
            rel = np.abs(ours - theirs) / np.abs(ours)
            assert np.max(rel[off]) <= tol, (name, parametrization, depth, kind, np.max(rel[off]))
            diag_tol = TOL_NT_RELU_NTK_DIAG if (name, kind) == ("relu", "ntk") else tol
            assert np.max(np.diag(rel)) <= diag_tol, (name, parametrization, depth, kind)
            worst["off"] = max(worst["off"], float(np.max(rel[off])))
            worst["diag"] = max(worst["diag"], float(np.max(np.diag(rel))))
    print(f"{name}/{parametrization}: max rel. diff vs NT: off-diagonal {worst['off']:.1e}, "
          f"diagonal {worst['diag']:.1e}")


# (b) float64 vs 40 digits. Same closed forms, same inputs (float gram read exactly): the
# float64 error is round-off only, ≤ ~20u per layer amplified by the arccos/arcsin
# conditioning ≤ 10 (c ≤ 0.995), accumulated over ≤ 6 layers: ~3e-14; 1e-12 leaves 30×.
TOL_F64_VS_MP = 1e-12


@pytest.mark.parametrize("parametrization", ["ntk", "standard"])
@pytest.mark.parametrize(
    ("name", "sigma_w2", "sigma_b2"), [("relu", 1.7, 0.2), ("erf", 2.5, 0.1), ("exp", 0.05, 0.05)]
)
def test_float64_matches_40_digit_recursion(inputs, name, sigma_w2, sigma_b2, parametrization):
    """Every layer of depth ≤ 5 (tanh / gelu have no closed form: their 40-digit route is a
    2-D mpmath.quad per entry, seconds each; their float64 level is checked in test_duals)."""
    _, gram = inputs
    depth = 5
    f64 = kernel_sequence(name, sigma_w2, sigma_b2, depth, gram, parametrization, WIDTHS[: depth + 1])
    mp = kernel_sequence(name, sigma_w2, sigma_b2, depth, gram, parametrization, WIDTHS[: depth + 1],
                         dps=40)
    if name != "exp":  # exp has no arccos/arcsin: ∂V/∂c = √(q1q2)·V stays bounded
        assert _max_offdiag_correlation(f64, depth) <= 0.995
    worst = 0.0
    for (s64, t64), (smp, tmp) in zip(f64, mp, strict=True):
        for a, b in ((s64, smp), (t64, tmp)):
            with mpmath.workdps(40):
                rel = np.array([[float(abs(mpmath.mpf(a[i, j]) - b[i, j]) / abs(b[i, j]))
                                 for j in range(a.shape[1])] for i in range(a.shape[0])])
            worst = max(worst, float(rel.max()))
    assert worst <= TOL_F64_VS_MP, worst
    print(f"{name}/{parametrization}: float64 vs 40 digits, max rel. error {worst:.1e}")


def test_relu_ntk_diagonal_is_exact_where_nt_rounds(inputs):
    """Our relu NTK diagonal agrees with 40 digits to round-off (the NT gap is NT's)."""
    _, gram = inputs
    _, t64 = nngp_ntk("relu", SIGMA_W2, SIGMA_B2, MAX_DEPTH, gram)
    _, tmp = nngp_ntk("relu", SIGMA_W2, SIGMA_B2, MAX_DEPTH, gram, dps=40)
    for i in range(gram.shape[0]):
        # c = 1 exactly on both levels: plain round-off, ≤ ~20u per layer over 11 layers
        assert abs(t64[i, i] - float(tmp[i, i])) <= 1e-13 * float(tmp[i, i])


# --------------------------------------------------------------------------------------
# (c) Large depth, float64 range
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sphere_gram():
    """Three unit vectors in R^5, two of them nearly aligned (c = 1 − O(1e-7))."""
    x = np.random.default_rng(1).standard_normal((3, D))
    x[2] = x[1] + 1e-3 * x[2]
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    g = x @ x.T
    np.fill_diagonal(g, 1.0)
    return g


def _length_map_iterates(name, sigma_w2, sigma_b2, q0, depth):
    """The 1-D length map iterated with the same dual rule as the matrix recursion.

    (``numeric.length_map`` integrates the 1-D diagonal with a more accurate rule than the
    tensor Gauss–Hermite of ``numeric.dual``; for quadrature activations the two differ by
    the documented GH error, so the bivariate-vs-1-D identity is tested rule for rule.)
    """
    from numeric.duals import dual_quadrature

    qs = [q0]
    for _ in range(depth):
        if get_activation(name).dual_c is None:
            # the tensor Gauss–Hermite rule that the 3-point matrix recursion applies to every entry
            qs.append(float(sigma_w2 * dual_quadrature(name, qs[-1], qs[-1], 1.0) + sigma_b2))
        else:
            qs.append(length_map(name, sigma_w2, sigma_b2, qs[-1]))
    return np.array(qs)


def _assert_cauchy_schwarz(sigma):
    dg = np.sqrt(np.diag(sigma))
    # |Σ_ij| ≤ √(Σ_ii Σ_jj) holds exactly; float64 evaluation adds a few ulp
    assert np.all(np.abs(sigma) <= np.outer(dg, dg) * (1 + 1e-13))


# diagonal vs the 1-D length-map iterate: the same formula on the same floats (array vs
# scalar evaluation may differ by ~1 ulp per layer), damped by the map's slope < 1 near the
# stable q*: a few ulp; 1e-13 ≈ 900 ulp
TOL_DIAG_ITERATE = 1e-13


@pytest.mark.parametrize(
    ("name", "sigma_w2", "sigma_b2"),
    [("relu", 1.9, 0.1), ("erf", 0.5, 0.1), ("erf", 10.0, 0.0), ("erf", 4.0, 0.0)],
)
def test_depth_ten_thousand_nngp_is_finite(sphere_gram, name, sigma_w2, sigma_b2):
    depth = 10_000
    seq = kernel_sequence(name, sigma_w2, sigma_b2, depth, sphere_gram, ntk=False)
    sigmas = np.array([s for s, _ in seq])
    assert np.all(np.isfinite(sigmas))
    _assert_cauchy_schwarz(sigmas[-1])
    iterate = _length_map_iterates(name, sigma_w2, sigma_b2, sigma_w2 * 1.0 + sigma_b2, depth)
    for i in range(3):
        np.testing.assert_allclose(sigmas[:, i, i], iterate, rtol=TOL_DIAG_ITERATE, atol=0)
    # the fixed point is reached: the last diagonal is q*
    np.testing.assert_allclose(sigmas[-1, 0, 0], q_star(name, sigma_w2, sigma_b2), rtol=1e-12)


def test_relu_ntk_at_depth_ten_thousand_is_finite(sphere_gram):
    """Ordered relu (χ₁ = 0.95): Θ converges (geometric series), no overflow."""
    sigma, theta = nngp_ntk("relu", 1.9, 0.1, 10_000, sphere_gram)
    assert np.all(np.isfinite(sigma)) and np.all(np.isfinite(theta))
    # diagonal limit: Θ* = q*/(1 − χ₁) with q* = σ_b²/(1 − σ_w²/2) = 2, χ₁ = 0.95
    np.testing.assert_allclose(np.diag(theta), 2.0 / 0.05, rtol=1e-12)


def test_chaotic_erf_depth_200_and_ten_thousand(sphere_gram):
    """erf, σ_w² = 4, σ_b² = 0 (chaotic: χ₁ ≈ 1.5): the off-diagonal (bivariate) entries stay
    finite and decorrelate, c → c* = 0; the diagonal is the 1-D length-map iterate."""
    sigma, theta = nngp_ntk("erf", 4.0, 0.0, 200, sphere_gram)
    assert np.all(np.isfinite(sigma)) and np.all(np.isfinite(theta))
    _assert_cauchy_schwarz(sigma)
    # the nearly aligned pair (c ≈ 1 − 1e-7 at the input) has decorrelated
    assert abs(sigma[1, 2]) <= 1e-6 * sigma[1, 1]
    chi1 = chi_1("erf", 4.0, 0.0)
    assert chi1 > 1
    # Θ grows like χ₁^L: at L = 10^4 it is ~10^1800, beyond float64; the recursion says so
    # (instead of returning inf) and points at dps=
    with pytest.raises(ValueError, match=r"Θ\^\d+ leaves the float64 range.*dps="):
        nngp_ntk("erf", 4.0, 0.0, 10_000, sphere_gram)
    sigma_deep = nngp("erf", 4.0, 0.0, 10_000, sphere_gram)
    assert np.all(np.isfinite(sigma_deep))
    assert np.max(np.abs(sigma_deep - np.diag(np.diag(sigma_deep)))) == pytest.approx(0.0, abs=1e-300)


def test_tanh_deep_is_finite(sphere_gram):
    """tanh (GH quadrature, ~10 ms per layer on 3 points): depth 200, ordered and chaotic."""
    for sigma_w2, sigma_b2 in ((0.8, 0.05), (10.0, 0.0)):
        seq = kernel_sequence("tanh", sigma_w2, sigma_b2, 200, sphere_gram, ntk=False)
        sigmas = np.array([s for s, _ in seq])
        assert np.all(np.isfinite(sigmas))
        _assert_cauchy_schwarz(sigmas[-1])
        iterate = _length_map_iterates("tanh", sigma_w2, sigma_b2, sigma_w2 + sigma_b2, 200)
        np.testing.assert_allclose(sigmas[:, 0, 0], iterate, rtol=TOL_DIAG_ITERATE, atol=0)
    sigma, theta = nngp_ntk("tanh", 10.0, 0.0, 30, sphere_gram)  # Θ ~ χ₁^30: finite
    assert np.all(np.isfinite(theta))


def test_geometric_underflow_is_reported_and_dps_is_the_remedy():
    """relu, σ_w² = 1, σ_b² = 0: Σ^{L+1} = 2^{−L} exactly, below float64's range past L ≈ 1022."""
    with pytest.raises(ValueError, match=r"Σ\^\d+ leaves the float64 range.*dps="):
        nngp_ntk("relu", 1.0, 0.0, 2000, np.array([[1.0]]))
    sigma, theta = nngp_ntk("relu", 1.0, 0.0, 2000, np.array([[1.0]]), dps=20)
    with mpmath.workdps(20):
        # Σ^{l+1} = Σ^l/2, Θ^{l+1} = Σ^{l+1} + Θ^l/2 from Σ^1 = Θ^1 = 1: Θ^{L+1} = (L + 1)·2^{−L}
        assert abs(sigma[0, 0] / mpmath.ldexp(1, -2000) - 1) <= 1e-18
        assert abs(theta[0, 0] / (2001 * mpmath.ldexp(1, -2000)) - 1) <= 1e-16  # 2000 roundings


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(["relu", "erf"]),
    sigma_w2=st.floats(0.05, 10.0),
    sigma_b2=st.floats(0.01, 2.0),
    depth=st.integers(1, 300),
)
def test_finite_for_moderate_depths_property(sphere_gram, name, sigma_w2, sigma_b2, depth):
    """σ_b² > 0 keeps q ≥ σ_b² (no underflow); relu needs σ_w² < 2 (else q grows like
    (σ_w²/2)^L); erf is bounded; Θ grows at most like χ₁^300 ≤ ~2.2^300 < 1e103."""
    if name == "relu":
        sigma_w2 = min(sigma_w2, 1.99)
    sigma, theta = nngp_ntk(name, sigma_w2, sigma_b2, depth, sphere_gram)
    assert np.all(np.isfinite(sigma)) and np.all(np.isfinite(theta))
    _assert_cauchy_schwarz(sigma)


# --------------------------------------------------------------------------------------
# (d) Hypothesis: symmetry, PSD, Maclaurin coefficients, monotone V-maps
# --------------------------------------------------------------------------------------


@st.composite
def psd_grams(draw):
    n = draw(st.integers(1, 4))
    d = draw(st.integers(1, 6))
    x = np.array(draw(st.lists(st.floats(-1, 1), min_size=n * d, max_size=n * d))).reshape(n, d)
    assume(np.all(np.linalg.norm(x, axis=1) >= 0.1))
    return x @ x.T / d  # PSD, diagonal in (0, 1]


@settings(max_examples=40, deadline=None)
@given(
    gram=psd_grams(),
    name=st.sampled_from(["relu", "erf", "gelu", "tanh"]),
    sigma_w2=st.floats(0.1, 2.0),
    sigma_b2=st.floats(0.0, 1.0),
    depth=st.integers(0, 4),
    parametrization=st.sampled_from(["ntk", "standard"]),
    widths=st.lists(st.integers(1, 500), min_size=5, max_size=5),
)
def test_outputs_symmetric_and_psd(gram, name, sigma_w2, sigma_b2, depth, parametrization, widths):
    if name == "tanh":  # keep q ≤ 1, where GH is accurate to ~1e-15 (tests/test_duals.py)
        sigma_w2, sigma_b2 = min(sigma_w2, 0.8), min(sigma_b2, 0.2)
    widths = (gram.shape[0], *widths[:depth])
    for k in nngp_ntk(name, sigma_w2, sigma_b2, depth, gram, parametrization, widths):
        assert np.all(np.isfinite(k))
        # closed forms are symmetric in (q1, q2) operation by operation; GH evaluates
        # V(q_i, q_j, c) and V(q_j, q_i, c) on different nodes: both within ~1e-15·S
        np.testing.assert_allclose(k, k.T, rtol=0, atol=1e-13 * np.max(np.abs(k)))
        lam = np.linalg.eigvalsh((k + k.T) / 2)
        assert lam[0] >= -1e-10 * lam[-1], lam


def _maclaurin(name, sigma_w2, sigma_b2, depth, which, order=8):
    """Taylor coefficients at t = 0 of t ↦ K(x, x′), ⟨x, x′⟩ = t on the unit sphere.

    ``mpmath.taylor`` differentiates numerically at raised precision; the kernel is
    evaluated by the recursion at mpmath's current precision (``dps=mp.dps``), so the
    coefficients carry ~25 correct digits at 40-digit working precision. (A float64
    Chebyshev fit would give coefficients only to ~1e-16·‖K‖ times a conversion factor
    that grows exponentially with the degree: it cannot certify the sign of the small or
    exactly-zero coefficients, e.g. the odd ones of relu's V beyond c¹.)
    """

    def f(t):
        gram = np.array([[mpmath.mpf(1), t], [t, mpmath.mpf(1)]], dtype=object)
        return nngp_ntk(name, sigma_w2, sigma_b2, depth, gram, dps=mpmath.mp.dps)[which][0, 1]

    with mpmath.workdps(40):
        return [mpmath.mpf(a) for a in mpmath.taylor(f, 0, order)]


@pytest.mark.parametrize("which", [0, 1], ids=["nngp", "ntk"])
@pytest.mark.parametrize(("name", "sigma_w2", "sigma_b2"), [("relu", 2.0, 0.0), ("relu", 1.5, 0.3),
                                                           ("erf", 1.0, 0.1), ("erf", 3.0, 0.0)])
def test_dot_product_kernels_have_nonnegative_maclaurin_coefficients(name, sigma_w2, sigma_b2, which):
    """Schoenberg: a dot-product kernel PD on spheres of all dimensions has Σ a_k t^k with
    a_k ≥ 0; the CK and NTK of relu / erf MLPs are such kernels."""
    for depth in (1, 2, 3):
        coeffs = _maclaurin(name, sigma_w2, sigma_b2, depth, which)
        scale = sum(abs(a) for a in coeffs)
        # numerical differentiation at 40 digits: |error| ≤ ~1e-25·scale; exact zeros
        # (odd / even parts of relu, erf) may come out as ±1e-30
        assert all(a >= -1e-25 * scale for a in coeffs), (name, depth, which, coeffs)
        assert coeffs[0] > 0 or sigma_b2 == 0


MONOTONE = ["relu", "step", "erf", "tanh", "identity", "exp"]  # nondecreasing φ ⇒ φ′ ≥ 0


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(MONOTONE),
    a=st.floats(0.1, 4.0),
    b=st.floats(0.1, 4.0),
    cs=st.lists(st.floats(-1.0, 1.0), min_size=2, max_size=10),
)
def test_v_maps_monotone_in_q12(name, a, b, cs):
    """∂V/∂q12 = E[φ′(u)φ′(v)] ≥ 0 for nondecreasing φ (Price); float64 V is evaluated at the
    rounded c, which is itself monotone in q12, so only evaluation error (≤ 32u·S per value,
    tests/test_duals.py) can break the order: tolerance 64u·S."""
    if name == "tanh":  # q ≤ 1: GH at ~1e-15 (documented), 64u·S ≈ 7e-15·S covers it
        a, b = min(a, 1.0), min(b, 1.0)
    q12s = np.sort(np.array(cs)) * math.sqrt(a * b)
    v = dual(name, a, b, q12s)
    s = math.sqrt(float(dual(name, a, a, a)) * float(dual(name, b, b, b)))
    assert np.all(np.diff(v) >= -64 * U * s), (name, a, b, q12s, v)


# --------------------------------------------------------------------------------------
# (e) Invalid input
# --------------------------------------------------------------------------------------

G2 = np.array([[1.0, 0.5], [0.5, 1.0]])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"sigma_w2": -1.0}, "sigma_w2"),
        ({"sigma_w2": 0.0}, "sigma_w2"),
        ({"sigma_w2": float("nan")}, "sigma_w2"),
        ({"sigma_b2": -0.1}, "sigma_b2"),
        ({"sigma_b2": float("inf")}, "sigma_b2"),
        ({"depth": -1}, "depth"),
        ({"depth": 1.5}, "depth"),
        ({"depth": 2.0}, "depth"),
        ({"depth": "3"}, "depth"),
        ({"depth": True}, "depth"),
        ({"activation": "swish"}, "activation"),
        ({"activation": None}, "activation"),
        ({"parametrization": "mup"}, "parametrization"),
        ({"gram": np.array([[1.0, 2.0], [2.0, 1.0]])}, "gram.*positive semidefinite"),
        ({"gram": np.ones((2, 3))}, "gram.*square"),
        ({"gram": np.array([[1.0, 0.5], [0.4, 1.0]])}, "gram.*symmetric"),
        ({"gram": np.array([[0.0, 0.0], [0.0, 1.0]])}, "gram.*diagonal"),
        ({"gram": np.array([[1.0, np.nan], [np.nan, 1.0]])}, "gram.*finite"),
        ({"gram": [[1.0, None], [None, 1.0]]}, "gram"),
        ({"gram": [[1.0, 0.5], [0.5]]}, "gram"),
        ({"parametrization": "standard"}, "widths"),
        ({"parametrization": "standard", "widths": (5, 10)}, "widths"),
        ({"parametrization": "standard", "widths": 7}, "widths"),
        ({"parametrization": "standard", "widths": (5, 10, -3)}, r"widths\[2\]"),
    ],
)
def test_invalid_kernel_inputs_name_the_parameter(kwargs, match):
    args = {"activation": "relu", "sigma_w2": 1.0, "sigma_b2": 0.1, "depth": 2, "gram": G2}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        nngp_ntk(**args)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("relu", 1.0, 1.0, 1.5), "correlation"),
        (("relu", 1.0, 4.0, -2.5), "correlation"),
        (("erf", -1.0, 1.0, 0.0), "q1"),
        (("erf", 1.0, 0.0, 0.0), "q2"),
        (("erf", 1.0, 1.0, float("nan")), "q12"),
        (("nope", 1.0, 1.0, 0.5), "activation"),
        (("exp", 1e3, 1e3, 1e3), "float64"),  # V = e^2000: not representable
    ],
)
def test_invalid_dual_inputs(args, match):
    with pytest.raises(ValueError, match=match):
        dual(*args)


def test_correlation_round_off_band_is_accepted():
    """|c| ≤ 1 + 1e-12 is round-off of an exact ±1 (theory/validation.py) and evaluates at ±1."""
    assert float(dual("step", 1.0, 1.0, 1 + 1e-13)) == 0.5


# --------------------------------------------------------------------------------------
# Fuzz of the public API: arbitrary floats / ints / strings give ValueError or a result
# --------------------------------------------------------------------------------------

_ANY = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-20, 20),
    st.integers(-(10**6), 10**6),
    st.text(max_size=6),
    st.none(),
    st.booleans(),
)
_NAMES = st.one_of(st.sampled_from(activation_names()), st.text(max_size=6), st.integers(), st.none())
#: mean-field fuzz without tanh / gelu: their solvers integrate by quadrature (0.3–1 s a
#: call); they are exercised by tests/test_mean_field.py
_CHEAP_NAMES = st.one_of(
    st.sampled_from([n for n in activation_names() if n not in ("tanh", "gelu", "tanh_prime", "gelu_prime")]),
    st.text(max_size=6),
    st.none(),
)


def _only_value_error(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning (overflow, 0/0) is a defect too
        try:
            out = fn(*args)
        except ValueError:
            return None
    return out


def _gram_strategy():
    square = st.integers(1, 3).flatmap(
        lambda n: st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=n * n, max_size=n * n)
        .map(lambda v, n=n: np.array(v).reshape(n, n))
    )
    psd = st.integers(1, 3).flatmap(
        lambda n: st.lists(st.floats(-1e3, 1e3), min_size=3 * n, max_size=3 * n)
        .map(lambda v, n=n: (lambda x: x @ x.T / 3)(np.array(v).reshape(n, 3)))
    )
    junk = st.lists(st.lists(_ANY, max_size=3), max_size=3)
    return st.one_of(square, psd, junk, _ANY)


@settings(max_examples=300, deadline=None)
@given(
    name=_NAMES,
    sigma_w2=_ANY,
    sigma_b2=_ANY,
    depth=st.one_of(st.integers(-(10**6), 6), st.floats(), st.text(max_size=3), st.none()),
    gram=_gram_strategy(),
    parametrization=st.one_of(st.sampled_from(["ntk", "standard"]), _ANY),
    widths=st.one_of(st.none(), _ANY, st.lists(_ANY, max_size=7), st.lists(st.integers(1, 100), max_size=7)),
)
def test_fuzz_nngp_ntk(name, sigma_w2, sigma_b2, depth, gram, parametrization, widths):
    out = _only_value_error(nngp_ntk, name, sigma_w2, sigma_b2, depth, gram, parametrization, widths)
    if out is not None:
        assert all(np.all(np.isfinite(np.asarray(k, dtype=float))) for k in out)


@settings(max_examples=300, deadline=None)
@given(name=_NAMES, a=_ANY, b=_ANY, ab=_ANY)
def test_fuzz_dual(name, a, b, ab):
    out = _only_value_error(dual, name, a, b, ab)
    if out is not None:
        assert np.all(np.isfinite(out))


@settings(max_examples=60, deadline=None)
@given(name=_CHEAP_NAMES, sigma_w2=_ANY, sigma_b2=_ANY)
def test_fuzz_mean_field(name, sigma_w2, sigma_b2):
    for fn in (q_star, chi_1, c_star, chi_c):
        out = _only_value_error(fn, name, sigma_w2, sigma_b2)
        assert out is None or math.isfinite(out)
    out = _only_value_error(critical_sigma_w2, name, sigma_b2)
    assert out is None or math.isfinite(out)
