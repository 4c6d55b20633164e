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


S2_CELLS = {"relu": (1.0, 2.0, 2.5, 3.0), "tanh": (1.5, 3.443210912, 6.0)}
S2_ORDERED = {"relu": 1.0, "tanh": 1.5}
S2_EOC = {"relu": 2.0, "tanh": 3.443210912}
S2_CHAOTIC = {"relu": (2.5, 3.0), "tanh": (6.0,)}


@pytest.fixture(scope="session")
def s2_full(tier):
    """(X_train, y_train, X_test, description): fast — 16 + 16 digits; paper — 128 + 32 MNIST samples from
    $NNK_DATA_DIR/mnist.npz (skipped with the variable and the path named when it is missing)."""
    from checks.seleznova2021.data import s2_dataset

    try:
        return s2_dataset(tier)
    except FileNotFoundError as err:
        pytest.skip(f"paper tier needs MNIST: {err}")


@pytest.fixture(scope="session")
def s2_data(s2_full):
    """Training inputs (‖x‖²/M_0 = 1), parity labels ±1, test inputs."""
    return s2_full[:3]


@pytest.fixture(scope="session")
def s2(s2_full):
    """s2(check) → {(activation, L): run record} for the paper-protocol sweep (sizes from check.size)."""
    from checks.seleznova2021.sweeps import training_group

    x, y, xt, what = s2_full
    memo = {}

    def get(check, activation, n_layers, width=None, **over):
        M = width or check.size("S2 width M", fast=64, paper=256)
        lr = check.size("S2 learning rate (the paper's)", fast=1e-5, paper=1e-5)
        cap = check.size("S2 step cap", fast=1000, paper=100_000)
        seeds = check.size("S2 seeds per cell", fast=3, paper=8)  # catalog: 3; paper tier: t bounds with 7 dof
        text = (f"S2 protocol: GD on (1/2S)Σ(f−y)², {what}, σb² = 1, scalar output, "
                f"M = {M} (paper 256), lr = {lr} for every cell, early stop when the loss decreases by < 1e-7 over "
                f"100 steps, cap {cap} steps (paper 1e5); {seeds} seeds per cell.")
        if text not in check.notes:
            check.note(text)
        kw = {"lr": lr, "max_steps": cap, "linearized": n_layers == 2}
        kw.update(over)
        cells = over.pop("cells", None) or S2_CELLS[activation]
        kw.pop("cells", None)
        key = (activation, n_layers, M, cells, tuple(sorted(kw.items())))
        if key not in memo:
            memo[key] = training_group(activation, n_layers, M, tuple(cells), 1.0, seeds, tuple(map(tuple, x)),
                                       tuple(y), tuple(map(tuple, xt)), **kw)
        return memo[key]

    return get
