"""Session fixtures for the NTK-blog checks (Dwaraknath 2019); the sweeps live in ``sweeps.py``."""

from __future__ import annotations

import pytest

from checks.ntkblog import sweeps


@pytest.fixture(scope="session")
def ohl_tanh(tier):
    """One-hidden-layer tanh, x = 1, LeCun init: exact statistics per width and init."""
    return sweeps.one_hidden_sweep(tier)
