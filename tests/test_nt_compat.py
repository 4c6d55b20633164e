"""Tests for ``empirical.nt_compat``: neural_tangents 0.6.5 on current JAX.

Every numerical check compares NT against an *independent* reference written
here in numpy / plain JAX autodiff (closed-form arc-cosine and erf kernels,
Gauss-Hermite quadrature, explicit Jacobian contraction, an explicit
circular-convolution kernel recursion, Monte Carlo standard errors), never NT
against itself.  Each tolerance is justified next to it *a priori*.
"""

import concurrent.futures
import importlib.util
import sys

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from jax.flatten_util import ravel_pytree  # noqa: E402
from numpy.polynomial.hermite_e import hermegauss  # noqa: E402
from scipy.special import ndtr  # noqa: E402

from empirical import nt_compat  # noqa: E402
from empirical.nt_compat import (  # noqa: E402
    INSTALL_COMMAND,
    SUPPORTED_IMPLEMENTATIONS,
    empirical_ntk_fn,
    load_neural_tangents,
)

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("neural_tangents") is None,
    reason=f"neural_tangents not installed ({INSTALL_COMMAND})",
)

EPS = np.finfo(np.float64).eps
# Closed-form kernels (arccos / arcsin / sqrt of well-conditioned arguments,
# asserted below) evaluated by NT and by numpy in a different order: a few
# dozen float64 operations, each with relative error <= eps, amplified by at
# most ~10 by the arccos/arcsin condition numbers at |cos| <= 0.99.  1e-12 is
# >= 10x above that bound.
CLOSED_FORM_RTOL = 1e-12


@pytest.fixture(scope="module")
def nt():
    return load_neural_tangents()


@pytest.fixture(scope="module")
def stax(nt):
    return nt.stax


def _inputs(seed, n, d):
    return np.random.default_rng(seed).standard_normal((n, d))


def _assert_well_conditioned(cos):
    # The closed forms use arccos / arcsin; away from |cos| = 1 their
    # condition numbers stay <= 1 / sqrt(1 - 0.99**2) ~ 7.
    assert np.all(np.abs(cos) <= 0.99), "inputs too aligned for CLOSED_FORM_RTOL"


# ----------------------------------------------------------------------------
# Loader behaviour.
# ----------------------------------------------------------------------------


def test_load_is_idempotent_and_cached(nt):
    n_shims = len(nt_compat.INSTALLED_SHIMS)
    again = load_neural_tangents()
    nt_compat.install_shims()
    assert again is nt is sys.modules["neural_tangents"]
    assert len(nt_compat.INSTALLED_SHIMS) == n_shims  # nothing installed twice
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: load_neural_tangents(), range(32)))
    assert all(r is nt for r in results)
    assert nt.__version__ == "0.6.5"


def test_shims_are_aliases_not_copies(nt):
    import jax.core
    import jax.extend.core

    # Whatever was aliased into jax.core must be the very same object.
    for name in ("Jaxpr", "JaxprEqn", "Literal", "Var", "Primitive"):
        if hasattr(jax.extend.core, name):
            assert getattr(jax.core, name) is getattr(jax.extend.core, name)
    import jax.util
    from jax._src import util as src_util

    assert jax.util.safe_map is src_util.safe_map


def test_missing_package_gives_install_command(monkeypatch):
    real_find_spec = importlib.util.find_spec

    def fake_find_spec(name, *args, **kwargs):
        if name == "neural_tangents":
            return None
        return real_find_spec(name, *args, **kwargs)

    monkeypatch.setattr(nt_compat, "_NT_MODULE", None)
    monkeypatch.setattr(importlib.util, "find_spec", fake_find_spec)
    with pytest.raises(ImportError) as info:
        load_neural_tangents()
    assert "python -m pip install --no-deps neural-tangents==0.6.5" in str(info.value)


@pytest.mark.skipif(
    importlib.util.find_spec("tensorflow") is not None
    and importlib.util.find_spec("tf2jax") is not None,
    reason="real TensorFlow port available",
)
def test_experimental_stub_raises_clearly(nt):
    with pytest.raises(ImportError, match="tensorflow"):
        nt.experimental.empirical_ntk_fn_tf(lambda p, x: x)


