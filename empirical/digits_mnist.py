r"""Small image datasets normalised as in Seleznova & Kutyniok (2021): ‖x‖²/M_0 = 1.

* :func:`digits` — scikit-learn's bundled 8×8 digits (M_0 = 64), the fast tier's stand-in for
  MNIST; pixels are non-negative, so pairwise cosines lie in [0, 1] as in the paper.
* :func:`mnist` — MNIST (M_0 = 784) read from ``$NNK_DATA_DIR/mnist.npz`` (the Keras layout:
  arrays ``x_train``, ``y_train``); never downloaded.

Both return a fixed subset drawn with a seeded permutation, each sample scaled to mean square
1, and scalar parity labels y = +1 (even digit) / −1 (odd digit).

References: Seleznova & Kutyniok (2021), §4 (MNIST, 128 samples); catalog convention C7.
"""

from __future__ import annotations

import os
import pathlib

import numpy as np

DATA_ENV = "NNK_DATA_DIR"


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


def mnist_path() -> pathlib.Path | None:
    """``$NNK_DATA_DIR/mnist.npz`` if it exists, else None."""
    root = os.environ.get(DATA_ENV)
    if not root:
        return None
    path = pathlib.Path(root) / "mnist.npz"
    return path if path.exists() else None


def mnist_missing_reason() -> str | None:
    """Why MNIST cannot be read (naming the variable and the path looked at), or None when it can."""
    root = os.environ.get(DATA_ENV)
    if not root:
        return (f"MNIST not found: the environment variable {DATA_ENV} is not set; set it to a folder containing "
                f"mnist.npz (arrays x_train (N, 28, 28) or (N, 784), y_train (N,)), i.e. ${DATA_ENV}/mnist.npz; "
                "it is never downloaded")
    path = pathlib.Path(root) / "mnist.npz"
    if not path.exists():
        return (f"MNIST not found: {DATA_ENV}={root!s} but {path} does not exist (expected ${DATA_ENV}/mnist.npz "
                "with arrays x_train (N, 28, 28) or (N, 784), y_train (N,)); it is never downloaded")
    return None


def mnist(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X (n, 784), parity labels, digit labels) from ``$NNK_DATA_DIR/mnist.npz`` (training split)."""
    why = mnist_missing_reason()
    if why is not None:
        raise FileNotFoundError(why)
    path = pathlib.Path(os.environ[DATA_ENV]) / "mnist.npz"
    with np.load(path) as f:
        missing = {"x_train", "y_train"} - set(f.files)
        if missing:
            raise ValueError(f"{path}: mnist.npz must hold arrays x_train and y_train; missing {sorted(missing)}")
        x, y = np.asarray(f["x_train"]), np.asarray(f["y_train"])
    if x.ndim not in (2, 3) or x.shape[0] != y.shape[0] or y.ndim != 1 or int(np.prod(x.shape[1:])) != 784:
        raise ValueError(f"{path}: x_train must have shape (N, 28, 28) or (N, 784) and y_train (N,), got "
                         f"{x.shape} and {y.shape}")
    return _subset(x, y, n, seed)
