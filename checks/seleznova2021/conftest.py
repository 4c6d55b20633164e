"""Session-wide sweeps shared by the Seleznova & Kutyniok (2021) checks (see sweeps.py)."""

import pytest

from checks.seleznova2021.sweeps import DispersionSweep


@pytest.fixture(scope="session")
def s1() -> DispersionSweep:
    """S1: NTK diagonal at initialisation (cells computed on first use, cached on disk)."""
    return DispersionSweep()


MC_INDICES = (0, 24, 1, 3)  # digits(64) samples; the pair (0, 24) has input cosine 0.673


@pytest.fixture(scope="session")
def mc_inputs():
    """Four digits inputs (‖x‖²/64 = 1) for the layer-wise Monte Carlo; inputs 0, 1 form the (s, r) pair."""
    from empirical.digits_mnist import digits

    x, _, _ = digits(64)
    return x[list(MC_INDICES)]


@pytest.fixture(scope="session")
def layer_runs(mc_inputs):
    """layer_runs(hidden, n) → {cell: per-initialisation layer statistics} of real JAX networks (cached)."""
    from checks.seleznova2021.sweeps import layerwise_mc

    x = tuple(map(tuple, mc_inputs))
    memo = {}

    def get(hidden, n, **kw):
        key = (tuple(hidden), n, tuple(sorted(kw.items())))
        if key not in memo:
            memo[key] = layerwise_mc(tuple(hidden), n, x, **kw)
        return memo[key]

    return get
