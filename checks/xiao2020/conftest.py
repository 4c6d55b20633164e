"""Session fixtures for the Xiao, Pennington & Schoenholz (2020) checks (see ``sweeps.py``)."""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_limits

from checks.xiao2020 import sweeps
from checks.xiao2020.sweeps import (
    CHA,
    CNN_TEST,
    CNN_TRAIN,
    DPS,
    M_TEST,
    M_TRAIN,
    ORD,
    cnn_run,
    fcn_crit_run,
    fcn_f64_run,
    fcn_mp_run,
)


@pytest.fixture(autouse=True)
def _single_threaded_blas():
    """Small dense linear algebra (≤ 400×400) runs faster on one BLAS thread, and the suite
    shares 2 cores with JAX and other workers: a multi-threaded eigh measured 0.8 s instead of
    0.01 s under load. Restored after every test (other papers' checks are unaffected)."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="session")
def ord_mp():
    return fcn_mp_run(ORD, 200, DPS, M_TRAIN + M_TEST)


@pytest.fixture(scope="session")
def cha_mp():
    return fcn_mp_run(CHA, 200, DPS, M_TRAIN + M_TEST)


@pytest.fixture(scope="session")
def crit1():
    return fcn_crit_run(1.0, 3000, M_TRAIN + M_TEST)


@pytest.fixture(scope="session")
def crit_half():
    return fcn_crit_run(0.5, 3000, M_TRAIN + M_TEST)


@pytest.fixture(scope="session")
def crit2():
    return fcn_crit_run(2.0, 3000, M_TRAIN + M_TEST)


@pytest.fixture(scope="session")
def cha_f64():
    return fcn_f64_run(CHA, 120, M_TRAIN + M_TEST)




@pytest.fixture(scope="session")
def cnn_crit():
    """CRIT(1) CNN readouts for (m, d, k) ∈ {(8+6, 8, 1), (8, 16, 2), (12, 8, 1)}."""
    return {
        (8, 8, 1): cnn_run(("crit", 1.0), CNN_TRAIN + CNN_TEST, 8, 1, sweeps.CNN_CRIT_DEPTHS),
        (8, 16, 2): cnn_run(("crit", 1.0), 8, 16, 2, sweeps.CNN_CRIT_DEPTHS),
        (12, 8, 1): cnn_run(("crit", 1.0), 12, 8, 1, sweeps.CNN_CRIT_DEPTHS),
    }


@pytest.fixture(scope="session")
def cnn_ord():
    """ORD CNN readouts, 8 + 6 images, k = 1, d ∈ {8, 16, 32}, l ≤ 60."""
    return {
        d: cnn_run(ORD, CNN_TRAIN + CNN_TEST, d, 1, tuple(range(0, 61, 2))) for d in (8, 16, 32)
    }


@pytest.fixture(scope="session")
def cnn_cha():
    """CHA CNN readouts, 8 + 6 images, k = 1, d ∈ {8, 16, 32}, l ≤ 40."""
    return {
        d: cnn_run(CHA, CNN_TRAIN + CNN_TEST, d, 1, tuple(range(0, 41))) for d in (8, 16, 32)
    }
