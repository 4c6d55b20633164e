r"""Training finite networks on the full boolean cube (Yang & Salman 2019, §5–6, Fig. 3, App. B).

E-CUBE-TRAIN: inputs = all 2^d points of {±1}^d, so the training loss is the population loss

.. math::  L(f) = \mathbb E_{x}\,(f(x) - f^*(x))^2 = \tfrac{1}{2^d}\|f - f^*\|^2

(App. B's convention, no ½). Full-batch gradient descent θ ← θ − η∇_θ L moves the function by
−2η Θ̂ (f − f*)/2^d to first order, so in the kernel regime each parity χ_S contracts by
1 − 2ημ_{|S|}: the largest stable rate is η_max = 1/λ_max with λ_max = max_k μ_k = max(μ_0, μ_1)
(App. B footnote 5). The experiments use η = ½ η_max.

* **Last layer only** (CK): the model is linear in (W^{L+1}, b^{L+1}) with features
  G = [σ_w φ(h^L)/√n_L, σ_b] (``MLP.readout_features``), K̂ = GGᵀ. GD is solved exactly in the
  SVD of G: f_t − f* = (I − 2ηK̂/2^d)^t (f_0 − f*) — no loop, any number of steps.
* **All layers** (NTK): ``jax.grad`` of ``MLP.apply``; one compiled step vmapped over seeds and
  targets, iterated ``steps`` times (a compiled single step compiles ~2× faster than a scan); the population loss is recorded every ``record_every`` steps
  and the best recorded value is the "best validation loss".

Parameters are drawn by ``empirical.boolean_sampling.init_batch`` (MLP.init's law, NumPy seeds).

References: Yang & Salman (2019), §5–6 and App. B; Jacot et al. (2018); Lee et al. (2019).
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from empirical.boolean_sampling import init_batch
from empirical.mlp import MLP

jax.config.update("jax_enable_x64", True)


def _check_pos_int(name: str, v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {v!r}")
    return int(v)


def _features_fn(mlp: MLP):
    """Features and outputs, vmapped over inits (op by op: a handful of ops, no compile needed)."""

    def one(p, x):
        feats = mlp.readout_features(p, x)
        return feats, mlp.apply(p, x)[:, 0]

    return jax.vmap(one, in_axes=(0, None))


def last_layer_state(mlp: MLP, x: Any, seed: int, n_seeds: int) -> tuple[np.ndarray, np.ndarray]:
    """Per init: the last-layer feature matrix G = [σ_w φ/√n, σ_b] (n_seeds, N, n_L+1) and f_0."""
    if mlp.parametrization != "ntk" or mlp.out_dim != 1:
        raise ValueError("last_layer_state needs parametrization='ntk' and out_dim=1")
    n_seeds = _check_pos_int("n_seeds", n_seeds)
    xa = jnp.asarray(x, dtype=jnp.float64)
    params = init_batch(mlp, np.random.default_rng(seed), n_seeds, int(xa.shape[1]))
    feats, f0 = _features_fn(mlp)(params, xa)
    feats = np.asarray(feats)
    scale = np.sqrt(mlp.sigma_w2 / feats.shape[-1])
    ones = np.full((*feats.shape[:-1], 1), np.sqrt(mlp.sigma_b2))
    return np.concatenate([scale * feats, ones], axis=-1), np.asarray(f0)


def last_layer_losses(g: np.ndarray, f0: np.ndarray, y: np.ndarray, lr: float, steps: np.ndarray) -> np.ndarray:
    """Exact population losses of last-layer GD at the given step counts.

    ``g``: (N, p) features of one init; ``f0``: (N,); ``y``: (n_targets, N). Returns
    (n_targets, len(steps)). Uses the p×p Gram GᵀG = V S² Vᵀ (the column space of G carries
    all the dynamics; the orthogonal complement of the residual never moves).
    """
    n = g.shape[0]
    s2, v = np.linalg.eigh(g.T @ g)
    keep = s2 > 1e-12 * max(float(s2.max()), 1e-300)
    s2, v = s2[keep], v[:, keep]
    factor = 1 - 2 * lr * s2 / n
    if np.any(np.abs(factor) > 1 + 1e-12):
        raise ValueError(f"lr = {lr!r} is unstable for these features (|1 − 2ηs²/N| > 1)")
    r0 = f0[None, :] - y  # residual at t = 0
    coef = (r0 @ g) @ v / np.sqrt(s2)  # components along the left singular vectors
    perp = np.maximum(np.sum(r0**2, axis=1) - np.sum(coef**2, axis=1), 0.0)
    decay = factor[None, :] ** (2 * np.asarray(steps)[:, None])  # (steps, p)
    return (coef**2 @ decay.T + perp[:, None]) / n


def last_layer_lambda_max(g: np.ndarray) -> float:
    """Top eigenvalue of K̂/N = GGᵀ/N (the last-layer model's own λ_max)."""
    return float(np.linalg.eigvalsh(g.T @ g)[-1] / g.shape[0])


@functools.lru_cache(maxsize=32)
def _step_fn(mlp: MLP):
    """One GD step on all parameters, vmapped over (inits × targets); compiled once per MLP."""

    def loss(p, x, y):
        out = mlp.apply(p, x)[:, 0]
        return jnp.mean((out - y) ** 2), out

    grad = jax.value_and_grad(loss, has_aux=True)

    def step(p, x, y, lr):
        (value, out), g = grad(p, x, y)
        return jax.tree_util.tree_map(lambda a, b: a - lr * b, p, g), value, out

    over_targets = jax.vmap(step, in_axes=(0, None, 0, None))
    return jax.jit(jax.vmap(over_targets, in_axes=(0, None, 0, 0)))


def train_all_layers(
    mlp: MLP,
    x: Any,
    y: Any,
    seed: int,
    n_seeds: int,
    lr: Any,
    steps: int,
    record_every: int = 10,
    *,
    return_outputs: bool = False,
    x_eval: Any = None,
    return_params: bool = False,
) -> Any:
    """Population-loss curves of full-batch GD on all parameters: (n_seeds, n_targets, records).

    Records the loss at steps 0, record_every, …, steps (``steps`` a multiple of
    ``record_every``). ``y``: (N,), (n_targets, N) shared by all seeds, or (n_seeds, n_targets, N)
    per seed. ``lr`` is a scalar or one rate per seed. ``return_outputs``: also return f at the
    recorded steps, (n_seeds, n_targets, records, N) — on ``x_eval`` instead of ``x`` when given.
    ``return_params``: also return the final parameters (leading axes seeds × targets). Returns
    ``losses`` or a tuple ``(losses, [outputs], [params])`` in that order.
    """
    steps, record_every = _check_pos_int("steps", steps), _check_pos_int("record_every", record_every)
    if steps % record_every:
        raise ValueError(f"steps must be a multiple of record_every, got {steps}, {record_every}")
    n_seeds = _check_pos_int("n_seeds", n_seeds)
    xa = jnp.asarray(x, dtype=jnp.float64)
    ya = np.asarray(y, dtype=np.float64)
    if ya.ndim < 3:
        ya = np.broadcast_to(np.atleast_2d(ya), (n_seeds, *np.atleast_2d(ya).shape))
    if ya.shape[0] != n_seeds or ya.shape[-1] != xa.shape[0]:
        raise ValueError(f"y must have shape (N,), (n_targets, N) or (n_seeds, n_targets, N), got {ya.shape}")
    y_dev = jnp.asarray(ya)
    lr_arr = jnp.broadcast_to(jnp.asarray(lr, dtype=jnp.float64), (n_seeds,))
    if not bool(jnp.all(lr_arr > 0)):
        raise ValueError(f"lr must be > 0, got {lr!r}")
    params = init_batch(mlp, np.random.default_rng(seed), n_seeds, int(xa.shape[1]))
    n_t = y_dev.shape[1]
    params = jax.tree_util.tree_map(lambda a: jnp.repeat(a[:, None], n_t, axis=1), params)
    step = _step_fn(mlp)
    evaluate = None if x_eval is None else _eval_fn(mlp)
    xe = None if x_eval is None else jnp.asarray(x_eval, dtype=jnp.float64)
    recorded, outputs = [], []
    for t in range(steps + 1):
        new_params, value, out = step(params, xa, y_dev, lr_arr)  # loss/outputs before this update
        if t % record_every == 0 or t == steps:
            recorded.append(value)
            if return_outputs:
                outputs.append(out if evaluate is None else evaluate(params, xe))
        if t < steps:
            params = new_params
    result = [np.stack([np.asarray(r) for r in recorded], axis=-1)]
    if return_outputs:
        result.append(np.stack([np.asarray(o) for o in outputs], axis=-2))
    if return_params:
        result.append(params)
    return result[0] if len(result) == 1 else tuple(result)


@functools.lru_cache(maxsize=32)
def _eval_fn(mlp: MLP):
    def ev(p, x):
        return mlp.apply(p, x)[:, 0]

    return jax.jit(jax.vmap(jax.vmap(ev, in_axes=(0, None)), in_axes=(0, None)))
