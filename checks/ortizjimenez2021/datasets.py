"""Datasets of the Ortiz-Jiménez et al. (2021) checks.

Fast tier: sklearn's bundled digits (1797 × 8×8), pixels divided by 16 and standardised per
pixel (zero-variance pixels → 0); DIGITS2 labels +1 for digits 0–4 and −1 for 5–9, mirroring
the paper's CIFAR2. Paper tier: CIFAR-10 (``cifar10.npz``) and MNIST (``mnist.npz``) read by
``empirical.datasets_local`` from the directory in ``NNK_DATA_DIR`` — never downloaded; a
missing file skips the check with a message naming the variable and the path.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from empirical import datasets_local


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


def _split_or_skip(name: str) -> datasets_local.Split:
    """The local train/test split of ``name`` ("cifar10" / "mnist"); skips (naming the variable
    and the path) when it is not there."""
    try:
        return datasets_local.cifar10() if name == "cifar10" else datasets_local.mnist()
    except datasets_local.DatasetMissing as exc:
        pytest.skip(f"paper tier needs {name}: {exc}")


def _standardized(split: datasets_local.Split) -> tuple[np.ndarray, np.ndarray, int]:
    x = np.concatenate([split.x_train, split.x_test])
    x = (x - x.mean(axis=(0, 1, 2))) / x.std(axis=(0, 1, 2))
    return x.reshape(x.shape[0], -1), np.concatenate([split.y_train, split.y_test]), split.n_train


@functools.cache
def cifar10_standardized() -> tuple[np.ndarray, np.ndarray, int]:
    """(X, class, n_train) for the 60 000 CIFAR-10 images (the 50 000 training images first,
    then the 10 000 test images), flattened HWC, pixels in [0, 1] standardised per channel;
    skips when ``$NNK_DATA_DIR/cifar10.npz`` is missing."""
    return _standardized(_split_or_skip("cifar10"))


@functools.cache
def mnist_standardized() -> tuple[np.ndarray, np.ndarray, int]:
    """(X, digit, n_train) for the 70 000 MNIST digits (60 000 training first), flattened
    28×28, standardised; skips when ``$NNK_DATA_DIR/mnist.npz`` is missing."""
    return _standardized(_split_or_skip("mnist"))


IMAGE_DATASETS = {"cifar10": cifar10_standardized, "mnist": mnist_standardized}
