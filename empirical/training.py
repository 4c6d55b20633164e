r"""Training finite networks (optax) and the closed-form gradient-flow predictors.

Loss and time conventions (written down because the documents differ):

* ``loss="sum"`` — :math:`L = \tfrac12\sum_i \lVert f(x_i) - y_i\rVert^2` (the NTK blog);
  gradient flow :math:`\dot f = -\eta\,\Theta\,(f - y)`.
* ``loss="mean"`` — :math:`L = \tfrac{1}{2nk}\sum_i \lVert f(x_i) - y_i\rVert^2`
  (neural-tangents' ``predict.gradient_descent_mse`` normalises by the number of
  targets n·k); gradient flow :math:`\dot f = -\tfrac{\eta}{nk}\,\Theta\,(f - y)`.

With the NTK constant, on the training set
:math:`f_t = y + e^{-\eta' \Theta t}(f_0 - y)` and off it
:math:`f_t(x) = f_0(x) + \Theta(x, X)\,\Theta^{-1}(I - e^{-\eta'\Theta t})(y - f_0)`,
:math:`\eta' = \eta` or :math:`\eta/(nk)`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

jax.config.update("jax_enable_x64", True)

LOSSES = ("sum", "mean")


def mse(pred: jax.Array, y: jax.Array, loss: str = "mean") -> jax.Array:
    """½‖pred − y‖² summed (``"sum"``) or divided by the number of targets (``"mean"``)."""
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {list(LOSSES)}, got {loss!r}")
    sq = 0.5 * jnp.sum((pred - y) ** 2)
    return sq if loss == "sum" else sq / pred.size


@dataclass(frozen=True)
class Trajectory:
    steps: np.ndarray  # recorded step indices
    params: list[Any]  # parameters at those steps
    losses: np.ndarray  # training loss at every step (before the update)


def train(
    apply_fn: Callable[[Any, jax.Array], jax.Array],
    params: Any,
    x: jax.Array,
    y: jax.Array,
    *,
    steps: int,
    optimizer: optax.GradientTransformation,
    loss: str = "mean",
    record: Sequence[int] = (),
    batch_fn: Callable[[int], tuple[jax.Array, jax.Array]] | None = None,
) -> Trajectory:
    """Full-batch (or ``batch_fn(step)`` mini-batch) training with an optax optimizer.

    ``record`` lists the step indices whose parameters are kept (0 = initial).
    """
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")

    def objective(p, xb, yb):
        return mse(apply_fn(p, xb), yb, loss)

    @jax.jit
    def step(p, state, xb, yb):
        value, grads = jax.value_and_grad(objective)(p, xb, yb)
        updates, state = optimizer.update(grads, state, p)
        return optax.apply_updates(p, updates), state, value

    state = optimizer.init(params)
    keep = set(int(r) for r in record)
    kept_steps, kept, losses = [], [], []
    for t in range(steps + 1):
        if t in keep:
            kept_steps.append(t)
            kept.append(params)
        if t == steps:
            break
        xb, yb = (x, y) if batch_fn is None else batch_fn(t)
        params, state, value = step(params, state, xb, yb)
        losses.append(float(value))
    return Trajectory(np.array(kept_steps), kept, np.array(losses))


def _rate(eta: float, n_targets: int, loss: str) -> float:
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {list(LOSSES)}, got {loss!r}")
    return eta if loss == "sum" else eta / n_targets


def gradient_flow_train(
    theta: np.ndarray, y: np.ndarray, f0: np.ndarray, t: float, *, eta: float = 1.0, loss: str = "mean"
) -> np.ndarray:
    """Training-set outputs at time t under gradient flow with a constant NTK ``theta``."""
    lam, v = np.linalg.eigh(theta)
    rate = _rate(eta, y.size, loss)
    decay = v @ np.diag(np.exp(-rate * lam * t)) @ v.T
    return y + decay @ (f0 - y)


def gradient_flow_test(
    theta: np.ndarray,
    theta_test_train: np.ndarray,
    y: np.ndarray,
    f0: np.ndarray,
    f0_test: np.ndarray,
    t: float,
    *,
    eta: float = 1.0,
    loss: str = "mean",
) -> np.ndarray:
    """Test outputs at time t (t = inf allowed: the kernel-regression limit)."""
    lam, v = np.linalg.eigh(theta)
    if np.min(lam) <= 0:
        raise ValueError("theta must be positive definite on the training set")
    rate = _rate(eta, y.size, loss)
    factor = np.ones_like(lam) if np.isinf(t) else -np.expm1(-rate * lam * t)
    return f0_test + theta_test_train @ (v @ np.diag(factor / lam) @ v.T) @ (y - f0)
