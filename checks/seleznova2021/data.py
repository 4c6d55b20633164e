"""Training data of the S2 sweep (Seleznova & Kutyniok 2021, §4) for each tier.

* fast — 16 training and 16 test digits (sklearn's bundled 8×8 digits, M_0 = 64);
* paper — the paper's 128 MNIST training samples (M_0 = 784) plus 32 held-out ones, read from
  ``$NNK_DATA_DIR/mnist.npz`` (never downloaded; :func:`empirical.digits_mnist.mnist`).

Both: seeded subset (seed 0), ‖x‖²/M_0 = 1, parity labels ±1 (catalog C7).
"""

from __future__ import annotations

import numpy as np

from empirical.digits_mnist import digits, mnist

S2_SIZES = {"fast": (16, 16), "paper": (128, 32)}  # (training samples S, test samples)


def s2_dataset(tier: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """(X_train, y_train, X_test, description). Raises FileNotFoundError (naming NNK_DATA_DIR and the path) in the
    paper tier when MNIST is missing."""
    if tier not in S2_SIZES:
        raise ValueError(f"tier must be one of {sorted(S2_SIZES)}, got {tier!r}")
    n_train, n_test = S2_SIZES[tier]
    if tier == "fast":
        x, y, _ = digits(n_train + n_test)
        what = f"S = {n_train} digits (M_0 = 64; paper: 128 MNIST)"
    else:
        x, y, _ = mnist(n_train + n_test)
        what = f"S = {n_train} MNIST samples (M_0 = 784), as in the paper"
    return x[:n_train], y[:n_train], x[n_train:], what
