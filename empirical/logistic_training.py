r"""The training protocol of Ortiz-Jiménez et al. (2021) for networks and their linearizations.

Protocol (App. A of the paper; the catalog fills in what the paper leaves open):

* loss: logistic :math:`\ell(f, y) = \log(1 + e^{-y f}) = \mathrm{softplus}(-y f)` with a
  single logit and labels :math:`y \in \{\pm 1\}` — the binary cross-entropy of
  :math:`\sigma(f)` against :math:`(1 + y)/2` (``theory.linearized_generalization``);
* optimizer: SGD with momentum 0.9 (PyTorch/optax "heavy ball": v ← μv + g, θ ← θ − η_t v),
  or Adam (App. E.1);
* learning rate: η_t = η₀·½(1 + cos(π t/T)) (cosine decay to 0 over the T steps of the run;
  the paper says only "decaying learning rate starting at 0.05"), η₀ = 0.05;
* mini-batches of 128 drawn from a fresh permutation every epoch; an epoch is
  ⌊m/128⌋ steps (the last partial batch is dropped so that every step has the same shape;
  reshuffling rotates the dropped samples). Runs of one call can use only the first
  ``m_valid`` of their training points (training-set-size sweeps in one compiled loop): the
  permutation then covers those points and cycles through them, so a set smaller than
  ⌊m/128⌋·128 is seen several times per "epoch" of ⌊m/128⌋ steps (documented deviation);
  with ``m_valid = m`` it is the plain protocol. :func:`batch_positions` is the one batch
  order shared by all trainers, so paired NN / linear runs see the same batches;
* the reported training loss of an epoch is the mean of its mini-batch losses (what a
  training log shows); test accuracy is measured after every epoch.

Models, all trained from θ₀ by the same optimizer (the paper treats linearized models "as
standard neural networks", App. B):

* ``"nn"`` — :math:`f_\theta(x)`;
* ``"lin"`` — :math:`f_{\theta_0}(x) + (\theta-\theta_0)^\top\nabla_\theta f_{\theta_0}(x)`, eq. (1),
  through :func:`empirical.ntk.linearize`;
* ``"lin_at"`` — the linearization around another point :math:`\theta_e` (§4.3):
  :math:`b\,f_{\theta_e}(x) + c\,(\theta-\theta_0)^\top\nabla_\theta f_{\theta_e}(x)`, with
  ``offset`` b ∈ {0, 1} ("unbiased" when b = 0) and feature scale c (c² rescales the kernel
  Θ_{θ_e}, e.g. to the trace of Θ₀).

Runs are batched with ``jax.vmap`` (one leading "run" axis on every per-run input).
Linear models can also be trained in *kernel space* (:func:`train_linear_kernel`): with
SGD + momentum from δ = θ − θ₀ = 0, δ and the momentum stay in the row span of the training
Jacobian, δ = J_trᵀ a, so f_train = b f₀ + c K a with K = J_tr J_trᵀ — the same iterates at
O(m²) instead of O(m n) per step (not for Adam, which is not rotation-equivariant).

References: Ortiz-Jiménez, Moosavi-Dezfooli & Frossard (2021), §3.1, §4.3, App. A–B;
Lee et al. (2019) for the linearized model.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from empirical.ntk import linearize

jax.config.update("jax_enable_x64", True)

ApplyFn = Callable[[Any, jax.Array], jax.Array]
MODELS = ("nn", "lin", "lin_at")
OPTIMIZERS = ("sgd", "adam")


@dataclass(frozen=True)
class Protocol:
    """The optimisation protocol (defaults: the paper's SGD protocol, 100 epochs)."""

    lr: float = 0.05
    momentum: float = 0.9
    batch_size: int = 128
    epochs: int = 100
    optimizer: str = "sgd"

    def __post_init__(self) -> None:
        if not (self.lr > 0):
            raise ValueError(f"lr must be > 0, got {self.lr!r}")
        if not (0 <= self.momentum < 1):
            raise ValueError(f"momentum must lie in [0, 1), got {self.momentum!r}")
        if int(self.batch_size) < 1:
            raise ValueError(f"batch_size must be an int >= 1, got {self.batch_size!r}")
        if int(self.epochs) < 1:
            raise ValueError(f"epochs must be an int >= 1, got {self.epochs!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {list(OPTIMIZERS)}, got {self.optimizer!r}")

    def steps_per_epoch(self, m: int) -> int:
        steps = int(m) // int(self.batch_size)
        if steps < 1:
            raise ValueError(
                f"the training set (m={m}) must hold at least one batch of {self.batch_size}"
            )
        return steps

    def transformation(self, total_steps: int) -> optax.GradientTransformation:
        """The optax chain with unit peak learning rate (per-run η₀ multiplies the update)."""
        schedule = optax.cosine_decay_schedule(init_value=1.0, decay_steps=int(total_steps))
        if self.optimizer == "sgd":
            return optax.chain(
                optax.trace(decay=self.momentum), optax.scale_by_schedule(schedule), optax.scale(-1.0)
            )
        return optax.chain(
            optax.scale_by_adam(), optax.scale_by_schedule(schedule), optax.scale(-1.0)
        )


def logistic_loss(f: jax.Array, y: jax.Array) -> jax.Array:
    """Mean of log(1 + exp(−y f)) (numerically stable softplus)."""
    return jnp.mean(jax.nn.softplus(-y * f))


def model_fn(apply_fn: ApplyFn, kind: str) -> Callable[..., jax.Array]:
    """``g(theta, x, theta0, theta_e, offset, scale)`` — the model ``kind`` evaluated at θ."""
    if kind not in MODELS:
        raise ValueError(f"kind must be one of {list(MODELS)}, got {kind!r}")
    if kind == "nn":
        return lambda th, x, th0, the, b, c: apply_fn(th, x)[:, 0]
    if kind == "lin":
        return lambda th, x, th0, the, b, c: linearize(apply_fn, th0)(th, x)[:, 0]

    def lin_at(th, x, th0, the, b, c):
        moved = jax.tree_util.tree_map(lambda e, t, t0: e + c * (t - t0), the, th, th0)
        out = linearize(apply_fn, the)(moved, x)[:, 0]
        return out - (1.0 - b) * apply_fn(the, x)[:, 0]

    return lin_at


@dataclass
class TrainResult:
    """Per-run records (leading axis = run) of one batched training call."""

    train_loss: np.ndarray  # (R, epochs): mean mini-batch logistic loss of each epoch
    test_acc: np.ndarray  # (R, epochs): test accuracy after each evaluated epoch (else NaN)
    final_params: Any  # pytree with leading run axis
    test_out: np.ndarray  # (R, m_test): final test outputs
    train_acc: np.ndarray  # (R,): final accuracy on the (valid) training set
    steps_per_epoch: int
    checkpoints: dict[int, Any] = field(default_factory=dict)  # epoch → params (after it)
    fit_params: Any = None  # params after the first epoch with loss ≤ fit_threshold (or final)
    fit_epoch: np.ndarray | None = None  # (R,) that epoch (epochs + 1 when never reached)


def run_keys(key: jax.Array, n_runs: int) -> jax.Array:
    """The per-run keys every trainer derives from its ``key`` (run r gets entry r)."""
    return jax.random.split(key, n_runs)


def batch_positions(
    key: jax.Array, epoch: Any, m_valid: Any, m: int, steps: int, batch: int
) -> jax.Array:
    """(steps, batch) training positions for one epoch: a fresh random order of the first
    ``m_valid`` of m positions, cycled if it is shorter than steps·batch."""
    u = jax.random.uniform(jax.random.fold_in(key, epoch), (m,))
    order = jnp.argsort(jnp.where(jnp.arange(m) < m_valid, u, 2.0))
    return order[jnp.arange(steps * batch) % m_valid].reshape(steps, batch)


# Argument checks run in NumPy: eager jax.numpy ops each compile a tiny XLA program.
def _per_run(value: Any, n_runs: int, default: float) -> jax.Array:
    if value is None:
        return jnp.asarray(np.full(n_runs, default, dtype=np.float64))
    arr = np.asarray(value, dtype=np.float64)
    if arr.shape != (n_runs,):
        raise ValueError(f"per-run settings must have shape ({n_runs},), got {arr.shape}")
    return jnp.asarray(arr)


def _labels(y_train: Any, y_test: Any) -> tuple[jax.Array, jax.Array]:
    ytr = np.asarray(y_train, dtype=np.float64)
    yte = np.asarray(y_test, dtype=np.float64)
    if ytr.ndim != 2 or yte.ndim != 2 or ytr.shape[0] != yte.shape[0]:
        raise ValueError(
            "y_train and y_test must be (runs, m) arrays with the same number of runs, got "
            f"{ytr.shape} and {yte.shape}"
        )
    if not (np.all(np.abs(ytr) == 1) and np.all(np.abs(yte) == 1)):
        raise ValueError("labels must be ±1")
    return jnp.asarray(ytr), jnp.asarray(yte)


def _m_valid(m_valid: Any, n_runs: int, m: int) -> jax.Array:
    if m_valid is None:
        return jnp.asarray(np.full(n_runs, m, dtype=np.int32))
    arr = np.asarray(m_valid, dtype=np.int32)
    if arr.shape != (n_runs,) or np.any(arr < 1) or np.any(arr > m):
        raise ValueError(f"m_valid must hold {n_runs} ints in [1, {m}], got {m_valid!r}")
    return jnp.asarray(arr)


def _order(order: Any, n_runs: int, m: int) -> jax.Array:
    if order is None:
        return jnp.asarray(np.broadcast_to(np.arange(m), (n_runs, m)))
    arr = np.asarray(order)
    if arr.shape != (n_runs, m) or not np.all(np.sort(arr, axis=1) == np.arange(m)[None, :]):
        raise ValueError(f"order must hold {n_runs} permutations of range({m})")
    return jnp.asarray(arr)


def _keys(key: jax.Array, keys: Any, n_runs: int) -> jax.Array:
    if keys is None:
        return run_keys(key, n_runs)
    arr = jnp.asarray(keys)
    if arr.shape[0] != n_runs:
        raise ValueError(f"keys must hold one key per run ({n_runs}), got {arr.shape[0]}")
    return arr


def train_runs(
    apply_fn: ApplyFn,
    kind: str,
    params0: Any,
    x_train: jax.Array,
    y_train: jax.Array,
    x_test: jax.Array,
    y_test: jax.Array,
    key: jax.Array,
    protocol: Protocol = Protocol(),
    *,
    params_expand: Any = None,
    offset: Any = None,
    scale: Any = None,
    lr: Any = None,
    m_valid: Any = None,
    order: Any = None,
    keys: Any = None,
    record: Sequence[int] = (),
    eval_every: int = 1,
    fit_threshold: float | None = None,
) -> TrainResult:
    """Train R runs at once (vmapped): ``params0`` and the labels carry a leading run axis.

    ``x_train`` (m, d) / ``x_test`` (m_t, d) are shared by all runs, or per run with a leading
    run axis; ``y_train`` (R, m) and ``y_test`` (R, m_t) are ±1; run r uses the first
    ``m_valid[r]`` training points (default all). ``params_expand``, ``offset`` and ``scale``
    (per run) define ``kind="lin_at"``; ``lr`` (per run) overrides ``protocol.lr``.
    ``record`` lists epochs after which the parameters are kept (0 = initial); test accuracy
    is measured every ``eval_every`` epochs and after the last; with ``fit_threshold`` the
    parameters after the first epoch whose mean loss is ≤ it are kept as ``fit_params``.
    """
    g = model_fn(apply_fn, kind)
    ytr, yte = _labels(y_train, y_test)
    n_runs, m = ytr.shape
    x_train, x_test = jnp.asarray(x_train), jnp.asarray(x_test)
    xtr_axis = 0 if x_train.ndim == 3 else None
    xte_axis = 0 if x_test.ndim == 3 else None
    if x_train.shape[-2] != m or x_test.shape[-2] != yte.shape[1]:
        raise ValueError("labels and inputs must have matching numbers of samples")
    if int(eval_every) < 1:
        raise ValueError(f"eval_every must be an int >= 1, got {eval_every!r}")
    spe = protocol.steps_per_epoch(m)
    bsz = int(protocol.batch_size)
    epochs = int(protocol.epochs)
    opt = protocol.transformation(spe * epochs)
    the = params0 if params_expand is None else params_expand
    b = _per_run(offset, n_runs, 1.0)
    c = _per_run(scale, n_runs, 1.0)
    eta = _per_run(lr, n_runs, protocol.lr)
    mv = _m_valid(m_valid, n_runs, m)
    rk = _keys(key, keys, n_runs)
    ords = _order(order, n_runs, m)
    args = (params0, the, b, c, eta, ytr, yte, mv, rk, ords, x_train, x_test)
    axes = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, xtr_axis, xte_axis)

    def one_epoch(state, epoch, th0, the_, b_, c_, eta_, ytr_, yte_, mv_, k_, o_, xtr, xte):
        def loss(th, idx):
            return logistic_loss(g(th, xtr[idx], th0, the_, b_, c_), ytr_[idx])

        def step(carry, idx):
            th, os = carry
            value, grads = jax.value_and_grad(loss)(th, idx)
            upd, os = opt.update(grads, os, th)
            upd = jax.tree_util.tree_map(lambda u: eta_ * u, upd)
            return (optax.apply_updates(th, upd), os), value

        pos = o_[batch_positions(k_, epoch, mv_, m, spe, bsz)]
        state, losses = jax.lax.scan(step, state, pos)
        return state, jnp.mean(losses)

    def evaluate(th, th0, the_, b_, c_, eta_, ytr_, yte_, mv_, k_, o_, xtr, xte):
        return jnp.mean((jnp.sign(g(th, xte, th0, the_, b_, c_)) == yte_).astype(jnp.float64))

    def finish(th, th0, the_, b_, c_, eta_, ytr_, yte_, mv_, k_, o_, xtr, xte):
        valid = jnp.argsort(o_) < mv_
        hits = (jnp.sign(g(th, xtr, th0, the_, b_, c_)) == ytr_) & valid
        return jnp.sum(hits) / mv_, g(th, xte, th0, the_, b_, c_)

    epoch_fn = jax.jit(jax.vmap(one_epoch, in_axes=(0, None, *axes)))
    eval_fn = jax.jit(jax.vmap(evaluate, in_axes=(0, *axes)))
    state = jax.jit(jax.vmap(lambda th0: (th0, opt.init(th0))))(params0)
    losses, accs, kept = [], [], {}
    keep = set(int(r) for r in record)
    if 0 in keep:
        kept[0] = jax.tree_util.tree_map(np.asarray, state[0])
    fit_params = state[0] if fit_threshold is not None else None
    fit_epoch = np.full(n_runs, epochs + 1)
    nan = jnp.full(n_runs, jnp.nan)
    for epoch in range(1, epochs + 1):
        state, lo = epoch_fn(state, epoch, *args)
        losses.append(lo)
        evaluate_now = epoch % int(eval_every) == 0 or epoch == epochs
        accs.append(eval_fn(state[0], *args) if evaluate_now else nan)
        if epoch in keep:
            kept[epoch] = jax.tree_util.tree_map(np.asarray, state[0])
        if fit_threshold is not None:
            newly = (np.asarray(lo) <= fit_threshold) & (fit_epoch > epochs)
            if newly.any():
                fit_epoch[newly] = epoch
                fit_params = _select_runs(newly, state[0], fit_params)
    th = state[0]
    train_acc, outs = jax.jit(jax.vmap(finish, in_axes=(0, *axes)))(th, *args)
    if fit_params is not None:
        fit_params = jax.tree_util.tree_map(
            np.asarray, _select_runs(fit_epoch > epochs, th, fit_params)
        )
    return TrainResult(
        train_loss=np.asarray(jnp.stack(losses, axis=1)),
        test_acc=np.asarray(jnp.stack(accs, axis=1)),
        final_params=jax.tree_util.tree_map(np.asarray, th),
        test_out=np.asarray(outs),
        train_acc=np.asarray(train_acc),
        steps_per_epoch=spe,
        checkpoints=kept,
        fit_params=fit_params,
        fit_epoch=fit_epoch if fit_threshold is not None else None,
    )


