r"""Vectorized full-batch gradient descent over seeds × learning rates (JAX, float64).

Learning-rate sweeps (Xiao, Pennington & Schoenholz 2020, §3 and Fig. 2) train the same
architecture at many (seed, η) pairs. Compiling one optax loop per pair would dominate the
cost, so this module runs plain GD

.. math:: \theta_{t+1} = \theta_t - \eta\,\nabla_\theta L(\theta_t),\qquad
          L = \tfrac12\sum_i \lVert f(x_i) - y_i\rVert^2\ (\text{``sum''})\ \text{or the mean form},

for all pairs in one ``jit(vmap(vmap(lax.scan)))``. The loss is :func:`empirical.training.mse`
(same conventions); the network is any ``apply_fn(params, x)`` (e.g. :class:`empirical.mlp.MLP`).
With the summed loss, linearized GD converges iff η < 2/λ_max(Θ) (the paper's η_theory).

A non-finite loss is kept as ``inf`` from the step it first appears (divergence).

References: Xiao, Pennington & Schoenholz (2020), §3, §5 "Maximum Learning Rates";
Lee et al. (2019), §2.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from empirical.training import LOSSES, mse

jax.config.update("jax_enable_x64", True)


def gd_sweep(
    apply_fn: Callable[[Any, jax.Array], jax.Array],
    init_fn: Callable[[jax.Array], Any],
    keys: jax.Array,
    x: Any,
    y: Any,
    learning_rates: Any,
    steps: int,
    *,
    loss: str = "sum",
    x_eval: Any = None,
) -> dict[str, np.ndarray]:
    """Train every (seed, η) pair for ``steps`` GD steps.

    Returns ``losses`` of shape (n_seeds, n_lrs, steps + 1) (loss before each step and after the
    last) and, if ``x_eval`` is given, ``outputs`` on it (n_seeds, n_lrs, n_eval, out_dim) and
    ``train_outputs`` (n_seeds, n_lrs, n_train, out_dim) at the end of training.
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {list(LOSSES)}, got {loss!r}")
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1, got {steps!r}")
    lrs = jnp.asarray(learning_rates, dtype=jnp.float64)
    if lrs.ndim != 1 or lrs.size < 1 or bool(jnp.any(lrs <= 0)):
        raise ValueError("learning_rates must be a non-empty 1-D array of positive numbers")
    x = jnp.asarray(x, dtype=jnp.float64)
    y = jnp.asarray(y, dtype=jnp.float64)
    xe = x if x_eval is None else jnp.asarray(x_eval, dtype=jnp.float64)

    def objective(p):
        return mse(apply_fn(p, x), y, loss)

    grad = jax.value_and_grad(objective)

    def run(key, lr):
        p0 = init_fn(key)

        def body(p, _):
            value, g = grad(p)
            p = jax.tree_util.tree_map(lambda a, b: a - lr * b, p, g)
            return p, value

        p_end, values = jax.lax.scan(body, p0, None, length=steps)
        last = objective(p_end)
        curve = jnp.concatenate([values, last[None]])
        bad = ~jnp.isfinite(curve)
        curve = jnp.where(jnp.cumsum(bad) > 0, jnp.inf, curve)
        return curve, apply_fn(p_end, xe), apply_fn(p_end, x)

    fn = jax.jit(jax.vmap(jax.vmap(run, in_axes=(None, 0)), in_axes=(0, None)))
    curves, out_eval, out_train = fn(keys, lrs)
    result = {"losses": np.asarray(curves)}
    if x_eval is not None:
        result["outputs"] = np.asarray(out_eval)
        result["train_outputs"] = np.asarray(out_train)
    return result
