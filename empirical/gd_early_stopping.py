r"""Full-batch gradient descent of many networks at once, with the early-stopping rule of
Seleznova & Kutyniok (2021, Figs. 3–4) and NTK snapshots.

Loss (catalog C6, eq. (2)): :math:`\mathcal L = \frac{1}{2S}\sum_s (f(x_s) - y_s)^2`
(``empirical.training.mse(..., "mean")`` for a scalar output), GD step :math:`w \leftarrow w - \eta\nabla\mathcal L`,
so that gradient flow gives :math:`\dot f = -\frac{1}{S}\Theta (f - y)` and the maximal stable rate of the
linearised dynamics is :math:`\eta_c = 2S/\lambda_{max}(\Theta)` (Karakida et al. 2018).

Networks with the same architecture are trained together (``jax.vmap`` over a stacked parameter
pytree, ``lax.scan`` over chunks of steps). Each network stops on its own:

* ``"plateau"`` — the paper's rule: the loss did not decrease by at least ``tol`` over the last
  ``window`` steps (checked at chunk boundaries, chunk = window);
* ``"target"`` — the loss fell to ``target`` × its initial value;
* always: ``max_steps``, or divergence (non-finite loss or > 1e6 × the initial loss), flagged.

A stopped network is frozen (its parameters no longer change).

References: Seleznova & Kutyniok (2021), §4; Karakida et al. (2018); Lee et al. (2019).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from empirical.training import mse

jax.config.update("jax_enable_x64", True)

DIVERGED = 1e6


@dataclass
class GDResult:
    params: Any  # final (stacked)
    snapshots: dict[int, Any]  # step → stacked params (frozen networks keep their stopping parameters)
    steps: np.ndarray  # (n,) steps taken before stopping
    min_loss: np.ndarray  # (n,) minimal loss seen
    final_loss: np.ndarray  # (n,)
    initial_loss: np.ndarray  # (n,)
    diverged: np.ndarray  # (n,) bool
    loss_curve: np.ndarray  # (n_checkpoints, n) loss at chunk boundaries
    curve_steps: np.ndarray  # (n_checkpoints,)


def gd_train(
    apply_fn: Callable[[Any, jax.Array], jax.Array],
    params: Any,
    x: Any,
    y: Any,
    lr: Any,
    *,
    max_steps: int,
    rule: str = "plateau",
    tol: float = 1e-7,
    window: int = 100,
    target: float = 1e-3,
    snapshots: Sequence[int] = (10, 100, 1000),
    extra: Any = None,
) -> GDResult:
    """Train the stacked networks ``params`` (leading axis n) on (x, y) with per-network rates ``lr``.

    ``apply_fn(p, x)`` (or ``apply_fn(p, extra_i, x)`` when ``extra`` — e.g. the initial parameters of a
    linearised model — is given, stacked like ``params``) returns outputs of shape (S, 1).
    """
    if rule not in ("plateau", "target"):
        raise ValueError(f"rule must be 'plateau' or 'target', got {rule!r}")
    if not isinstance(max_steps, int) or max_steps < 1:
        raise ValueError(f"max_steps must be an integer >= 1, got {max_steps!r}")
    if not isinstance(window, int) or window < 1:
        raise ValueError(f"window must be an integer >= 1, got {window!r}")
    x, y = jnp.asarray(x), jnp.asarray(y).reshape(-1, 1)
    n = jax.tree_util.tree_leaves(params)[0].shape[0]
    lr = jnp.broadcast_to(jnp.asarray(lr, dtype=jnp.float64), (n,))
    if bool(jnp.any(lr <= 0)):
        raise ValueError("lr must be > 0")
    ex = extra if extra is not None else jnp.zeros(n)

    def loss_of(p, e):
        out = apply_fn(p, x) if extra is None else apply_fn(p, e, x)
        return mse(out, y, "mean")

    def one_step(p, e, rate, live):
        value, g = jax.value_and_grad(loss_of)(p, e)
        newp = jax.tree_util.tree_map(lambda a, b: jnp.where(live, a - rate * b, a), p, g)
        return newp, value

    vstep = jax.vmap(one_step)

    @jax.jit
    def run(p, live, n_valid):
        def body(carry, t):
            p, lo = carry
            p, value = vstep(p, ex, lr, live & (t < n_valid))
            value = jnp.where(t < n_valid, value, jnp.inf)
            return (p, jnp.minimum(lo, value)), None

        (p, lo), _ = jax.lax.scan(body, (p, jnp.full((n,), jnp.inf)), jnp.arange(window))
        return p, lo

    current = jax.jit(jax.vmap(loss_of))
    loss0 = np.asarray(current(params, ex))
    live = np.isfinite(loss0)
    steps = np.zeros(n, dtype=int)
    min_loss, last = loss0.copy(), loss0.copy()
    diverged = ~np.isfinite(loss0)
    snaps, curve, curve_steps = {}, [loss0.copy()], [0]
    marks = sorted(set(int(s) for s in snapshots if 0 < s))
    t = 0
    p = params
    while t < max_steps and live.any():
        nxt = min([m for m in marks if m > t] + [t + window, max_steps])
        n_valid = nxt - t
        p, lo = run(p, jnp.asarray(live), n_valid)
        lo = np.asarray(lo)
        now = np.asarray(current(p, ex))
        steps = np.where(live, steps + n_valid, steps)
        min_loss = np.where(live, np.fmin(min_loss, np.fmin(lo, now)), min_loss)
        bad = live & (~np.isfinite(now) | (now > DIVERGED * loss0))
        diverged |= bad
        t = nxt
        if t % window == 0:
            if rule == "plateau":
                stop = live & (last - now < tol)
            else:
                stop = live & (now <= target * loss0)
            last = np.where(live, now, last)
            live = live & ~stop
        live = live & ~bad
        curve.append(np.where(np.isfinite(now), now, np.nan))
        curve_steps.append(t)
        if t in marks:
            snaps[t] = p
    for m in marks:  # snapshots after everyone stopped: frozen parameters
        snaps.setdefault(m, p)
    return GDResult(p, snaps, steps, min_loss, np.asarray(current(p, ex)), loss0, diverged,
                    np.array(curve), np.array(curve_steps))
