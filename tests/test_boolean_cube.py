"""numeric.boolean_cube: certified boolean-cube eigenvalues of CK / NTK kernels.

Cross-checks use independent routes: brute-force eigendecomposition of the 2^d × 2^d kernel
matrix (numeric.nngp_ntk, float64), the kernel core's own mpmath recursion (dps=...), exact
integer identities for the Krawtchouk numbers, and mpmath.taylor for the Thm 5.1 limit.
"""

from __future__ import annotations

import itertools
import math

import mpmath
import numpy as np
import pytest
from flint import ctx
from scipy.stats import binom

from numeric import boolean_cube_eigenvalues, nngp_ntk
from numeric.boolean_cube import (
    asymptotic_fractional_variance,
    boolean_cube_depth_sweep,
    boolean_cube_kernel_values,
    boolean_cube_spectrum,
    erf_depth_sweep,
    fractional_variances,
    krawtchouk_matrix,
    normalized_eigenvalues,
)
from numeric.cube_reference import direct_mp_eigenvalues

SETTINGS = [  # (kernel, activation, depth, sigma_w2, sigma_b2)
    ("ck", "relu", 2, 2.0, 0.0),
    ("ntk", "relu", 3, 2.0, 1.0),
    ("ntk", "erf", 2, 2.0, 0.0),
    ("ck", "erf", 4, 1.0, 0.1),
    ("ntk", "relu", 5, 0.5, 4.0),
    ("ck", "erf", 5, 4.0, 0.0),
]


def _cube(d: int) -> np.ndarray:
    return np.array(list(itertools.product([1.0, -1.0], repeat=d)))


def _kernel_matrix(kernel, act, depth, w, b, x):
    out = nngp_ntk(act, w, b, depth, x @ x.T / x.shape[1])
    return out[0] if kernel == "ck" else out[1]


def _path_gram(d: int) -> np.ndarray:
    """Gram of x_r = (−1 on the first r coordinates, +1 elsewhere), r = 0 … d: row 0 is t_r."""
    r = np.arange(d + 1)
    return 1 - 2 * np.abs(r[:, None] - r[None, :]) / d


def _float64_grid(kernel, act, depth, w, b, d):
    out = nngp_ntk(act, w, b, depth, _path_gram(d))
    return (out[0] if kernel == "ck" else out[1])[0]


def _float64_fd(phi: np.ndarray, d: int) -> np.ndarray:
    """Plain float64 Eq. 6 (one-step finite differences + binomial pmf sum)."""
    out, f = [], phi.copy()
    for k in range(d + 1):
        out.append(np.dot(binom.pmf(np.arange(d - k + 1), d - k, 0.5), f[: d - k + 1]))
        f = 0.5 * (f[:-1] - f[1:])
    return np.array(out)


def _mp_reference(kernel, act, depth, w, b, d, dps):
    """μ_k and the grid from the direct route (kernel core at ``dps`` digits + exact Krawtchouk sum)."""
    return direct_mp_eigenvalues(kernel, act, depth, w, b, d, dps)


# ------------------------------------------------------------------ Thm 3.1: eigenbasis


@pytest.mark.parametrize(
    "setting, d",
    [(s, 6) for s in SETTINGS] + [(s, 8) for s in SETTINGS] + [(SETTINGS[2], 10)],
)
def test_brute_force_spectrum_with_multiplicities(setting, d):
    x = _cube(d)
    kmat = _kernel_matrix(*setting, x)
    brute = np.sort(np.linalg.eigvalsh(kmat / 2**d))
    spec = boolean_cube_spectrum(*setting, d)
    ours = np.sort(np.repeat(spec.mu, [math.comb(d, k) for k in range(d + 1)]))
    assert brute.shape == ours.shape == (2**d,)
    np.testing.assert_allclose(ours, brute, rtol=0, atol=1e-13 * spec.phi1)


def test_parities_are_eigenvectors():
    d, rng = 8, np.random.default_rng(0)
    x = _cube(d)
    for setting in SETTINGS:
        op = _kernel_matrix(*setting, x) / 2**d
        mu = boolean_cube_eigenvalues(*setting, d)
        for _ in range(6):
            s = rng.choice(d, size=int(rng.integers(0, d + 1)), replace=False)
            chi = np.prod(x[:, s], axis=1) if s.size else np.ones(2**d)
            np.testing.assert_allclose(op @ chi, mu[s.size] * chi, rtol=0,
                                       atol=1e-13 * float(op[0, 0]) * 2**d)


