r"""Empirical (finite-width) NTK, two independent implementations, and linearisation.

:math:`\hat\Theta(x, x') = \frac{1}{k}\sum_{o=1}^{k} \langle \nabla_\theta f_o(x), \nabla_\theta f_o(x')\rangle`
(mean over the k outputs, so that it estimates the per-output NTK :math:`\Theta^{L+1}`).

* ``method="jacobian"``: materialise the Jacobians (``jax.jacrev``) and contract.
* ``method="jvp_vjp"``: never materialise J; column j of Θ is J(x₁)·(J(x₂)ᵀ e_j), a VJP
  followed by a JVP.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree

jax.config.update("jax_enable_x64", True)

METHODS = ("jacobian", "jvp_vjp")
ApplyFn = Callable[[Any, jax.Array], jax.Array]


def _flat(apply_fn: ApplyFn, params: Any):
    flat, unravel = ravel_pytree(params)
    return flat, (lambda p, x: apply_fn(unravel(p), x))


def jacobian(apply_fn: ApplyFn, params: Any, x: jax.Array) -> jax.Array:
    """∂f/∂θ for all inputs: shape (n, out_dim, P) with θ flattened by ``ravel_pytree``."""
    flat, f = _flat(apply_fn, params)
    return jax.jacrev(f)(flat, x)


def empirical_ntk(
    apply_fn: ApplyFn,
    params: Any,
    x1: jax.Array,
    x2: jax.Array | None = None,
    method: str = "jacobian",
) -> jax.Array:
    """Finite-width NTK matrix (n1, n2), averaged over outputs."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    x2 = x1 if x2 is None else x2
    flat, f = _flat(apply_fn, params)
    if method == "jacobian":
        j1 = jax.jacrev(f)(flat, x1)
        j2 = j1 if x2 is x1 else jax.jacrev(f)(flat, x2)
        k = j1.shape[1]
        return jnp.einsum("iop,jop->ij", j1, j2) / k
    out2, vjp2 = jax.vjp(lambda p: f(p, x2), flat)
    n2, k = out2.shape

    def entry_column(j: jax.Array, o: jax.Array) -> jax.Array:
        """Θ_o(x1, x2_j) for all x1: VJP of the unit cotangent e_{j,o}, then a JVP."""
        (tangent,) = vjp2(jnp.zeros((n2, k)).at[j, o].set(1.0))
        _, jv = jax.jvp(lambda p: f(p, x1), (flat,), (tangent,))
        return jv[:, o]

    outputs = jnp.arange(k)
    cols = jax.vmap(lambda j: jax.vmap(lambda o: entry_column(j, o))(outputs).sum(0))(
        jnp.arange(n2)
    )
    return cols.T / k


def linearize(apply_fn: ApplyFn, params0: Any) -> ApplyFn:
    """First-order Taylor model f_lin(θ, x) = f(θ₀, x) + J(θ₀, x)(θ − θ₀)."""

    def f_lin(params: Any, x: jax.Array) -> jax.Array:
        delta = jax.tree_util.tree_map(lambda a, b: a - b, params, params0)
        f0, df = jax.jvp(lambda p: apply_fn(p, x), (params0,), (delta,))
        return f0 + df

    return f_lin