def _select_runs(mask: np.ndarray, new: Any, old: Any) -> Any:
    """Per run: ``new`` where mask, else ``old`` (pytrees with a leading run axis)."""
    sel = jnp.asarray(mask)

    def pick(a: jax.Array, b: jax.Array) -> jax.Array:
        return jnp.where(sel.reshape((-1,) + (1,) * (a.ndim - 1)), a, b)

    return jax.tree_util.tree_map(pick, new, old)


def stack_params(params_list: Sequence[Any]) -> Any:
    """Stack a list of parameter pytrees along a new leading run axis."""
    return jax.tree_util.tree_map(lambda *a: jnp.stack(a), *params_list)


def unstack_params(params: Any, index: int) -> Any:
    """Run ``index`` of a stacked parameter pytree."""
    return jax.tree_util.tree_map(lambda a: jnp.asarray(a[index]), params)


@dataclass
class LinearResult:
    """Per-run records of the linear-model trainers (leading axis = run)."""

    train_loss: np.ndarray  # (r, epochs)
    test_acc: np.ndarray  # (r, epochs)
    test_out: np.ndarray  # (r, m_test)
    train_acc: np.ndarray  # (r,)
    distance: np.ndarray  # (r,): ‖θ_T − θ₀‖₂
    steps_per_epoch: int
    delta: np.ndarray | None = None  # (r, n): θ_T − θ₀ (parameter-space trainer only)
    coef: np.ndarray | None = None  # (r, m): a with δ = c J_trᵀ a (kernel-space trainer only)