# ----------------------------------------------------------------------------
# Infinite-width kernels vs closed forms.
# ----------------------------------------------------------------------------


def _relu_expectations(q11, q22, q12):
    """Arc-cosine kernel: E[relu(u)relu(v)] and E[step(u)step(v)]."""
    s = np.sqrt(q11 * q22)
    cos = np.clip(q12 / s, -1.0, 1.0)
    theta = np.arccos(cos)
    v_relu = s / (2 * np.pi) * (np.sin(theta) + (np.pi - theta) * cos)
    v_step = (np.pi - theta) / (2 * np.pi)
    return v_relu, v_step


def _relu_mlp_reference(x1, x2, widths, W_std, b_std, parameterization, check_cond=True):
    """NNGP/NTK of Dense(widths[0])-Relu-...-Relu-Dense(widths[-1]).

    NNGP (both parameterizations): Sigma^1 = W^2 <x,x'>/d + b^2,
    Sigma^{l+1} = W^2 V_relu(Sigma^l) + b^2.

    NTK, parameterization='ntk': Theta^1 = Sigma^1,
    Theta^{l+1} = Sigma^{l+1} + W^2 V_step(Sigma^l) Theta^l.

    NTK, parameterization='standard' -- NT's convention, read off
    ``neural_tangents/_src/stax/linear.py::Dense.kernel_fn``::

        ntk = input_width * nngp + W_std**2 * ntk   (+ 1 if b_std is not None)

    where ``nngp``/``ntk`` are the kernels of the layer's *input* (before the
    affine map) and ``input_width = shape[channel_axis] / s[0]`` is the
    layer's finite fan-in (d for the first layer, the previous Dense's
    out_dim after that).  I.e. with K^0 = <x,x'>/d, K^l = V_relu(Sigma^l),
    n_0 = d, n_l = widths[l-1]:

        Theta^1     = n_0 K^0 + 1                 = <x,x'> + 1
        Theta^{l+1} = n_l K^l + W^2 V_step(Sigma^l) Theta^l + 1.

    (It is E[J J^T] of a network whose weights are N(0, W^2/n_l) and biases
    N(0, b^2), differentiated w.r.t. those raw weights: the bias term is 1,
    not b^2, and the NTK grows with the widths.)
    """
    d = x1.shape[1]
    k12 = x1 @ x2.T / d  # input kernel of the current Dense layer
    k11 = np.sum(x1**2, axis=1)[:, None] / d
    k22 = np.sum(x2**2, axis=1)[None, :] / d
    theta = np.zeros_like(k12)  # NTK of the input (no parameters)
    fan_in = d
    for layer, out_dim in enumerate(widths):
        s12 = W_std**2 * k12 + b_std**2
        s11 = W_std**2 * k11 + b_std**2
        s22 = W_std**2 * k22 + b_std**2
        if parameterization == "ntk":
            theta = s12 + W_std**2 * theta
        else:
            theta = fan_in * k12 + W_std**2 * theta + 1.0
        if layer == len(widths) - 1:
            return s12, theta
        if check_cond:
            _assert_well_conditioned(s12 / np.sqrt(s11 * s22))
        v_relu, v_step = _relu_expectations(s11, s22, s12)
        k12, k11, k22 = v_relu, s11 / 2, s22 / 2  # V_relu(q, q, q) = q / 2
        theta = v_step * theta
        fan_in = out_dim
    raise AssertionError("unreachable")


@pytest.mark.parametrize("parameterization", ["ntk", "standard"])
def test_relu_mlp_kernel_matches_arccos_closed_form(stax, parameterization):
    W_std, b_std = 1.4, 0.3
    widths = (300, 200, 1)  # distinct widths pin down which n the standard NTK uses
    layers = []
    for i, w in enumerate(widths):
        layers.append(stax.Dense(w, W_std, b_std, parameterization=parameterization))
        if i < len(widths) - 1:
            layers.append(stax.Relu())
    _, _, kernel_fn = stax.serial(*layers)
    x1, x2 = _inputs(0, 3, 5), _inputs(1, 4, 5)
    k = kernel_fn(x1, x2, ("nngp", "ntk"))
    nngp_ref, ntk_ref = _relu_mlp_reference(x1, x2, widths, W_std, b_std, parameterization)
    np.testing.assert_allclose(np.asarray(k.nngp), nngp_ref, rtol=CLOSED_FORM_RTOL, atol=0)
    np.testing.assert_allclose(np.asarray(k.ntk), ntk_ref, rtol=CLOSED_FORM_RTOL, atol=0)
    assert k.nngp.dtype == jnp.float64


