r"""Finite residual ReLU network of Xiao et al. (2020), App. A.4 (JAX, float64, NTK param.).

.. math::
    x^{(0)} = \frac{1}{\sqrt{n_0}} W^{(0)} x,\qquad
    x^{(t+dt)} = x^{(t)} + \sqrt{dt}\,\frac{\sqrt{2}}{\sqrt N} W^{(t)} \phi(x^{(t)}),\qquad
    f(x) = \frac{1}{\sqrt N} v^\top x^{(T)},

with φ = ReLU and all W, v ~ N(0, 1) (so E[WWᵀ] = 2I after the √2/√N scaling, b = 0). The
infinite-width kernels of x^{(t)} follow :func:`numeric.residual_kernels.residual_relu_recursion`
with K(0) = Θ(0) = the input Gram matrix ⟨x, x'⟩/n₀; the readout adds K^{(T)} to the NTK
(an identity readout in the NTK parametrization), so f's NTK is Θ^{(T)} + K^{(T)}.

References: Xiao, Pennington & Schoenholz (2020), App. A.4, eq. (47).
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)


@dataclass(frozen=True)
class ResidualReLU:
    width: int
    blocks: int
    dt: float

    def __post_init__(self) -> None:
        if int(self.width) < 1 or int(self.blocks) < 1:
            raise ValueError(f"width and blocks must be >= 1, got {self.width!r}, {self.blocks!r}")
        if not self.dt > 0:
            raise ValueError(f"dt must be > 0, got {self.dt!r}")

    def init(self, key: jax.Array, d: int) -> dict:
        k0, kb, kv = jax.random.split(key, 3)
        return {
            "W0": jax.random.normal(k0, (d, self.width), jnp.float64),
            "W": jax.random.normal(kb, (self.blocks, self.width, self.width), jnp.float64),
            "v": jax.random.normal(kv, (self.width, 1), jnp.float64),
        }

    def stream(self, params: dict, x: jax.Array) -> jax.Array:
        """x^{(T)} of shape (m, N)."""
        h = x @ params["W0"] / jnp.sqrt(x.shape[-1])
        scale = jnp.sqrt(self.dt) * jnp.sqrt(2.0 / self.width)
        for i in range(self.blocks):
            h = h + scale * (jax.nn.relu(h) @ params["W"][i])
        return h

    def apply(self, params: dict, x: jax.Array) -> jax.Array:
        return self.stream(params, x) @ params["v"] / jnp.sqrt(self.width)