def train_linear_kernel(
    k_train: Any,
    k_test_train: Any,
    f0_train: Any,
    f0_test: Any,
    y_train: Any,
    y_test: Any,
    key: jax.Array,
    protocol: Protocol = Protocol(),
    *,
    kernel_index: Any = None,
    offset: Any = None,
    scale: Any = None,
    lr: Any = None,
    m_valid: Any = None,
    order: Any = None,
    keys: Any = None,
) -> LinearResult:
    r"""Train r linear models :math:`f = b\,f_0 + c\,J\delta` with SGD + momentum in kernel space.

    ``k_train`` (m, m) = J_tr J_trᵀ and ``k_test_train`` (m_t, m) = J_te J_trᵀ at the expansion
    point and its outputs ``f0_train`` (m,), ``f0_test`` (m_t,) — or G stacked expansion
    points, (G, m, m), (G, m_t, m), (G, m), (G, m_t), with run r using entry
    ``kernel_index[r]``. δ = c J_trᵀ a and the momentum stay in the row span, so the iterates
    equal the parameter-space ones (``kind="lin"``/``"lin_at"`` of :func:`train_runs`; the same
    ``key``/``keys``/``order``/``m_valid`` give the same batches): f_train = b f₀ + c² K a and
    ‖δ‖² = c² aᵀKa. Only for ``protocol.optimizer == "sgd"``.
    """
    if protocol.optimizer != "sgd":
        raise ValueError(
            "train_linear_kernel needs optimizer='sgd' (Adam is not rotation-equivariant; "
            f"use train_linear_features), got {protocol.optimizer!r}"
        )
    ytr, yte = _labels(y_train, y_test)
    r, m = ytr.shape
    mt = yte.shape[1]
    ktr = jnp.asarray(k_train, dtype=jnp.float64)
    kte = jnp.asarray(k_test_train, dtype=jnp.float64)
    f0tr = jnp.asarray(f0_train, dtype=jnp.float64)
    f0te = jnp.asarray(f0_test, dtype=jnp.float64)
    if ktr.ndim == 2:
        ktr, kte, f0tr, f0te = ktr[None], kte[None], f0tr[None], f0te[None]
    n_kernels = ktr.shape[0]
    if (
        ktr.shape != (n_kernels, m, m)
        or kte.shape != (n_kernels, mt, m)
        or f0tr.shape != (n_kernels, m)
        or f0te.shape != (n_kernels, mt)
    ):
        raise ValueError(
            f"expected k_train ({n_kernels}, {m}, {m}), k_test_train ({n_kernels}, {mt}, {m}), "
            f"f0_train ({n_kernels}, {m}), f0_test ({n_kernels}, {mt}) (leading axis optional); "
            f"got {ktr.shape}, {kte.shape}, {f0tr.shape}, {f0te.shape}"
        )
    if kernel_index is None:
        kidx = jnp.asarray(np.zeros(r, np.int32) if n_kernels == 1 else np.arange(r, dtype=np.int32))
        if n_kernels not in (1, r):
            raise ValueError(f"kernel_index is needed for {n_kernels} kernels and {r} runs")
    else:
        kidx_np = np.asarray(kernel_index, dtype=np.int32)
        if kidx_np.shape != (r,) or np.any(kidx_np < 0) or np.any(kidx_np >= n_kernels):
            raise ValueError(f"kernel_index must hold {r} ints in [0, {n_kernels}), got {kernel_index!r}")
        kidx = jnp.asarray(kidx_np)
    b = _per_run(offset, r, 1.0)
    c = _per_run(scale, r, 1.0)
    eta = _per_run(lr, r, protocol.lr)
    mv = _m_valid(m_valid, r, m)
    spe = protocol.steps_per_epoch(m)
    rk = _keys(key, keys, r)
    ords = _order(order, r, m)
    losses, accs, a, train_acc, out_te, dist = _kernel_scan(
        ktr, kte, f0tr, f0te, kidx, ytr, yte, b, c, eta, mv, rk, ords, protocol, spe
    )
    return LinearResult(
        train_loss=np.asarray(losses),
        test_acc=np.asarray(accs),
        test_out=np.asarray(out_te),
        train_acc=np.asarray(train_acc),
        distance=np.asarray(dist),
        steps_per_epoch=spe,
        coef=np.asarray(a),
    )