def _erf_mlp_reference(x1, x2, depth, W_std, b_std):
    """Erf: E[erf u erf v] = 2/pi arcsin(2 q12 / sqrt((1+2 q11)(1+2 q22))),
    E[erf' u erf' v] = 4/pi / sqrt((1+2 q11)(1+2 q22) - 4 q12^2)."""
    d = x1.shape[1]
    k12 = x1 @ x2.T / d
    k11 = np.sum(x1**2, axis=1)[:, None] / d
    k22 = np.sum(x2**2, axis=1)[None, :] / d
    theta = np.zeros_like(k12)
    for _ in range(depth):
        s12, s11, s22 = (W_std**2 * k + b_std**2 for k in (k12, k11, k22))
        theta = s12 + W_std**2 * theta
        denom = (1 + 2 * s11) * (1 + 2 * s22)
        arg = 2 * s12 / np.sqrt(denom)
        _assert_well_conditioned(arg)
        k12 = 2 / np.pi * np.arcsin(arg)
        k11 = 2 / np.pi * np.arcsin(2 * s11 / (1 + 2 * s11))
        k22 = 2 / np.pi * np.arcsin(2 * s22 / (1 + 2 * s22))
        theta = 4 / np.pi / np.sqrt(denom - 4 * s12**2) * theta
    s12 = W_std**2 * k12 + b_std**2
    return s12, s12 + W_std**2 * theta


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_erf_kernel_matches_closed_form(stax, depth):
    W_std, b_std = 1.2, 0.2
    layers = []
    for _ in range(depth):
        layers += [stax.Dense(128, W_std, b_std), stax.Erf()]
    _, _, kernel_fn = stax.serial(*layers, stax.Dense(1, W_std, b_std))
    x1, x2 = _inputs(2, 3, 4), _inputs(3, 4, 4)
    k = kernel_fn(x1, x2, ("nngp", "ntk"))
    nngp_ref, ntk_ref = _erf_mlp_reference(x1, x2, depth, W_std, b_std)
    np.testing.assert_allclose(np.asarray(k.nngp), nngp_ref, rtol=CLOSED_FORM_RTOL, atol=0)
    np.testing.assert_allclose(np.asarray(k.ntk), ntk_ref, rtol=CLOSED_FORM_RTOL, atol=0)


def _gelu(u):
    return u * ndtr(u)


def _gelu_prime(u):
    return ndtr(u) + u * np.exp(-(u**2) / 2) / np.sqrt(2 * np.pi)


def _gauss_expectation(g, q11, q22, q12, n_nodes):
    """E[g(u) g(v)], (u, v) ~ N(0, [[q11, q12], [q12, q22]]), by a tensor
    product of n_nodes-point probabilists' Gauss-Hermite rules (exact for
    polynomials of degree <= 2 n_nodes - 1 in each variable)."""
    z, w = hermegauss(n_nodes)
    w = w / np.sqrt(2 * np.pi)
    l11 = np.sqrt(q11)
    l21 = q12 / l11
    l22 = np.sqrt(np.maximum(q22 - l21**2, 0.0))
    u = l11[..., None, None] * z[:, None]
    v = l21[..., None, None] * z[:, None] + l22[..., None, None] * z[None, :]
    return np.einsum("i,j,...ij->...", w, w, g(u) * g(v))


