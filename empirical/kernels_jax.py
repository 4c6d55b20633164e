r"""JAX mirror of the NNGP/NTK recursion (``numeric.kernels``), jit-compiled.

The duals are the registry's SymPy closed forms in (q1, q2, c) printed to ``jax.numpy``
(one definition for every level); activations without a closed form use the same
tensor-product Gauss–Hermite rule as ``numeric.duals`` (``GH_ORDER`` nodes). Same
conventions as :func:`numeric.kernels.nngp_ntk` (NTK parametrization), cross-checked
against it in ``tests/test_kernels_jax.py``. Σ and Θ are symmetric: the recursion runs on
the packed upper triangle (half the transcendental evaluations) inside one
``lax.fori_loop``, and is unpacked once at the end.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
import sympy as sp

from empirical.activations import jax_phi
from numeric.duals import GH_ORDER, cse_variables_only
from theory.activations import c, derivative_of, get_activation, q1, q2
from theory.validation import (
    check_bias_variance,
    check_depth,
    check_gram_deferred,
    check_variance,
)

jax.config.update("jax_enable_x64", True)


@functools.cache
def _dual_jax(name: str) -> Callable[[jax.Array, jax.Array, jax.Array], jax.Array]:
    act = get_activation(name)
    if act.dual_c is not None:
        modules = [{"acos": jnp.arccos, "asin": jnp.arcsin}, "jax"]
        return sp.lambdify((q1, q2, c), act.dual_c, modules=modules)
    phi = jax_phi(name)
    x, w = np.polynomial.hermite_e.hermegauss(GH_ORDER)
    w = w / np.sqrt(2 * np.pi)  # NumPy constants: a cached jnp array made under a trace would leak

    def quad(a, b, cc):
        s = jnp.sqrt(1 - cc**2)
        u = jnp.sqrt(a)[..., None] * x
        inner = jax.vmap(lambda xi: jnp.sum(w * phi(jnp.sqrt(b)[..., None] * (cc[..., None] * xi + s[..., None] * x)), -1), out_axes=-1)(x)
        return jnp.sum(w * phi(u) * inner, -1)

    return quad


@functools.cache
def _both_duals_jax(name: str):
    """(V_φ, V_φ′) from one printed function with shared subexpressions (arccos, sqrt)."""
    act, der = get_activation(name), derivative_of(name)
    if act.dual_c is None or der.dual_c is None:
        v_phi, v_der = _dual_jax(act.name), _dual_jax(der.name)
        return lambda a, b, cc: (v_phi(a, b, cc), v_der(a, b, cc))
    modules = [{"acos": jnp.arccos, "asin": jnp.arcsin}, "jax"]
    return sp.lambdify((q1, q2, c), [act.dual_c, der.dual_c], modules=modules, cse=cse_variables_only)


def _correlation(sigma, a, b):
    """c = Σ_ij/√(Σ_ii Σ_jj), exactly ±1 where |Σ_ij| equals the computed √(Σ_ii Σ_jj).

    XLA rewrites x/√y as x·rsqrt(y), which is not correctly rounded: for duplicated inputs
    (Σ_ij = Σ_ii = Σ_jj, where NumPy's q12/√(q1 q2) is exactly 1) it gives 1 ± ulp, which
    arccos turns into ~1e-8. The input is validated (PSD), so |c| exceeds 1 only by
    round-off, which the clip removes.
    """
    den = jnp.sqrt(a * b)
    cc = jnp.clip(sigma / den, -1.0, 1.0)
    return jnp.where(jnp.abs(sigma) == den, jnp.sign(sigma), cc)


@functools.lru_cache(maxsize=2)
def _packing(n: int) -> tuple[jax.Array, jax.Array, jax.Array, jax.Array]:
    """Row-major packing of the upper triangle: (rows, columns, diagonal slots, n×n unpacking map).

    Concrete device arrays (``jax.device_put`` of NumPy, never made under a trace), cached
    per size.
    """
    idx = np.arange(n, dtype=np.int64)
    rows, cols = np.triu_indices(n)
    slot_of_row = idx * n - idx * (idx - 1) // 2  # packed slot of (i, i)
    lo, hi = np.minimum.outer(idx, idx), np.maximum.outer(idx, idx)
    unpack = slot_of_row[lo] + (hi - lo)
    return tuple(jax.device_put(a.astype(np.int32)) for a in (rows, cols, slot_of_row, unpack))


@functools.partial(jax.jit, static_argnames=("activation", "depth"))
def _recursion_full(activation: str, sigma_w2, sigma_b2, depth: int, gram):
    """The recursion on the full matrix: for Gauss–Hermite duals, which (like numeric.dual)
    evaluate V(q_i, q_j, c) and V(q_j, q_i, c) on different nodes."""
    both = _both_duals_jax(activation)
    on_diag = jnp.eye(gram.shape[0], dtype=bool)

    def layer(_, state):
        sigma, theta = state
        d = jnp.diagonal(sigma)
        a, b = d[:, None], d[None, :]
        cc = _correlation(sigma, a, b)
        cc = jnp.where(on_diag, 1.0, cc)  # see _recursion
        v, vp = both(a, b, cc)
        new_sigma = sigma_w2 * v + sigma_b2
        return new_sigma, new_sigma + sigma_w2 * vp * theta

    sigma = sigma_w2 * gram + sigma_b2
    return jax.lax.fori_loop(0, depth, layer, (sigma, sigma))


@functools.partial(jax.jit, static_argnames=("activation", "depth"))
def _recursion(activation: str, sigma_w2, sigma_b2, depth: int, gram, rows, cols, diag, unpack):
    """The recursion on the packed upper triangle (Σ, Θ symmetric: half the arccos/arcsin);
    closed-form duals only (symmetric in (q1, q2) operation by operation)."""
    both = _both_duals_jax(activation)
    sigma = sigma_w2 * gram[rows, cols] + sigma_b2
    on_diag = rows == cols

    def layer(_, state):
        sigma, theta = state
        d = sigma[diag]
        a, b = d[rows], d[cols]
        cc = _correlation(sigma, a, b)
        # the diagonal's correlation is exactly 1 (arccos would turn an ulp into ~1e-8)
        cc = jnp.where(on_diag, 1.0, cc)
        v, vp = both(a, b, cc)
        new_sigma = sigma_w2 * v + sigma_b2
        return new_sigma, new_sigma + sigma_w2 * vp * theta

    sigma, theta = jax.lax.fori_loop(0, depth, layer, (sigma, sigma))
    return sigma[unpack], theta[unpack]


def nngp_ntk_jax(
    activation: str, sigma_w2: float, sigma_b2: float, depth: int, gram
) -> tuple[jax.Array, jax.Array]:
    """(Σ^{L+1}, Θ^{L+1}) in NTK parametrization, jit-compiled (float64).

    The gram is validated (symmetric PSD) before anything is returned: every check but PSD
    before tracing, the PSD test (O(n³)) in a thread while XLA computes (dispatch is
    asynchronous). Inside, correlations of a PSD recursion can exceed 1 only by round-off
    (≤ 1e-15 here), which the clip removes. The validated float64 reference with the explicit
    round-off band is ``numeric.nngp_ntk``.
    """
    act = get_activation(activation)
    der = derivative_of(act)
    g, join_psd = check_gram_deferred(gram)
    try:
        args = (
            act.name,
            check_variance("sigma_w2", sigma_w2),
            check_bias_variance("sigma_b2", sigma_b2),
            check_depth(depth),
            jnp.array(g, dtype=jnp.float64, copy=True),  # g may be the caller's array
        )
        if act.dual_c is None or der.dual_c is None:
            out = _recursion_full(*args)
        else:
            out = _recursion(*args, *_packing(g.shape[0]))
    except BaseException:
        join_psd()  # a gram error takes precedence
        raise
    join_psd()
    return out
