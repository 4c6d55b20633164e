"""Shared, disk-cached sweeps of the Seleznova & Kutyniok (2021) checks.

* S1 — NTK diagonal at initialisation, per (activation, σw², σb², L, M) cell:
  :func:`ntk_diagonal_cell` (exact sampler :mod:`empirical.ntk_init_sampler`).
* S2 — gradient-descent training with NTK snapshots: :func:`training_group`.

Each cell has its own seed, derived from its parameters (``cell_seed``), so cells are
independent and adding a cell never changes another one.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np

from checks.harness.cache import disk_cache
from empirical.ntk_init_sampler import sample_ntk_diagonal
from numeric import critical_sigma_w2
from numeric.dispersion_stats import bootstrap_ratio_and_logvar, log_variance, moment_ratio
from numeric.signal_propagation import eoc_by_elimination

INPUT_DIM_FAST = 64  # digits


def cell_seed(*parts) -> int:
    """A stable 32-bit seed from a cell's parameters."""
    return zlib.crc32(repr(tuple(round(p, 6) if isinstance(p, float) else p for p in parts)).encode())


@disk_cache(depends_on=("empirical.ntk_init_sampler", "numeric.signal_propagation", "numeric.duals"))
def ntk_diagonal_cell(activation: str, sigma_w2: float, sigma_b2: float, n_layers: int, width: int,
                      n_inits: int, input_dim: int = INPUT_DIM_FAST) -> np.ndarray:
    """Θ(x, x) samples of ``n_inits`` initialisations (input with ‖x‖²/M_0 = 1)."""
    seed = cell_seed("S1", activation, float(sigma_w2), float(sigma_b2), n_layers, width, n_inits, input_dim)
    return sample_ntk_diagonal(activation, sigma_w2, sigma_b2, n_layers, width, input_dim=input_dim,
                               n_inits=n_inits, seed=seed).theta


_EOC: dict = {}


@disk_cache(depends_on=("numeric.signal_propagation", "numeric.conditional_quadrature", "theory.activations"))
def _eoc_cached(activation: str, sigma_b2: float) -> float:
    if activation == "relu":
        return critical_sigma_w2(activation, sigma_b2)
    return float(eoc_by_elimination(activation, sigma_b2, dps=20)[1])


def eoc(activation: str, sigma_b2: float) -> float:
    """σw² on χ₁ = 1, memoised (elimination route; test_phase_boundary cross-checks it)."""
    key = (activation, round(float(sigma_b2), 9))
    if key not in _EOC:
        _EOC[key] = _eoc_cached(activation, float(sigma_b2))
    return _EOC[key]


@dataclass
class CellStats:
    """r = E[Θ²]/E[Θ]² and V = Var(log Θ) of one S1 cell, with 95 % percentile-bootstrap CIs."""

    theta: np.ndarray
    r: float
    V: float
    _ci: dict = field(default_factory=dict)

    def ci(self, stat: str) -> tuple[float, float]:
        """95 % percentile-bootstrap CI (2000 resamples) of ``"r"`` or ``"V"``."""
        if not self._ci:
            self._ci.update(bootstrap_ratio_and_logvar(self.theta, n_boot=2000, seed=cell_seed("boot", self.r)))
        return self._ci[stat]

    @property
    def log_r(self) -> float:
        return float(np.log(self.r))

    def log_r_ci(self) -> tuple[float, float]:
        lo, hi = self.ci("r")
        return float(np.log(lo)), float(np.log(hi))


class DispersionSweep:
    """Lazily computed, memoised S1 cells (session-wide)."""

    def __init__(self, input_dim: int = INPUT_DIM_FAST) -> None:
        self.input_dim = input_dim
        self._cells: dict = {}

    def cell(self, activation: str, sigma_w2: float, sigma_b2: float, n_layers: int, width: int,
             n_inits: int) -> CellStats:
        key = (activation, round(float(sigma_w2), 6), round(float(sigma_b2), 6), n_layers, width, n_inits)
        if key not in self._cells:
            theta = ntk_diagonal_cell(activation, float(sigma_w2), float(sigma_b2), n_layers, width, n_inits,
                                      self.input_dim)
            self._cells[key] = CellStats(theta, moment_ratio(theta), log_variance(theta))
        return self._cells[key]


