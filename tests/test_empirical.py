"""Finite networks vs the analytic kernels, with tolerances derived from standard errors.

* Monte-Carlo NNGP of a one-hidden-layer net is unbiased at every width (the first
  preactivation is exactly Gaussian), so |mean − Σ²| ≤ z·SE with z chosen for the family.
* The Monte-Carlo error shrinks like n_samples^(−1/2); the finite-width bias of a
  two-hidden-layer erf net like 1/width: fitted slopes with bootstrap intervals.
* The two empirical-NTK implementations agree with each other and with neural-tangents.
"""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from scipy.special import erf

import numeric
from empirical.mlp import MLP, mc_nngp_samples
from empirical.nt_compat import load_neural_tangents
from empirical.ntk import empirical_ntk, linearize
from empirical.training import gradient_flow_train, train

jax.config.update("jax_enable_x64", True)

X = jnp.array([[1.0, 0.5, -0.3], [0.2, -1.0, 0.8], [-0.7, 0.1, 0.4]])
GRAM = np.asarray(X @ X.T / 3)
# Family of 6 entries × 2 activations: z = 4.5 keeps the two-sided family-wise false-alarm
# rate below 12 · 6.8e-6 ≈ 1e-4 under the CLT.
Z_FAMILY = 4.5


@pytest.mark.parametrize("act,sw2,sb2", [("relu", 2.0, 0.1), ("erf", 3.0, 0.2)])
def test_one_hidden_layer_mc_nngp_is_unbiased(act, sw2, sb2):
    net = MLP(act, sw2, sb2, depth=1, width=32, out_dim=4)
    samples = np.asarray(mc_nngp_samples(net, X, jax.random.PRNGKey(7), 8000))
    mean, se = samples.mean(0), samples.std(0, ddof=1) / np.sqrt(len(samples))
    k = numeric.nngp(act, sw2, sb2, 1, GRAM)
    iu = np.triu_indices(3)
    assert np.all(np.abs(mean - k)[iu] <= Z_FAMILY * se[iu]), (mean - k) / se


def _fit_slope(logx, logy, weights=None):
    return np.polyfit(logx, logy, 1, w=weights)[0]


def test_monte_carlo_error_shrinks_like_inverse_sqrt_samples():
    """RMS error over 64 independent replicates at n = 50 … 3200 samples: slope −1/2."""
    net = MLP("erf", 2.0, 0.1, depth=1, width=8)
    sizes = np.array([50, 200, 800, 3200])
    reps = 64
    k = numeric.nngp("erf", 2.0, 0.1, 1, GRAM)[0, 1]
    est = np.asarray(
        mc_nngp_samples(net, X, jax.random.PRNGKey(3), reps * int(sizes.sum()), chunk=20000)
    )[:, 0, 1]
    errs = np.empty((len(sizes), reps))
    start = 0
    for i, n in enumerate(sizes):
        block = est[start : start + reps * n].reshape(reps, n)
        errs[i] = block.mean(1) - k
        start += reps * n
    rng = np.random.default_rng(0)
    slopes = []
    for _ in range(400):  # bootstrap over replicates
        idx = rng.integers(0, reps, reps)
        rms = np.sqrt(np.mean(errs[:, idx] ** 2, axis=1))
        slopes.append(_fit_slope(np.log(sizes), np.log(rms)))
    lo, hi = np.percentile(slopes, [0.5, 99.5])
    assert lo <= -0.5 <= hi, (lo, hi)
    assert hi - lo < 0.4  # the interval is informative, not vacuous


def test_finite_width_bias_shrinks_like_inverse_width():
    """Depth-2 erf net: E[Σ̂³(x,x)] − Σ³(x,x) ∝ 1/n (slope −1 with a bootstrap interval).

    Rao–Blackwellised estimator: sample the exactly Gaussian first layer (width n), then take
    the conditional expectation over the second layer exactly, σ_w² V_erf(Σ̂²) + σ_b². The
    estimator is the finite-width second-layer kernel averaged over the first layer, so its
    mean minus Σ³ is exactly the finite-width bias.
    """
    sw2, sb2 = 4.0, 0.1
    g = GRAM[:2, :2]
    chol = np.linalg.cholesky(sw2 * g + sb2)
    k = numeric.nngp("erf", sw2, sb2, 2, g)[0, 0]
    rng = np.random.default_rng(11)
    widths = np.array([4, 8, 16, 32, 64])
    reps = 40000
    bias, se = [], []
    for n in widths:
        h = np.einsum("ij,rnj->rni", chol, rng.standard_normal((reps, n, 2)))
        p = erf(h[..., 0])
        s2 = sw2 * np.mean(p * p, axis=1) + sb2
        khat = sw2 * numeric.dual("erf", s2, s2, s2) + sb2
        bias.append(khat.mean() - k)
        se.append(khat.std(ddof=1) / np.sqrt(reps))
    bias, se = np.array(bias), np.array(se)
    assert np.all(np.abs(bias) > 4 * se)  # the bias is resolved at every width
    # bias = a/n + b/n² + …: fit log|bias| = α log n + c + β/n (the 1/n term absorbs the
    # next order, as in a convergence-order test with a correction), weighted by |bias|/SE
    design = np.column_stack([np.log(widths), np.ones(len(widths)), 1.0 / widths])
    w = np.abs(bias) / se
    slopes = []
    for _ in range(1000):  # parametric bootstrap from the estimators' standard errors
        b = bias + se * rng.standard_normal(len(widths))
        coef = np.linalg.lstsq(design * w[:, None], np.log(np.abs(b)) * w, rcond=None)[0]
        slopes.append(coef[0])
    lo, hi = np.percentile(slopes, [0.5, 99.5])
    assert lo <= -1.0 <= hi, (lo, hi)
    assert hi - lo < 0.6  # informative interval


