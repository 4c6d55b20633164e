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

**The App. B protocol** (:func:`app_b_best_losses`, sizes in :class:`AppBProtocol`): one code
path for every Fig. 3 panel and tier. At the paper tier (:data:`APP_B`) it is online SGD with a
fresh uniform batch of {±1}^128 per iteration, drawn on the device (``jax.random``), one compiled
``lax.scan`` per validation interval, vmapped over seeds × target degrees, validation on fresh
points (in pieces of ≤ 2048); at small d the same function runs full-batch GD on the whole cube
with the exact population loss as its validation loss (the fast tier).

References: Yang & Salman (2019), §5–6 and App. B; Jacot et al. (2018); Lee et al. (2019).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
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


# ------------------------------------------------------------------ the App. B protocol (Fig. 3)


@dataclass(frozen=True)
class AppBProtocol:
    """Sizes and rules of one Fig. 3 training run (Yang & Salman 2019, App. B).

    ``batch``: online SGD with a fresh uniform batch of {±1}^d every iteration (App. B), or
    ``None`` for full-batch GD on all 2^d cube points (the fast tier's exact small-d limit;
    last-layer GD is then solved exactly by ``last_layer_losses``). ``val_size``: fresh
    uniform validation points, or ``None`` for the exact population loss over the whole cube.
    Validations happen after every ``val_every`` iterations (App. B: 100 of them); the best
    one is the "best validation loss". ``lr_rule``: ``"kernel"`` = ``lr_factor``/λ_max of the
    infinite-width CK (last layer) / NTK (all layers) on {±1}^d (App. B: half the theoretical
    maximum), or ``"own"`` = ``lr_factor``/λ_max of each network's own last-layer kernel
    (full-cube last-layer runs only: the finite-width kernel's λ_max can exceed twice the
    infinite-width one at small width and large depth, where the kernel rule diverges).
    """

    d: int
    width: int
    n_seeds: int
    iterations: int
    val_every: int
    batch: int | None = None
    val_size: int | None = None
    lr_factor: float = 0.5
    lr_rule: str = "kernel"

    def __post_init__(self) -> None:
        for name in ("d", "width", "n_seeds", "iterations", "val_every"):
            _check_pos_int(name, getattr(self, name))
        if self.iterations % self.val_every:
            raise ValueError(f"iterations must be a multiple of val_every, got {self.iterations}, {self.val_every}")
        for name in ("batch", "val_size"):
            if getattr(self, name) is not None:
                _check_pos_int(name, getattr(self, name))
        if (self.batch is None or self.val_size is None) and self.d > 16:
            raise ValueError(f"batch=None / val_size=None enumerate the cube: d must be <= 16, got {self.d}")
        if self.batch is None and self.val_size is not None:
            raise ValueError("full-batch GD on the cube (batch=None) validates on the cube: val_size must be None")
        if not 0 < self.lr_factor <= 1:
            raise ValueError(f"lr_factor must be in (0, 1], got {self.lr_factor!r}")
        if self.lr_rule not in ("kernel", "own"):
            raise ValueError(f"lr_rule must be 'kernel' or 'own', got {self.lr_rule!r}")
        if self.lr_rule == "own" and self.batch is not None:
            raise ValueError("lr_rule='own' needs the full cube (batch=None)")

    @property
    def n_validations(self) -> int:
        return self.iterations // self.val_every


#: App. B at the document's scale: d = 128, width 1000, SGD with fresh batches of 1000 for 10^5
#: iterations, validation on 10^4 fresh points every 10^3 iterations (10 seeds: Fig. 3(a))
APP_B = AppBProtocol(d=128, width=1000, n_seeds=10, iterations=100_000, val_every=1000, batch=1000,
                     val_size=10_000)

MODES = ("last", "all")


def app_b_targets(d: int, degrees: Any, n_seeds: int, target_seed: int) -> list[list[tuple[list, np.ndarray]]]:
    """Per seed s and degree k: the App. B ground truth from rng(target_seed + 100 k + s)."""
    from numeric.boolean_fourier import random_multilinear_target

    return [[random_multilinear_target(d, int(k), np.random.default_rng(target_seed + 100 * int(k) + s))
             for k in degrees] for s in range(n_seeds)]


