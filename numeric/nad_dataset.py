r"""The linearly separable NAD dataset of eq. (5) (Ortiz-Jiménez et al. 2021, App. C.1).

.. math:: x = \varepsilon\,y\,u + w,\qquad w \sim \mathcal N(0, \sigma(I - uu^\top)),\qquad
          y \sim \mathcal U\{-1, +1\},

with ‖u‖ = 1, so uᵀx = εy exactly (margin ε along u) and Cov x = ε²uuᵀ + σ(I − uuᵀ) — the
identity for ε = σ = 1 (σ is a variance multiplier). The paper uses ε = σ = 1 with 10 000
training and 10 000 test samples.

References: Ortiz-Jiménez, Modas, Moosavi-Dezfooli & Frossard (2020), "Neural anisotropy
directions"; Ortiz-Jiménez, Moosavi-Dezfooli & Frossard (2021), App. C.1, eq. (5).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def nad_dataset(
    u: Any, n: int, rng: np.random.Generator, *, eps: float = 1.0, sigma: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """(x, y): n samples of eq. (5) along the direction u (normalised here)."""
    v = np.asarray(u, dtype=np.float64)
    if v.ndim != 1 or v.size < 1 or not np.all(np.isfinite(v)) or np.linalg.norm(v) == 0:
        raise ValueError(f"u must be a finite non-zero vector, got shape {v.shape}")
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be finite and > 0, got {eps!r}")
    if not (np.isfinite(sigma) and sigma > 0):
        raise ValueError(f"sigma must be finite and > 0, got {sigma!r}")
    if not (isinstance(n, int | np.integer) and n >= 1):
        raise ValueError(f"n must be an int >= 1, got {n!r}")
    v = v / np.linalg.norm(v)
    y = rng.choice([-1.0, 1.0], size=int(n))
    g = rng.standard_normal((int(n), v.size))
    w = np.sqrt(sigma) * (g - np.outer(g @ v, v))  # N(0, σ(I − uuᵀ))
    w -= np.outer(w @ v, v)  # remove the round-off component along u
    return eps * y[:, None] * v[None, :] + w, y