# ------------------------------------------------------------------ Lemma 3.2 forms


def test_krawtchouk_equals_generating_polynomial():
    for d in range(1, 13):
        kmat = krawtchouk_matrix(d)
        for k in range(d + 1):
            poly = [1]
            for factor in [[1, -1]] * k + [[1, 1]] * (d - k):
                poly = [sum(poly[i] * factor[j - i] for i in range(len(poly)) if 0 <= j - i < 2)
                        for j in range(len(poly) + 1)]
            assert list(kmat[k]) == poly


def test_shift_operator_form_equals_krawtchouk_sum():
    """2^{-d}(I − T)^k (I + T)^{d−k} Φ(1), applied on exact mpmath grid values, vs the engine."""
    d = 16
    for setting in SETTINGS:
        grid = boolean_cube_kernel_values(*setting, d, dps=60)
        spec = boolean_cube_spectrum(*setting, d)
        with mpmath.workdps(60):
            for k in range(d + 1):
                f = list(grid)
                for _ in range(d - k):  # (I + T): f(t) + f(t − Δ)
                    f = [f[i] + f[i + 1] for i in range(len(f) - 1)]
                for _ in range(k):  # (I − T)
                    f = [f[i] - f[i + 1] for i in range(len(f) - 1)]
                mu = f[0] / mpmath.mpf(2) ** d
                assert abs(mu - spec.mu[k]) <= 1e-13 * abs(mu) + 1e-30 * spec.phi1


def test_trace_normalization_and_fractional_variances():
    d = 128
    for setting in SETTINGS:
        spec = boolean_cube_spectrum(*setting, d)
        with ctx.workprec(spec.prec_bits):
            total = sum(math.comb(d, k) * x for k, x in enumerate(spec.balls))
        assert abs(float(total.mid()) - spec.phi1) <= 1e-14 * spec.phi1
        fv = fractional_variances(spec.mu, d)
        assert abs(fv.sum() - 1) < 1e-13
        np.testing.assert_allclose(normalized_eigenvalues(spec.mu) * spec.phi1, spec.mu,
                                   rtol=1e-13, atol=0)


# ------------------------------------------------------------------ accuracy and certification


def test_all_degrees_d128_match_independent_mpmath_at_double_precision():
    """Every μ_k, k = 0 … 128, vs the kernel core's mpmath recursion at ~2× the engine's digits."""
    setting = ("ntk", "relu", 2, 2.0, 1.0)
    spec = boolean_cube_spectrum(*setting, 128)
    ref, grid = _mp_reference(*setting, 128, dps=2 * int(spec.prec_bits / 3.32) + 10)
    with mpmath.workdps(60):
        rel = [abs((mpmath.mpf(float(m)) - r) / r) for m, r in zip(spec.mu, ref, strict=True)]
    assert max(rel) < 1e-10, max(rel)
    assert min(abs(float(r)) for r in ref) / float(grid[0]) < 1e-35  # tiny ones were included
    # the plain float64 Eq. 6 reference is useless there (catalog: 5e-4 at k = 10)
    fd = _float64_fd(_float64_grid(*setting, 128), 128)
    fd_err = np.abs(fd - spec.mu) / np.abs(spec.mu)
    assert fd_err[12:].max() > 1e-2
    assert spec.certified


@pytest.mark.parametrize(
    "setting",
    [("ck", "relu", 128, 2.0, 1.0), ("ntk", "erf", 32, 1.0, 2.0), ("ck", "erf", 64, 3.0, 0.3)],
)
def test_certified_at_depth_d128(setting):
    spec = boolean_cube_spectrum(*setting, 128)
    assert spec.status == ("certified",) * 129
    assert np.all(spec.abs_err <= 1e-10 * np.abs(spec.mu))
    assert np.all(spec.mu > 0)


