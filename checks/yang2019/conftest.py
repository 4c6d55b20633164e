"""Shared, session-scoped sweeps for the Yang & Salman (2019) checks.

Each fixture is computed once per session and reused by several claims; sizes come from the
tier (``fast`` / ``paper``) through ``yang_tier``. Seeds are fixed here and re-recorded by the
checks that use the data (``check.seed``).
"""

from __future__ import annotations

import numpy as np
import pytest

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
def gp_limit_data(tier):
    """Per-init last-layer kernels σ_w²/n ⟨x^L(x), x^L(x')⟩ + σ_b² at several widths.

    This is E[f(x)f(x') | hidden layers] (Rao–Blackwellised covariance of f) and, exactly,
    the last-layer gradient inner product of ck-last-layer-linear-model. Returns
    {activation: {width: array (n_inits, 4, 4)}} plus sizes.
    """
    from empirical.boolean_sampling import sample_readout_kernels
    from empirical.mlp import MLP

    widths = (16, 32, 64, 128) if tier == "fast" else (64, 256, 1024)
    n_inits = 4000
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
            return (250 if deep else 5000) if self.tier == "fast" else (2000 if deep else 10_000)
        return (1000 if deep else 10_000) if self.tier == "fast" else 10_000

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