def _gelu_mlp_reference(x1, x2, depth, W_std, b_std, n_nodes):
    d = x1.shape[1]
    k12 = x1 @ x2.T / d
    k11 = np.sum(x1**2, axis=1)[:, None] / d + 0 * k12
    k22 = np.sum(x2**2, axis=1)[None, :] / d + 0 * k12
    theta = np.zeros_like(k12)
    for _ in range(depth):
        s12, s11, s22 = (W_std**2 * k + b_std**2 for k in (k12, k11, k22))
        theta = s12 + W_std**2 * theta
        k12 = _gauss_expectation(_gelu, s11, s22, s12, n_nodes)
        k11 = _gauss_expectation(_gelu, s11, s11, s11, n_nodes)
        k22 = _gauss_expectation(_gelu, s22, s22, s22, n_nodes)
        theta = _gauss_expectation(_gelu_prime, s11, s22, s12, n_nodes) * theta
    s12 = W_std**2 * k12 + b_std**2
    return s12, s12 + W_std**2 * theta


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_gelu_kernel_matches_gauss_hermite_quadrature(stax, depth):
    W_std, b_std = 1.1, 0.1
    layers = []
    for _ in range(depth):
        layers += [stax.Dense(128, W_std, b_std), stax.Gelu()]
    _, _, kernel_fn = stax.serial(*layers, stax.Dense(1, W_std, b_std))
    x1, x2 = _inputs(4, 3, 4), _inputs(5, 4, 4)
    k = kernel_fn(x1, x2, ("nngp", "ntk"))

    # Quadrature order: 80 nodes per dimension integrate polynomials up to
    # degree 159 exactly; gelu and gelu' are entire and the variances here are
    # O(1), so the error decays faster than any power of the order.  We
    # certify it a priori-style by requiring the 80- and 120-node rules to
    # agree to 1e-12 relative, then allow 1e-10 for NT vs quadrature (>= 100x
    # the certified quadrature error, >> float64 round-off of NT's closed form).
    nngp_80, ntk_80 = _gelu_mlp_reference(x1, x2, depth, W_std, b_std, 80)
    nngp_120, ntk_120 = _gelu_mlp_reference(x1, x2, depth, W_std, b_std, 120)
    np.testing.assert_allclose(nngp_80, nngp_120, rtol=1e-12, atol=0)
    np.testing.assert_allclose(ntk_80, ntk_120, rtol=1e-12, atol=0)
    np.testing.assert_allclose(np.asarray(k.nngp), nngp_120, rtol=1e-10, atol=0)
    np.testing.assert_allclose(np.asarray(k.ntk), ntk_120, rtol=1e-10, atol=0)


# ----------------------------------------------------------------------------
# 1-D convolutions, Flatten, GlobalAvgPool.
# ----------------------------------------------------------------------------


def _circular_filter_average(k):
    """(1/3) sum_{o in -1,0,1} K[w+o, w'+o] (circular) over the last two axes:
    the kernel map of a size-3 CIRCULAR conv (same weight at both positions)."""
    return sum(np.roll(k, shift=(o, o), axis=(-2, -1)) for o in (-1, 0, 1)) / 3


def _conv_body_reference(x, W_std, b_std):
    """Full spatial NNGP/NTK of Conv(3,CIRCULAR)-Relu-Conv(3,CIRCULAR), NTK
    parameterization, on NWC inputs x (all pairs): shapes (n, n, W, W)."""
    k0 = np.einsum("iwc,jvc->ijwv", x, x) / x.shape[-1]
    s1 = W_std**2 * _circular_filter_average(k0) + b_std**2
    theta1 = s1
    n, width = x.shape[0], x.shape[1]
    diag = s1[np.arange(n), np.arange(n)][:, np.arange(width), np.arange(width)]  # (n, W)
    q1 = diag[:, None, :, None]
    q2 = diag[None, :, None, :]
    _assert_well_conditioned(s1 / np.sqrt(q1 * q2) * (1 - np.eye(width)))
    v_relu, v_step = _relu_expectations(q1 + 0 * s1, q2 + 0 * s1, s1)
    s2 = W_std**2 * _circular_filter_average(v_relu) + b_std**2
    theta2 = s2 + W_std**2 * _circular_filter_average(v_step * theta1)
    return s2, theta2


