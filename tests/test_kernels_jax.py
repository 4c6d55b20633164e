"""The JAX mirror of the recursion (empirical.kernels_jax) agrees with numeric.nngp_ntk."""

import numpy as np
import pytest

import numeric
from empirical.kernels_jax import nngp_ntk_jax

RNG = np.random.default_rng(5)
X = RNG.standard_normal((6, 4))
GRAM = X @ X.T / 4


@pytest.mark.parametrize("act", ["relu", "erf", "tanh", "gelu"])
@pytest.mark.parametrize("depth", [0, 1, 3, 6])
def test_jax_mirror_matches_numeric(act, depth):
    k_ref, t_ref = numeric.nngp_ntk(act, 1.7, 0.2, depth, GRAM)
    k, t = (np.asarray(v) for v in nngp_ntk_jax(act, 1.7, 0.2, depth, GRAM))
    # same SymPy closed forms / the same Gauss–Hermite rule, evaluated by XLA instead of NumPy:
    # differences are float64 round-off amplified by the arccos conditioning on the
    # diagonal (c = 1 exactly in both), so a few hundred ulp of the kernel's scale
    for got, ref in ((k, k_ref), (t, t_ref)):
        assert np.max(np.abs(got - ref)) <= 1e-13 * np.max(np.abs(ref))


@pytest.mark.parametrize(
    "kwargs,name",
    [
        (dict(activation="swish"), "activation"),
        (dict(sigma_w2=-1.0), "sigma_w2"),
        (dict(sigma_b2=-1.0), "sigma_b2"),
        (dict(depth=-2), "depth"),
        (dict(gram=np.array([[1.0, 2.0], [2.0, 1.0]])), "gram"),
    ],
)
def test_jax_mirror_rejects_invalid_input_by_name(kwargs, name):
    args = dict(activation="relu", sigma_w2=2.0, sigma_b2=0.1, depth=2, gram=GRAM)
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        nngp_ntk_jax(**args)


@pytest.mark.parametrize("act", ["relu", "erf"])
def test_packed_triangle_is_symmetric_and_matches_numeric(act):
    """Closed-form duals run on the packed upper triangle: exactly symmetric output, and a
    duplicated input (off-diagonal c = 1 up to round-off, the arccos trap) still agrees."""
    x = np.random.default_rng(6).standard_normal((50, 3))
    x[7] = x[3]
    gram = x @ x.T / 3
    k_ref, t_ref = numeric.nngp_ntk(act, 2.0, 0.1, 10, gram)
    for got, ref in zip(nngp_ntk_jax(act, 2.0, 0.1, 10, gram), (k_ref, t_ref), strict=True):
        got = np.asarray(got)
        assert np.array_equal(got, got.T)
        assert np.max(np.abs(got - ref)) <= 1e-13 * np.max(np.abs(ref))


@pytest.mark.parametrize("n", [3, 300])  # PSD test at once / in a thread while XLA computes
def test_jax_mirror_rejects_non_psd_gram(n):
    x = np.random.default_rng(n).standard_normal((n, 2))
    g = x @ x.T / 2  # rank 2
    lam, vec = np.linalg.eigh(g)
    g -= 1e-6 * lam[-1] * np.outer(vec[:, 0], vec[:, 0])  # λ_min = −1e-6·λ_max
    with pytest.raises(ValueError, match="gram must be positive semidefinite"):
        nngp_ntk_jax("relu", 2.0, 0.1, 3, g)
    with pytest.raises(ValueError, match="gram must be positive semidefinite"):
        nngp_ntk_jax("relu", 2.0, 0.1, -1, g)  # the gram's error takes precedence
