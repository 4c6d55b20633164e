"""Session fixtures of the Ortiz-Jiménez et al. (2021) checks: one cached sweep per
architecture (``sweeps.main_sweep``) feeds every empirical claim."""

from __future__ import annotations

import os

import matplotlib
import pytest
from threadpoolctl import threadpool_limits

from checks.ortizjimenez2021 import sweeps

matplotlib.use("Agg")


@pytest.fixture(scope="session")
def setup(tier):
    """The sizes of the active tier (``sweeps.FAST`` / ``sweeps.PAPER``)."""
    return sweeps.SETUPS[tier]


@pytest.fixture(scope="session")
def mlp_sweep(setup):
    return sweeps.main_sweep("mlp", setup)


@pytest.fixture(scope="session")
def cnn_sweep(setup):
    return sweeps.main_sweep("cnn", setup)


@pytest.fixture(scope="session")
def arch_sweeps(tier, setup, mlp_sweep, cnn_sweep):
    """[(label, sweep)] of the checks the paper also ran on ResNet18 (Figs. 2–3): the MLP and
    the CNN; on the paper tier ResNet18 (BN frozen at init, the same ``main_sweep``) is added
    when ``NNK_RESNET18=1`` — its Gram on the eigen set is outside the default device budget."""
    out = [("MLP", mlp_sweep), (setup.cnn_label, cnn_sweep)]
    if tier == "paper" and os.environ.get(sweeps.RESNET18_ENV) == "1":
        out.append(("ResNet18", sweeps.main_sweep("resnet18", setup)))
    return out


@pytest.fixture(scope="session")
def full_eig(setup):
    """``full_eig(arch, seed)`` → (K₀, μ, U): the full Gram of initialisation ``seed`` on the
    eigen set and ALL its eigenpairs (``sweeps.full_eigensystem``; the main sweep keeps only
    the top ``sweeps.eigen_rank(setup)`` eigenpairs and no M × M array)."""

    def get(arch: str = "mlp", seed: int = 0):
        return sweeps.full_eigensystem(arch, setup, seed)

    return get


@pytest.fixture(scope="session")
def mnist_sweeps(tier, request):
    """(MLP, CNN) eigenfunction sweeps of the MNIST claim (App. E.1, Fig. 12): the digits sweeps
    themselves on the fast tier (digits is the offline stand-in), ``sweeps.MNIST_PAPER`` on
    the paper tier — the same ``main_sweep``; skips when ``$NNK_DATA_DIR/mnist.npz`` is missing."""
    if tier != "paper":
        return request.getfixturevalue("mlp_sweep"), request.getfixturevalue("cnn_sweep")
    setup = sweeps.MNIST_SETUPS[tier]
    return sweeps.main_sweep("mlp", setup), sweeps.main_sweep("cnn", setup)


@pytest.fixture(scope="session")
def table1_sweeps(tier, request):
    """(MLP, CNN) sweeps of Table 1 (App. E.2): the DIGITS2 runs of the main sweeps on the fast
    tier, ``sweeps.TABLE1_PAPER`` (CIFAR2, 12 000 samples, 200 epochs) on the paper tier."""
    if tier != "paper":
        return request.getfixturevalue("mlp_sweep"), request.getfixturevalue("cnn_sweep")
    setup = sweeps.TABLE1_SETUPS[tier]
    return sweeps.main_sweep("mlp", setup), sweeps.main_sweep("cnn", setup)


def record_setup(check, *names):
    """Record the setup fields ``names`` through ``check.size`` (fast and paper values)."""
    out = {}
    for name in names:
        out[name] = check.size(
            name, fast=getattr(sweeps.FAST, name), paper=getattr(sweeps.PAPER, name)
        )
    return out


@pytest.fixture(scope="session")
def eigen_data(setup):
    """(x, binary labels) of the eigen set; the first ``setup.n_train`` points train."""
    return sweeps.eigen_set(setup)


@pytest.fixture(autouse=True)
def _single_threaded_blas():
    """NumPy/SciPy BLAS single-threaded during these checks: on the shared 2-core machine the
    multi-threaded OpenBLAS eigensolvers were measured up to 40× slower under contention."""
    with threadpool_limits(limits=1):
        yield


def select(sweep, task, **match):
    """Indices of the sweep's runs of ``task`` ("eig" / "bin") whose fields equal ``match``."""
    return [
        i
        for i, r in enumerate(sweep["runs"])
        if r["task"] == task and all(r[k] == v for k, v in match.items())
    ]


def fit_epoch(losses, threshold):
    """First epoch (1-based) with loss ≤ threshold per row; epochs + 1 (censored) if never."""
    import numpy as np

    hit = np.asarray(losses) <= threshold
    return np.where(hit.any(axis=1), hit.argmax(axis=1) + 1, hit.shape[1] + 1)
