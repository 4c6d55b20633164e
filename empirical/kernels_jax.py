r"""JAX mirror of the NNGP/NTK recursion (``numeric.kernels``), jit-compiled.

The duals are the registry's SymPy closed forms in (q1, q2, c) printed to ``jax.numpy``
(one definition for every level); activations without a closed form use the same
tensor-product Gauss–Hermite rule as ``numeric.duals`` (``GH_ORDER`` nodes). Same
conventions as :func:`numeric.kernels.nngp_ntk` (NTK parametrization), cross-checked
against it in ``tests/test_kernels_jax.py``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
import sympy as sp

from empirical.activations import jax_phi
from numeric.duals import GH_ORDER
from theory.activations import c, derivative_of, get_activation, q1, q2
from theory.validation import (
    check_bias_variance,
    check_depth,
    check_gram,
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
    return sp.lambdify((q1, q2, c), [act.dual_c, der.dual_c], modules=modules, cse=True)


@functools.partial(jax.jit, static_argnames=("activation", "depth"))
def _recursion(activation: str, sigma_w2, sigma_b2, depth: int, gram):
    both = _both_duals_jax(activation)
    sigma = sigma_w2 * gram + sigma_b2
    theta = sigma
    for _ in range(depth):
        d = jnp.diagonal(sigma)
        a, b = d[:, None], d[None, :]
        cc = jnp.clip(sigma / jnp.sqrt(a * b), -1.0, 1.0)  # input validated; see below
        # the diagonal's correlation is exactly 1 (XLA's sqrt(a·a) may round; arccos would
        # turn that ulp into ~1e-8, see numeric.duals)
        cc = jnp.where(jnp.eye(d.shape[0], dtype=bool), 1.0, cc)
        v, vp = both(a, b, cc)
        new_sigma = sigma_w2 * v + sigma_b2
        theta = new_sigma + sigma_w2 * vp * theta
        sigma = new_sigma
    return sigma, theta


def nngp_ntk_jax(
    activation: str, sigma_w2: float, sigma_b2: float, depth: int, gram
) -> tuple[jax.Array, jax.Array]:
    """(Σ^{L+1}, Θ^{L+1}) in NTK parametrization, jit-compiled (float64).

    The gram is validated (symmetric PSD) before tracing; inside, correlations of a PSD
    recursion can exceed 1 only by round-off (≤ 1e-15 here), which the clip removes. The
    validated float64 reference with the explicit round-off band is ``numeric.nngp_ntk``.
    """
    act = get_activation(activation)
    derivative_of(act)
    g = check_gram(gram)
    return _recursion(
        act.name,
        check_variance("sigma_w2", sigma_w2),
        check_bias_variance("sigma_b2", sigma_b2),
        check_depth(depth),
        jnp.asarray(g),
    )