def _target_arrays(targets: list, d: int) -> tuple[np.ndarray, np.ndarray]:
    """Monomial masks (seeds, degrees, 10, d) and coefficients (seeds, degrees, 10), zero-padded."""
    n_s, n_k = len(targets), len(targets[0])
    width = max(len(mono) for row in targets for mono, _ in row)
    masks = np.zeros((n_s, n_k, width, d), dtype=bool)
    coefs = np.zeros((n_s, n_k, width))
    for s, row in enumerate(targets):
        for i, (mono, a) in enumerate(row):
            for j, sub in enumerate(mono):
                masks[s, i, j, list(sub)] = True
            coefs[s, i, : len(mono)] = a
    return masks, coefs


def target_values(x: Any, mask: Any, coef: Any) -> Any:
    """f*(x) = Σ_i a_i Π_{j∈S_i} x_j for one target given as a mask (m, d) and coefficients (m,)."""
    return jnp.prod(jnp.where(mask[None], x[:, None, :], 1.0), axis=-1) @ coef


def _kernel_lr(mode: str, mlp: MLP, d: int, factor: float) -> float:
    from numeric.boolean_cube import boolean_cube_eigenvalues

    kern = "ck" if mode == "last" else "ntk"
    mu = boolean_cube_eigenvalues(kern, mlp.activation, mlp.depth, mlp.sigma_w2, mlp.sigma_b2, d)
    return factor / float(np.max(mu))


