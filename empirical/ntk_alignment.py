r"""Per-sample Jacobians and the Jacobian-average form of the NTK alignment (JAX).

* :func:`jacobian_rows` — the M×n matrix J with rows :math:`\nabla_\theta f_\theta(x_i)` of a
  scalar-output network, one ``grad`` per sample under ``vmap`` (O(M·n) work; the batched
  ``jacrev`` of :func:`empirical.ntk.jacobian` back-propagates every one-hot cotangent through
  the whole batch, O(M²·n), which is what made it unusable for the M ≈ 10³ eigen sets here).
* :func:`weighted_mean_jacobian` — :math:`\mathbb E_x[f(x)\nabla_\theta f_\theta(x)] = J^\top f/M`
  as ONE vector–Jacobian product with cotangent f/M (memory O(n), never the M×M Gram);
* :func:`alignment_vjp` — Lemma 1's :math:`\alpha(f) = \|\mathbb E_x[f(x)\nabla_\theta f_\theta(x)]\|_2^2`
  by that route. ``numeric.alignment`` holds the Gram- and Mercer-form definitions it is
  compared with.

References: Ortiz-Jiménez, Moosavi-Dezfooli & Frossard (2021), Lemma 1 and App. B "Alignment".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree

jax.config.update("jax_enable_x64", True)

ApplyFn = Callable[[Any, jax.Array], jax.Array]


def jacobian_rows(apply_fn: ApplyFn, params: Any, x: jax.Array, chunk: int = 512) -> jax.Array:
    """J (M, n): per-sample parameter gradients of the scalar output, θ flattened by
    ``ravel_pytree`` (the same order as :func:`empirical.ntk.jacobian`)."""
    flat, unravel = ravel_pytree(params)

    def single(xi):
        return jax.grad(lambda p: apply_fn(unravel(p), xi[None, :])[0, 0])(flat)

    rows = jax.jit(jax.vmap(single))
    x = jnp.asarray(x)
    return jnp.concatenate([rows(x[i : i + chunk]) for i in range(0, x.shape[0], chunk)], axis=0)


def weighted_mean_jacobian(apply_fn: ApplyFn, params: Any, x: jax.Array, f: Any) -> jax.Array:
    """E_x[f(x) ∇_θ f_θ(x)] = Jᵀf/M by one VJP with cotangent f/M (flattened θ)."""
    flat, unravel = ravel_pytree(params)
    x = jnp.asarray(x)
    w = jnp.asarray(f, dtype=jnp.float64)
    if w.shape != (x.shape[0],):
        raise ValueError(f"f must have one value per input, shape ({x.shape[0]},), got {w.shape}")
    out, vjp = jax.vjp(lambda p: apply_fn(unravel(p), x)[:, 0], flat)
    (g,) = vjp(w / x.shape[0])
    return g


def alignment_vjp(apply_fn: ApplyFn, params: Any, x: jax.Array, f: Any) -> float:
    """α(f) = ‖E_x[f(x)∇_θ f_θ(x)]‖² (Lemma 1, Jacobian-average form)."""
    g = weighted_mean_jacobian(apply_fn, params, x, f)
    return float(g @ g)
