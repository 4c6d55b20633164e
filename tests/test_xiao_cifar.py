"""The CIFAR-10 paper-tier path of the Xiao, Pennington & Schoenholz (2020) checks, on a tiny fake
``cifar10.npz`` (CPU).

The paper tier of Fig. 2 (:func:`checks.xiao2020.sweeps.digits_gd` with ``dataset="cifar10"``) and of
the Fig. 3 CNN strip (:func:`checks.xiao2020.sweeps.cnn_strip_grid`) reads
``$NNK_DATA_DIR/cifar10.npz`` (Keras layout: ``x_train`` (N, 32, 32, 3) uint8, ``y_train`` (N, 1),
``x_test``, ``y_test``). It has never run on real data here, so this test exercises the loader, the
missing-file message, and one tiny step of both code paths.
"""

import numpy as np
import pytest

from checks.xiao2020 import sweeps


def _fake_cifar(folder, n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, size=(n, 32, 32, 3), dtype=np.uint8)
    y = rng.integers(0, 10, size=(n, 1), dtype=np.uint8)  # Keras: labels as a column
    np.savez(folder / "cifar10.npz", x_train=x, y_train=y, x_test=x[: n // 2], y_test=y[: n // 2])
    return x, y


def test_missing_cifar_names_the_variable_and_the_path(monkeypatch, tmp_path):
    monkeypatch.delenv("NNK_DATA_DIR", raising=False)
    why = sweeps.cifar10_missing_reason()
    assert why is not None and "NNK_DATA_DIR" in why and "cifar10.npz" in why
    with pytest.raises(FileNotFoundError, match="NNK_DATA_DIR"):
        sweeps.train_test_data(4, "cifar10")
    monkeypatch.setenv("NNK_DATA_DIR", str(tmp_path))
    assert str(tmp_path / "cifar10.npz") in sweeps.cifar10_missing_reason()
    with pytest.raises(FileNotFoundError, match="not found at"):
        sweeps.load_cifar10()


def test_paper_tier_skips_with_the_message(monkeypatch, tmp_path):
    monkeypatch.delenv("NNK_DATA_DIR", raising=False)
    with pytest.raises(pytest.skip.Exception, match="environment variable NNK_DATA_DIR"):
        sweeps.skip_unless_cifar10()
    monkeypatch.setenv("NNK_DATA_DIR", str(tmp_path))
    with pytest.raises(pytest.skip.Exception, match="not found at"):
        sweeps.skip_unless_cifar10()
    _fake_cifar(tmp_path, n=4)
    sweeps.skip_unless_cifar10()  # present: no skip


def test_cifar_loader_format(monkeypatch, tmp_path):
    x_raw, y_raw = _fake_cifar(tmp_path)
    monkeypatch.setenv("NNK_DATA_DIR", str(tmp_path))
    assert sweeps.cifar10_missing_reason() is None
    xtr, ltr, xte, lte = sweeps.train_test_data(6, "cifar10")
    assert xtr.shape == (6, 3072) and xte.shape == (6, 3072)
    np.testing.assert_allclose(np.mean(xtr**2, axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.mean(xtr, axis=1), 0.0, atol=1e-12)
    i = np.random.default_rng(0).permutation(len(x_raw))[:6]  # the seeded subset of the rows
    np.testing.assert_array_equal(ltr, y_raw.reshape(-1)[i])
    raw = x_raw[i].reshape(6, -1).astype(float)
    raw -= raw.mean(axis=1, keepdims=True)
    np.testing.assert_allclose(xtr, raw / np.sqrt(np.mean(raw**2, axis=1, keepdims=True)), rtol=1e-12)


def test_cifar_bad_format_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("NNK_DATA_DIR", str(tmp_path))
    np.savez(tmp_path / "cifar10.npz", x_train=np.ones((4, 32, 32, 3)), y_train=np.zeros(4))
    with pytest.raises(ValueError, match="missing"):
        sweeps.load_cifar10()
    np.savez(tmp_path / "cifar10.npz", x_train=np.ones((4, 28, 28)), y_train=np.zeros(4),
             x_test=np.ones((4, 28, 28)), y_test=np.zeros(4))
    with pytest.raises(ValueError, match=r"\(N, 32, 32, 3\)"):
        sweeps.load_cifar10()
    _fake_cifar(tmp_path, n=8)
    with pytest.raises(ValueError, match="m must lie"):
        sweeps.train_test_data(100, "cifar10")


def test_paper_tier_code_paths_run_on_fake_cifar(monkeypatch, tmp_path):
    _fake_cifar(tmp_path)
    monkeypatch.setenv("NNK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NNK_CACHE", "0")  # never cache results of fake data
    # Fig. 2: GD learning-rate sweep of a tiny erf FCN on 3072-dim CIFAR inputs
    r = sweeps.digits_gd(1.5, 1, 8, 6, 1, 2, 0, dataset="cifar10", rhos=(0.5, 8.0))
    assert r["lambda_max"] > 0 and r["train_acc"].shape == (1, 2)
    assert np.all((r["test_acc"] >= 0) & (r["test_acc"] <= 1))
    # Fig. 3 strip: 1-D CNN kernels on CIFAR bands (8 pixels × 384 channels)
    img, lab = sweeps.strip_images("cifar10", 8, 0)
    assert img.shape == (8, 8, 384) and lab.shape == (8,)
    grid = sweeps.cnn_strip_grid("cifar10", ("1.2",), (1, 2), 8, 2, 0)
    acc = grid["1.2"]["acc"]
    assert acc["flatten"].shape == (2, 2) and np.all((acc["pool"] >= 0) & (acc["pool"] <= 1))
