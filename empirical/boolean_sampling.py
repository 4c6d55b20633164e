r"""Random finite networks evaluated on a fixed input set (the boolean cube), many inits at once.

Valle-Pérez et al. (2018) style sampling used by Yang & Salman (2019), §4 / Fig. 1(a): draw
independent initialisations of an :class:`empirical.mlp.MLP`, evaluate each on all 2^d cube
points, and threshold to a boolean function. The network definition is ``empirical.mlp``'s
(``MLP.init`` / ``MLP.apply``); this module only batches it (one compiled function per
(MLP, input shape, chunk), reused across calls) so that 10^4 inits cost one XLA call per chunk.

References: Valle-Pérez, Camargo & Louis (2018); Yang & Salman (2019), §4.
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from empirical.mlp import MLP

jax.config.update("jax_enable_x64", True)


@functools.lru_cache(maxsize=64)
def _batched(mlp: MLP, d: int, what: str):
    if what != "apply":
        raise ValueError(f"what must be 'apply', got {what!r}")

    def one(k, x):
        return mlp.apply(mlp.init(k, d), x)[:, 0]

    return jax.jit(jax.vmap(one, in_axes=(0, None)))


def _check(mlp: MLP, x: Any, n_samples: int, chunk: int) -> jax.Array:
    if mlp.out_dim != 1:
        raise ValueError(f"mlp.out_dim must be 1 for function sampling, got {mlp.out_dim}")
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 1:
        raise ValueError(f"n_samples must be an integer >= 1, got {n_samples!r}")
    if not isinstance(chunk, int) or chunk < 1:
        raise ValueError(f"chunk must be an integer >= 1, got {chunk!r}")
    xa = jnp.asarray(x, dtype=jnp.float64)
    if xa.ndim != 2:
        raise ValueError(f"x must have shape (n_points, d), got {xa.shape}")
    return xa


def _keys(key: jax.Array, n_samples: int) -> jax.Array:
    return jax.random.split(key, n_samples)


def sample_functions(
    mlp: MLP, x: Any, key: jax.Array, n_samples: int, chunk: int = 2000
) -> np.ndarray:
    """f(x) for ``n_samples`` independent initialisations: array (n_samples, n_points).

    Initialisation i uses ``jax.random.split(key, n_samples)[i]`` whatever ``chunk`` is.
    """
    xa = _check(mlp, x, n_samples, chunk)
    fn = _batched(mlp, int(xa.shape[1]), "apply")
    keys = _keys(key, n_samples)
    out = [np.asarray(fn(keys[s : s + chunk], xa)) for s in range(0, n_samples, chunk)]
    return np.concatenate(out, axis=0)
