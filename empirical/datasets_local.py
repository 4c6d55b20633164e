r"""Paper-scale image datasets read from a local directory — never downloaded.

The directory is ``$NNK_DATA_DIR``; each dataset is one NumPy ``.npz`` file in the Keras layout
(arrays ``x_train``, ``y_train``, ``x_test``, ``y_test``):

* ``cifar10.npz`` — x: (50 000 | 10 000, 32, 32, 3) NHWC (or NCHW (N, 3, 32, 32)), y: (N,) or
  (N, 1) integer classes 0–9;
* ``mnist.npz`` — x: (60 000 | 10 000, 28, 28) (or (N, 28, 28, 1) or flat (N, 784)), y: (N,)
  integer digits.

:func:`cifar10` and :func:`mnist` return a :class:`Split` with NHWC float64 images scaled to
[0, 1] (integer pixels divided by 255) and int64 labels; a missing variable or file raises
:class:`DatasetMissing` (a ``FileNotFoundError``) whose message names ``NNK_DATA_DIR`` and the
path it looked at, so that a check can turn it into a skip; a malformed file raises
``ValueError`` naming the array.
"""

from __future__ import annotations

import os
import pathlib
from dataclasses import dataclass

import numpy as np

DATA_ENV = "NNK_DATA_DIR"
KEYS = ("x_train", "y_train", "x_test", "y_test")


class DatasetMissing(FileNotFoundError):
    """The dataset file is not available locally (``NNK_DATA_DIR`` unset or file absent)."""


@dataclass(frozen=True)
class Split:
    """Train and test images (NHWC float64 in [0, 1]) and integer labels."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def n_train(self) -> int:
        return int(self.x_train.shape[0])


def dataset_path(filename: str) -> pathlib.Path:
    """``$NNK_DATA_DIR/filename``; :class:`DatasetMissing` when the variable or file is absent."""
    root = os.environ.get(DATA_ENV)
    if not root:
        raise DatasetMissing(
            f"{filename} needs the environment variable {DATA_ENV} set to a local data directory "
            f"containing {filename} (datasets are never downloaded)"
        )
    path = pathlib.Path(root) / filename
    if not path.is_file():
        raise DatasetMissing(f"{filename} not found at {path} ({DATA_ENV}={root})")
    return path


LAYOUTS = {
    "mnist.npz": "arrays x_train, y_train, x_test, y_test; x: (N, 28, 28), (N, 28, 28, 1) or (N, 784)",
    "cifar10.npz": "arrays x_train, y_train, x_test, y_test; x: (N, 32, 32, 3) NHWC or (N, 3, 32, 32)",
}


def missing_reason(filename: str) -> str | None:
    """None when ``$NNK_DATA_DIR/filename`` exists, else a skip message naming the variable,
    the path looked at and the expected layout."""
    try:
        dataset_path(filename)
    except DatasetMissing as err:
        layout = LAYOUTS.get(filename)
        return f"{err}" + (f"; expected layout: {layout}" if layout else "")
    return None


def _images(name: str, x: np.ndarray, size: int, channels: int) -> np.ndarray:
    """NHWC float64 in [0, 1] from NHWC, NCHW or (for one channel) NHW or flat (N, H·W) arrays."""
    a = np.asarray(x)
    if a.ndim == 2 and channels == 1 and a.shape[1] == size * size:
        a = a.reshape(len(a), size, size)
    if a.ndim == 3 and channels == 1:
        a = a[..., None]
    if a.ndim == 4 and a.shape[1:] == (channels, size, size) and channels != size:
        a = a.transpose(0, 2, 3, 1)
    if a.ndim != 4 or a.shape[1:] != (size, size, channels) or a.shape[0] == 0:
        raise ValueError(
            f"{name} must hold images of shape (N, {size}, {size}, {channels}) (NHWC) or "
            f"(N, {channels}, {size}, {size}) (NCHW), got {np.shape(x)}"
        )
    if np.issubdtype(a.dtype, np.integer):
        return a.astype(np.float64) / 255.0
    a = a.astype(np.float64)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite")
    return a


def _labels(name: str, y: np.ndarray, n: int) -> np.ndarray:
    lab = np.asarray(y).reshape(-1)
    if lab.shape != (n,) or not np.issubdtype(lab.dtype, np.integer):
        raise ValueError(f"{name} must hold {n} integer labels, got shape {np.shape(y)}, dtype {lab.dtype}")
    if lab.min() < 0 or lab.max() > 9:
        raise ValueError(f"{name} must hold classes in [0, 9], got range [{lab.min()}, {lab.max()}]")
    return lab.astype(np.int64)


def load_split(filename: str, size: int, channels: int) -> Split:
    """The train/test split stored in ``$NNK_DATA_DIR/filename`` (Keras layout)."""
    path = dataset_path(filename)
    with np.load(path) as f:
        missing = [k for k in KEYS if k not in f.files]
        if missing:
            raise ValueError(f"{path} must contain arrays {list(KEYS)}; missing {missing}")
        xtr = _images(f"{filename}:x_train", f["x_train"], size, channels)
        xte = _images(f"{filename}:x_test", f["x_test"], size, channels)
        ytr = _labels(f"{filename}:y_train", f["y_train"], xtr.shape[0])
        yte = _labels(f"{filename}:y_test", f["y_test"], xte.shape[0])
    return Split(xtr, ytr, xte, yte)


def cifar10() -> Split:
    """CIFAR-10 from ``$NNK_DATA_DIR/cifar10.npz``: 32×32×3 images, classes 0–9."""
    return load_split("cifar10.npz", 32, 3)


def mnist() -> Split:
    """MNIST from ``$NNK_DATA_DIR/mnist.npz``: 28×28×1 images, digits 0–9."""
    return load_split("mnist.npz", 28, 1)