def test_conv1d_flatten_and_global_avg_pool(stax):
    W_std, b_std = 1.3, 0.2
    body = [
        stax.Conv(16, (3,), padding="CIRCULAR", W_std=W_std, b_std=b_std),
        stax.Relu(),
        stax.Conv(16, (3,), padding="CIRCULAR", W_std=W_std, b_std=b_std),
    ]
    x = np.random.default_rng(6).standard_normal((5, 7, 3))  # (N, W, C)
    k_body = stax.serial(*body)[2](x, None, ("nngp", "ntk"))
    k_flat = stax.serial(*body, stax.Flatten())[2](x, None, ("nngp", "ntk"))
    k_gap = stax.serial(*body, stax.GlobalAvgPool())[2](x, None, ("nngp", "ntk"))

    # (a) The per-position kernel equals an explicit circular-conv recursion.
    # Round-off as for CLOSED_FORM_RTOL, except at (same input, same
    # position), where cos = 1 up to round-off: arccos(1 - O(eps)) = O(sqrt(eps))
    # ~ 1.5e-8, which enters V_step (hence the NTK) at first order; there the
    # NTK is compared at 1e-6 (>= 30x that).  V_relu is flat in theta at
    # theta = 0 (d/dtheta ~ sin theta), so the NNGP keeps CLOSED_FORM_RTOL.
    nngp_ref, ntk_ref = _conv_body_reference(x, W_std, b_std)
    assert k_body.nngp.shape == (5, 5, 7, 7)
    np.testing.assert_allclose(np.asarray(k_body.nngp), nngp_ref, rtol=CLOSED_FORM_RTOL, atol=0)
    same = np.eye(5, dtype=bool)[:, :, None, None] & np.eye(7, dtype=bool)[None, None]
    ntk_body = np.asarray(k_body.ntk)
    np.testing.assert_allclose(ntk_body[~same], ntk_ref[~same], rtol=CLOSED_FORM_RTOL, atol=0)
    np.testing.assert_allclose(ntk_body[same], ntk_ref[same], rtol=1e-6, atol=0)

    # (b) Linear readouts of a GP: averaging over space (GlobalAvgPool) gives
    # the mean of K over all position pairs; Flatten (features = positions x
    # channels, NT normalises by their count) gives the mean of the diagonal.
    # Both are exact identities; the float64 summation of 49 terms adds
    # <= 49 eps relative, so CLOSED_FORM_RTOL is ample -- except for NTK
    # entries of an input with itself: they contain the (same input, same
    # position) terms that carry the O(sqrt(eps)) arccos error of (a) (NT's
    # readout code paths evaluate them separately), so those use 1e-6 as in (a).
    same_input = np.eye(5, dtype=bool)
    for name in ("nngp", "ntk"):
        body_k = np.asarray(getattr(k_body, name))
        refs = {
            "GlobalAvgPool": (k_gap, body_k.mean(axis=(-2, -1))),
            "Flatten": (k_flat, np.diagonal(body_k, axis1=-2, axis2=-1).mean(axis=-1)),
        }
        for readout, (k_readout, ref) in refs.items():
            got = np.asarray(getattr(k_readout, name))
            diag_rtol = 1e-6 if name == "ntk" else CLOSED_FORM_RTOL
            err = f"{readout} {name}"
            np.testing.assert_allclose(
                got[~same_input], ref[~same_input], rtol=CLOSED_FORM_RTOL, err_msg=err
            )
            np.testing.assert_allclose(
                got[same_input], ref[same_input], rtol=diag_rtol, err_msg=err
            )

    # (c) Finite, symmetric, PSD.  A computed eigenvalue of a PSD float64
    # matrix can be negative by at most ~ n * eps * ||K|| (backward-stable
    # eigvalsh plus entrywise round-off); allow 100 x that.
    for kern in (k_flat.nngp, k_flat.ntk, k_gap.nngp, k_gap.ntk):
        kern = np.asarray(kern)
        assert np.all(np.isfinite(kern))
        np.testing.assert_allclose(kern, kern.T, rtol=1e-14, atol=0)
        eig = np.linalg.eigvalsh(kern)
        assert eig.min() >= -100 * kern.shape[0] * EPS * eig.max()