@functools.partial(jax.jit, static_argnums=(13, 14))
def _kernel_scan(ktr, kte, f0tr, f0te, kidx, ytr, yte, b, c, eta, mv, keys, ords, protocol, spe):
    bsz, epochs = int(protocol.batch_size), int(protocol.epochs)
    m = ytr.shape[1]
    sched = optax.cosine_decay_schedule(init_value=1.0, decay_steps=spe * epochs)
    mu = protocol.momentum

    def one(g, y_tr, y_te, b_, c_, eta_, mv_, key, o_):
        k_tr, k_te, f0_tr, f0_te = ktr[g], kte[g], f0tr[g], f0te[g]

        def step(carry, idx):
            a, w, t = carry
            f = b_ * f0_tr[idx] + c_**2 * (k_tr[idx] @ a)
            grad_f = -y_tr[idx] * jax.nn.sigmoid(-y_tr[idx] * f) / bsz  # dℓ/df of the batch mean
            w = (mu * w).at[idx].add(grad_f)
            a = a - eta_ * sched(t) * w
            return (a, w, t + 1), jnp.mean(jax.nn.softplus(-y_tr[idx] * f))

        def epoch(carry, e):
            pos = o_[batch_positions(key, e, mv_, m, spe, bsz)]
            carry, lo = jax.lax.scan(step, carry, pos)
            out = b_ * f0_te + c_**2 * (k_te @ carry[0])
            return carry, (jnp.mean(lo), jnp.mean((jnp.sign(out) == y_te).astype(jnp.float64)))

        init = (jnp.zeros(m), jnp.zeros(m), jnp.zeros((), dtype=jnp.int32))
        (a, _, _), (lo, acc) = jax.lax.scan(epoch, init, jnp.arange(1, epochs + 1))
        f_tr = b_ * f0_tr + c_**2 * (k_tr @ a)
        valid = jnp.argsort(o_) < mv_
        tr_acc = jnp.sum((jnp.sign(f_tr) == y_tr) & valid) / mv_
        out_te = b_ * f0_te + c_**2 * (k_te @ a)
        dist = jnp.abs(c_) * jnp.sqrt(jnp.maximum(a @ k_tr @ a, 0.0))
        return lo, acc, a, tr_acc, out_te, dist

    return jax.vmap(one)(kidx, ytr, yte, b, c, eta, mv, keys, ords)


