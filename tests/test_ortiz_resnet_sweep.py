"""The Ortiz-Jiménez et al. (2021) main sweep end-to-end with a width-reduced ResNet18 on a tiny
fake ``cifar10.npz`` (the paper-tier code path: CIFAR loader, blockwise Gram, top-K
eigensolver), and the blockwise Gram / top-K eigenpairs against the one-shot routines."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from checks.ortizjimenez2021 import datasets, sweeps
from numeric.alignment import gram_eigenpairs

TINY = sweeps.Setup(
    dataset="cifar10",
    eigen_set=30,
    n_train=20,
    epochs=2,
    eig_seeds=(0,),
    js=(1, 3),
    size_seeds=(),
    sizes=(),
    rotation_js=(),
    rotation_max_j=1,
    overfit_j=0,
    overfit_epochs=(),
    binary_epochs=(0, 2),
    energy_ks=(3,),
    cnn_size_seeds=(0,),
    cnn_sizes=(10, 20),
    resnet_width=2,
    batch_size=5,
)


@pytest.fixture
def fake_cifar(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    np.savez(
        tmp_path / "cifar10.npz",
        x_train=rng.integers(0, 256, (40, 32, 32, 3), dtype=np.uint8),
        y_train=rng.integers(0, 10, 40),
        x_test=rng.integers(0, 256, (15, 32, 32, 3), dtype=np.uint8),
        y_test=rng.integers(0, 10, 15),
    )
    monkeypatch.setenv("NNK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NNK_CACHE", "0")
    datasets.cifar10_standardized.cache_clear()
    yield tmp_path
    datasets.cifar10_standardized.cache_clear()


def test_resnet18_main_sweep_on_fake_cifar(fake_cifar, monkeypatch):
    # M = 30 > STREAM_MIN_M: the blockwise Gram and the top-K eigensolver of the paper tier
    monkeypatch.setattr(sweeps, "STREAM_MIN_M", 10)
    net = sweeps.network("resnet18", TINY)
    assert net.width == 2 and net.image_size == 32 and net.in_channels == 3
    out = sweeps.main_sweep("resnet18", TINY)
    assert out["arch"] == "resnet18" and out["n_params"] == net.n_params()
    runs = out["runs"]
    assert [(r["task"], r["j"], r["m"]) for r in runs] == [
        ("eig", 1, 20), ("eig", 3, 20), ("bin", 0, 10), ("bin", 0, 20)]
    k = sweeps.eigen_rank(TINY)
    assert k == 3
    assert out["u"][0].shape == (30, k) and out["mu"][0].shape == (k,)
    assert np.all(np.diff(out["mu"][0]) <= 0) and out["mu"][0][-1] > 0
    # targets are sign(φ_j) of the kept eigenvectors; no M × M array in the output
    np.testing.assert_array_equal(out["y"][1], sweeps.eigen_target(out["u"][0][:, 2]))
    assert "k0" not in out
    for model in ("nn", "lin"):
        acc = np.asarray(out[model]["test_acc"])
        assert acc.shape[0] == 4 and np.all((acc >= 0) & (acc <= 1))
        assert np.all(np.isfinite(out[model]["train_loss"]))
    # checkpoint analyses of the full-size binary run at epochs 0 and 2
    cps = out["checkpoints"]
    assert [(c["run"], c["epoch"]) for c in cps] == [(3, 0), (3, 2)]
    assert cps[0]["trace_ratio"] == pytest.approx(1.0, rel=1e-12)
    for c in cps:
        assert 0 < c["energy"][3] <= 1 + 1e-12 and c["jbar"] > 0
        assert c["unbiased_test_acc"].shape == (2,)
    # the same initialisation's full Gram (one-shot path) has the same top eigenpairs
    monkeypatch.setattr(sweeps, "STREAM_MIN_M", 10**9)
    sweeps.full_eigensystem.cache_clear()
    _, mu, U = sweeps.full_eigensystem("resnet18", TINY, 0)
    sweeps.full_eigensystem.cache_clear()
    np.testing.assert_allclose(out["mu"][0], mu[:k], rtol=1e-10)
    np.testing.assert_allclose(np.abs(out["u"][0].T @ U[:, :k]), np.eye(k), atol=1e-8)


@pytest.mark.parametrize("arch", ["mlp", "cnn"])
def test_blocked_gram_and_top_eigenpairs(arch, monkeypatch):
    setup = dataclasses.replace(sweeps.FAST, eigen_set=60, n_train=40, cnn="cnn-s")
    net = sweeps.network(arch, setup)
    x, _ = sweeps.eigen_set(setup)
    params = sweeps.init_params(net, 0, x.shape[1])
    one_shot = sweeps.ntk_gram(net, params, x)
    blocked = sweeps.ntk_gram_blocked(net, params, x, rows=7)  # ragged last block
    np.testing.assert_allclose(blocked, one_shot, rtol=1e-12, atol=1e-12 * np.abs(one_shot).max())
    np.testing.assert_array_equal(blocked, blocked.T)
    mu, U = gram_eigenpairs(one_shot)
    monkeypatch.setattr(sweeps, "STREAM_MIN_M", 10)  # the LAPACK subset eigensolver
    mu_k, U_k = sweeps.top_eigenpairs(one_shot, 5)
    np.testing.assert_allclose(mu_k, mu[:5], rtol=1e-10)
    np.testing.assert_allclose(np.abs(np.sum(U_k * U[:, :5], axis=0)), 1.0, atol=1e-8)
    with pytest.raises(ValueError, match="k must be an int"):
        sweeps.top_eigenpairs(one_shot, 0)
