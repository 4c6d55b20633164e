r"""Finite 1-D circularly padded CNNs in JAX (float64, NTK parametrization).

Xiao, Pennington & Schoenholz (2020), App. D, eqs. (86)–(87): with all parameters
ω, μ ~ N(0, 1),

.. math::
    z^{(0)}_{i,\alpha} = \sum_{j,\beta}\frac{\sigma_w}{\sqrt{(2k+1)n_0}}\,\omega^{(0)}_{ij\beta}
        x_{j,\alpha+\beta} + \sigma_b\mu^{(0)}_i,\qquad
    z^{(l)}_{i,\alpha} = \sum_{j,\beta}\frac{\sigma_w}{\sqrt{(2k+1)C}}\,\omega^{(l)}_{ij\beta}
        \phi(z^{(l-1)}_{j,\alpha+\beta}) + \sigma_b\mu^{(l)}_i,

for l = 1 … L−1 (indices circular mod d), followed by a dense readout of y = φ(z^{(L-1)}):

* ``readout="flatten"``: f = σ_w/√(dC) Σ_{α,c} W_{αc} y_{αc} + σ_b b;
* ``readout="pool"`` (global average pooling): f = σ_w/√C Σ_c W_c (1/d Σ_α y_{αc}) + σ_b b.

Because the circular shift average preserves the pixel-diagonal sum and the total sum, these
networks' NNGP/NTK are the flatten / pool readouts (eq. 98) of the layer-L conv kernels of
:mod:`numeric.conv_kernels` (``depth`` = L = number of activation layers).

Optional penultimate dropout (App. C, eq. 75): pass ``mask`` (0/1, one row per input and
channel position) and keep-probability ``rho``; the readout input is y·mask/ρ (inverted
dropout, masks independent across inputs).

References: Xiao, Pennington & Schoenholz (2020), App. C–D; Novak et al. (2019).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp

from empirical.activations import jax_phi
from theory.activations import NETWORK_ACTIVATIONS, get_activation
from theory.validation import check_bias_variance, check_choice, check_depth, check_variance

jax.config.update("jax_enable_x64", True)

READOUTS = ("flatten", "pool")


@dataclass(frozen=True)
class CNN1D:
    """1-D circular CNN with ``depth`` conv+φ layers and a flatten / pool dense readout."""

    activation: str
    sigma_w2: float
    sigma_b2: float
    depth: int
    channels: int
    k: int = 1
    readout: str = "flatten"
    out_dim: int = 1

    def __post_init__(self) -> None:
        check_choice("activation", get_activation(self.activation).name, NETWORK_ACTIVATIONS)
        check_variance("sigma_w2", self.sigma_w2)
        check_bias_variance("sigma_b2", self.sigma_b2)
        if check_depth(self.depth) < 1:
            raise ValueError(f"depth must be >= 1 (conv layers before the readout), got {self.depth}")
        if int(self.channels) < 1:
            raise ValueError(f"channels must be >= 1, got {self.channels!r}")
        if int(self.k) < 0:
            raise ValueError(f"k must be >= 0 (filter size 2k+1), got {self.k!r}")
        check_choice("readout", self.readout, READOUTS)
        if int(self.out_dim) < 1:
            raise ValueError(f"out_dim must be >= 1, got {self.out_dim!r}")

    def init(self, key: jax.Array, d: int, n0: int) -> dict[str, Any]:
        if 2 * self.k + 1 > d:
            raise ValueError(f"filter size 2k+1 = {2 * self.k + 1} must be <= d = {d}")
        keys = jax.random.split(key, 2 * self.depth + 2)
        convs = []
        n_in = n0
        for i in range(self.depth):
            w = jax.random.normal(keys[2 * i], (2 * self.k + 1, n_in, self.channels), jnp.float64)
            b = jax.random.normal(keys[2 * i + 1], (self.channels,), jnp.float64)
            convs.append({"W": w, "b": b})
            n_in = self.channels
        fan = d * self.channels if self.readout == "flatten" else self.channels
        w = jax.random.normal(keys[-2], (fan, self.out_dim), jnp.float64)
        b = jax.random.normal(keys[-1], (self.out_dim,), jnp.float64)
        return {"convs": convs, "readout": {"W": w, "b": b}}

    def _conv(self, layer: dict[str, jax.Array], h: jax.Array) -> jax.Array:
        """Circular conv: out[m, α, c] = Σ_{β, j} W[β + k, j, c] h[m, α + β, j]."""
        n_in = h.shape[-1]
        out = jnp.roll(h, self.k, axis=1) @ layer["W"][0]  # β = −k
        for beta in range(-self.k + 1, self.k + 1):
            out = out + jnp.roll(h, -beta, axis=1) @ layer["W"][beta + self.k]
        scale = jnp.sqrt(self.sigma_w2 / ((2 * self.k + 1) * n_in))
        return scale * out + jnp.sqrt(self.sigma_b2) * layer["b"]

    def features(self, params: dict[str, Any], x: jax.Array) -> jax.Array:
        """y = φ(z^{(L−1)}), shape (m, d, C), for images x of shape (m, d, n₀)."""
        phi = jax_phi(self.activation)
        h = x
        for layer in params["convs"]:
            h = phi(self._conv(layer, h))
        return h

    def apply(
        self, params: dict[str, Any], x: jax.Array, mask: jax.Array | None = None,
        rho: float = 1.0,
    ) -> jax.Array:
        """Outputs (m, out_dim); ``mask`` of shape (m, d, C) applies penultimate dropout."""
        y = self.features(params, x)
        if mask is not None:
            if not 0 < rho <= 1:
                raise ValueError(f"rho must lie in (0, 1], got {rho!r}")
            y = y * mask / rho
        if self.readout == "flatten":
            feat = y.reshape(y.shape[0], -1)
        else:
            feat = y.mean(axis=1)
        w, b = params["readout"]["W"], params["readout"]["b"]
        return jnp.sqrt(self.sigma_w2 / feat.shape[-1]) * (feat @ w) + jnp.sqrt(self.sigma_b2) * b
