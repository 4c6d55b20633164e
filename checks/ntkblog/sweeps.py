"""Shared sizes and sweeps of the NTK-blog checks (computed once per session in ``conftest``).

Every size is a :class:`Tiered` pair: the fixture picks the active tier's value, and the check
records the same pair with :func:`record` (``check.size``), so both tiers run one code path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from numeric.one_hidden_layer import OnePointStats, derivatives, one_point_stats, sample_init


@dataclass(frozen=True)
class Tiered:
    fast: Any
    paper: Any

    def pick(self, tier: str) -> Any:
        return self.fast if tier == "fast" else self.paper


def record(check, name: str, value: Tiered) -> Any:
    """check.size(name, fast=…, paper=…) for a shared size."""
    return check.size(name, fast=value.fast, paper=value.paper)


# -- one hidden layer, closed forms (numeric level) -----------------------------------------
#: the blog's fixed input and the catalog's target (x = 1, ȳ = 1), tanh
X1, YBAR1 = 1.0, 1.0
OHL_WIDTHS = Tiered((10, 100, 1000, 10_000), (10, 100, 1000, 10_000, 100_000))
OHL_INITS = Tiered(400, 1000)
OHL_SEED = 20191110  # the post's date


def one_hidden_sweep(
    tier: str,
    *,
    activation: str = "tanh",
    derivs=None,
    x: float = X1,
    a_var: Any = 1.0,
    b_var: Any = None,
    scale: Any = 1.0,
    law: str = "gaussian",
    n_inits: int | None = None,
    widths: tuple[int, ...] | None = None,
    seed: int = OHL_SEED,
    bias: bool = False,
) -> dict[int, OnePointStats]:
    """m → exact per-init statistics; ``a_var``/``b_var``/``scale`` may be callables of m."""
    derivs = derivatives(activation) if derivs is None else derivs
    widths = OHL_WIDTHS.pick(tier) if widths is None else widths
    n_inits = OHL_INITS.pick(tier) if n_inits is None else n_inits
    out = {}
    for m in widths:
        av = a_var(m) if callable(a_var) else a_var
        bv = b_var(m) if callable(b_var) else b_var
        sc = scale(m) if callable(scale) else scale
        parts = []
        chunk = max(1, 2_000_000 // m)
        for start in range(0, n_inits, chunk):
            n = min(chunk, n_inits - start)
            a, b = sample_init(seed + start, n, m, a_var=av, b_var=bv, law=law)
            c = None
            if bias:
                c = np.random.default_rng([seed + start, m, 7]).standard_normal((n, m))
            parts.append(one_point_stats(a, b, x, derivs, scale=sc, bias=c, output_bias=bias))
        out[m] = OnePointStats(
            *(np.concatenate([getattr(p, f) for p in parts]) for f in OnePointStats.__dataclass_fields__)
        )
    return out


# -- two hidden layers, HVP + Lanczos (empirical level) ------------------------------------
TWO_LAYER_WIDTHS = Tiered((16, 32, 64, 128, 256), (16, 32, 64, 128, 256, 512, 1024, 2048, 4096))
TWO_LAYER_INITS = Tiered(4, 16)
#: ARPACK tolerance for width sweeps: eigenvalue error ≤ residual ≤ 1e-6 relative (symmetric
#: operator), far below the seed-to-seed spread of the norms (≥ 1%)
LANCZOS_TOL_SWEEP = 1e-6


def two_layer_kappa(tier: str, *, seed: int = 11) -> dict[str, dict[int, np.ndarray]]:
    """variant → m → array (inits, 3) of (κ, ‖∇²y‖, ‖∇y‖), bias-free 2-hidden-layer tanh, SP.

    ``"lecun"``: a ~ N(0, 1), W2 ~ N(0, 1/m), b ~ N(0, 1/m); ``"small"``: W2 and b ~ N(0, 1/m²)
    (the same draws scaled by 1/√m). Input x = 1, target ȳ = 1.
    """
    import jax.numpy as jnp

    from empirical.hessian import HessianProbe, kappa_parts
    from empirical.lazy_training import bias_free, flat_outputs
    from empirical.mlp import MLP

    out: dict[str, dict[int, np.ndarray]] = {"lecun": {}, "small": {}}
    for m in TWO_LAYER_WIDTHS.pick(tier):
        mlp = MLP("tanh", 1.0, 0.0, 2, m, parametrization="standard")
        shapes = [(1, m), (m, m), (m, 1)]
        _, fn = flat_outputs(bias_free(mlp), [jnp.zeros(sh) for sh in shapes], jnp.array([[X1]]))
        probe = HessianProbe(fn)
        rows: dict[str, list] = {"lecun": [], "small": []}
        for s in range(TWO_LAYER_INITS.pick(tier)):
            rng = np.random.default_rng([seed, m, s])
            a = rng.standard_normal(m)
            w2 = rng.standard_normal(m * m) / np.sqrt(m)
            b = rng.standard_normal(m) / np.sqrt(m)
            for variant, extra in (("lecun", 1.0), ("small", 1.0 / np.sqrt(m))):
                w0 = jnp.asarray(np.concatenate([a, w2 * extra, b * extra]))
                kp = kappa_parts(probe, w0, np.array([YBAR1]), tol=LANCZOS_TOL_SWEEP)
                rows[variant].append((kp.kappa, kp.hess_norm, kp.grad_norm))
        for variant in out:
            out[variant][m] = np.array(rows[variant])
    return out


# -- higher-dimensional one-hidden-layer net (per-neuron autodiff Hessian blocks) -------------
HD_WIDTHS = Tiered((10, 100, 1000), (10, 32, 100, 316, 1000, 3162, 10_000))
HD_INITS = Tiered(8, 40)
HD_D, HD_K, HD_N = 3, 2, 5


def higher_dim_kappa(tier: str, seed: int = 5) -> dict[int, np.ndarray]:
    """m → (inits, 3) of (κ, tensor ‖∇²y‖, ‖∇y‖) for f(x) = Σ_i B_i tanh(a_i·x), x ∈ R³, f ∈ R².

    LeCun: a_i ~ N(0, I/3), B ~ N(0, I/m), no biases; 5 fixed inputs and targets. The Hessian
    is block-diagonal over neurons; each (d+k)×(d+k) block comes from ``jax.hessian`` of the
    width-1 network, and the tensor norm from ``block_tensor_norm``.
    """
    import jax
    import jax.numpy as jnp

    from empirical.hessian import block_tensor_norm
    from empirical.lazy_training import bias_free
    from empirical.mlp import MLP

    d, k, n = HD_D, HD_K, HD_N
    rng = np.random.default_rng(seed)
    xs = jnp.asarray(rng.standard_normal((n, d)))
    ybar = rng.standard_normal((n, k))
    neuron = bias_free(MLP("tanh", 1.0, 0.0, 1, 1, parametrization="standard", out_dim=k))
    blocks_fn = jax.jit(jax.vmap(jax.hessian(lambda u: neuron([u[:d, None], u[None, d:]], xs))))
    out = {}
    for m in HD_WIDTHS.pick(tier):
        full = bias_free(MLP("tanh", 1.0, 0.0, 1, m, parametrization="standard", out_dim=k))
        def outputs(w, full=full, m=m):
            return full([w[: d * m].reshape(d, m), w[d * m:].reshape(m, k)], xs).reshape(-1)

        fj = jax.jit(lambda w, outputs=outputs: (outputs(w), jax.jacrev(outputs)(w)))
        rows = []
        for s in range(HD_INITS.pick(tier)):
            r = np.random.default_rng([seed, m, s])
            a = r.standard_normal((d, m)) / np.sqrt(d)
            b = r.standard_normal((m, k)) / np.sqrt(m)
            y0, jac = fj(jnp.asarray(np.concatenate([a.ravel(), b.ravel()])))
            blocks = np.asarray(blocks_fn(jnp.asarray(np.concatenate([a.T, b], axis=1))))
            hn = block_tensor_norm(blocks.reshape(m, n * k, d + k, d + k))
            gn = float(np.linalg.norm(np.asarray(jac), 2))
            res = float(np.linalg.norm(np.asarray(y0) - ybar.reshape(-1)))
            rows.append((res * hn / gn**2, hn, gn))
        out[m] = np.array(rows)
    return out


# -- training runs of the blog's 2-hidden-layer net (PyTorch-default init, C2) ----------------
#: catalog C6: training-gif / weight-change data, and the ellipse data
X_TRAIN, Y_TRAIN = ((-3.0,), (0.5,)), ((2.0,), (-1.0,))
X_ELLIPSE, Y_ELLIPSE = ((-2.0,), (0.5,)), ((3.0,), (-1.0,))
WIDTH_RUN_SEEDS = Tiered({10: 5, 100: 20, 1000: 3}, {10: 20, 100: 100, 1000: 20, 3000: 10})
WIDTH_RUN_LR, WIDTH_RUN_STEPS = 1e-3, 1000


def _data(xs, ys):
    import jax.numpy as jnp

    return jnp.asarray(xs, dtype=jnp.float64), jnp.asarray(ys, dtype=jnp.float64)


def ntk_matrix(apply_fn, params, x, x2=None, method: str = "jacobian"):
    """H = ∇yᵀ∇y on inputs x (the suite's ``empirical.ntk.empirical_ntk``), jitted per model."""
    if x2 is None and method == "jacobian":
        return np.asarray(_ntk_fn(apply_fn, x.shape)(params, x))
    import jax

    from empirical.ntk import empirical_ntk

    key = ("ntk2", _model_key(apply_fn), x.shape, None if x2 is None else x2.shape, method)
    if key not in _NTK_CACHE:
        _NTK_CACHE[key] = (apply_fn, jax.jit(lambda p, a, b: empirical_ntk(apply_fn, p, a, b, method=method)))
    return np.asarray(_NTK_CACHE[key][1](params, x, x if x2 is None else x2))


def ntk_batch(apply_fn, params, x, max_elements: int = 20_000_000):
    """H for a leading batch axis of params: shape (batch, N, N), in chunks of ≤ max_elements weights."""
    import jax

    leaves = jax.tree_util.tree_leaves(params)
    n = leaves[0].shape[0]
    per = sum(int(np.prod(a.shape[1:])) for a in leaves)
    chunk = max(1, min(n, max_elements // max(per, 1)))
    fn = _ntk_fn(apply_fn, x.shape, batched=True)
    if chunk >= n:
        return np.asarray(fn(params, x))
    out = [np.asarray(fn(jax.tree_util.tree_map(lambda a, s=s: a[s:s + chunk], params), x))
           for s in range(0, n, chunk)]
    return np.concatenate(out)


_NTK_CACHE: dict = {}


def _model_key(apply_fn):
    """Cache key of a model: ``mlp.apply`` of equal (frozen, hashable) MLPs share compiled code;
    bound methods are new objects at every access, so key on (instance, function)."""
    owner = getattr(apply_fn, "__self__", None)
    if owner is not None:
        return (owner, getattr(apply_fn, "__func__", apply_fn))
    return id(apply_fn)


def jacobian_matrix(apply_fn, params, x):
    """∇yᵀ ∈ R^{N×p} for a scalar-output model (``empirical.ntk.jacobian``), jitted per model."""
    from empirical.ntk import jacobian

    key = ("jac", _model_key(apply_fn), x.shape)
    if key not in _NTK_CACHE:
        import jax

        _NTK_CACHE[key] = (apply_fn, jax.jit(lambda p, xx: jacobian(apply_fn, p, xx)[:, 0, :]))
    return np.asarray(_NTK_CACHE[key][1](params, x))


def _ntk_fn(apply_fn, shape, batched: bool = False):
    import jax

    from empirical.ntk import empirical_ntk

    key = (_model_key(apply_fn), shape, batched)
    if key not in _NTK_CACHE:
        def fn(p, x):
            return empirical_ntk(apply_fn, p, x)

        fn = jax.vmap(fn, in_axes=(0, None)) if batched else fn
        _NTK_CACHE[key] = (apply_fn, jax.jit(fn))  # keeps apply_fn alive so its id stays unique
    return _NTK_CACHE[key][1]


def init_batch(mlp, seeds, key0: int):
    """PyTorch-default inits for ``len(seeds)`` networks, stacked along a leading axis.

    One host-side draw of the whole batch from ``numpy.random.default_rng([key0, n])``.
    """
    from empirical.lazy_training import pytorch_default_init

    n = len(seeds)
    return pytorch_default_init(mlp, [key0, n], batch=n)


def train_batch(apply_fn, params, x, y, *, lr, steps, every, alpha=None, centered=False, ref=None):
    """vmap of ``gradient_descent`` over a leading batch axis of params (and of alpha, lr).

    ``centered``: train α(f(w) − f(w_ref)) with w_ref = ``ref`` (default: the starting params).
    """
    import jax

    from empirical.lazy_training import gradient_descent

    def one(p, p_ref, a, eta):
        return gradient_descent(apply_fn, p, x, y, lr=eta, steps=steps, every=every, alpha=a,
                                params0=p_ref if centered else None, loss="sum")

    n = jax.tree_util.tree_leaves(params)[0].shape[0]
    a = jax.numpy.ones(n) if alpha is None else jax.numpy.broadcast_to(jax.numpy.asarray(alpha), (n,))
    eta = jax.numpy.broadcast_to(jax.numpy.asarray(lr, dtype=jax.numpy.float64), (n,))
    key = (_model_key(apply_fn), steps, every, centered)
    if key not in _TRAIN_CACHE:
        _TRAIN_CACHE[key] = (apply_fn, jax.jit(jax.vmap(one)))
    return _TRAIN_CACHE[key][1](params, params if ref is None else ref, a, eta)


_TRAIN_CACHE: dict = {}


def _np_tree(tree):
    import jax

    return jax.tree_util.tree_map(np.asarray, tree)


def _take(tree, i):
    """Item i of a batched (numpy) parameter tree — host-side, no device dispatch."""
    import jax

    return jax.tree_util.tree_map(lambda a: a[i], tree)


def _flat_np(tree) -> np.ndarray:
    import jax

    return np.concatenate([np.ravel(a) for a in jax.tree_util.tree_leaves(tree)])


def width_runs(tier: str, activation: str = "relu") -> dict[int, dict[str, Any]]:
    """Widths 10/100/1000, C6 data, lr 1e-3, 1000 GD steps on ½‖y − ȳ‖² (= MSE for N = 2)."""
    import jax

    from empirical.lazy_training import gradient_descent, pytorch_mlp

    x, y = _data(X_TRAIN, Y_TRAIN)
    out = {}
    for m, n in WIDTH_RUN_SEEDS.pick(tier).items():
        mlp = pytorch_mlp(activation, m)
        p0 = init_batch(mlp, range(n), key0=m)
        if m <= 100:
            res = train_batch(mlp.apply, p0, x, y, lr=WIDTH_RUN_LR, steps=WIDTH_RUN_STEPS, every=10)
            pT = _np_tree(res.params)
            losses, outputs = np.asarray(res.losses), np.asarray(res.outputs)
            ntk_t = ntk_batch(mlp.apply, res.params, x)
        else:  # one at a time: 1e6 parameters
            run = jax.jit(lambda p, mlp=mlp: gradient_descent(
                mlp.apply, p, x, y, lr=WIDTH_RUN_LR, steps=WIDTH_RUN_STEPS, every=10, loss="sum"))
            p0n = _np_tree(p0)
            finals, losses, outputs, ntk_t = [], [], [], []
            for i in range(n):
                r = run(_take(p0n, i))
                finals.append(_np_tree(r.params))
                losses.append(np.asarray(r.losses))
                outputs.append(np.asarray(r.outputs))
                ntk_t.append(ntk_matrix(mlp.apply, r.params, x))
            pT = jax.tree_util.tree_map(lambda *a: np.stack(a), *finals)
            losses, outputs, ntk_t = np.stack(losses), np.stack(outputs), np.stack(ntk_t)
        p0n = _np_tree(p0)
        w0 = np.stack([_flat_np(_take(p0n, i)) for i in range(n)])
        wt = np.stack([_flat_np(_take(pT, i)) for i in range(n)])
        w2_0, w2_t = p0n[1]["W"].reshape(n, -1), pT[1]["W"].reshape(n, -1)
        out[m] = {
            "mlp": mlp,
            "inits": p0n,
            "finals": pT,
            "losses": losses,
            "outputs": outputs,
            "r": np.linalg.norm(wt - w0, axis=1) / np.linalg.norm(w0, axis=1),
            "r_w2": np.linalg.norm(w2_t - w2_0, axis=1) / np.linalg.norm(w2_0, axis=1),
            "ntk0": ntk_batch(mlp.apply, p0, x) if m <= 100 else np.stack(
                [ntk_matrix(mlp.apply, _take(p0n, i), x) for i in range(n)]),
            "ntkT": ntk_t,
            "w0_sq": np.sum(w0**2, axis=1),
        }
    return out


def rel_ntk_change(h0: np.ndarray, ht: np.ndarray) -> np.ndarray:
    """‖H_T − H_0‖_F/‖H_0‖_F over a leading batch axis."""
    return np.linalg.norm(ht - h0, axis=(-2, -1)) / np.linalg.norm(h0, axis=(-2, -1))


#: catalog C6 α-scan: same data, width 100, lr 3e-4, 4000 steps
ALPHAS = {"relu": (0.03, 0.1, 0.3, 1.0, 100.0), "tanh": (1.0, 10.0, 30.0, 100.0, 300.0, 1000.0)}
ALPHA_SEEDS = Tiered(4, 20)
ALPHA_LR, ALPHA_STEPS = 3e-4, 4000


def alpha_runs(tier: str, activation: str = "relu", m: int = 100) -> dict[str, Any]:
    """Centred α-scaled nets (loss ½‖αf̃ − ȳ‖²/α²); the same inits (seeds) for every α."""
    import jax

    from empirical.lazy_training import pytorch_mlp

    x, y = _data(X_TRAIN, Y_TRAIN)
    mlp = pytorch_mlp(activation, m)
    n = ALPHA_SEEDS.pick(tier)
    alist = ALPHAS[activation]
    p0 = init_batch(mlp, range(n), key0=7 * m + 1)
    na = len(alist)
    rep = jax.tree_util.tree_map(lambda a: jax.numpy.repeat(a[None], na, 0).reshape(na * n, *a.shape[1:]), p0)
    alphas = np.repeat(np.array(alist), n)
    res = train_batch(mlp.apply, rep, x, y, lr=ALPHA_LR, steps=ALPHA_STEPS, every=40, alpha=alphas, centered=True)
    shape = (na, n)
    fit_loss = 0.5 * np.sum((np.asarray(res.outputs)[:, -1] - np.asarray(y)[:, 0]) ** 2, axis=-1)
    return {
        "alphas": np.array(alist),
        "ntk0": ntk_batch(mlp.apply, rep, x).reshape(*shape, 2, 2),
        "ntkT": ntk_batch(mlp.apply, res.params, x).reshape(*shape, 2, 2),
        "losses": np.asarray(res.losses).reshape(*shape, -1),
        "outputs": np.asarray(res.outputs).reshape(*shape, -1, 2),
        "fit_loss": fit_loss.reshape(shape),
        "r": (np.linalg.norm(_flat_batch(res.params) - _flat_batch(rep), axis=1)
              / np.linalg.norm(_flat_batch(rep), axis=1)).reshape(shape),
    }


def _flat_batch(tree) -> np.ndarray:
    import jax

    leaves = [np.asarray(a) for a in jax.tree_util.tree_leaves(tree)]
    return np.concatenate([a.reshape(a.shape[0], -1) for a in leaves], axis=1)


#: catalog C6 ellipse runs (grid_config.yaml): x̄ = (−2, 0.5), ȳ = (3, −1), width 100, centred
ELLIPSE_ALPHAS = (0.05, 0.5, 5.0, 50.0)
ELLIPSE_SEEDS = Tiered(3, 20)
ELLIPSE_LR, ELLIPSE_STEPS, ELLIPSE_CHUNK = 1e-4, Tiered(4000, 8000), 500


def ellipse_runs(tier: str, activation: str = "relu", m: int = 100) -> dict[str, Any]:
    """Trajectories y_α(t) (every 20 steps) and NTK snapshots (every 500 steps) per (α, seed)."""
    import jax

    from empirical.lazy_training import pytorch_mlp

    x, y = _data(X_ELLIPSE, Y_ELLIPSE)
    mlp = pytorch_mlp(activation, m)
    n = ELLIPSE_SEEDS.pick(tier)
    na = len(ELLIPSE_ALPHAS)
    p0 = init_batch(mlp, range(n), key0=31 * m + 5)
    rep = jax.tree_util.tree_map(lambda a: jax.numpy.repeat(a[None], na, 0).reshape(na * n, *a.shape[1:]), p0)
    alphas = np.repeat(np.array(ELLIPSE_ALPHAS), n)
    params = rep
    ntks, outs, losses = [ntk_batch(mlp.apply, params, x)], [], []
    for _ in range(ELLIPSE_STEPS.pick(tier) // ELLIPSE_CHUNK):
        res = train_batch(mlp.apply, params, x, y, lr=ELLIPSE_LR, steps=ELLIPSE_CHUNK, every=20,
                          alpha=alphas, centered=True, ref=rep)
        params = res.params
        ntks.append(ntk_batch(mlp.apply, params, x))
        o = np.asarray(res.outputs)
        outs.append(o if not outs else o[:, 1:])
        losses.append(np.asarray(res.losses))
    shape = (na, n)
    return {
        "mlp": mlp,
        "alphas": np.array(ELLIPSE_ALPHAS),
        "ntk": np.stack(ntks, axis=1).reshape(*shape, -1, 2, 2),  # (α, seed, snapshot, 2, 2)
        "outputs": np.concatenate(outs, axis=1).reshape(*shape, -1, 2),  # every 20 steps
        "losses": np.concatenate(losses, axis=1).reshape(*shape, -1),
        "inits": _np_tree(p0),
        "finals": _np_tree(params),
    }


# -- one hidden layer, N = 1, GD to convergence (empirical level) ----------------------------
OHL_GD_WIDTHS = Tiered((10, 100, 1000, 10_000), (10, 100, 1000, 10_000, 100_000))
OHL_GD_INITS = Tiered(100, 400)
OHL_GD_STEPS = 80


def one_hidden_gd(tier: str, seed: int = OHL_SEED + 11) -> dict[int, dict[str, np.ndarray]]:
    """Bias-free tanh net, x = 1, ȳ = 1, η = 0.5/‖∇y(w0)‖², 80 GD steps (|u| < 1e-12).

    Per width: a0, b0, aT, bT (inits × m), the residual u_T and the gradients at w0 and w_T.
    """
    import jax
    import jax.numpy as jnp

    from empirical.lazy_training import gradient_descent, one_hidden_layer

    apply = one_hidden_layer("tanh")
    x, y = jnp.array([[X1]]), jnp.array([[YBAR1]])

    def grad_at(p):
        return jax.grad(lambda q: apply(q, x)[0, 0])(p)

    def run(p, eta):
        res = gradient_descent(apply, p, x, y, lr=eta, steps=OHL_GD_STEPS, every=OHL_GD_STEPS, loss="sum")
        return res.params, res.outputs[-1, 0], grad_at(p), grad_at(res.params)

    run_b = jax.jit(jax.vmap(run))
    out = {}
    for m in OHL_GD_WIDTHS.pick(tier):
        a, b = sample_init(seed, OHL_GD_INITS.pick(tier), m)
        gsq = np.sum(np.tanh(a * X1) ** 2 + (b * (1 - np.tanh(a * X1) ** 2) * X1) ** 2, axis=1)
        pt, yt, g0, gt = run_b({"a": jnp.asarray(a), "b": jnp.asarray(b)}, jnp.asarray(0.5 / gsq))
        out[m] = {
            "a0": a, "b0": b, "aT": np.asarray(pt["a"]), "bT": np.asarray(pt["b"]),
            "uT": np.asarray(yt) - YBAR1,
            "g0": np.concatenate([np.asarray(g0["a"]), np.asarray(g0["b"])], axis=1),
            "gT": np.concatenate([np.asarray(gt["a"]), np.asarray(gt["b"])], axis=1),
        }
    return out
