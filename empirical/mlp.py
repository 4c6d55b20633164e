r"""Finite fully connected networks in JAX (float64), NTK and standard parametrization.

NTK parametrization (Jacot et al. 2018; the documents' default), all parameters
:math:`W^l_{ij}, b^l_i \sim \mathcal N(0, 1)`:

.. math::
    h^1 = \frac{\sigma_w}{\sqrt{d}} W^1 x + \sigma_b b^1,\quad
    h^{l} = \frac{\sigma_w}{\sqrt{n_{l-1}}} W^{l} \phi(h^{l-1}) + \sigma_b b^{l},\quad
    f = h^{L+1}.

Standard parametrization (neural-tangents' ``parameterization="standard"``, s = 1): the
stored weights are :math:`W \sim \mathcal N(0, \sigma_w^2/n_{l-1})`, :math:`b \sim
\mathcal N(0, \sigma_b^2)` and :math:`h^l = W^l x^{l-1} + b^l`. Same function at
initialisation, different gradients (``numeric.kernels`` documents both NTKs).

``depth`` = number of hidden layers L; ``width`` = an int (all hidden layers) or a
tuple of L ints. The activation comes from the registry (``empirical.activations``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp

from empirical.activations import jax_phi
from theory.activations import NETWORK_ACTIVATIONS, get_activation
from theory.validation import check_bias_variance, check_choice, check_depth, check_variance

jax.config.update("jax_enable_x64", True)

Params = list[dict[str, jax.Array]]


@dataclass(frozen=True)
class MLP:
    """A scalar- (or ``out_dim``-) output MLP; validates itself on construction."""

    activation: str
    sigma_w2: float
    sigma_b2: float
    depth: int
    width: int | tuple[int, ...]
    parametrization: str = "ntk"
    out_dim: int = 1

    def __post_init__(self) -> None:
        check_choice("activation", get_activation(self.activation).name, NETWORK_ACTIVATIONS)
        check_variance("sigma_w2", self.sigma_w2)
        check_bias_variance("sigma_b2", self.sigma_b2)
        check_depth(self.depth)
        check_choice("parametrization", self.parametrization, ("ntk", "standard"))
        widths = self.hidden_widths
        if len(widths) != self.depth or any(int(w) < 1 for w in widths):
            raise ValueError(
                f"width must be an int >= 1 or a tuple of {self.depth} ints >= 1, got {self.width!r}"
            )
        if int(self.out_dim) < 1:
            raise ValueError(f"out_dim must be >= 1, got {self.out_dim!r}")

    @property
    def hidden_widths(self) -> tuple[int, ...]:
        if isinstance(self.width, int):
            return (self.width,) * self.depth
        return tuple(int(w) for w in self.width)

    def widths(self, d: int) -> tuple[int, ...]:
        """(d, n_1, …, n_L) — the fan-ins of the L+1 affine layers."""
        return (int(d), *self.hidden_widths)

    def init(self, key: jax.Array, d: int) -> Params:
        fan_in = self.widths(d)
        fan_out = (*self.hidden_widths, self.out_dim)
        params: Params = []
        for n_in, n_out in zip(fan_in, fan_out, strict=True):
            key, kw, kb = jax.random.split(key, 3)
            w = jax.random.normal(kw, (n_in, n_out), dtype=jnp.float64)
            b = jax.random.normal(kb, (n_out,), dtype=jnp.float64)
            if self.parametrization == "standard":
                w = w * jnp.sqrt(self.sigma_w2 / n_in)
                b = b * jnp.sqrt(self.sigma_b2)
            params.append({"W": w, "b": b})
        return params

    def _affine(self, layer: dict[str, jax.Array], h: jax.Array) -> jax.Array:
        if self.parametrization == "ntk":
            scale = jnp.sqrt(self.sigma_w2) / jnp.sqrt(h.shape[-1])
            return scale * (h @ layer["W"]) + jnp.sqrt(self.sigma_b2) * layer["b"]
        return h @ layer["W"] + layer["b"]

    def readout_features(self, params: Params, x: jax.Array) -> jax.Array:
        """Input of the last affine layer: φ(h^L), shape (n, n_L) (x itself when L = 0)."""
        phi = jax_phi(self.activation)
        h = x
        for layer in params[:-1]:
            h = phi(self._affine(layer, h))
        return h

    def apply(self, params: Params, x: jax.Array) -> jax.Array:
        """Outputs of shape (n, out_dim) for inputs x of shape (n, d)."""
        return self._affine(params[-1], self.readout_features(params, x))


@functools.partial(jax.jit, static_argnums=0)
def _outputs_for_keys(mlp: MLP, x: jax.Array, keys: jax.Array) -> jax.Array:
    # one compilation per (network, input shape, batch size): MLP is a frozen, hashable value
    return jax.vmap(lambda k: mlp.apply(mlp.init(k, x.shape[-1]), x))(keys)


def sample_outputs(mlp: MLP, x: jax.Array, key: jax.Array, n_inits: int) -> jax.Array:
    """f(x) for ``n_inits`` independent initialisations: shape (n_inits, n, out_dim)."""
    return _outputs_for_keys(mlp, jnp.asarray(x), jax.random.split(key, n_inits))


def mc_nngp_samples(mlp: MLP, x: jax.Array, key: jax.Array, n_inits: int, chunk: int = 1024) -> Any:
    """Per-initialisation estimates of the NNGP: (n_inits, n, n) array of mean_o f_o(x) f_o(x').

    Each initialisation gives one unbiased estimate of E[f(x)f(x')] (averaged over the
    ``out_dim`` i.i.d. outputs), so ``Estimate.of`` over axis 0 gives mean and SE.
    """
    out = []
    for start in range(0, n_inits, chunk):
        n = min(chunk, n_inits - start)
        f = sample_outputs(mlp, x, jax.random.fold_in(key, start), n)
        out.append(jnp.einsum("sio,sjo->sij", f, f) / f.shape[-1])
    return jnp.concatenate(out, axis=0)
