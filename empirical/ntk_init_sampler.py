r"""Exact-in-distribution sampler of the NTK diagonal Θ(x, x) of a random standard-parametrization MLP.

Network as in :mod:`numeric.signal_propagation` (the paper's L weight layers, fan-in weights
:math:`W^l \sim N(0, \sigma_w^2/M_{l-1})`, biases :math:`N(0,\sigma_b^2)`, scalar output
:math:`f = h^L`). With :math:`\delta^l = \partial f/\partial h^l`,

.. math:: \Theta(x, x) = \sum_{l=1}^{L} \lVert\delta^l\rVert^2\,(\lVert x^{l-1}\rVert^2 + 1)

(weights: :math:`\partial f/\partial W^l = \delta^l x^{l-1\,T}`; biases: :math:`\delta^l`).

**Why a sampler.** A single input only ever sees :math:`W^l` through :math:`W^l x^{l-1}` (forward)
and :math:`W^{lT}\delta^l` (backward). Split :math:`W^l = g^l\hat x^T + \tilde W^l P_\perp` with
:math:`\hat x = x^{l-1}/\lVert x^{l-1}\rVert`, :math:`P_\perp = I - \hat x\hat x^T`: the column
:math:`g^l = W^l\hat x \sim N(0, \tfrac{\sigma_w^2}{M_{l-1}} I_{M_l})` and :math:`\tilde W^l P_\perp` are
independent (Gaussian rotation invariance), :math:`h^l = \lVert x^{l-1}\rVert g^l + b^l`, and
:math:`\delta^l` depends on :math:`W^l` only through :math:`g^l`. Hence, conditionally on everything
sampled before it in the backward sweep,

.. math:: W^{lT}\delta^l = \hat x\,(g^{l}\cdot\delta^l) + \sqrt{\sigma_w^2/M_{l-1}}\,\lVert\delta^l\rVert\,P_\perp\xi,
          \qquad \xi \sim N(0, I_{M_{l-1}}),

which reproduces the joint law of all :math:`(h^l, \delta^l)` exactly with O(M) Gaussian draws per
layer instead of O(M²). The checks validate it against the JAX network
(:class:`empirical.mlp.MLP` + :func:`empirical.ntk.empirical_ntk`).

References: Seleznova & Kutyniok (2021), §3 (E[Θ²]/E[Θ]²); Hanin & Nica (2019), §3 (the same
conditioning argument for ReLU nets).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from numeric.duals import phi_numpy
from numeric.signal_propagation import check_n_layers
from theory.activations import NETWORK_ACTIVATIONS, derivative_of, get_activation
from theory.validation import check_bias_variance, check_choice, check_positive, check_variance


@dataclass(frozen=True)
class DiagonalSample:
    """Per-initialisation samples (axis 0) of one network configuration and one input."""

    theta: np.ndarray  # (n,) Θ(x, x)
    h_mean_sq: np.ndarray  # (n, L) (1/M_l)‖h^l‖²
    delta_sq: np.ndarray  # (n, L) ‖δ^l‖²
    x_sq: np.ndarray  # (n, L) ‖x^{l-1}‖² (l = 1..L; column 0 is the input's)


def sample_ntk_diagonal(
    activation: str,
    sigma_w2: float,
    sigma_b2: float,
    n_layers: int,
    width: int,
    *,
    input_dim: int,
    n_inits: int,
    seed: int,
    input_mean_sq: float = 1.0,
    chunk: int = 1000,
) -> DiagonalSample:
    """Draw ``n_inits`` independent Θ(x, x) (and per-layer norms) for an input with ‖x‖²/M_0 = ``input_mean_sq``.

    Constant hidden width ``width`` = M_1 = … = M_{L−1}; M_0 = ``input_dim``; M_L = 1.
    """
    name = check_choice("activation", get_activation(activation).name, NETWORK_ACTIVATIONS)
    sw2 = check_variance("sigma_w2", sigma_w2)
    sb2 = check_bias_variance("sigma_b2", sigma_b2)
    n_layers = check_n_layers(n_layers)
    width = int(check_positive("width", width))
    m0 = int(check_positive("input_dim", input_dim))
    if not isinstance(n_inits, int | np.integer) or n_inits < 2:
        raise ValueError(f"n_inits must be an integer >= 2, got {n_inits!r}")
    ms = check_positive("input_mean_sq", input_mean_sq)
    phi, dphi = phi_numpy(name), phi_numpy(derivative_of(name).name)
    widths = (m0, *([width] * (n_layers - 1)), 1)
    rng = np.random.default_rng(seed)
    parts = []
    for start in range(0, n_inits, chunk):
        parts.append(_chunk(rng, min(chunk, n_inits - start), widths, sw2, sb2, m0 * ms, phi, dphi))
    return DiagonalSample(*(np.concatenate(a, axis=0) for a in zip(*parts, strict=True)))


def _chunk(rng, n, widths, sw2, sb2, x0_sq, phi, dphi):
    n_layers = len(widths) - 1
    xs, hs, gs = [], [], []
    x_norm = np.full(n, np.sqrt(x0_sq))
    x_vec = None  # x^0 itself is never needed: x̂^0 only enters W^1ᵀδ^1, which Θ does not use
    x_sq = np.empty((n, n_layers))
    for l in range(1, n_layers + 1):
        m_in, m_out = widths[l - 1], widths[l]
        g = rng.standard_normal((n, m_out)) * np.sqrt(sw2 / m_in)
        b = rng.standard_normal((n, m_out)) * np.sqrt(sb2)
        h = x_norm[:, None] * g + b
        x_sq[:, l - 1] = x_norm**2
        xs.append(x_vec)
        hs.append(h)
        gs.append(g)
        if l < n_layers:
            x_vec = phi(h)
            x_norm = np.sqrt(np.sum(x_vec**2, axis=1))
    delta = np.ones((n, 1))
    delta_sq = np.empty((n, n_layers))
    delta_sq[:, n_layers - 1] = 1.0
    for l in range(n_layers, 1, -1):
        m_in = widths[l - 1]
        x_prev = xs[l - 1]
        norm = np.sqrt(np.sum(x_prev**2, axis=1))
        safe = np.where(norm > 0, norm, 1.0)
        x_hat = np.where(norm[:, None] > 0, x_prev / safe[:, None], 0.0)
        s = np.sum(gs[l - 1] * delta, axis=1)
        xi = rng.standard_normal((n, m_in))
        xi_perp = xi - x_hat * np.sum(x_hat * xi, axis=1)[:, None]
        dnorm = np.sqrt(np.sum(delta**2, axis=1))
        v = x_hat * s[:, None] + xi_perp * (np.sqrt(sw2 / m_in) * dnorm)[:, None]
        delta = dphi(hs[l - 2]) * v
        delta_sq[:, l - 2] = np.sum(delta**2, axis=1)
    theta = np.sum(delta_sq * (x_sq + 1.0), axis=1)
    h_mean_sq = np.stack([np.mean(h**2, axis=1) for h in hs], axis=1)
    return theta, h_mean_sq, delta_sq, x_sq
