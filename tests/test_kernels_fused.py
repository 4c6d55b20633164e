"""The fused float64 recursion (numeric.kernels._fused_last_layer, behind nngp_ntk / nngp) and the
Cholesky PSD certificate of theory.validation.check_gram.

The fused path computes only the upper triangle, in cache-sized row blocks through all layers,
spread over threads; it must agree with the layer-by-layer recursion (kernel_sequence) to
round-off, return exactly symmetric matrices, and fall back to the layer-by-layer recursion
(whose errors name the layer) wherever it leaves the float64 range.
"""

import numpy as np
import pytest

import numeric.kernels as kernels
from numeric import kernel_sequence, nngp, nngp_ntk
from theory.validation import _psd_certified, check_gram


@pytest.fixture
def many_blocks(monkeypatch):
    """Tiny blocks and two threads, so that a 90×90 gram has dozens of blocks in a thread pool."""
    monkeypatch.setattr(kernels, "BLOCK_ENTRIES", 300)
    monkeypatch.setattr(kernels, "THREADS", 2)
    monkeypatch.setattr(kernels, "PARALLEL_MIN_ENTRIES", 1)


def _gram(n, d, seed):
    x = np.random.default_rng(seed).standard_normal((n, d))
    x[1] = x[0]  # a duplicated input: off-diagonal correlation 1 up to round-off
    return x @ x.T / d


# same closed forms and correlation formula; V_φ and V_φ′ share one arccos/arcsin (cse), and
# the diagonal comes from the 1-D sequence: a few ulp per layer, summed over ≤ 6 layers
TOL_FUSED = 1e-13


@pytest.mark.parametrize("name", ["relu", "erf", "identity", "exp"])
@pytest.mark.parametrize("parametrization", ["ntk", "standard"])
@pytest.mark.parametrize("depth", [0, 1, 6])
def test_fused_matches_layer_by_layer(many_blocks, name, parametrization, depth):
    g = _gram(90, 7, 3) * (0.1 if name == "exp" else 1.0)
    sw2, sb2 = (0.1, 0.01) if name == "exp" else (1.7, 0.2)  # exp: V grows like e^q
    widths = tuple(range(7, 7 + depth + 1))
    fused = nngp_ntk(name, sw2, sb2, depth, g, parametrization, widths)
    ref = kernel_sequence(name, sw2, sb2, depth, g, parametrization, widths)[-1]
    for got, want in zip(fused, ref, strict=True):
        assert np.array_equal(got, got.T)  # exactly symmetric
        assert np.max(np.abs(got - want)) <= TOL_FUSED * np.max(np.abs(want))
        # the diagonal is the 1-D sequence with c = 1 exactly: same floats as layer by layer
        np.testing.assert_allclose(np.diag(got), np.diag(want), rtol=1e-14, atol=0)
    k_only = nngp(name, sw2, sb2, depth, g)  # V_φ printed alone: another cse, a few ulp
    assert np.max(np.abs(k_only - fused[0])) <= TOL_FUSED * np.max(np.abs(fused[0]))


def test_fused_single_block_and_threads_agree(monkeypatch):
    g = _gram(120, 5, 4)
    one = nngp_ntk("erf", 2.0, 0.1, 4, g)
    monkeypatch.setattr(kernels, "BLOCK_ENTRIES", 500)
    monkeypatch.setattr(kernels, "THREADS", 2)
    monkeypatch.setattr(kernels, "PARALLEL_MIN_ENTRIES", 1)
    before = g.copy()
    many = nngp_ntk("erf", 2.0, 0.1, 4, g)
    for a, b in zip(one, many, strict=True):
        assert np.array_equal(a, b)  # entrywise: blocking does not change a single float
    assert np.array_equal(g, before)  # the input (read without a copy) is left as it was


def test_fused_falls_back_for_range_errors(many_blocks):
    """Θ overflows (chaotic erf) and Σ underflows (relu, σ_w² = 1): the layer-by-layer recursion
    names the layer; quadrature activations (tanh) never take the fused path."""
    g = _gram(6, 3, 5)
    with pytest.raises(ValueError, match=r"Θ\^\d+ leaves the float64 range.*dps="):
        nngp_ntk("erf", 4.0, 0.0, 3000, g)  # Θ ~ χ₁^L, χ₁ ≈ 1.5: overflow near L = 1750
    with pytest.raises(ValueError, match=r"Σ\^\d+ leaves the float64 range.*dps="):
        nngp_ntk("relu", 1.0, 0.0, 2000, g)
    k, t = nngp_ntk("tanh", 0.8, 0.05, 2, g)
    kr, tr = kernel_sequence("tanh", 0.8, 0.05, 2, g)[-1]
    assert np.array_equal(k, kr) and np.array_equal(t, tr)