def train_linear_features(
    j_train: Any,
    f0_train: Any,
    j_test: Any,
    f0_test: Any,
    y_train: Any,
    y_test: Any,
    key: jax.Array,
    protocol: Protocol = Protocol(),
    *,
    offset: Any = None,
    scale: Any = None,
    lr: Any = None,
) -> LinearResult:
    r"""Train r linear models :math:`f = b\,f_0 + c\,J\delta` in parameter space (any optimizer).

    J = ∇_θ f_{θ_e} precomputed on the train (m×n) and test (m_t×n) sets, shared by the runs,
    which also share ONE batch order: that of run 0 of :func:`train_runs` called with the same
    ``key`` (so a single-run comparison sees identical batches). Use it for Adam; for SGD
    :func:`train_linear_kernel` is cheaper.
    """
    jtr = jnp.asarray(j_train, dtype=jnp.float64)
    jte = jnp.asarray(j_test, dtype=jnp.float64)
    ytr, yte = _labels(y_train, y_test)
    if jtr.ndim != 2 or jte.ndim != 2 or jtr.shape[1] != jte.shape[1]:
        raise ValueError(f"j_train, j_test must be (m, n), (m_t, n); got {jtr.shape}, {jte.shape}")
    r, m = ytr.shape
    if ytr.shape[1] != jtr.shape[0] or yte.shape[1] != jte.shape[0]:
        raise ValueError("labels and Jacobians must have matching numbers of samples")
    spe = protocol.steps_per_epoch(m)
    b = _per_run(offset, r, 1.0)
    c = _per_run(scale, r, 1.0)
    eta = _per_run(lr, r, protocol.lr)
    f0tr = jnp.asarray(f0_train, dtype=jnp.float64)[:, None] * b
    f0te = jnp.asarray(f0_test, dtype=jnp.float64)[:, None] * b
    key0 = run_keys(key, 1)[0]
    losses, accs, delta = _feature_scan(jtr, f0tr, jte, f0te, ytr.T, yte.T, c, eta, key0, protocol, spe)
    final_tr = f0tr + c * (jtr @ delta)
    final_te = f0te + c * (jte @ delta)
    return LinearResult(
        train_loss=np.asarray(losses).T,
        test_acc=np.asarray(accs).T,
        test_out=np.asarray(final_te).T,
        train_acc=np.asarray(jnp.mean((jnp.sign(final_tr) == ytr.T).astype(jnp.float64), axis=0)),
        distance=np.asarray(jnp.linalg.norm(delta, axis=0)),
        steps_per_epoch=spe,
        delta=np.asarray(delta).T,
    )


