r"""Fitted power-law exponents with percentile-bootstrap confidence intervals over seeds.

An exponent is the OLS slope of log(stat over seeds) against log(size):

.. math::
    \hat\beta = \frac{\sum_k (\ell_k - \bar\ell)(\log S_k - \overline{\log S})}
                     {\sum_k (\ell_k - \bar\ell)^2},\qquad \ell_k = \log n_k,

with ``stat`` the mean by default. The interval resamples the seeds *within* each size
(independent seeds per size) or, with ``paired=True``, the same seed indices at every size
(one initialisation followed across sizes, e.g. an α sweep from one w0), and takes the
percentile interval of the refitted slopes.

References: Efron & Tibshirani, "An Introduction to the Bootstrap" (1993), ch. 13.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

Stat = Callable[[np.ndarray], np.ndarray]


def _mean(x: np.ndarray) -> np.ndarray:
    return np.mean(x, axis=-1)


def ols_slope(sizes: Sequence[float] | np.ndarray, values: np.ndarray) -> np.ndarray:
    """Slope of log(values) against log(sizes); ``values`` may carry leading batch axes."""
    ls = np.log(np.asarray(sizes, dtype=float))
    v = np.asarray(values, dtype=float)
    if v.shape[-1] != ls.size or ls.size < 2:
        raise ValueError(f"need >= 2 sizes and one value per size, got {ls.size} and {v.shape}")
    if np.any(v <= 0):
        raise ValueError("values must be > 0 for a log-log fit")
    lc = ls - ls.mean()
    lv = np.log(v)
    return np.sum((lv - lv.mean(axis=-1, keepdims=True)) * lc, axis=-1) / np.sum(lc * lc)


@dataclass(frozen=True)
class ExponentFit:
    slope: float
    lo: float
    hi: float
    level: float
    n_boot: int

    def __str__(self) -> str:
        return f"{self.slope:.4f} [{self.lo:.4f}, {self.hi:.4f}] ({self.level:.0%} bootstrap CI)"


def bootstrap_exponent(
    sizes: Sequence[float],
    samples: Sequence[np.ndarray],
    *,
    stat: Stat = _mean,
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
    paired: bool = False,
) -> ExponentFit:
    """Exponent of ``stat(samples[k])`` vs ``sizes[k]`` with a percentile bootstrap CI.

    ``stat`` maps an array (..., n) to (...) along the last axis (mean, std/mean, ...).
    """
    if len(sizes) != len(samples) or len(sizes) < 2:
        raise ValueError("sizes and samples must have the same length >= 2")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    if n_boot < 100:
        raise ValueError(f"n_boot must be >= 100, got {n_boot!r}")
    arrs = [np.asarray(s, dtype=float).ravel() for s in samples]
    if any(a.size < 2 for a in arrs):
        raise ValueError("every size needs >= 2 samples (seeds)")
    point = float(ols_slope(sizes, np.array([stat(a) for a in arrs])))
    rng = np.random.default_rng(seed)
    if paired:
        n = arrs[0].size
        if any(a.size != n for a in arrs):
            raise ValueError("paired=True needs the same number of seeds at every size")
        idx = rng.integers(0, n, size=(n_boot, n))
        boot = np.stack([stat(a[idx]) for a in arrs], axis=-1)
    else:
        boot = np.stack([stat(a[rng.integers(0, a.size, size=(n_boot, a.size))]) for a in arrs], -1)
    slopes = ols_slope(sizes, boot)
    lo, hi = np.quantile(slopes, [(1 - level) / 2, (1 + level) / 2])
    return ExponentFit(point, float(lo), float(hi), level, n_boot)
