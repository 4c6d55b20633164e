r"""Small image datasets normalised as in Seleznova & Kutyniok (2021): ‖x‖²/M_0 = 1.

* :func:`digits` — scikit-learn's bundled 8×8 digits (M_0 = 64), the fast tier's stand-in for
  MNIST; pixels are non-negative, so pairwise cosines lie in [0, 1] as in the paper.
* :func:`mnist` — MNIST (M_0 = 784) read from ``$NNK_DATA_DIR/mnist.npz`` (the Keras layout,
  read by :mod:`empirical.datasets_local`); never downloaded.

Both return a fixed subset drawn with a seeded permutation, each sample scaled to mean square
1, and scalar parity labels y = +1 (even digit) / −1 (odd digit).

References: Seleznova & Kutyniok (2021), §4 (MNIST, 128 samples); catalog convention C7.
"""

from __future__ import annotations

import numpy as np

from empirical import datasets_local

DATA_ENV = datasets_local.DATA_ENV


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    norms = np.sqrt(np.mean(x**2, axis=1, keepdims=True))
    if np.any(norms == 0):
        raise ValueError("an all-zero image cannot be normalised")
    return x / norms


def _subset(x: np.ndarray, labels: np.ndarray, n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not isinstance(n, int | np.integer) or not 1 <= n <= len(x):
        raise ValueError(f"n must be an integer in [1, {len(x)}], got {n!r}")
    idx = np.random.default_rng(seed).permutation(len(x))[:n]
    lab = np.asarray(labels)[idx].astype(int)
    return _normalise(x[idx]), np.where(lab % 2 == 0, 1.0, -1.0), lab


def digits(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X (n, 64) with ‖x‖²/64 = 1, parity labels ±1, digit labels) from sklearn's digits."""
    from sklearn.datasets import load_digits

    data = load_digits()
    return _subset(data.data, data.target, n, seed)


def mnist_missing_reason() -> str | None:
    """Why MNIST cannot be read (naming the variable and the path looked at), or None when it can."""
    return datasets_local.missing_reason("mnist.npz")


def mnist(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X (n, 784), parity labels, digit labels) from ``$NNK_DATA_DIR/mnist.npz`` (training split),
    read and format-checked by :func:`empirical.datasets_local.mnist`."""
    split = datasets_local.mnist()
    x = split.x_train.reshape(split.n_train, -1)
    return _subset(x, split.y_train, n, seed)
