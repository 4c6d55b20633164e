r"""Per-sample Jacobians and the Jacobian-average form of the NTK alignment (JAX).

* :func:`jacobian_rows` — the M×n matrix J with rows :math:`\nabla_\theta f_\theta(x_i)` of a
  scalar-output network, one ``grad`` per sample under ``vmap`` (O(M·n) work; the batched
  ``jacrev`` of :func:`empirical.ntk.jacobian` back-propagates every one-hot cotangent through
  the whole batch, O(M²·n), which is what made it unusable for the M ≈ 10³ eigen sets here).
* :func:`weighted_mean_jacobian` — :math:`\mathbb E_x[f(x)\nabla_\theta f_\theta(x)] = J^\top f/M`
  as ONE vector–Jacobian product with cotangent f/M (memory O(n), never the M×M Gram);
* :func:`mlp_ntk_gram` — the empirical NTK Gram J₁J₂ᵀ of an :class:`empirical.mlp.MLP`
  without forming J: each affine layer l contributes
  :math:`s_w\,(\delta_l\delta_l'^\top)\odot(a_{l-1}a_{l-1}'^\top) + s_b\,\delta_l\delta_l'^\top`
  (δ_l = ∂f/∂h_l from one backward pass, a_{l−1} the layer input; s_w = σ_w²/fan_in,
  s_b = σ_b² in NTK parametrization, 1 and 1 in standard), O(M²·Σ widths) instead of
  O(M²·n) — the "structured derivatives" idea of neural-tangents' implementation 3;
* :func:`alignment_vjp` — Lemma 1's :math:`\alpha(f) = \|\mathbb E_x[f(x)\nabla_\theta f_\theta(x)]\|_2^2`
  by that route. ``numeric.alignment`` holds the Gram- and Mercer-form definitions it is
  compared with.

References: Ortiz-Jiménez, Moosavi-Dezfooli & Frossard (2021), Lemma 1 and App. B "Alignment".
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree

from empirical.activations import jax_phi
from empirical.mlp import MLP

jax.config.update("jax_enable_x64", True)

ApplyFn = Callable[[Any, jax.Array], jax.Array]


def jacobian_rows(apply_fn: ApplyFn, params: Any, x: jax.Array, chunk: int = 512) -> jax.Array:
    """J (M, n): per-sample parameter gradients of the scalar output, θ flattened by
    ``ravel_pytree`` (the same order as :func:`empirical.ntk.jacobian`)."""
    x = jnp.asarray(x)
    return jnp.concatenate(
        [_rows(apply_fn, params, x[i : i + chunk]) for i in range(0, x.shape[0], chunk)], axis=0
    )


@functools.partial(jax.jit, static_argnums=0)
def _rows(apply_fn: ApplyFn, params: Any, xc: jax.Array) -> jax.Array:
    flat, unravel = ravel_pytree(params)

    def single(xi):
        return jax.grad(lambda p: apply_fn(unravel(p), xi[None, :])[0, 0])(flat)

    return jax.vmap(single)(xc)


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


def _mlp_signals(mlp: MLP, params: Any, x: jax.Array) -> tuple[list[jax.Array], list[jax.Array]]:
    """Layer inputs a_{l−1} and backward signals δ_l = ∂f(x_i)/∂h_l(x_i), per sample."""
    phi = jax_phi(mlp.activation)
    x = jnp.asarray(x)

    def forward(eps: list[jax.Array]) -> tuple[jax.Array, list[jax.Array]]:
        h, inputs = x, []
        for layer, e in zip(params, eps, strict=True):
            inputs.append(h)
            z = mlp._affine(layer, h) + e
            h = phi(z)
        return jnp.sum(z[:, 0]), inputs

    eps0 = [jnp.zeros((x.shape[0], layer["W"].shape[1])) for layer in params]
    deltas, inputs = jax.grad(forward, has_aux=True)(eps0)
    return inputs, deltas


def mlp_ntk_gram(mlp: MLP, params: Any, x1: jax.Array, x2: jax.Array | None = None) -> jax.Array:
    """Empirical NTK Gram ⟨∇_θ f(x1_i), ∇_θ f(x2_j)⟩ of a scalar-output MLP, layer by layer."""
    if mlp.out_dim != 1:
        raise ValueError(f"mlp_ntk_gram needs a scalar-output MLP (out_dim=1), got {mlp.out_dim}")
    if x2 is None:
        return _mlp_gram_jit(mlp, params, jnp.asarray(x1), None)
    return _mlp_gram_jit(mlp, params, jnp.asarray(x1), jnp.asarray(x2))


@functools.partial(jax.jit, static_argnums=0)
def _mlp_gram_jit(mlp: MLP, params: Any, x1: jax.Array, x2: jax.Array | None) -> jax.Array:
    a1, d1 = _mlp_signals(mlp, params, x1)
    a2, d2 = (a1, d1) if x2 is None else _mlp_signals(mlp, params, x2)
    gram = 0.0
    for l_in1, l_d1, l_in2, l_d2 in zip(a1, d1, a2, d2, strict=True):
        if mlp.parametrization == "ntk":
            s_w, s_b = mlp.sigma_w2 / l_in1.shape[1], mlp.sigma_b2
        else:
            s_w, s_b = 1.0, 1.0
        dd = l_d1 @ l_d2.T
        gram = gram + dd * (s_w * (l_in1 @ l_in2.T) + s_b)
    return gram


def weighted_mean_jacobians(apply_fn: ApplyFn, params: Any, x: jax.Array, fs: Any) -> jax.Array:
    """E_x[f_k(x) ∇_θ f_θ(x)] for every row f_k of ``fs`` (k, M): one forward pass and one
    VJP per row (vmapped over the cotangents), shape (k, n)."""
    x = jnp.asarray(x)
    w = jnp.asarray(fs, dtype=jnp.float64)
    if w.ndim != 2 or w.shape[1] != x.shape[0]:
        raise ValueError(f"fs must have shape (k, {x.shape[0]}), got {w.shape}")
    return _weighted_means(apply_fn, params, x, w)


@functools.partial(jax.jit, static_argnums=0)
def _weighted_means(apply_fn: ApplyFn, params: Any, x: jax.Array, w: jax.Array) -> jax.Array:
    flat, unravel = ravel_pytree(params)
    _, vjp = jax.vjp(lambda p: apply_fn(unravel(p), x)[:, 0], flat)
    return jax.vmap(lambda c: vjp(c)[0])(w / x.shape[0])
