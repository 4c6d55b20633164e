"""Datasets of the Ortiz-Jiménez et al. (2021) checks.

Fast tier: sklearn's bundled digits (1797 × 8×8), pixels divided by 16 and standardised per
pixel (zero-variance pixels → 0); DIGITS2 labels +1 for digits 0–4 and −1 for 5–9, mirroring
the paper's CIFAR2. Paper tier: CIFAR-10 (``cifar-10-batches-py``) and MNIST (``mnist.npz``)
read from the directory in ``NNK_DATA_DIR`` — never downloaded.
"""

from __future__ import annotations

import functools
import os
import pathlib
import pickle

import numpy as np
import pytest

DATA_ENV = "NNK_DATA_DIR"


@functools.cache
def digits_standardized() -> tuple[np.ndarray, np.ndarray]:
    """(X, digit) with X of shape (1797, 64), standardised per pixel."""
    from sklearn.datasets import load_digits

    data = load_digits()
    x = data.data / 16.0
    x = x - x.mean(axis=0)
    sd = x.std(axis=0)
    x = np.where(sd > 0, x / np.where(sd > 0, sd, 1.0), 0.0)
    return x, data.target.astype(np.int64)


def binary_labels(classes: np.ndarray) -> np.ndarray:
    """+1 for classes 0–4, −1 for 5–9 (DIGITS2 / CIFAR2)."""
    return np.where(np.asarray(classes) < 5, 1.0, -1.0)


def _data_dir(what: str) -> pathlib.Path:
    root = os.environ.get(DATA_ENV)
    if not root:
        pytest.skip(f"paper tier needs {what}: set {DATA_ENV} to a local data directory")
    return pathlib.Path(root)


@functools.cache
def cifar10_standardized() -> tuple[np.ndarray, np.ndarray]:
    """(X, class) for the 60 000 CIFAR-10 images (train then test), flattened HWC, pixels
    scaled to [0, 1] and standardised per channel; skips when the data is missing."""
    base = _data_dir("CIFAR-10 (cifar-10-batches-py)") / "cifar-10-batches-py"
    files = [base / f"data_batch_{i}" for i in range(1, 6)] + [base / "test_batch"]
    if not all(f.exists() for f in files):
        pytest.skip(f"CIFAR-10 not found under {base} (expected the python-pickle batches)")
    xs, ys = [], []
    for f in files:
        with f.open("rb") as fh:
            d = pickle.load(fh, encoding="latin1")
        xs.append(np.asarray(d["data"], dtype=np.float64).reshape(-1, 3, 32, 32))
        ys.append(np.asarray(d["labels"], dtype=np.int64))
    x = np.concatenate(xs).transpose(0, 2, 3, 1) / 255.0
    x = (x - x.mean(axis=(0, 1, 2))) / x.std(axis=(0, 1, 2))
    return x.reshape(x.shape[0], -1), np.concatenate(ys)


@functools.cache
def mnist_standardized() -> tuple[np.ndarray, np.ndarray]:
    """(X, digit) for the 70 000 MNIST digits (``mnist.npz`` with x_train/y_train/x_test/y_test)."""
    path = _data_dir("MNIST (mnist.npz)") / "mnist.npz"
    if not path.exists():
        pytest.skip(f"MNIST not found at {path}")
    with np.load(path) as d:
        x = np.concatenate([d["x_train"], d["x_test"]]).reshape(-1, 784) / 255.0
        y = np.concatenate([d["y_train"], d["y_test"]]).astype(np.int64)
    x = (x - x.mean()) / x.std()
    return x, y
