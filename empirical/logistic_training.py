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
  reshuffling rotates the dropped samples);
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

References: Ortiz-Jiménez, Moosavi-Dezfooli & Frossard (2021), §3.1, §4.3, App. A–B;
Lee et al. (2019) for the linearized model.
"""

from __future__ import annotations

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
    test_acc: np.ndarray  # (R, epochs): test accuracy after each epoch
    final_params: Any  # pytree with leading run axis
    test_out: np.ndarray  # (R, m_test): final test outputs
    train_acc: np.ndarray  # (R,): final accuracy on the full training set
    steps_per_epoch: int
    checkpoints: dict[int, Any] = field(default_factory=dict)  # epoch → params (after it)


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
    record: Sequence[int] = (),
) -> TrainResult:
    """Train R runs at once (vmapped): ``params0`` and the labels carry a leading run axis.

    ``x_train``/``x_test`` are shared by all runs; ``y_train`` (R, m) and ``y_test`` (R, m_t)
    are ±1; ``key`` is split per run for the mini-batch order. ``params_expand``, ``offset``
    and ``scale`` (per run) define ``kind="lin_at"``; ``lr`` (per run) overrides
    ``protocol.lr``. ``record`` lists epochs after which the parameters are kept
    (0 = initial).
    """
    g = model_fn(apply_fn, kind)
    y_train = jnp.asarray(y_train, dtype=jnp.float64)
    y_test = jnp.asarray(y_test, dtype=jnp.float64)
    if y_train.ndim != 2 or y_test.ndim != 2 or y_train.shape[0] != y_test.shape[0]:
        raise ValueError(
            f"y_train and y_test must be (runs, m) arrays with the same number of runs, got "
            f"{y_train.shape} and {y_test.shape}"
        )
    n_runs, m = y_train.shape
    if m != x_train.shape[0] or y_test.shape[1] != x_test.shape[0]:
        raise ValueError("labels and inputs must have matching numbers of samples")
    spe = protocol.steps_per_epoch(m)
    bsz = int(protocol.batch_size)
    opt = protocol.transformation(spe * int(protocol.epochs))
    the = params0 if params_expand is None else params_expand
    b = jnp.ones(n_runs) if offset is None else jnp.asarray(offset, dtype=jnp.float64)
    c = jnp.ones(n_runs) if scale is None else jnp.asarray(scale, dtype=jnp.float64)
    eta = jnp.full(n_runs, protocol.lr) if lr is None else jnp.asarray(lr, dtype=jnp.float64)
    keys = jax.random.split(key, n_runs)

    def init_state(th0):
        return th0, opt.init(th0)

    def one_epoch(state, k, th0, the_, b_, c_, eta_, ytr, yte):
        def loss(th, idx):
            return logistic_loss(g(th, x_train[idx], th0, the_, b_, c_), ytr[idx])

        def step(carry, idx):
            th, os = carry
            value, grads = jax.value_and_grad(loss)(th, idx)
            upd, os = opt.update(grads, os, th)
            upd = jax.tree_util.tree_map(lambda u: eta_ * u, upd)
            return (optax.apply_updates(th, upd), os), value

        perm = jax.random.permutation(k, m)[: spe * bsz].reshape(spe, bsz)
        state, losses = jax.lax.scan(step, state, perm)
        out = g(state[0], x_test, th0, the_, b_, c_)
        return state, jnp.mean(losses), jnp.mean(jnp.sign(out) == yte)

    def final_eval(th, th0, the_, b_, c_, ytr):
        out_tr = g(th, x_train, th0, the_, b_, c_)
        return jnp.mean(jnp.sign(out_tr) == ytr)

    def test_out(th, th0, the_, b_, c_):
        return g(th, x_test, th0, the_, b_, c_)

    epoch_fn = jax.jit(jax.vmap(one_epoch))
    state = jax.jit(jax.vmap(init_state))(params0)
    losses, accs, kept = [], [], {}
    keep = set(int(r) for r in record)
    if 0 in keep:
        kept[0] = jax.tree_util.tree_map(np.asarray, state[0])
    for epoch in range(1, int(protocol.epochs) + 1):
        ks = jax.vmap(lambda k_, e=epoch: jax.random.fold_in(k_, e))(keys)
        state, lo, ac = epoch_fn(state, ks, params0, the, b, c, eta, y_train, y_test)
        losses.append(lo)
        accs.append(ac)
        if epoch in keep:
            kept[epoch] = jax.tree_util.tree_map(np.asarray, state[0])
    th = state[0]
    train_acc = jax.jit(jax.vmap(final_eval))(th, params0, the, b, c, y_train)
    outs = jax.jit(jax.vmap(test_out))(th, params0, the, b, c)
    return TrainResult(
        train_loss=np.asarray(jnp.stack(losses, axis=1)),
        test_acc=np.asarray(jnp.stack(accs, axis=1)),
        final_params=jax.tree_util.tree_map(np.asarray, th),
        test_out=np.asarray(outs),
        train_acc=np.asarray(train_acc),
        steps_per_epoch=spe,
        checkpoints=kept,
    )


def stack_params(params_list: Sequence[Any]) -> Any:
    """Stack a list of parameter pytrees along a new leading run axis."""
    return jax.tree_util.tree_map(lambda *a: jnp.stack(a), *params_list)


def unstack_params(params: Any, index: int) -> Any:
    """Run ``index`` of a stacked parameter pytree."""
    return jax.tree_util.tree_map(lambda a: jnp.asarray(a[index]), params)