@functools.partial(jax.jit, static_argnums=(9, 10))
def _feature_scan(jtr, f0tr, jte, f0te, ytr, yte, c, eta, key, protocol, spe):
    bsz, epochs = int(protocol.batch_size), int(protocol.epochs)
    opt = protocol.transformation(spe * epochs)
    m, n = jtr.shape
    r = ytr.shape[1]

    def loss(delta, idx):
        f = f0tr[idx] + c * (jtr[idx] @ delta)
        per_run = jnp.mean(jax.nn.softplus(-ytr[idx] * f), axis=0)
        return jnp.sum(per_run), per_run

    def step(carry, idx):
        delta, os = carry
        (_, per_run), grads = jax.value_and_grad(loss, has_aux=True)(delta, idx)
        upd, os = opt.update(grads, os, delta)
        return (delta + eta * upd, os), per_run

    def epoch(carry, e):
        pos = batch_positions(key, e, m, m, spe, bsz)
        carry, per_run = jax.lax.scan(step, carry, pos)
        out = f0te + c * (jte @ carry[0])
        return carry, (
            jnp.mean(per_run, axis=0),
            jnp.mean((jnp.sign(out) == yte).astype(jnp.float64), axis=0),
        )

    delta0 = jnp.zeros((n, r))
    (delta, _), (losses, accs) = jax.lax.scan(
        epoch, (delta0, opt.init(delta0)), jnp.arange(1, epochs + 1)
    )
    return losses, accs, delta
