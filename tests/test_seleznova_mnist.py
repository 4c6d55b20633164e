"""The MNIST paper-tier path of the Seleznova & Kutyniok (2021) checks, on a tiny fake ``mnist.npz`` (CPU).

The paper tier reads ``$NNK_DATA_DIR/mnist.npz`` (Keras layout: ``x_train`` (N, 28, 28) uint8, ``y_train`` (N,));
it has never run on real data here, so this test exercises the loader, the missing-file message, and one tiny
training step of the S2 code path (:func:`checks.seleznova2021.sweeps.training_group`) on 784-dim inputs.
"""

import numpy as np
import pytest

from checks.seleznova2021.data import S2_SIZES, s2_dataset
from empirical.digits_mnist import DATA_ENV, mnist, mnist_missing_reason


def _fake_mnist(folder, n=200, seed=0, flat=False):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    x[:, 0, 0] = np.maximum(x[:, 0, 0], 1)  # no all-zero image
    y = rng.integers(0, 10, size=n).astype(np.uint8)
    np.savez(folder / "mnist.npz", x_train=x.reshape(n, 784) if flat else x, y_train=y,
             x_test=x[:10], y_test=y[:10])
    return x, y


def test_missing_mnist_names_the_variable_and_the_path(monkeypatch, tmp_path):
    monkeypatch.delenv(DATA_ENV, raising=False)
    why = mnist_missing_reason()
    assert why is not None and DATA_ENV in why and "mnist.npz" in why
    with pytest.raises(FileNotFoundError, match=DATA_ENV):
        mnist(8)
    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    why = mnist_missing_reason()
    assert DATA_ENV in why and str(tmp_path / "mnist.npz") in why
    with pytest.raises(FileNotFoundError, match="not found at"):
        s2_dataset("paper")


@pytest.mark.parametrize("flat", [False, True])
def test_mnist_loader_format(monkeypatch, tmp_path, flat):
    x_raw, y_raw = _fake_mnist(tmp_path, flat=flat)
    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    assert mnist_missing_reason() is None
    x, y, lab = mnist(16, seed=3)
    assert x.shape == (16, 784)
    np.testing.assert_allclose(np.mean(x**2, axis=1), 1.0, rtol=1e-12)  # ‖x‖²/M_0 = 1
    np.testing.assert_array_equal(y, np.where(lab % 2 == 0, 1.0, -1.0))
    idx = np.random.default_rng(3).permutation(len(y_raw))[:16]  # the seeded subset of the file's rows
    np.testing.assert_array_equal(lab, y_raw[idx])
    raw = x_raw.reshape(len(x_raw), -1)[idx].astype(float)
    np.testing.assert_allclose(x, raw / np.sqrt(np.mean(raw**2, axis=1, keepdims=True)), rtol=1e-12)


def test_mnist_bad_format_is_a_clear_error(monkeypatch, tmp_path):
    np.savez(tmp_path / "mnist.npz", x_train=np.ones((5, 10, 10)), y_train=np.zeros(5, dtype=int),
             x_test=np.ones((5, 10, 10)), y_test=np.zeros(5, dtype=int))
    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    with pytest.raises(ValueError, match=r"x_train must hold images of shape \(N, 28, 28, 1\)"):
        mnist(2)
    np.savez(tmp_path / "mnist.npz", images=np.ones((5, 784)))
    with pytest.raises(ValueError, match="missing"):
        mnist(2)


def test_paper_tier_s2_path_one_step(monkeypatch, tmp_path):
    """s2_dataset('paper') + one GD step of training_group on 784-dim MNIST-shaped inputs (tiny width, CPU)."""
    from checks.seleznova2021.sweeps import training_group

    _fake_mnist(tmp_path, n=200)
    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    monkeypatch.setenv("NNK_CACHE", "0")  # never write the sweep cache from a unit test
    x, y, xt, what = s2_dataset("paper")
    assert (x.shape, xt.shape, y.shape) == ((S2_SIZES["paper"][0], 784), (S2_SIZES["paper"][1], 784), (128,))
    assert "MNIST" in what
    tup = lambda a: tuple(map(tuple, a))  # noqa: E731
    xs, ys = x[:8], y[:8]
    r = training_group("relu", 2, 4, (1.0,), 1.0, 2, tup(xs), tuple(ys), tup(xt[:4]), lr=1e-5, max_steps=1,
                       snapshots=(), linearized=True)
    assert r["steps"].tolist() == [1, 1]
    assert r["theta0"].shape == (2, 8, 8) and r["fT_test"].shape == (2, 4) and r["flin_test"].shape == (2, 4)
    assert np.all(np.isfinite(r["delta_final"])) and np.all(r["delta_final"] > 0)
    assert np.all(r["lr"] < r["eta_c"])  # lr = 1e-5 is a stable rate for this tiny net
