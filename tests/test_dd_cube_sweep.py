"""numeric.dd_cube_sweep: the double-double relu (and erf) depth sweeps against the certified
Arb engine ``boolean_cube_depth_sweep`` on random (σ_w², σ_b²) settings, every depth 0 … 128
and every degree 0 … 8 at d = 128 (relative error ≤ 1e-10).

σ_b² = 0 reference. Until the antipodal-correlation fix in ``numeric.interval_duals`` the certified
engine could not evaluate relu with σ_b² = 0 when σ_w² is not a power of two (the t = −1
correlation ball −Σ·(1/Q) straddled −1; see tests/test_boolean_cube.py for the regression test);
the reference here uses positive homogeneity, exact for σ_b² = 0, as a second route:
Σ^{l}(t; σ_w²) = (σ_w²/2)^{l} Σ^{l}(t; 2) and likewise Θ^{l} (induction on the layer
recursion, V_relu(λΣ; λQ) = λ V_relu, V_step scale-free). That identity is itself checked
against the certified engine at σ_w² ∈ {1, 4} (powers of two, where the engine works).
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from numeric.boolean_cube import boolean_cube_depth_sweep
from numeric.cube_reference import direct_mp_eigenvalues
from numeric.dd_cube_sweep import dd_depth_sweep, erf_depth_sweep, relu_depth_sweep

DIM, MAX_DEPTH = 128, 128
RTOL = 1e-10
ZERO = 1e-250  # certified midpoints below this are balls around 0 at the precision ceiling


@functools.cache
def _certified_relu_2_0() -> np.ndarray:
    return boolean_cube_depth_sweep("relu", 2.0, 0.0, MAX_DEPTH, DIM)


def _homogeneous_reference(sigma_w2: float) -> np.ndarray:
    """Certified relu sweep at σ_b² = 0 for any σ_w², by scaling the σ_w² = 2 sweep."""
    return _certified_relu_2_0() * (sigma_w2 / 2.0) ** (np.arange(MAX_DEPTH + 1) + 1.0)[None, :, None]


def _assert_matches(fast: np.ndarray, ref: np.ndarray, what: str) -> None:
    zero = np.abs(ref) < ZERO
    assert np.all(fast[zero] == 0), f"{what}: nonzero where the certified value is 0"
    err = np.abs(fast[~zero] - ref[~zero]) / np.abs(ref[~zero])
    assert err.max() <= RTOL, f"{what}: max relative error {err.max():.2e}"


def _random_settings(seed: int = 20241125):
    rng = np.random.default_rng(seed)
    w = np.concatenate([rng.uniform(1.0, 5.0, 5), [5.0, 1.0, 2.0]])
    b = np.concatenate([rng.uniform(0.0, 4.0, 3), [1e-3, 4.0, 0.0, 0.0, 0.0]])
    w[3] = rng.uniform(0.2, 1.0)  # deep ordered phase: Φ(1) − Φ(t) ~ (σ_w²/2)^l
    return w, b


def test_relu_dd_sweep_matches_certified_on_random_settings():
    w, b = _random_settings()
    fast = relu_depth_sweep(w, b, MAX_DEPTH, DIM)
    assert fast.shape == (w.size, 2, MAX_DEPTH + 1, 9)
    for s in range(w.size):
        if b[s] == 0:
            ref = _homogeneous_reference(w[s])
        else:
            ref = boolean_cube_depth_sweep("relu", w[s], b[s], MAX_DEPTH, DIM)
        _assert_matches(fast[s], ref, f"relu sw2={w[s]:.4g} sb2={b[s]:.4g}")


def test_relu_sigma_b0_random_sigma_w_and_homogeneity_identity():
    """σ_b² = 0 at random σ_w² ∈ [1, 5] (homogeneity reference), and the homogeneity identity
    itself against the certified engine where it runs (σ_w² = 1, 4)."""
    rng = np.random.default_rng(7)
    w = np.concatenate([rng.uniform(1.0, 5.0, 3), [1.0, 4.0]])
    fast = relu_depth_sweep(w, np.zeros_like(w), MAX_DEPTH, DIM)
    for s in range(3):
        _assert_matches(fast[s], _homogeneous_reference(w[s]), f"relu sw2={w[s]:.4g} sb2=0")
    for s, sw in ((3, 1.0), (4, 4.0)):
        ref = boolean_cube_depth_sweep("relu", sw, 0.0, MAX_DEPTH, DIM)
        _assert_matches(fast[s], ref, f"relu sw2={sw} sb2=0 (certified)")
        scaled, zero = _homogeneous_reference(sw), np.abs(ref) < ZERO
        np.testing.assert_array_equal(np.abs(scaled) < ZERO, zero)
        err = np.abs(scaled[~zero] - ref[~zero]) / np.abs(ref[~zero])
        assert err.max() <= RTOL, f"homogeneity sw2={sw}: {err.max():.2e}"


@pytest.mark.parametrize("sigma_w2, depth", [(3.3, 6), (4.7, 1)])
def test_relu_sigma_b0_against_mpmath_kernel_core(sigma_w2, depth):
    """σ_b² = 0 without the homogeneity identity: the kernel core's mpmath recursion at 80
    digits on every grid point, then the exact Krawtchouk sum (independent of both engines)."""
    runs = [direct_mp_eigenvalues(k, "relu", depth, sigma_w2, 0.0, DIM, dps=80) for k in ("ck", "ntk")]
    ref = np.array([[float(mu[k]) for k in range(9)] for mu, _ in runs])
    phi1 = float(runs[0][1][0])
    fast = relu_depth_sweep([sigma_w2], [0.0], depth, DIM)[0][:, depth]
    zero = np.abs(ref) < 1e-60 * phi1  # exact zeros, resolved to 80 digits
    assert np.all(fast[zero] == 0)
    assert np.max(np.abs(fast[~zero] - ref[~zero]) / np.abs(ref[~zero])) <= RTOL


def test_relu_exact_zeros_are_the_math_ones():
    """Depth 0: μ_k = 0 for k ≥ 2 (linear kernel); depth 1 with σ_b² = 0: μ_k = 0 for odd
    k ≥ 3 (the relu/step duals are linear + even in c); nothing else vanishes."""
    fast = relu_depth_sweep([2.0, 3.0], [0.0, 0.5], 6, DIM)
    k = np.arange(9)
    for s, sb in enumerate((0.0, 0.5)):
        zero = fast[s] == 0
        expect = np.zeros_like(zero)
        expect[:, 0, 2:] = True
        expect[:, 0, 0] = sb == 0
        if sb == 0:
            expect[:, 1, (k % 2 == 1) & (k >= 3)] = True
        np.testing.assert_array_equal(zero, expect)


def test_relu_growth_phase_stays_finite():
    """σ_w² = 5: Q grows like 2.5^l (≈ 1e51 at depth 128), well inside float64."""
    fast = relu_depth_sweep([5.0], [4.0], MAX_DEPTH, DIM)
    assert np.all(np.isfinite(fast)) and fast[0, 0, -1, 0] > 1e50


def test_erf_entry_points_agree():
    w, b = np.array([1.5, 4.0]), np.array([0.0, 2.0])
    np.testing.assert_array_equal(erf_depth_sweep(w, b, 8, 32), dd_depth_sweep("erf", w, b, 8, 32))
    from numeric.erf_cube_sweep import erf_depth_sweep as compat

    assert compat is erf_depth_sweep


@pytest.mark.parametrize(
    "args, name",
    [
        (("tanh", [2.0], [0.0], 4, 8), "activation"),
        (("relu", [0.0], [0.0], 4, 8), "sigma_w2"),
        (("relu", [2.0], [-1.0], 4, 8), "sigma_b2"),
        (("relu", [2.0], [0.0], -1, 8), "max_depth"),
        (("relu", [2.0], [0.0], 4, 0), "dim"),
        (("relu", [2.0, 1.0], [0.0], 4, 8), "sigma_w2"),
    ],
)
def test_invalid_inputs_name_the_parameter(args, name):
    with pytest.raises(ValueError, match=name):
        dd_depth_sweep(*args)