def test_exact_zeros_by_parity_and_polynomial_degree():
    d = 32
    spec = boolean_cube_spectrum("ntk", "erf", 3, 2.0, 0.0, d)
    assert all(spec.mu[k] == 0.0 and spec.status[k] == "zero" for k in range(0, d + 1, 2))
    assert all(spec.status[k] == "certified" for k in range(1, d + 1, 2))
    # depth 0 (Φ affine) and relu depth 1, σ_b² = 0 (odd part linear): zero to ≪ 1e-15 Φ(1)
    for setting, zero_ks in ((("ck", "relu", 0, 2.0, 1.0), range(2, d + 1)),
                             (("ck", "relu", 1, 2.0, 0.0), range(3, d + 1, 2))):
        spec = boolean_cube_spectrum(*setting, d)
        for k in zero_ks:
            assert spec.status[k] == "unresolved"
            assert abs(spec.mu[k]) <= spec.abs_err[k] <= 1e-15 * spec.phi1


def test_kernel_values_match_kernel_core():
    for setting in SETTINGS:
        ours = boolean_cube_kernel_values(*setting, 64)
        core = _float64_grid(*setting, 64)
        np.testing.assert_allclose(ours, core, rtol=0, atol=1e-12 * abs(ours[0]))
    mp_vals = boolean_cube_kernel_values("ck", "erf", 3, 2.0, 0.1, 8, dps=50)
    _, grid = _mp_reference("ck", "erf", 3, 2.0, 0.1, 8, dps=60)
    with mpmath.workdps(50):
        assert max(abs(a - b) for a, b in zip(mp_vals, grid, strict=True)) < mpmath.mpf(10) ** -45


# ------------------------------------------------------------------ Thm 4.1


def _two_step_float64(phi, d, kmax):
    out = []
    for k in range(kmax + 1):
        f = phi.copy()
        for _ in range(k):
            f = f[:-2] - f[2:]
        n = d - 2 * k
        out.append(4.0**-k * np.dot(binom.pmf(np.arange(n + 1), n, 0.5), f[: n + 1]))
    return np.array(out)


def test_weak_spectral_simplicity_bias_certified():
    """μ_k ≥ μ_{k+2} for k ≤ 14, proved per pair by Arb (ball difference ≥ 0), on a grid that
    includes the relu NTK σ_w² = 0.5 settings where float64 shows spurious violations."""
    grid = [("relu", w, b) for w in (0.5, 2.0) for b in (0.0, 0.5, 4.0)]
    grid += [("erf", w, b) for w in (0.5, 2.0, 5.0) for b in (0.0, 0.1, 4.0)]
    spurious = 0
    for (act, w, b), depth, kernel, d in itertools.product(
        grid, (1, 3, 8, 32), ("ck", "ntk"), (33, 128)
    ):
        spec = boolean_cube_spectrum(kernel, act, depth, w, b, d)
        for k in range(15):
            x, y = spec.balls[k], spec.balls[k + 2]
            if "unresolved" in (spec.status[k], spec.status[k + 2]):
                assert abs(spec.mu[k + 2]) <= 1e-15 * spec.phi1 or x > y
                continue
            with ctx.workprec(spec.prec_bits):
                assert (x - y) >= 0, (kernel, act, depth, w, b, d, k)
        f64 = _two_step_float64(_float64_grid(kernel, act, depth, w, b, d), d, 16)
        spurious += int(np.sum(f64[:-2] - f64[2:] < 0))
    # float64 does show violations on this grid (the catalog's numerical trap); Arb none
    assert spurious > 0


# ------------------------------------------------------------------ Thm 5.1


def test_asymptotic_fractional_variance_matches_mpmath_taylor():
    for kernel, act, depth, w, b in [("ck", "relu", 2, 2.0, 0.5), ("ntk", "erf", 2, 2.0, 0.1)]:
        def phi(t, kernel=kernel, act=act, depth=depth, w=w, b=b):
            g = np.array([[mpmath.mpf(1), t], [t, mpmath.mpf(1)]], dtype=object)
            return nngp_ntk(act, w, b, depth, g, dps=mpmath.mp.dps)[0 if kernel == "ck" else 1][0, 1]

        with mpmath.workdps(40):
            coeffs = mpmath.taylor(phi, 0, 5)
            phi1 = phi(mpmath.mpf(1) - mpmath.mpf(10) ** -30)
            for k in range(6):
                ref = float(coeffs[k] / phi1)
                ours = asymptotic_fractional_variance(kernel, act, depth, w, b, k)
                assert abs(ours - ref) <= 1e-12 * abs(ref) + 1e-25, (kernel, act, k)


