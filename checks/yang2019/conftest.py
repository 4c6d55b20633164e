"""Shared, session-scoped sweeps for the Yang & Salman (2019) checks.

Each fixture is computed once per session and reused by several claims; sizes come from the
tier (``fast`` / ``paper``) through ``yang_tier``. Seeds are fixed here and re-recorded by the
checks that use the data (``check.seed``).
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from threadpoolctl import threadpool_limits


def _one_blas_thread(fn):
    """Run a fixture with single-threaded BLAS: on the shared 2-core machine, multi-threaded
    OpenBLAS on small matrices is 20–50× slower under contention (results are unaffected)."""

    @functools.wraps(fn)
    def inner(*args, **kwargs):
        with threadpool_limits(1):
            return fn(*args, **kwargs)

    return inner


@pytest.fixture(autouse=True)
def _single_thread_blas():
    """Every yang2019 check body runs with single-threaded BLAS (see ``_one_blas_thread``)."""
    with threadpool_limits(1):
        yield

#: the document's boolean cube for the sampling experiments (Fig. 1): d = 7
D_SAMPLE = 7


@pytest.fixture(scope="session")
def cube7():
    from numeric.boolean_fourier import cube

    return cube(D_SAMPLE)


#: inputs of the finite-width convergence claims: x_0 = 1 and points with overlap
#: t = ⟨x_0, x⟩/d ∈ {5/7, 1/7, −3/7} (catalog, ck-gp-limit)
GP_LIMIT_FLIPS = (0, 1, 3, 5)
GP_LIMIT_SETTINGS = {"relu": (2.0, 0.5), "erf": (2.0, 0.1)}
GP_LIMIT_DEPTH = 2
GP_LIMIT_SEED = 20190


def gp_limit_inputs() -> np.ndarray:
    x = np.ones((len(GP_LIMIT_FLIPS), D_SAMPLE))
    for i, r in enumerate(GP_LIMIT_FLIPS):
        x[i, :r] = -1.0
    return x


@pytest.fixture(scope="session")
@_one_blas_thread
def gp_limit_data(tier):
    """Per-init last-layer kernels σ_w²/n ⟨x^L(x), x^L(x')⟩ + σ_b² at several widths.

    This is E[f(x)f(x') | hidden layers] (Rao–Blackwellised covariance of f) and, exactly,
    the last-layer gradient inner product of ck-last-layer-linear-model. Returns
    {activation: {width: array (n_inits, 4, 4)}} plus sizes.
    """
    from empirical.boolean_sampling import sample_readout_kernels
    from empirical.mlp import MLP

    widths = (16, 32, 64) if tier == "fast" else (64, 256, 1024)
    n_inits = 2500 if tier == "fast" else 4000
    x = gp_limit_inputs()
    out = {}
    for j, (act, (sw2, sb2)) in enumerate(GP_LIMIT_SETTINGS.items()):
        out[act] = {}
        for i, n in enumerate(widths):
            mlp = MLP(act, sw2, sb2, GP_LIMIT_DEPTH, n)
            out[act][n] = sample_readout_kernels(mlp, x, GP_LIMIT_SEED + 100 * j + i, n_inits)
    return {"kernels": out, "widths": widths, "n_inits": n_inits, "x": x}


#: §4 sampling settings (Fig. 1a): name → (activation, σ_w², σ_b², depth); width 40 (document)
SAMPLE_SETTINGS = {
    "relu 2|2|2": ("relu", 2.0, 2.0, 2),
    "erf 1|0|2": ("erf", 1.0, 0.0, 2),
    "erf 2|0|2": ("erf", 2.0, 0.0, 2),
    "erf 4|0|2": ("erf", 4.0, 0.0, 2),
    "erf 4|0|32": ("erf", 4.0, 0.0, 32),
}
SAMPLE_WIDTH = 40
SAMPLE_SEED = 1907


class CubeSamples:
    """Memoised random-network samples on {±1}^7 (or {0,1}^7), computed on first request."""

    def __init__(self, tier: str):
        self.tier = tier
        self._cache: dict = {}

    def n_samples(self, name: str, cube_kind: str = "pm") -> int:
        deep = name.endswith("|32")
        if cube_kind == "01":
            return (250 if deep else 2500) if self.tier == "fast" else (2000 if deep else 10_000)
        return (500 if deep else 10_000) if self.tier == "fast" else 10_000

    def seed(self, name: str, replication: int = 0, cube_kind: str = "pm") -> int:
        names = list(SAMPLE_SETTINGS)
        return SAMPLE_SEED + 1000 * replication + 10 * names.index(name) + (5 if cube_kind == "01" else 0)

    def get(self, name: str, replication: int = 0, cube_kind: str = "pm") -> np.ndarray:
        """f on the 128 cube points for n_samples(name) independent width-40 networks."""
        key = (name, replication, cube_kind)
        if key not in self._cache:
            from empirical.boolean_sampling import sample_functions
            from empirical.mlp import MLP
            from numeric.boolean_fourier import cube, zero_one_cube

            act, sw2, sb2, depth = SAMPLE_SETTINGS[name]
            x = cube(D_SAMPLE) if cube_kind == "pm" else zero_one_cube(D_SAMPLE)
            mlp = MLP(act, sw2, sb2, depth, SAMPLE_WIDTH)
            self._cache[key] = sample_functions(
                mlp, x, self.seed(name, replication, cube_kind), self.n_samples(name, cube_kind)
            )
        return self._cache[key]


@pytest.fixture(scope="session")
def cube_samples(tier):
    return CubeSamples(tier)


@pytest.fixture(scope="session")
@_one_blas_thread
def cube8_kernels(tier):
    """Empirical CK (readout kernel, width 512) and NTK (width 64) of relu 2|2|2 nets on {±1}^8."""
    from empirical.boolean_sampling import sample_empirical_ntks, sample_readout_kernels
    from empirical.mlp import MLP
    from numeric.boolean_fourier import cube

    x = cube(8)
    widths = {"ck": 512 if tier == "fast" else 4096, "ntk": 64 if tier == "fast" else 1024}
    n_seeds = 8
    ck = sample_readout_kernels(MLP("relu", 2.0, 2.0, 2, widths["ck"]), x, 81, n_seeds, chunk=n_seeds)
    ntk = sample_empirical_ntks(MLP("relu", 2.0, 2.0, 2, widths["ntk"]), x, 82, n_seeds, chunk=1)
    return {"ck": ck, "ntk": ntk, "widths": widths, "n_seeds": n_seeds, "seeds": {"ck": 81, "ntk": 82},
            "setting": ("relu", 2, 2.0, 2.0)}


#: Fig. 2 grids (d = 128, depth 0 … 128, degrees 0 … 8)
FIG2_DIM = 128
FIG2_MAX_DEPTH = 128
FIG2_DEGREES = tuple(range(9))


def _phi1_by_depth(act: str, sw2: float, sb2: float, max_depth: int) -> np.ndarray:
    """Φ(1) of CK and NTK at depths 0 … max_depth: array (2, max_depth + 1)."""
    from numeric import kernel_sequence

    seq = kernel_sequence(act, sw2, sb2, max_depth, np.array([[1.0]]))
    return np.array([[float(s[0, 0]) for s, _ in seq], [float(th[0, 0]) for _, th in seq]])


def _fv_from_mu(mu: np.ndarray, phi1: np.ndarray, dim: int) -> np.ndarray:
    from math import comb

    w = np.array([comb(dim, k) for k in FIG2_DEGREES], dtype=float)
    return mu * w / phi1[..., None]


@pytest.fixture(scope="session")
@_one_blas_thread
def fig2_grids(tier):
    """Fractional variances FV_k(L) on the Fig. 2 hyperparameter grids at d = 128.

    relu: σ_w² = 2, σ_b² grid; erf: σ_w² × σ_b² grid. Certified engine for relu
    (``boolean_cube_depth_sweep``), the engine's double-double sweep for erf
    (``erf_depth_sweep``); Φ(1) from ``numeric.kernel_sequence``.
    """
    from numeric.boolean_cube import boolean_cube_depth_sweep, erf_depth_sweep

    n_relu = 11 if tier == "fast" else 401
    relu_sb = np.linspace(0.0, 4.0, n_relu)
    n_erf = 9 if tier == "fast" else 41
    erf_sw = np.linspace(1.0, 5.0, n_erf)
    erf_sb = np.unique(np.concatenate([np.linspace(0.0, 4.0, n_erf), [0.1]]))
    shape = (FIG2_MAX_DEPTH + 1, len(FIG2_DEGREES))
    relu_fv, relu_mu = np.empty((2, n_relu, *shape)), np.empty((2, n_relu, *shape))
    for i, sb2 in enumerate(relu_sb):
        mu = boolean_cube_depth_sweep("relu", 2.0, float(sb2), FIG2_MAX_DEPTH, FIG2_DIM, FIG2_DEGREES)
        phi1 = _phi1_by_depth("relu", 2.0, float(sb2), FIG2_MAX_DEPTH)
        relu_fv[:, i], relu_mu[:, i] = _fv_from_mu(mu, phi1, FIG2_DIM), mu
    sw_all, sb_all = np.meshgrid(erf_sw, erf_sb, indexing="ij")
    mu = erf_depth_sweep(sw_all.ravel(), sb_all.ravel(), FIG2_MAX_DEPTH, FIG2_DIM, FIG2_DEGREES)
    erf_fv = np.empty((2, len(erf_sw), len(erf_sb), *shape))
    erf_mu = np.empty_like(erf_fv)
    for s, (i, j) in enumerate(np.ndindex(len(erf_sw), len(erf_sb))):
        phi1 = _phi1_by_depth("erf", float(erf_sw[i]), float(erf_sb[j]), FIG2_MAX_DEPTH)
        erf_fv[:, i, j], erf_mu[:, i, j] = _fv_from_mu(mu[s], phi1, FIG2_DIM), mu[s]
    return {"relu_sb": relu_sb, "relu_fv": relu_fv, "relu_mu": relu_mu, "erf_sw": erf_sw,
            "erf_sb": erf_sb, "erf_fv": erf_fv, "erf_mu": erf_mu, "dim": FIG2_DIM}


#: Fig. 3 training settings (App. B lists are blank in the seed; catalog E8, restored at low
#: confidence): name → (activation, σ_w², σ_b²). The order fixes the init seeds.
FIG3_SETTINGS = {
    "relu 2|0": ("relu", 2.0, 0.0),
    "erf 2|0.1": ("erf", 2.0, 0.1),
    "relu 2|1": ("relu", 2.0, 1.0),
    "erf 1|0.1": ("erf", 1.0, 0.1),
}
TRAIN_DEGREES = (0, 1, 2, 3)
TRAIN_SEED = 3100


class Fig3Runs:
    """Memoised App. B runs (``empirical.cube_training.app_b_best_losses``), keyed by setting,
    depth, degrees, protocol and modes, so panels that ask for the same runs share them.

    Init seed of (setting j, depth L): TRAIN_SEED + 10 j + L; target of seed s and degree k:
    rng(TRAIN_SEED + 100 k + s) — or the caller's ``seed`` / ``target_seed``.
    """

    def __init__(self) -> None:
        self._cache: dict = {}

    def get(self, name, depth, protocol, degrees=TRAIN_DEGREES, modes=("last", "all"), *,
            seed=None, target_seed=TRAIN_SEED):
        from empirical.cube_training import app_b_best_losses

        act, sw2, sb2 = FIG3_SETTINGS[name]
        if seed is None:
            seed = TRAIN_SEED + 10 * list(FIG3_SETTINGS).index(name) + depth
        key = (name, depth, tuple(degrees), protocol, tuple(modes), seed, target_seed)
        if key not in self._cache:
            with threadpool_limits(1):
                run = app_b_best_losses(act, sw2, sb2, depth, degrees, protocol, seed=seed,
                                        target_seed=target_seed, modes=modes)
            run["seed"] = seed
            self._cache[key] = run
        return self._cache[key]


@pytest.fixture(scope="session")
def fig3_runs():
    return Fig3Runs()
