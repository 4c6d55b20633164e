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