@functools.lru_cache(maxsize=32)
def _sgd_chunk(mlp: MLP, last_only: bool, d: int, batch: int, val_size: int | None, n_steps: int):
    """``n_steps`` online-SGD iterations then one validation, vmapped over seeds (own batches)
    and targets (shared batches within a seed); compiled once per (MLP, mode, sizes)."""
    from numeric.boolean_fourier import cube

    x_cube = None if val_size is not None else jnp.asarray(cube(d))

    def loss(p, x, mask, coef):
        return jnp.mean((mlp.apply(p, x)[:, 0] - target_values(x, mask, coef)) ** 2)

    def step_one(p, x, mask, coef, lr):
        if last_only:
            g = jax.grad(lambda q: loss([*p[:-1], q], x, mask, coef))(p[-1])
            return [*p[:-1], jax.tree_util.tree_map(lambda a, b: a - lr * b, p[-1], g)]
        g = jax.grad(loss)(p, x, mask, coef)
        return jax.tree_util.tree_map(lambda a, b: a - lr * b, p, g)

    step = jax.vmap(jax.vmap(step_one, in_axes=(0, None, 0, 0, None)), in_axes=(0, 0, 0, 0, None))
    n_val = 2**d if val_size is None else val_size
    piece = max(c for c in range(1, min(n_val, 2048) + 1) if n_val % c == 0)  # memory: ≤ 2048 points at once

    def loss_in_pieces(p, x, mask, coef):  # the mean over all points, evaluated piece by piece
        parts = jax.lax.map(lambda xc: loss(p, xc, mask, coef), x.reshape(n_val // piece, piece, d))
        return jnp.mean(parts)

    validate = jax.vmap(jax.vmap(loss_in_pieces, in_axes=(0, None, 0, 0)), in_axes=(0, 0, 0, 0))

    def draw(keys, n):
        return jax.vmap(lambda k: jax.random.rademacher(k, (n, d), dtype=jnp.float64))(keys)

    def chunk(params, keys, masks, coefs, lr):
        def body(carry, _):
            p, k = carry
            k, sub = jax.vmap(jax.random.split, out_axes=1)(k)
            return (step(p, draw(sub, batch), masks, coefs, lr), k), None

        (params, keys), _ = jax.lax.scan(body, (params, keys), None, length=n_steps)
        if x_cube is None:
            keys, sub = jax.vmap(jax.random.split, out_axes=1)(keys)
            xv = draw(sub, val_size)
        else:
            xv = jnp.broadcast_to(x_cube, (keys.shape[0], *x_cube.shape))
        return params, keys, validate(params, xv, masks, coefs)

    return jax.jit(chunk)


def _sgd_curves(mlp: MLP, protocol: AppBProtocol, masks, coefs, seed: int, lr: float, last_only: bool,
                return_params: bool):
    n_s, n_k = masks.shape[:2]
    params = init_batch(mlp, np.random.default_rng(seed), n_s, protocol.d)
    params = jax.tree_util.tree_map(lambda a: jnp.repeat(a[:, None], n_k, axis=1), params)
    keys = jax.random.split(jax.random.PRNGKey(seed), n_s)
    run = _sgd_chunk(mlp, last_only, protocol.d, protocol.batch, protocol.val_size, protocol.val_every)
    m, c = jnp.asarray(masks), jnp.asarray(coefs)
    vals = []
    for _ in range(protocol.n_validations):
        params, keys, v = run(params, keys, m, c, lr)
        vals.append(np.asarray(v))
    return np.stack(vals, axis=-1), params if return_params else None


def app_b_best_losses(
    activation: str,
    sigma_w2: float,
    sigma_b2: float,
    depth: int,
    degrees: Any,
    protocol: AppBProtocol,
    *,
    seed: int,
    target_seed: int,
    modes: Any = MODES,
    return_params: bool = False,
) -> dict[str, Any]:
    """Fig. 3 runs of App. B: train the ``protocol.width`` relu/erf MLP (NTK parametrization) on
    degree-k targets, last layer only (``"last"``) and/or all layers (``"all"``), loss
    L = E(f − f*)², and record the validation losses.

    Seeds: init of seed s from ``init_batch(rng(seed))`` (the same network for both modes and
    every degree: paired comparisons), SGD batches from ``PRNGKey(seed)`` split per seed, targets
    from :func:`app_b_targets`. Returns ``{"best": {mode: (n_seeds, n_degrees)}, "curves":
    {mode: (n_seeds, n_degrees, n_validations)}, "lr": {mode: float | per-seed array},
    "examples_seen": per run, "degrees": tuple}`` (+ ``"params"`` final parameters per mode).
    """
    if not isinstance(protocol, AppBProtocol):
        raise ValueError(f"protocol must be an AppBProtocol, got {type(protocol).__name__}")
    degrees = tuple(int(k) for k in degrees)
    if not degrees:
        raise ValueError("degrees must be a non-empty sequence of integers in [0, d]")
    modes = tuple(modes)
    if not modes or any(m not in MODES for m in modes):
        raise ValueError(f"modes must be a non-empty subset of {MODES}, got {modes!r}")
    mlp = MLP(activation, sigma_w2, sigma_b2, depth, protocol.width)
    p = protocol
    targets = app_b_targets(p.d, degrees, p.n_seeds, target_seed)
    masks, coefs = _target_arrays(targets, p.d)
    out: dict[str, Any] = {"best": {}, "curves": {}, "lr": {}, "degrees": degrees, "params": {},
                           "examples_seen": p.iterations * (p.batch or 2**p.d)}
    rec = np.arange(p.val_every, p.iterations + 1, p.val_every)
    for mode in modes:
        if p.lr_rule == "own" and mode == "all":
            raise ValueError("lr_rule='own' applies to last-layer runs only (modes=('last',))")
        if p.batch is None:
            from numeric.boolean_fourier import cube

            x = cube(p.d)
            y = np.stack([np.stack([np.asarray(target_values(jnp.asarray(x), jnp.asarray(masks[s, i]),
                                                             jnp.asarray(coefs[s, i])))
                                    for i in range(len(degrees))]) for s in range(p.n_seeds)])
            if mode == "last":
                g, f0 = last_layer_state(mlp, x, seed, p.n_seeds)
                lr = (np.array([p.lr_factor / last_layer_lambda_max(g[s]) for s in range(p.n_seeds)])
                      if p.lr_rule == "own" else _kernel_lr(mode, mlp, p.d, p.lr_factor))
                lrs = np.broadcast_to(lr, (p.n_seeds,))
                curves = np.stack([last_layer_losses(g[s], f0[s], y[s], float(lrs[s]), rec)
                                   for s in range(p.n_seeds)])
            else:
                lr = _kernel_lr(mode, mlp, p.d, p.lr_factor)
                res = train_all_layers(mlp, x, y, seed, p.n_seeds, lr, p.iterations, p.val_every,
                                       return_params=return_params)
                curves = (res[0] if return_params else res)[..., 1:]  # drop the step-0 record
                if return_params:
                    out["params"][mode] = res[1]
        else:
            lr = _kernel_lr(mode, mlp, p.d, p.lr_factor)
            curves, params = _sgd_curves(mlp, p, masks, coefs, seed, lr, mode == "last", return_params)
            if return_params:
                out["params"][mode] = params
        out["curves"][mode] = curves
        out["best"][mode] = curves.min(axis=-1)
        out["lr"][mode] = lr
    return out
