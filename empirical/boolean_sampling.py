r"""Ensembles of random finite networks evaluated on a fixed input set (e.g. the boolean cube).

Valle-Pérez et al. (2018) style sampling used by Yang & Salman (2019), §4 / Fig. 1(a): draw
independent initialisations of an :class:`empirical.mlp.MLP`, evaluate each on all 2^d cube
points, and threshold to a boolean function; also per-init last-layer kernels and empirical
NTKs for the finite-width convergence claims.

The network is ``empirical.mlp``'s (``MLP.apply`` / ``MLP.readout_features``) and the NTK is
``empirical.ntk.empirical_ntk``; this module only batches them over initialisations with
``jax.vmap`` under one cached ``jit`` per (network, function). The XLA compilation of a
vmapped threefry initialiser costs seconds per (architecture, width) on a small shared CPU,
more than the sampling itself, so the parameters are drawn outside the graph, in one NumPy
``Generator`` (PCG64) call per tensor, with exactly :meth:`MLP.init`'s distribution: N(0, 1) entries in the
NTK parametrization; N(0, σ_w²/fan_in) weights and N(0, σ_b²) biases in the standard one.
Initialisation i of a call with seed s is reproducible (``numpy.random.default_rng(s)``).

References: Valle-Pérez, Camargo & Louis (2018); Yang & Salman (2019), §2 and §4.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from empirical.mlp import MLP, Params
from empirical.ntk import empirical_ntk

jax.config.update("jax_enable_x64", True)


def _check(x: Any, n_samples: int, chunk: int) -> jax.Array:
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 1:
        raise ValueError(f"n_samples must be an integer >= 1, got {n_samples!r}")
    if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
        raise ValueError(f"chunk must be an integer >= 1, got {chunk!r}")
    xa = jnp.asarray(x, dtype=jnp.float64)
    if xa.ndim != 2:
        raise ValueError(f"x must have shape (n_points, d), got {xa.shape}")
    return xa


def init_batch(mlp: MLP, rng: np.random.Generator, n_samples: int, d: int) -> Params:
    """``n_samples`` independent parameter sets (leading axis), distributed as ``mlp.init``."""
    fan_in = mlp.widths(d)
    fan_out = (*mlp.hidden_widths, mlp.out_dim)
    params: Params = []
    for n_in, n_out in zip(fan_in, fan_out, strict=True):
        w = rng.standard_normal((n_samples, n_in, n_out))
        b = rng.standard_normal((n_samples, n_out))
        if mlp.parametrization == "standard":
            w = w * np.sqrt(mlp.sigma_w2 / n_in)
            b = b * np.sqrt(mlp.sigma_b2)
        params.append({"W": jnp.asarray(w), "b": jnp.asarray(b)})
    return params


def _readout_kernel(mlp: MLP, p: Params, x: jax.Array) -> jax.Array:
    feats = mlp.readout_features(p, x)
    return mlp.sigma_w2 / feats.shape[-1] * feats @ feats.T + mlp.sigma_b2


_FUNCTIONS: dict[str, Callable[[MLP, Params, jax.Array], jax.Array]] = {
    "apply": lambda mlp, p, x: mlp.apply(p, x),
    "readout_kernel": _readout_kernel,
    "ntk": lambda mlp, p, x: empirical_ntk(mlp.apply, p, x),
}


@functools.lru_cache(maxsize=128)
def _compiled(mlp: MLP, what: str):
    fn = _FUNCTIONS[what]
    return jax.jit(jax.vmap(lambda p, x: fn(mlp, p, x), in_axes=(0, None)))


def _run(what: str, mlp: MLP, xa: jax.Array, seed: int, n_samples: int, chunk: int) -> np.ndarray:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    rng = np.random.default_rng(int(seed))
    d = int(xa.shape[1])
    fn = _compiled(mlp, what)
    out = []
    for start in range(0, n_samples, chunk):
        params = init_batch(mlp, rng, min(chunk, n_samples - start), d)
        out.append(np.asarray(fn(params, xa)))
    return np.concatenate(out, axis=0)


def sample_outputs(mlp: MLP, x: Any, seed: int, n_samples: int, chunk: int = 2500) -> np.ndarray:
    """f(x) for ``n_samples`` independent initialisations: (n_samples, n_points, out_dim)."""
    xa = _check(x, n_samples, chunk)
    return _run("apply", mlp, xa, seed, n_samples, chunk)


def sample_functions(mlp: MLP, x: Any, seed: int, n_samples: int, chunk: int = 2500) -> np.ndarray:
    """Scalar outputs f(x) of independent initialisations: (n_samples, n_points)."""
    if mlp.out_dim != 1:
        raise ValueError(f"mlp.out_dim must be 1 for function sampling, got {mlp.out_dim}")
    return sample_outputs(mlp, x, seed, n_samples, chunk)[..., 0]


def sample_readout_kernels(
    mlp: MLP, x: Any, seed: int, n_samples: int, chunk: int = 1000
) -> np.ndarray:
    """Per-init last-layer kernels σ_w²/n_L ⟨x^L(x), x^L(x')⟩ + σ_b²: (n_samples, n, n).

    In the NTK parametrization this is E[f(x) f(x') | hidden layers] and exactly the inner
    product of the gradients of f with respect to the last layer's weights and bias.
    """
    xa = _check(x, n_samples, chunk)
    if mlp.depth < 1 or mlp.parametrization != "ntk":
        raise ValueError("sample_readout_kernels needs depth >= 1 and parametrization='ntk'")
    return _run("readout_kernel", mlp, xa, seed, n_samples, chunk)


def sample_empirical_ntks(
    mlp: MLP, x: Any, seed: int, n_samples: int, chunk: int = 8
) -> np.ndarray:
    """Finite-width NTKs ⟨∇_θ f(x), ∇_θ f(x')⟩ (``empirical.ntk``) of independent inits: (n_s, n, n)."""
    xa = _check(x, n_samples, chunk)
    return _run("ntk", mlp, xa, seed, n_samples, chunk)


def empirical_ntks_of(mlp: MLP, params: Params, x: Any) -> np.ndarray:
    """Finite-width NTKs of a batch of given parameter sets (leading axis): (batch, n, n)."""
    xa = jnp.asarray(x, dtype=jnp.float64)
    return np.asarray(_compiled(mlp, "ntk")(params, xa))
