"""JAX mirror of the activation registry: the same SymPy φ printed to ``jax.numpy``."""

from __future__ import annotations

import functools
from collections.abc import Callable

import jax
import jax.numpy as jnp
import sympy as sp

from theory.activations import Activation, get_activation, z

jax.config.update("jax_enable_x64", True)


@functools.cache
def _phi(name: str) -> Callable[[jax.Array], jax.Array]:
    act = get_activation(name)
    if act.phi.is_constant():
        value = float(act.phi)
        return lambda x: jnp.full_like(x, value)
    modules = [
        {"Heaviside": lambda x, h0=0.5: jnp.heaviside(x, h0)},
        {"erf": jax.scipy.special.erf},
        "jax",
    ]
    return sp.lambdify(z, act.phi, modules=modules)


def jax_phi(activation: str | Activation) -> Callable[[jax.Array], jax.Array]:
    """φ as a jittable ``jax.numpy`` function, printed from the registry's SymPy expression.

    relu is printed as ``Max(0, z)`` → ``jnp.maximum``: its autodiff derivative at 0 is
    0.5 (a measure-zero point that never matters for Gaussian inputs).
    """
    return _phi(get_activation(activation).name)