# ----------------------------------------------------------------------------
# Empirical NTK, linearize, Monte Carlo.
# ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_mlp(stax):
    init_fn, apply_fn, _ = stax.serial(
        stax.Dense(64, W_std=1.3, b_std=0.2),
        stax.Relu(),
        stax.Dense(64, W_std=1.3, b_std=0.2),
        stax.Relu(),
        stax.Dense(3, W_std=1.3, b_std=0.2),
    )
    x1, x2 = jnp.asarray(_inputs(7, 4, 5)), jnp.asarray(_inputs(8, 3, 5))
    _, params = init_fn(jax.random.PRNGKey(0), x1.shape)
    params = jax.tree_util.tree_map(lambda p: jnp.asarray(p, jnp.float64), params)
    return apply_fn, params, x1, x2


def _explicit_jacobian(apply_fn, params, x):
    flat, unravel = ravel_pytree(params)
    return jax.jacobian(lambda theta: apply_fn(unravel(theta), x))(flat)  # (n, out, P)


@pytest.mark.parametrize("implementation", SUPPORTED_IMPLEMENTATIONS)
@pytest.mark.parametrize("trace_axes", [(-1,), ()])
def test_empirical_ntk_matches_explicit_jacobian_contraction(small_mlp, implementation, trace_axes):
    apply_fn, params, x1, x2 = small_mlp
    j1 = np.asarray(_explicit_jacobian(apply_fn, params, x1))
    j2 = np.asarray(_explicit_jacobian(apply_fn, params, x2))
    n_params = j1.shape[-1]
    if trace_axes == ():
        ref = np.einsum("iap,jbp->ijab", j1, j2)  # NT's (n1, n2, out1, out2) layout
    else:
        ref = np.einsum("iap,jap->ij", j1, j2) / j1.shape[1]  # NT averages traced axes

    ntk_fn = jax.jit(
        empirical_ntk_fn(apply_fn, implementation=implementation, trace_axes=trace_axes)
    )
    ntk = np.asarray(ntk_fn(x1, x2, params))
    assert ntk.dtype == np.float64
    # Each entry is a length-P dot product of Jacobian rows.  Higham's bound
    # for float64 summation is P*eps*sum|a_i b_i| <= P*eps*max_i Theta_ii
    # (Cauchy-Schwarz); both sides accumulate it, hence 2*P*eps (~2e-12).
    scale = np.max(np.abs(np.einsum("iap,iap->ia", j1, j1)))
    np.testing.assert_allclose(ntk, ref, rtol=0, atol=2 * n_params * EPS * scale)


def test_empirical_ntk_refuses_auto_and_unknown(small_mlp):
    apply_fn = small_mlp[0]
    with pytest.raises(NotImplementedError, match="AUTO"):
        empirical_ntk_fn(apply_fn, implementation=0)
    with pytest.raises(NotImplementedError, match="implementation=7"):
        empirical_ntk_fn(apply_fn, implementation=7)


def test_structured_derivatives_refused_when_unavailable(small_mlp, monkeypatch):
    apply_fn = small_mlp[0]
    # As on a JAX whose ad.linearize convention is not recognised:
    monkeypatch.setattr(nt_compat, "SUPPORTED_IMPLEMENTATIONS", (1, 2))
    with pytest.raises(NotImplementedError, match=r"implementation=3 \(STRUCTURED_DERIVATIVES\)"):
        empirical_ntk_fn(apply_fn, implementation=3)
    # As on a JAX where the adapters install but the self-check disagrees:
    monkeypatch.setattr(nt_compat, "SUPPORTED_IMPLEMENTATIONS", (1, 2, 3))
    monkeypatch.setattr(nt_compat, "_SD_SELF_CHECK", "self-check mismatch (simulated)")
    with pytest.raises(NotImplementedError, match="STRUCTURED_DERIVATIVES.*simulated"):
        empirical_ntk_fn(apply_fn, implementation=3)