@pytest.mark.parametrize(
    "setting", [("ck", "relu", 1, 2.0, 0.0), ("ntk", "relu", 4, 2.0, 0.0), ("ck", "erf", 4, 2.0, 0.1)]
)
def test_fractional_variance_converges_to_thm51_limit_at_rate_1_over_d(setting):
    limit = np.array([asymptotic_fractional_variance(*setting, k) for k in range(6)])
    gaps = []
    for d in (32, 64, 128, 256):
        fv = fractional_variances(boolean_cube_eigenvalues(*setting, d), d)[:6]
        gaps.append(np.max(np.abs(fv - limit)))
    ratios = np.array(gaps[:-1]) / np.array(gaps[1:])
    assert np.all((ratios > 1.6) & (ratios < 2.4)), ratios  # O(1/d): halves per doubling
    assert gaps[2] < 0.01  # d = 128 is "very close" (catalog fractional-variance-d128-near-limit)


# ------------------------------------------------------------------ sweeps


def test_depth_sweep_matches_spectrum():
    sweep = boolean_cube_depth_sweep("relu", 2.0, 0.5, 12, 64)
    for depth in (0, 1, 5, 12):
        for i, kernel in enumerate(("ck", "ntk")):
            ref = boolean_cube_spectrum(kernel, "relu", depth, 2.0, 0.5, 64)
            scale = np.maximum(np.abs(ref.mu[:9]), 1e-30 * ref.phi1)
            assert np.max(np.abs(sweep[i, depth] - ref.mu[:9]) / scale) < 1e-10


def test_erf_dd_sweep_matches_certified_sweep():
    """The fast double-double erf sweep vs Arb, in the ordered, chaotic and odd (σ_b² = 0)
    phases, at depths where float64 has no correct digit left."""
    w = np.array([1.0, 5.0, 4.5, 2.0])
    b = np.array([4.0, 0.0, 0.3, 0.1])
    fast = erf_depth_sweep(w, b, 96, 128)
    for s in range(w.size):
        ref = boolean_cube_depth_sweep("erf", w[s], b[s], 96, 128)
        nz = ref != 0
        assert np.all(fast[s][~nz] == 0)
        assert np.max(np.abs(fast[s][nz] - ref[nz]) / np.abs(ref[nz])) < 1e-10


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(kernel="nngp"), "kernel"),
        (dict(dim=0), "dim"),
        (dict(sigma_w2=-1.0), "sigma_w2"),
        (dict(sigma_w2=0.0), "sigma_w2"),
        (dict(sigma_b2=-0.1), "sigma_b2"),
        (dict(depth=-1), "depth"),
        (dict(activation="swish"), "activation"),
    ],
)
def test_invalid_inputs_name_the_parameter(kwargs, name):
    args = dict(kernel="ck", activation="relu", depth=1, sigma_w2=2.0, sigma_b2=0.0, dim=8)
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        boolean_cube_eigenvalues(**args)


def test_invalid_inputs_other_entry_points():
    with pytest.raises(ValueError, match="k"):
        asymptotic_fractional_variance("ck", "relu", 1, 2.0, 0.0, -1)
    with pytest.raises(ValueError, match="dps"):
        boolean_cube_kernel_values("ck", "relu", 1, 2.0, 0.0, 8, dps=5)
    with pytest.raises(ValueError, match="dim"):
        fractional_variances(np.ones(5), 5)
    with pytest.raises(ValueError, match="closed-form dual"):
        boolean_cube_eigenvalues("ck", "tanh", 1, 2.0, 0.0, 8)


# ------------------------------------------------------------------ Maclaurin series, deep networks


