"""Session fixtures for the NTK-blog checks (Dwaraknath 2019); the sweeps live in ``sweeps.py``."""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_limits

from checks.ntkblog import sweeps


@pytest.fixture(autouse=True)
def _single_threaded_blas():
    """The NTK-blog checks do small dense linear algebra (≤ 600×600, batched 5×5): threaded BLAS
    only spins on a busy 2-core machine, so each check runs with one BLAS thread (restored after)."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="session")
def ohl_tanh(tier):
    """One-hidden-layer tanh, x = 1, LeCun init: exact statistics per width and init."""
    return sweeps.one_hidden_sweep(tier)


@pytest.fixture(scope="session")
def two_layer(tier):
    """Bias-free 2-hidden-layer tanh: κ, ‖∇²y‖, ‖∇y‖ per width for LeCun and 1/m² variances."""
    return sweeps.two_layer_kappa(tier)


@pytest.fixture(scope="session")
def higher_dim(tier):
    """d = 3 inputs, k = 2 outputs, 5 points: κ, tensor Hessian norm, Jacobian norm per width."""
    return sweeps.higher_dim_kappa(tier)


@pytest.fixture(scope="session")
def width_runs(tier):
    """2-hidden-layer ReLU, PyTorch init, widths 10/100/1000 trained 1000 GD steps (C6)."""
    return sweeps.width_runs(tier)


@pytest.fixture(scope="session")
def alpha_runs(tier):
    """Centred α-scaled width-100 nets, 4000 GD steps (C6): ReLU α = 0.03 … 100, tanh α = 1 … 100."""
    return {act: sweeps.alpha_runs(tier, act) for act in ("relu", "tanh")}


@pytest.fixture(scope="session")
def ellipse_runs(tier):
    """Centred α-scaled width-100 ReLU nets on the ellipse data (C6), NTK snapshots."""
    return sweeps.ellipse_runs(tier)


@pytest.fixture(scope="session")
def ohl_gd(tier):
    """One-hidden-layer tanh, N = 1, trained to |u| < 1e-12 (100 inits per width)."""
    return sweeps.one_hidden_gd(tier)
