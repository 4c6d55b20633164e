r"""Statistics of heavy-tailed positive samples: the NTK dispersion ratio and its companions.

For i.i.d. positive samples :math:`\Theta_1..\Theta_n` (diagonal NTK entries of independent
initialisations):

* :math:`r = \overline{\Theta^2}/\bar\Theta^2 = 1 + \mathrm{Var}_{pop}/\bar\Theta^2 \ge 1` (plug-in,
  Hanin & Nica 2019; Seleznova & Kutyniok 2021 Fig. 1–2);
* :math:`V = \mathrm{Var}(\log\Theta)` (ddof = 1), a robust companion;
* percentile-bootstrap confidence intervals with a fixed seed.

References: Efron & Tibshirani (1993), ch. 13 (percentile bootstrap).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def _positive(samples: Any) -> np.ndarray:
    x = np.asarray(samples, dtype=float)
    if x.ndim != 1 or x.size < 2:
        raise ValueError(f"samples must be a 1-D array of >= 2 values, got shape {x.shape}")
    if not np.all(np.isfinite(x)) or np.any(x <= 0):
        raise ValueError("samples must be finite and > 0")
    return x


def moment_ratio(samples: Any) -> float:
    """Plug-in r = mean(Θ²)/mean(Θ)²."""
    x = _positive(samples)
    return float(np.mean(x**2) / np.mean(x) ** 2)


def log_variance(samples: Any) -> float:
    """V = Var(log Θ) with ddof = 1."""
    return float(np.var(np.log(_positive(samples)), ddof=1))


def bootstrap_ci(
    samples: Any,
    statistic: Callable[[np.ndarray], float],
    *,
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile-bootstrap CI of ``statistic`` (vectorised over resamples when possible)."""
    x = _positive(samples)
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level!r}")
    if n_boot < 100:
        raise ValueError(f"n_boot must be >= 100, got {n_boot!r}")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, x.size, size=(n_boot, x.size))
    res = x[idx]
    if statistic is moment_ratio:
        vals = np.mean(res**2, axis=1) / np.mean(res, axis=1) ** 2
    elif statistic is log_variance:
        vals = np.var(np.log(res), axis=1, ddof=1)
    else:
        vals = np.array([statistic(r) for r in res])
    lo, hi = np.quantile(vals, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


def bootstrap_ratio_and_logvar(
    samples: Any, *, n_boot: int = 2000, level: float = 0.95, seed: int = 0
) -> dict[str, tuple[float, float]]:
    """Percentile-bootstrap CIs of r and V from one shared set of resamples (same as two
    :func:`bootstrap_ci` calls, at half the cost)."""
    x = _positive(samples)
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level!r}")
    if n_boot < 100:
        raise ValueError(f"n_boot must be >= 100, got {n_boot!r}")
    rng = np.random.default_rng(seed)
    lx = np.log(x)
    if x.size <= _CHUNK_ABOVE:  # one block (the historical path; results unchanged)
        idx = rng.integers(0, x.size, size=(n_boot, x.size), dtype=np.int32)
        res, lres = x[idx], lx[idx]
        r = np.mean(res**2, axis=1) / np.mean(res, axis=1) ** 2
        v = np.var(lres, axis=1, ddof=1)
    else:  # large samples: resamples in blocks (bounded memory)
        r, v = np.empty(n_boot), np.empty(n_boot)
        for start in range(0, n_boot, _BLOCK):
            stop = min(n_boot, start + _BLOCK)
            idx = rng.integers(0, x.size, size=(stop - start, x.size), dtype=np.int32)
            res, lres = x[idx], lx[idx]
            r[start:stop] = np.mean(res**2, axis=1) / np.mean(res, axis=1) ** 2
            v[start:stop] = np.var(lres, axis=1, ddof=1)
    q = [(1 - level) / 2, (1 + level) / 2]
    rlo, rhi = np.quantile(r, q)
    vlo, vhi = np.quantile(v, q)
    return {"r": (float(rlo), float(rhi)), "V": (float(vlo), float(vhi))}


_CHUNK_ABOVE = 5000  # samples; above this the bootstrap resamples are drawn in blocks
_BLOCK = 100  # resamples per block


def bootstrap_moment_ratios(samples: Any, *, n_boot: int = 2000, seed: int = 0) -> np.ndarray:
    """Bootstrap replicates (length ``n_boot``) of the plug-in r, drawn in blocks (bounded memory).

    For functions of several independent cells (e.g. (r_a − 1)/(r_b − 1)) combine the replicates
    of each cell elementwise and take percentiles.
    """
    x = _positive(samples)
    if n_boot < 100:
        raise ValueError(f"n_boot must be >= 100, got {n_boot!r}")
    rng = np.random.default_rng(seed)
    out = np.empty(n_boot)
    for start in range(0, n_boot, _BLOCK):
        stop = min(n_boot, start + _BLOCK)
        res = x[rng.integers(0, x.size, size=(stop - start, x.size), dtype=np.int32)]
        out[start:stop] = np.mean(res**2, axis=1) / np.mean(res, axis=1) ** 2
    return out


def moment_ratio_se(samples: Any) -> float:
    """Delta-method standard error of the plug-in r = m2/m1² from the sample covariance of (Θ, Θ²)."""
    x = _positive(samples)
    m1, m2 = np.mean(x), np.mean(x**2)
    cov = np.cov(np.stack([x, x**2]), ddof=1) / x.size
    grad = np.array([-2 * m2 / m1**3, 1 / m1**2])
    return float(np.sqrt(grad @ cov @ grad))


def weighted_line_fit(x: Any, y: Any, se: Any) -> dict[str, float]:
    """Weighted least squares y = a + b·x with weights 1/se²; slope SE from (XᵀWX)⁻¹.

    Returns ``slope``, ``slope_se``, ``intercept``, ``r2`` (weighted coefficient of determination).
    """
    x, y, se = (np.asarray(t, dtype=float) for t in (x, y, se))
    if x.shape != y.shape or x.shape != se.shape or x.ndim != 1 or x.size < 3:
        raise ValueError("x, y, se must be 1-D arrays of equal length >= 3")
    if np.any(se <= 0) or not np.all(np.isfinite(se)):
        raise ValueError("se must be finite and > 0")
    w = 1.0 / se**2
    X = np.stack([np.ones_like(x), x], axis=1)
    cov = np.linalg.inv(X.T @ (w[:, None] * X))
    a, b = cov @ (X.T @ (w * y))
    resid = y - (a + b * x)
    ybar = np.sum(w * y) / np.sum(w)
    r2 = 1 - np.sum(w * resid**2) / np.sum(w * (y - ybar) ** 2)
    return {"slope": float(b), "slope_se": float(np.sqrt(cov[1, 1])), "intercept": float(a), "r2": float(r2)}