# ---------------------------------------------------------------------------------------------
# Layer-wise Monte Carlo of real JAX networks (q, q̂, p and the NTK on a few inputs)
LAYER_CELLS = (("relu", 1.5, 1.0), ("relu", 2.5, 0.5), ("erf", 1.5, 1.0), ("erf", 2.5, 0.5),
               ("tanh", 1.5, 1.0), ("tanh", 2.5, 0.5))

_STATS_FN: dict = {}


def _stats_fn(activation: str, hidden: tuple, d: int):
    """jit(vmap) of per-initialisation layer statistics for one (activation, shape); σ-independent.

    ``hidden`` = (M_1, …, M_{L−1}). The NTK matrix follows from these by catalog C5,
    Θ = Σ_l d_gram^l ⊙ (M_{l-1} x_gram^l + 1) (:func:`ntk_from_layers`), asserted equal to
    ``empirical.ntk.empirical_ntk`` in the checks.
    """
    import jax
    import jax.numpy as jnp

    from empirical.activations import jax_phi
    from empirical.mlp import MLP

    key = (activation, tuple(hidden), d)
    if key in _STATS_FN:
        return _STATS_FN[key]
    n_layers = len(hidden) + 1
    mlp = MLP(activation, 1.0, 1.0, n_layers - 1, tuple(hidden), parametrization="standard")
    subs = [MLP(activation, 1.0, 1.0, l - 1, tuple(hidden[: l - 1]), parametrization="standard", out_dim=hidden[l - 1])
            for l in range(1, n_layers)]
    phi = jax_phi(activation)

    def one(params, x):
        hs = [sub.apply(params[:l], x) for l, sub in enumerate(subs, start=1)] + [mlp.apply(params, x)]
        xs = [x] + [phi(h) for h in hs[:-1]]
        biases = [p["b"] for p in params]

        def f_of_b(bs):
            return mlp.apply([{"W": p["W"], "b": b} for p, b in zip(params, bs, strict=True)], x)[:, 0]

        deltas = jax.jacrev(f_of_b)(biases)  # ∂f/∂b^l = δ^l (h^l = W^l x^{l-1} + b^l), shape (S, M_l)
        return {
            "h_gram": jnp.stack([h @ h.T / h.shape[1] for h in hs]),  # (L, S, S): (1/M_l) h^l·h^l
            "x_gram": jnp.stack([v @ v.T / v.shape[1] for v in xs]),  # (L, S, S): (1/M_{l-1}) x^{l-1}·x^{l-1}
            "d_gram": jnp.stack([dl @ dl.T for dl in deltas]),  # (L, S, S): Σ_i δ^l_i δ^l_i
            "f": hs[-1][:, 0],
        }

    fn = jax.jit(jax.vmap(one, in_axes=(0, None)))
    _STATS_FN[key] = fn
    return fn