def _nt_mlp(nt, net: MLP, d: int):
    stax = nt.stax
    act = {"relu": stax.Relu(), "erf": stax.Erf(), "gelu": stax.Gelu()}[net.activation]
    layers = []
    for _ in range(net.depth):
        layers += [stax.Dense(512, W_std=net.sigma_w2**0.5, b_std=net.sigma_b2**0.5), act]
    layers.append(stax.Dense(net.out_dim, W_std=net.sigma_w2**0.5, b_std=net.sigma_b2**0.5))
    return stax.serial(*layers)


def _to_nt_params(params):
    out = []
    for i, layer in enumerate(params):
        if i > 0:
            out.append(())
        out.append((layer["W"], layer["b"]))
    return out


@pytest.mark.parametrize("act", ["relu", "erf"])
def test_empirical_ntk_implementations_agree_with_each_other_and_neural_tangents(act):
    nt = load_neural_tangents()
    net = MLP(act, 2.0, 0.1, depth=2, width=48)
    params = net.init(jax.random.PRNGKey(0), 3)
    _, nt_apply, _ = _nt_mlp(nt, net, 3)
    nt_params = _to_nt_params(params)
    np.testing.assert_allclose(nt_apply(nt_params, X), net.apply(params, X), rtol=1e-13)
    a = empirical_ntk(net.apply, params, X, method="jacobian")
    b = empirical_ntk(net.apply, params, X, method="jvp_vjp")
    scale = float(jnp.max(jnp.abs(a)))
    # float64 contractions over P ≈ 2.6e3 parameters: round-off ≲ P·eps·scale ≈ 6e-13·scale
    tol = 2.6e3 * np.finfo(float).eps * scale
    assert float(jnp.max(jnp.abs(a - b))) <= tol
    for impl in (1, 2):
        c = nt.empirical_ntk_fn(nt_apply, trace_axes=(-1,), implementation=impl)(X, None, nt_params)
        assert float(jnp.max(jnp.abs(a - c))) <= tol, impl


def test_linearization_matches_network_at_init_and_gradient_flow_limit():
    net = MLP("erf", 2.0, 0.1, depth=1, width=64)
    params = net.init(jax.random.PRNGKey(1), 3)
    f_lin = linearize(net.apply, params)
    np.testing.assert_allclose(f_lin(params, X), net.apply(params, X), rtol=0, atol=1e-15)
    y = jnp.array([[0.5], [-1.0], [0.25]])
    theta = np.asarray(empirical_ntk(net.apply, params, X))
    f0 = np.asarray(net.apply(params, X))
    # GD on the linear model with step η for T steps is gradient flow at t = ηT up to O(η):
    # the error must halve (order 1) when η halves at fixed t.
    errs = []
    for eta, steps in [(0.01, 50), (0.005, 100), (0.0025, 200)]:  # t = 0.5, far from converged
        tr = train(f_lin, params, X, y, steps=steps, optimizer=optax.sgd(eta), loss="sum",
                   record=[steps])
        flow = gradient_flow_train(theta, np.asarray(y), f0, t=eta * steps, eta=1.0, loss="sum")
        errs.append(float(np.max(np.abs(np.asarray(f_lin(tr.params[-1], X)) - flow))))
    order = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert np.all(np.abs(order - 1.0) < 0.15), (errs, order)


@pytest.mark.parametrize(
    "kwargs,name",
    [
        (dict(activation="swish"), "activation"),
        (dict(sigma_w2=-1.0), "sigma_w2"),
        (dict(sigma_b2=-0.1), "sigma_b2"),
        (dict(depth=-1), "depth"),
        (dict(width=0), "width"),
        (dict(parametrization="mup"), "parametrization"),
    ],
)
def test_mlp_rejects_invalid_arguments_by_name(kwargs, name):
    base = dict(activation="relu", sigma_w2=2.0, sigma_b2=0.1, depth=2, width=8)
    base.update(kwargs)
    with pytest.raises(ValueError, match=name):
        MLP(**base)