@pytest.mark.parametrize(
    "setting",
    [("ck", "relu", 128, 2.0, 1.0), ("ntk", "relu", 90, 2.0, 0.0), ("ntk", "erf", 128, 2.0, 0.1),
     ("ck", "erf", 100, 1.0, 0.0)],
)
def test_maclaurin_coefficients_deep_networks_adaptive_precision(setting):
    """Depth 90–128: at the old fixed 256 bits these balls were NaN (relu) — the adaptive
    precision must return finite balls meeting the accuracy, equal to an independent route
    (mpmath.taylor of the kernel core's 60-digit recursion, and Φ(0) from the certified grid)."""
    from numeric.boolean_cube import maclaurin_coefficients

    kernel, act, depth, w, b = setting
    coef = maclaurin_coefficients(kernel, act, depth, w, b, 40)
    mids = np.array([float(c.mid()) for c in coef])
    rads = np.array([float(c.rad()) for c in coef])
    assert len(coef) == 41 and all(c.is_finite() for c in coef)
    assert np.all(rads <= np.maximum(1e-15 * np.abs(mids), 1e-100 * np.abs(mids).max()))

    def phi(t):
        g = np.array([[mpmath.mpf(1), t], [t, mpmath.mpf(1)]], dtype=object)
        return nngp_ntk(act, w, b, depth, g, dps=mpmath.mp.dps)[0 if kernel == "ck" else 1][0, 1]

    with mpmath.workdps(60):
        ref = mpmath.taylor(phi, 0, 3)
    for n in range(4):
        assert abs(mids[n] - float(ref[n])) <= 1e-14 * abs(float(ref[n])) + 1e-300, (setting, n)
    grid = boolean_cube_kernel_values(kernel, act, depth, w, b, 2)  # Φ(1), Φ(0), Φ(−1)
    assert abs(mids[0] - float(grid[1])) <= 1e-14 * abs(float(grid[0]))
    # nonnegative coefficients (Schoenberg) ⇒ partial sums at t = 1 stay below Φ(1)
    assert np.all(mids >= -1e-100 * np.abs(mids).max()) and mids.sum() <= float(grid[0]) * (1 + 1e-14)


def test_maclaurin_coefficients_precision_cap_and_validation():
    from numeric.boolean_cube import maclaurin_coefficients

    with pytest.raises(RuntimeError, match="max_prec"):
        maclaurin_coefficients("ck", "relu", 128, 2.0, 1.0, 29, max_prec=512)  # needs 1024 bits
    for kwargs, name in ((dict(prec=10), "prec"), (dict(max_prec=64), "max_prec"),
                         (dict(rtol=0.0), "rtol"), (dict(atol=-1.0), "atol")):
        with pytest.raises(ValueError, match=name):
            maclaurin_coefficients("ck", "relu", 2, 2.0, 0.0, 5, **kwargs)


@pytest.mark.parametrize("sigma_w2", [2.1, 3.0, 5.0])
def test_relu_sigma_b0_any_sigma_w_antipodal_correlation_is_exactly_minus_one(sigma_w2):
    """Regression: at σ_b² = 0 the t = −1 correlation is exactly −1; it was computed as
    Σ·(1/Q), a ball straddling −1 unless σ_w² is a power of two, and the sweep returned NaN
    from depth 1 on. Now finite and equal to the positive-homogeneity identity
    μ_k(σ_w²) = (σ_w²/2)^{L+1} μ_k(2) (both kernels) within the engine's certified 1e-10."""
    depth, dim = 12, 32
    got = boolean_cube_depth_sweep("relu", sigma_w2, 0.0, depth, dim, range(9))
    ref = boolean_cube_depth_sweep("relu", 2.0, 0.0, depth, dim, range(9))
    ref = ref * (sigma_w2 / 2.0) ** (np.arange(depth + 1) + 1.0)[None, :, None]
    assert np.all(np.isfinite(got))
    nonzero = np.abs(ref) > 1e-200
    assert np.all(np.abs(got[nonzero] - ref[nonzero]) <= 1e-10 * np.abs(ref[nonzero]))
    assert np.all(np.abs(got[~nonzero]) <= 1e-200)
    mu = boolean_cube_eigenvalues("ntk", "relu", depth=3, sigma_w2=sigma_w2, sigma_b2=0.0, dim=dim)
    assert np.all(np.isfinite(mu))