@disk_cache(depends_on=("empirical.mlp", "empirical.ntk", "empirical.batched_init", "empirical.activations"))
def layerwise_mc(hidden: tuple, n_inits: int, x: tuple, cells: tuple = LAYER_CELLS, chunk: int = 100,
                 fan: str = "in") -> dict:
    """Per-initialisation layer statistics of real networks for every cell (same N(0,1) draws per chunk,
    scaled by √σw² and √σb² — exactly ``MLP(σw², σb²).init`` in the standard parametrization).

    ``fan="out"`` rescales W^l by √(M_{l-1}/M_l): the literal eq. (1), W^l ~ N(0, σw²/M_l) (erratum E8)."""
    import jax.numpy as jnp

    from empirical.batched_init import init_batch
    from empirical.mlp import MLP

    xa = jnp.asarray(np.array(x))
    d = xa.shape[1]
    unit = MLP("relu", 1.0, 1.0, len(hidden), tuple(hidden), parametrization="standard")
    if fan not in ("in", "out"):
        raise ValueError(f"fan must be 'in' or 'out', got {fan!r}")
    fan_in, fan_out = unit.widths(d), (*hidden, 1)
    out: dict = {c: [] for c in cells}
    for start in range(0, n_inits, chunk):
        z = init_batch(unit, d, min(chunk, n_inits - start), cell_seed("layerwise", tuple(hidden), start))
        if fan == "out":
            z = [{"W": p["W"] * np.sqrt(a / b), "b": p["b"]} for p, a, b in zip(z, fan_in, fan_out, strict=True)]
        for act, sw, sb in cells:
            params = [{"W": p["W"] * np.sqrt(sw), "b": p["b"] * np.sqrt(sb)} for p in z]
            res = _stats_fn(act, tuple(hidden), d)(params, xa)
            out[(act, sw, sb)].append({k: np.asarray(v) for k, v in res.items()})
    return {c: {k: np.concatenate([r[k] for r in rs]) for k in rs[0]} for c, rs in out.items()}


def ntk_from_layers(stats: dict, widths: tuple) -> np.ndarray:
    """Θ(X) per initialisation from layer statistics: Σ_l (δ^l·δ^l)(x^{l-1}·x^{l-1} + 1) (catalog C5)."""
    m_in = np.asarray(widths[:-1], dtype=float)[None, :, None, None]
    return np.sum(stats["d_gram"] * (m_in * stats["x_gram"] + 1.0), axis=1)


# ---------------------------------------------------------------------------------------------
# S3: infinite-width tables (depth profiles of Λ = κ matrix) on a "fan" of input pairs
def fan_gram(c0s: tuple) -> np.ndarray:
    """Gram of x_0 = e_0 and x_k = c_k e_0 + √(1−c_k²) e_k: ⟨x_0, x_k⟩ = c_k, unit norms (PSD by construction)."""
    c = np.asarray(c0s, dtype=float)
    g = np.outer(np.r_[1.0, c], np.r_[1.0, c])
    np.fill_diagonal(g, 1.0)
    return g


@disk_cache(depends_on=("numeric.signal_propagation", "numeric.kernels", "numeric.duals", "theory.activations"))
def s3_profile(activation: str, sigma_w2: float, sigma_b2: float, c0s: tuple, max_layers: int):
    """DepthProfile on fan_gram(c0s): pair (0, k) has input cosine c0s[k-1] (α_l = 1, M_0 = M)."""
    from numeric.signal_propagation import kappa_by_depth

    return kappa_by_depth(activation, sigma_w2, sigma_b2, max_layers, fan_gram(c0s))


# ---------------------------------------------------------------------------------------------
# S2: gradient-descent training with NTK snapshots
_FNS: dict = {}


def _group_fns(mlp):
    """Compiled-once helpers for one architecture: NTK matrix and outputs on a stacked batch of networks.

    Every vmap is jitted: un-jitted vmaps compile each primitive separately (dozens of compilations),
    which dominates the fast tier's cost on 2 cores.
    """
    import jax

    from empirical.ntk import empirical_ntk

    key = (mlp.activation, mlp.depth, mlp.hidden_widths)
    if key not in _FNS:
        ntk = jax.jit(jax.vmap(lambda p, x: empirical_ntk(mlp.apply, p, x), in_axes=(0, None)))
        out = jax.jit(jax.vmap(lambda p, x: mlp.apply(p, x)[:, 0], in_axes=(0, None)))
        _FNS[key] = (ntk, out)
    return _FNS[key]


def _rel_change(t, t0):
    return np.linalg.norm(t - t0, axis=(1, 2)) / np.linalg.norm(t0, axis=(1, 2))


@disk_cache(depends_on=("empirical.gd_early_stopping", "empirical.mlp", "empirical.ntk", "empirical.batched_init",
                        "empirical.training"))