def test_fused_rejects_what_the_band_rejects(monkeypatch):
    """A correlation beyond the round-off band in the fused path hands over to the layer-by-layer
    recursion, which raises; the gram check is bypassed here to build such an input."""
    monkeypatch.setattr(kernels, "check_gram", lambda g: np.asarray(g, dtype=float))
    monkeypatch.setattr(kernels, "check_gram_deferred", lambda g: (np.asarray(g, dtype=float), lambda: None))
    bad = np.array([[1.0, 1.5], [1.5, 1.0]])
    with pytest.raises(ValueError, match="correlation"):
        nngp_ntk("relu", 2.0, 0.1, 2, bad)


# --------------------------------------------------------------------------------------
# PSD certificate: Cholesky of G + s·I, falling back to eigvalsh
# --------------------------------------------------------------------------------------


def _with_min_eigenvalue(n, rank, ratio, seed):
    """Symmetric n×n with top eigenvalue 1 and λ_min = ratio (rank ``rank`` PSD part)."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    lam = np.zeros(n)
    lam[:rank] = np.linspace(1.0, 0.1, rank)
    lam[-1] = ratio
    g = (q * lam) @ q.T
    g = (g + g.T) / 2
    return g + 1e-3 * np.eye(n) * (ratio >= 0)  # keep a positive diagonal in the PSD cases


@pytest.mark.parametrize("n", [3, 40, 300])
@pytest.mark.parametrize("ratio", [-1e-6, -1e-8, -1e-9, -3e-10])
def test_non_psd_is_rejected_by_name(n, ratio):
    g = _with_min_eigenvalue(n, max(1, n // 3), ratio, n)
    assert not _psd_certified(g, 1e-10)
    with pytest.raises(ValueError, match="gram must be positive semidefinite"):
        check_gram(g)


@pytest.mark.parametrize("n", [3, 40, 300])
@pytest.mark.parametrize("ratio", [-1e-11, -1e-12, 0.0])
def test_psd_within_the_tolerance_is_accepted(n, ratio):
    g = _with_min_eigenvalue(n, max(1, n // 3), ratio, n)
    check_gram(g)  # accepted, by the certificate or else by eigvalsh


def test_rank_deficient_gram_is_certified_without_eigvalsh(monkeypatch):
    """x xᵀ/d with N = 2000 ≫ d = 32 (rank 32, exactly singular): the shifted Cholesky succeeds,
    so eigvalsh is never called."""
    x = np.random.default_rng(0).standard_normal((2000, 32))
    g = x @ x.T / 32

    def forbidden(*_):
        raise AssertionError("eigvalsh called")

    monkeypatch.setattr(np.linalg, "eigvalsh", forbidden)
    assert check_gram(g) is not g  # a validated copy (check_gram_deferred reads the input itself)


@pytest.mark.parametrize("n", [3, 300])  # at once / in a background thread
def test_deferred_psd_test_raises_before_any_result(n):
    """The PSD test runs while the recursion computes; a non-PSD gram still raises by name
    (and takes precedence over a later argument's error, as in check_gram's order)."""
    g = _with_min_eigenvalue(n, max(1, n // 3), -1e-6, n)
    with pytest.raises(ValueError, match="gram must be positive semidefinite"):
        nngp_ntk("relu", 2.0, 0.1, 3, g)
    with pytest.raises(ValueError, match="gram must be positive semidefinite"):
        nngp_ntk("relu", 2.0, 0.1, 3, g, "standard", (1, 2))  # widths also wrong
    with pytest.raises(ValueError, match="gram must be positive semidefinite"):
        nngp("erf", 2.0, 0.1, 3, g)
    with pytest.raises(ValueError, match="widths"):
        nngp_ntk("relu", 2.0, 0.1, 3, _gram(n, 4, 0), "standard", (1, 2))


def test_fused_nngp_step_with_duplicate_and_antipodal_inputs(many_blocks):
    """step (no derivative: NNGP only); x_5 = x_2 and x_7 = −x_2 give correlations exactly ±1,
    where arccos is steepest: the fused path reproduces the layer-by-layer floats."""
    x = np.random.default_rng(0).standard_normal((40, 3))
    x[5], x[7] = x[2], -x[2]
    g = x @ x.T / 3
    fused = nngp("step", 1.5, 0.1, 5, g)
    ref = kernel_sequence("step", 1.5, 0.1, 5, g, ntk=False)[-1][0]
    assert np.array_equal(fused, fused.T)
    assert np.max(np.abs(fused - ref)) <= TOL_FUSED * np.max(np.abs(ref))
    assert fused[2, 5] == fused[2, 2] and fused[2, 7] == ref[2, 7]
