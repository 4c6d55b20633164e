r"""Mixed input–weight derivatives of a network and its neural anisotropy directions (NADs).

For a scalar network f_θ(x), x ∈ ℝ^d, θ ∈ ℝ^n:

* :func:`mixed_derivative_at` — :math:`\nabla^2_{x,\theta} f_\theta(x_0) \in \mathbb R^{n\times d}`
  (forward-over-reverse: ``jacfwd`` in x of ``grad`` in θ); the paper's NADs are the right
  singular vectors of it at x₀ = 0 (App. C.2);
* :func:`mixed_derivative_mean` — :math:`\mathbb E_x[\nabla^2_{x,\theta} f(x)] =
  \nabla_\theta\,\partial_s\,\mathbb E_x[f(x + s)]|_{s=0}` over a sample (d forward-mode
  tangents of one gradient of a batch mean; never a per-sample n×d matrix);
* :func:`mixed_derivative_along` — the same matrix applied to one direction v (one tangent);
* :func:`stein_mean` — :math:`\mathbb E_x[\nabla_\theta f(x)\,x^\top]` over a sample (chunks of
  per-sample gradients), equal to the previous one for x ~ N(0, I) by Stein's lemma
  (Theorem 1) when ∇_θ f is weakly differentiable in x;
* :func:`stein_scalars` — per-sample :math:`s_i = (u^\top x_i)\,z^\top\nabla_\theta f(x_i) -
  z^\top\nabla_\theta(u^\top\nabla_x f(x_i))` by nested forward-mode products (mean 0 under
  Stein's lemma).

References: Ortiz-Jiménez, Moosavi-Dezfooli & Frossard (2021), Theorem 1, App. C.2, D.2;
Ortiz-Jiménez et al. (2020), "Neural anisotropy directions".
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree

from empirical.ntk_alignment import jacobian_rows

jax.config.update("jax_enable_x64", True)

ApplyFn = Callable[[Any, jax.Array], jax.Array]


def _scalar(apply_fn: ApplyFn, unravel: Callable[[jax.Array], Any]):
    return lambda p, xi: apply_fn(unravel(p), xi[None, :])[0, 0]


@functools.partial(jax.jit, static_argnums=0)
def mixed_derivative_at(apply_fn: ApplyFn, params: Any, x0: jax.Array) -> jax.Array:
    """∇²_{x,θ} f(x₀): shape (n, d), θ flattened by ``ravel_pytree``."""
    flat, unravel = ravel_pytree(params)
    f = _scalar(apply_fn, unravel)
    return jax.jacfwd(jax.grad(f, argnums=0), argnums=1)(flat, jnp.asarray(x0))


@functools.partial(jax.jit, static_argnums=0)
def mixed_derivative_mean(apply_fn: ApplyFn, params: Any, x: jax.Array) -> jax.Array:
    """E_x[∇²_{x,θ} f(x)] over the rows of x: shape (n, d)."""
    flat, unravel = ravel_pytree(params)

    def mean_shifted(p, s):
        return jnp.mean(apply_fn(unravel(p), x + s[None, :])[:, 0])

    return jax.jacfwd(jax.grad(mean_shifted, argnums=0), argnums=1)(flat, jnp.zeros(x.shape[1]))


def stein_mean(apply_fn: ApplyFn, params: Any, x: jax.Array, chunk: int = 2000) -> jax.Array:
    """E_x[∇_θ f(x) xᵀ] over the rows of x: shape (n, d) (per-sample gradients in chunks)."""
    x = jnp.asarray(x)
    total = 0.0
    for i in range(0, x.shape[0], chunk):
        xc = x[i : i + chunk]
        total = total + jacobian_rows(apply_fn, params, xc, chunk).T @ xc
    return total / x.shape[0]


@functools.partial(jax.jit, static_argnums=0)
def mixed_derivative_along(apply_fn: ApplyFn, params: Any, x: jax.Array, v: jax.Array) -> jax.Array:
    """E_x[∇²_{x,θ} f(x)] v = ∇_θ ∂_t E_x[f(x + t v)] at t = 0 (one tangent): shape (n,)."""
    flat, unravel = ravel_pytree(params)

    def mean_shifted(p, t):
        return jnp.mean(apply_fn(unravel(p), x + t * v[None, :])[:, 0])

    return jax.jacfwd(jax.grad(mean_shifted, argnums=0), argnums=1)(flat, jnp.zeros(()))


@functools.partial(jax.jit, static_argnums=0)
def stein_scalars(apply_fn: ApplyFn, params: Any, x: jax.Array, u: jax.Array, z: jax.Array):
    """Per-sample s_i = (uᵀx_i) zᵀ∇_θ f(x_i) − zᵀ∇_θ(uᵀ∇_x f(x_i)) (z in flattened θ)."""
    flat, unravel = ravel_pytree(params)
    z_tree = unravel(z)

    def f_batch(p_tree, xb):
        return apply_fn(p_tree, xb)[:, 0]

    tree0 = unravel(flat)
    _, df_theta = jax.jvp(lambda p: f_batch(p, x), (tree0,), (z_tree,))

    def dir_x(p_tree):
        return jax.jvp(lambda xb: f_batch(p_tree, xb), (x,), (jnp.broadcast_to(u, x.shape),))[1]

    _, d2 = jax.jvp(dir_x, (tree0,), (z_tree,))
    return (x @ u) * df_theta - d2