def training_group(activation: str, n_layers: int, width: int, sigma_w2s: tuple, sigma_b2: float, n_seeds: int,
                   x: tuple, y: tuple, x_test: tuple, *, lr: float | None = None, lr_fraction: float | None = None,
                   max_steps: int, rule: str = "plateau", target: float = 1e-3, linearized: bool = False,
                   snapshots: tuple = (10, 100, 1000)) -> dict:
    """Train n_seeds networks per σw² (one vmapped batch) and record the S2 observables.

    Either a fixed ``lr`` (the paper's protocol) or ``lr_fraction`` × η_c per network, with
    η_c = 2S/λ_max(Θ_0) from that network's own empirical NTK at initialisation.
    """
    import jax
    import jax.numpy as jnp

    from empirical.batched_init import init_batch
    from empirical.gd_early_stopping import gd_train
    from empirical.mlp import MLP

    xa, ya, xt = jnp.asarray(np.array(x)), np.array(y), jnp.asarray(np.array(x_test))
    S = xa.shape[0]
    x_all = jnp.concatenate([xa, xt])  # one NTK / output evaluation covers the train and test blocks
    mlp = MLP(activation, 1.0, 1.0, n_layers - 1, width, parametrization="standard")
    parts = [init_batch(MLP(activation, sw, sigma_b2, n_layers - 1, width, parametrization="standard"), xa.shape[1],
                        n_seeds, cell_seed("S2", activation, n_layers, width, float(sw), float(sigma_b2)))
             for sw in sigma_w2s]
    params0 = [{k: jnp.asarray(np.concatenate([np.asarray(pt[i][k]) for pt in parts])) for k in ("W", "b")}
               for i in range(len(parts[0]))]
    ntk, outputs = _group_fns(mlp)
    th_all0 = np.asarray(ntk(params0, x_all))
    th0 = th_all0[:, :S, :S]
    eta_c = 2 * S / np.linalg.eigvalsh(th0)[:, -1]
    rates = np.full(len(eta_c), lr) if lr is not None else lr_fraction * eta_c
    res = gd_train(mlp.apply, params0, xa, ya, rates, max_steps=max_steps, rule=rule, target=target,
                   snapshots=snapshots)
    out = {
        "sigma_w2": np.repeat(np.array(sigma_w2s, dtype=float), n_seeds), "eta_c": eta_c, "lr": rates,
        "steps": res.steps, "min_loss": res.min_loss, "final_loss": res.final_loss, "initial_loss": res.initial_loss,
        "diverged": res.diverged, "curve": res.loss_curve, "curve_steps": res.curve_steps,
        "theta0_norm": np.linalg.norm(th0, axis=(1, 2)), "lambda_max0": np.linalg.eigvalsh(th0)[:, -1],
    }
    out["delta_final"] = _rel_change(np.asarray(ntk(res.params, xa)), th0)
    for t, p in res.snapshots.items():
        out[f"delta_{t}"] = _rel_change(np.asarray(ntk(p, xa)), th0)
    f0_all, fT_all = np.asarray(outputs(params0, x_all)), np.asarray(outputs(res.params, x_all))
    out["f0_train"], out["f0_test"], out["fT_test"] = f0_all[:, :S], f0_all[:, S:], fT_all[:, S:]
    out["theta0"], out["theta0_test"] = th0, th_all0[:, S:, :S]
    if linearized:
        def lin(p, p0, xx):
            f0, df = jax.jvp(lambda q: mlp.apply(q, xx), (p0,), (jax.tree_util.tree_map(lambda a, b: a - b, p, p0),))
            return f0 + df

        rl = gd_train(lin, params0, xa, ya, rates, max_steps=max_steps, rule=rule, target=target, snapshots=(),
                      extra=params0)
        out["flin_test"] = np.asarray(jax.jit(jax.vmap(lambda p, p0: lin(p, p0, xt)))(rl.params, params0))[..., 0]
        out["lin_steps"] = rl.steps
    return out