def test_linearize_value_and_jvp(nt, small_mlp):
    apply_fn, params, x1, _ = small_mlp
    f_lin = nt.linearize(apply_fn, params)
    f0 = np.asarray(apply_fn(params, x1))
    # At params0 the linearization is f itself, up to adding an exactly-zero
    # tangent term: identical to float64 round-off of one addition.
    np.testing.assert_allclose(np.asarray(f_lin(params, x1)), f0, rtol=4 * EPS, atol=4 * EPS)

    flat, unravel = ravel_pytree(params)
    dp = np.random.default_rng(9).standard_normal(flat.shape) * 1e-1
    j = np.asarray(_explicit_jacobian(apply_fn, params, x1))  # reverse mode
    ref = f0 + j @ dp  # first-order Taylor expansion, explicit
    out = np.asarray(f_lin(unravel(flat + dp), x1))  # NT: forward-mode JVP
    # Length-P dot products again (see the empirical NTK test): P*eps*sum|J dp|
    # per side, plus the round-off of f0.
    bound = 2 * flat.size * EPS * np.max(np.abs(j) @ np.abs(dp)) + 4 * EPS * np.max(np.abs(f0))
    np.testing.assert_allclose(out, ref, rtol=0, atol=bound)


def test_monte_carlo_nngp_converges_to_kernel_fn(nt, stax):
    W_std, b_std, width, n_samples = 1.5, 0.3, 512, 2000
    init_fn, apply_fn, kernel_fn = stax.serial(
        stax.Dense(width, W_std, b_std), stax.Relu(), stax.Dense(width, W_std, b_std)
    )
    x = _inputs(10, 3, 4)
    exact = np.asarray(kernel_fn(x, None, "nngp"))
    # kernel_fn itself is the arc-cosine closed form (tested above); recheck on
    # these inputs.  The diagonal has cos = 1 (theta = O(sqrt(eps)) after
    # round-off), but V_relu is flat in theta there, so CLOSED_FORM_RTOL holds.
    ref, _ = _relu_mlp_reference(x, x, (width, width), W_std, b_std, "ntk", check_cond=False)
    np.testing.assert_allclose(exact, ref, rtol=CLOSED_FORM_RTOL)

    mc_fn = nt.monte_carlo_kernel_fn(init_fn, apply_fn, jax.random.PRNGKey(1), n_samples)
    mc = np.asarray(mc_fn(x, None, "nngp"))

    # Standard error of the MC mean, estimated from an independent numpy pilot
    # of single-sample estimates K_hat = f f^T / width of explicitly drawn
    # NTK-parameterized networks.  With one hidden layer E[K_hat] equals the
    # infinite-width NNGP exactly (first-layer pre-activations are exactly
    # Gaussian), so the MC error is pure noise of sd sigma / sqrt(n_samples).
    rng = np.random.default_rng(11)
    n_pilot = 200
    d = x.shape[1]
    pilot = np.empty((n_pilot, 3, 3))
    for t in range(n_pilot):
        h = np.maximum(
            W_std / np.sqrt(d) * x @ rng.standard_normal((d, width))
            + b_std * rng.standard_normal(width),
            0,
        )
        f = W_std / np.sqrt(width) * h @ rng.standard_normal((width, width))
        f += b_std * rng.standard_normal(width)
        pilot[t] = f @ f.T / width
    sigma = pilot.std(axis=0, ddof=1)
    # The pilot itself is unbiased: its mean lies within 5 of its own SEs.
    assert np.all(np.abs(pilot.mean(axis=0) - exact) <= 5 * sigma / np.sqrt(n_pilot))
    se = sigma / np.sqrt(n_samples)
    # 5 standard errors: two-sided Gaussian tail 5.7e-7 per entry, 6 distinct
    # entries; the ~5% relative uncertainty of sigma (200 pilot draws) cannot
    # bring this below ~4.5 SE.
    z = np.abs(mc - exact) / se
    assert np.all(z <= 5.0), f"MC z-scores {z}"
    # The bound is also tight in absolute terms.  A priori, conditionally on
    # the hidden layer Var K_hat ~ (K_xx K_yy + K_xy^2) / width <= 2 K_xx K_yy /
    # width, and the hidden-layer fluctuation is of the same order, so
    # sigma <= ~2 sqrt(K_xx K_yy / width) and 5 SE <= ~1% of sqrt(K_xx K_yy).
    scale = np.sqrt(np.outer(np.diag(exact), np.diag(exact)))
    assert np.all(5 * se <= 0.05 * scale)
