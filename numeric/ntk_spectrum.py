r"""Spectra, condition numbers and kernel predictors of m-point NNGP / NTK matrices.

Xiao, Pennington & Schoenholz (2020), §3 and Table 1. For a kernel matrix Θ on the
training set (float64, or an object array of mpmath numbers for high precision):

* λ_max, λ_min, the bulk ("λ_rest": the m − 1 eigenvalues below λ_max; checks state whether
  they use λ_min, the median bulk or all of it), κ = λ_max/λ_min (eq. 8 ff.);
* the top eigenvector's overlap |v·1|/√m with the constant (DC) mode;
* the mean predictor P(Θ)Y = Θ_td Θ_dd^{-1} Y (eq. 6), its ridge version
  P_σ(Θ)Y = Θ_td (Θ_dd + σI)^{-1} Y (§4.2, App. B.3) and the residual Δ^{(l)} Y (eq. 9);
* the t = ∞ predictive distribution of one infinitely wide network trained by gradient flow
  (Lee et al. 2019, eq. 16): mean P(Θ)Y and covariance
  K_tt + A K_dd Aᵀ − A K_dt − K_td Aᵀ with A = Θ_td Θ_dd^{-1}.

mpmath inputs are handled at the precision the caller sets with ``mpmath.workdps``
(``dps=`` argument); no global precision change.

References: Xiao, Pennington & Schoenholz (2020), §2–3; Lee et al. (2019), "Wide Neural
Networks of Any Depth Evolve as Linear Models Under Gradient Descent", §2.3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np


def _is_mp(mat: Any) -> bool:
    return np.asarray(mat).dtype == object


def _square(mat: Any, name: str = "theta") -> np.ndarray:
    a = np.asarray(mat)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] < 1:
        raise ValueError(f"{name} must be a non-empty square matrix, got shape {a.shape}")
    return a


def eigh(mat: Any, dps: int | None = None) -> tuple[Any, Any]:
    """Eigenvalues (descending) and eigenvectors (columns) of a symmetric matrix.

    float64 → ``numpy.linalg.eigh``; object (mpmath) arrays → ``mpmath.eigsy`` at ``dps``.
    """
    a = _square(mat)
    if not _is_mp(a):
        lam, vec = np.linalg.eigh(np.asarray(a, dtype=np.float64))
        return lam[::-1], vec[:, ::-1]
    if dps is None or dps < 15:
        raise ValueError(f"dps must be an integer >= 15 for mpmath matrices, got {dps!r}")
    with mpmath.workdps(dps):
        e, q = mpmath.eigsy(mpmath.matrix(a.tolist()))
        n = a.shape[0]
        eigs = [e[i] for i in range(n)]
        order = sorted(range(n), key=lambda i: eigs[i], reverse=True)
        vals = np.array([eigs[i] for i in order], dtype=object)
        vecs = np.array([[q[r, i] for i in order] for r in range(n)], dtype=object)
    return vals, vecs


@dataclass(frozen=True)
class Spectrum:
    """Eigenvalues (descending), the top eigenvector, and the derived Table 1 quantities."""

    eigenvalues: Any
    top_vector: Any

    @property
    def lambda_max(self) -> Any:
        return self.eigenvalues[0]

    @property
    def lambda_min(self) -> Any:
        return self.eigenvalues[-1]

    @property
    def lambda_2(self) -> Any:
        return self.eigenvalues[1]

    @property
    def bulk(self) -> Any:
        """The m − 1 eigenvalues below λ_max ("λ_rest")."""
        return self.eigenvalues[1:]

    @property
    def bulk_median(self) -> Any:
        b = sorted(self.bulk)
        n = len(b)
        return b[n // 2] if n % 2 else (b[n // 2 - 1] + b[n // 2]) / 2

    @property
    def kappa(self) -> Any:
        """Condition number λ_max/λ_min."""
        return self.lambda_max / self.lambda_min

    @property
    def dc_overlap(self) -> Any:
        """|v_max·1|/√m: 1 when the top eigenvector is the constant mode."""
        v = self.top_vector
        s = sum(v)
        n = len(v)
        return abs(s) / (mpmath.sqrt(n) if _is_mp(np.asarray(v)) else np.sqrt(n))


def spectrum(mat: Any, dps: int | None = None) -> Spectrum:
    """:class:`Spectrum` of a symmetric kernel matrix (float64 or mpmath at ``dps``)."""
    vals, vecs = eigh(mat, dps)
    if _is_mp(np.asarray(mat)):
        with mpmath.workdps(dps):
            return Spectrum(vals, vecs[:, 0])
    return Spectrum(vals, vecs[:, 0])


def _split(theta: Any, train: Any, test: Any) -> tuple[np.ndarray, np.ndarray]:
    a = _square(theta)
    train = np.asarray(train, dtype=int)
    test = np.asarray(test, dtype=int)
    if train.size < 1 or test.size < 1:
        raise ValueError("train and test must be non-empty index arrays")
    if np.intersect1d(train, test).size:
        raise ValueError("train and test indices must be disjoint")
    if max(train.max(), test.max()) >= a.shape[0] or min(train.min(), test.min()) < 0:
        raise ValueError(f"indices must lie in [0, {a.shape[0]})")
    return a[np.ix_(train, train)], a[np.ix_(test, train)]


def mean_predictor(
    theta: Any, train: Any, test: Any, y: Any, *, ridge: Any = 0, dps: int | None = None
) -> Any:
    """P_σ(Θ)Y = Θ_td (Θ_dd + σ I)^{-1} Y on the test points (σ = ``ridge`` ≥ 0; 0 is eq. 6).

    ``y`` has shape (m_train,) or (m_train, k). Returns shape (m_test,) or (m_test, k).
    """
    if float(ridge) < 0:
        raise ValueError(f"ridge must be >= 0, got {ridge!r}")
    dd, td = _split(theta, train, test)
    y = np.asarray(y)
    if y.shape[0] != dd.shape[0]:
        raise ValueError(f"y must have {dd.shape[0]} rows (one per training point), got {y.shape}")
    if not _is_mp(np.asarray(theta)):
        a = np.asarray(dd, dtype=float) + float(ridge) * np.eye(dd.shape[0])
        return np.asarray(td, dtype=float) @ np.linalg.solve(a, np.asarray(y, dtype=float))
    if dps is None or dps < 15:
        raise ValueError(f"dps must be an integer >= 15 for mpmath matrices, got {dps!r}")
    with mpmath.workdps(dps):
        a = mpmath.matrix(dd.tolist()) + _to_mpf(ridge) * mpmath.eye(dd.shape[0])
        ycols = y.reshape(y.shape[0], -1)
        out = np.empty((td.shape[0], ycols.shape[1]), dtype=object)
        tdm = mpmath.matrix(td.tolist())
        for j in range(ycols.shape[1]):
            sol = mpmath.lu_solve(a, mpmath.matrix([_to_mpf(v) for v in ycols[:, j]]))
            col = tdm * sol
            for i in range(td.shape[0]):
                out[i, j] = col[i]
        return out.reshape((td.shape[0],) + y.shape[1:])


def _to_mpf(v: Any) -> Any:
    if isinstance(v, mpmath.mpf):
        return v
    if isinstance(v, int | np.integer):
        return mpmath.mpf(int(v))
    return mpmath.mpf(float(v))


def norm(v: Any) -> Any:
    """Euclidean norm of a float64 or mpmath vector/matrix (Frobenius)."""
    a = np.asarray(v)
    if _is_mp(a):
        return mpmath.sqrt(sum(x * x for x in a.reshape(-1)))
    return float(np.linalg.norm(a.reshape(-1)))


def predictive_distribution(
    theta: Any, nngp: Any, train: Any, test: Any, y: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of f_∞(X_test) for one wide network trained to convergence (float64).

    Lee et al. (2019), eq. (16) at t = ∞: mean Θ_td Θ_dd^{-1} Y, covariance
    K_tt + A K_dd Aᵀ − (A K_dt + K_td Aᵀ), A = Θ_td Θ_dd^{-1}.
    """
    theta = np.asarray(_square(theta), dtype=float)
    k = np.asarray(_square(nngp, "nngp"), dtype=float)
    if theta.shape != k.shape:
        raise ValueError(f"theta and nngp must have the same shape, got {theta.shape}, {k.shape}")
    train = np.asarray(train, dtype=int)
    test = np.asarray(test, dtype=int)
    dd, td = _split(theta, train, test)
    a = np.linalg.solve(dd, td.T).T
    mean = a @ np.asarray(y, dtype=float)
    kdd, ktd, ktt = k[np.ix_(train, train)], k[np.ix_(test, train)], k[np.ix_(test, test)]
    cov = ktt + a @ kdd @ a.T - a @ ktd.T - ktd @ a.T
    return mean, (cov + cov.T) / 2
