r"""Trend and paired-difference statistics for seeded experiment sweeps.

Experiments are grouped by seed (one initialisation → one kernel, one set of targets), so
resampling is by seed (cluster bootstrap): a CI reflects the variation between
initialisations, not only within a run.

* :func:`cluster_bootstrap` — percentile CI of any statistic of (x, y) rows, resampling whole
  groups with replacement (fixed seed);
* :func:`ls_slope` — least-squares slope of y on x;
* :func:`spearman_permutation` — Spearman ρ with a one-sided permutation p-value;
* :func:`sign_test` — one-sided exact binomial sign test of paired differences.

References: Efron & Tibshirani (1993), ch. 13 (percentile bootstrap) and ch. 15 (permutation
tests); Davison & Hinkley (1997), §3.8 (cluster resampling).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import stats


def _rows(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if a.ndim != 1 or a.shape != b.shape or a.size < 3:
        raise ValueError(f"x and y must be 1-D of the same length >= 3, got {a.shape}, {b.shape}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("x and y must be finite")
    return a, b


def ls_slope(x: Any, y: Any) -> float:
    """Least-squares slope of y on x."""
    a, b = _rows(x, y)
    return float(np.polyfit(a, b, 1)[0])


def cluster_bootstrap(
    statistic: Callable[[np.ndarray, np.ndarray], float],
    x: Any,
    y: Any,
    groups: Any,
    *,
    n_boot: int = 10_000,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[float, float, float]:
    """(estimate, lo, hi): percentile CI of ``statistic(x, y)`` resampling groups."""
    a, b = _rows(x, y)
    g = np.asarray(groups)
    if g.shape != a.shape:
        raise ValueError(f"groups must have the shape of x, {a.shape}, got {g.shape}")
    if not (0 < level < 1) or int(n_boot) < 100:
        raise ValueError(f"need 0 < level < 1 and n_boot >= 100, got {level}, {n_boot}")
    labels = np.unique(g)
    members = [np.flatnonzero(g == lab) for lab in labels]
    rng = np.random.default_rng(seed)
    values = np.empty(int(n_boot))
    for i in range(int(n_boot)):
        pick = np.concatenate([members[k] for k in rng.integers(0, len(labels), len(labels))])
        values[i] = statistic(a[pick], b[pick])
    lo, hi = np.nanquantile(values, [(1 - level) / 2, (1 + level) / 2])
    return float(statistic(a, b)), float(lo), float(hi)


def mean_ci(diffs: Any, groups: Any, **kw: Any) -> tuple[float, float, float]:
    """Cluster-bootstrap CI of the mean of paired differences."""
    d = np.asarray(diffs, dtype=float)
    return cluster_bootstrap(lambda _, v: float(np.mean(v)), np.zeros_like(d), d, groups, **kw)


def spearman_permutation(
    x: Any, y: Any, *, n_perm: int = 10_000, seed: int = 0, alternative: str = "greater"
) -> tuple[float, float]:
    """(ρ, p): Spearman correlation and its one-sided permutation p-value (+1 corrected)."""
    a, b = _rows(x, y)
    if alternative not in ("greater", "less"):
        raise ValueError(f"alternative must be 'greater' or 'less', got {alternative!r}")
    ra, rb = stats.rankdata(a), stats.rankdata(b)

    def rho(u: np.ndarray, v: np.ndarray) -> float:
        return float(np.corrcoef(u, v)[0, 1])

    r0 = rho(ra, rb)
    rng = np.random.default_rng(seed)
    perms = np.array([rho(ra, rng.permutation(rb)) for _ in range(int(n_perm))])
    extreme = perms >= r0 if alternative == "greater" else perms <= r0
    return r0, float((1 + np.sum(extreme)) / (1 + int(n_perm)))


def sign_test(diffs: Any) -> tuple[int, int, float]:
    """(#positive, #non-zero, one-sided p) of the exact binomial sign test (H1: median > 0)."""
    d = np.asarray(diffs, dtype=float)
    nz = d[d != 0]
    k = int(np.sum(nz > 0))
    p = float(stats.binomtest(k, nz.size, 0.5, alternative="greater").pvalue) if nz.size else 1.0
    return k, int(nz.size), p
