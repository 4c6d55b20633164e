r"""Penultimate-layer dropout for the finite FCN of :mod:`empirical.mlp` (NTK parametrization).

Xiao, Pennington & Schoenholz (2020), App. C, eqs. (73)–(75): keep-probability ρ, inverted
scaling 1/ρ, masks γ_j(x) ~ Bernoulli(ρ) independent across neurons *and inputs*:

.. math::
    f(x) = \frac{\sigma_w}{\rho\sqrt{N_L}}\sum_j W_j\,\phi(z^{(L)}_j(x))\,\gamma_j(x)
           + \sigma_b b .

The hidden layers are :meth:`empirical.mlp.MLP.readout_features` (one definition of the
network); only the readout changes. :func:`bernoulli_masks` draws one mask row per input.

References: Xiao, Pennington & Schoenholz (2020), App. C; Srivastava et al. (2014).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from empirical.mlp import MLP

jax.config.update("jax_enable_x64", True)


def dropout_apply(mlp: MLP, params: Any, x: jax.Array, mask: jax.Array, rho: float) -> jax.Array:
    """Outputs (m, out_dim) with the penultimate activations multiplied by mask/ρ (eq. 75)."""
    if mlp.parametrization != "ntk":
        raise ValueError("dropout_apply supports parametrization='ntk' only")
    if not 0 < rho <= 1:
        raise ValueError(f"rho must lie in (0, 1], got {rho!r}")
    y = mlp.readout_features(params, x)
    if mask.shape != y.shape:
        raise ValueError(f"mask must have shape {y.shape} (inputs × last width), got {mask.shape}")
    last = params[-1]
    scale = jnp.sqrt(mlp.sigma_w2) / (rho * jnp.sqrt(y.shape[-1]))
    return scale * ((y * mask) @ last["W"]) + jnp.sqrt(mlp.sigma_b2) * last["b"]


def bernoulli_masks(key: jax.Array, shape: tuple[int, ...], rho: float) -> jax.Array:
    """0/1 float64 masks with P(1) = ρ, independent entries (one row per input)."""
    if not 0 < rho <= 1:
        raise ValueError(f"rho must lie in (0, 1], got {rho!r}")
    return jax.random.bernoulli(key, rho, shape).astype(jnp.float64)
