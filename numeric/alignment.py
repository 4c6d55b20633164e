r"""Kernel–target alignment, RKHS norm, Mercer sums and energy concentration on an eigen set.

Every object of Ortiz-Jiménez, Moosavi-Dezfooli & Frossard (2021) that lives on a finite
"eigen set" is defined here once, with the normalisation conventions of the claims catalog:

* eigen set S = {x_1, …, x_M}; J is the M×n Jacobian of the scalar output, K = J Jᵀ its
  Gram matrix (the empirical NTK on S);
* Gram eigenpairs: K u_j = μ_j u_j, ‖u_j‖₂ = 1, μ_1 ≥ μ_2 ≥ …;
* operator (Mercer/Nyström) eigenpairs: :math:`\lambda_j = \mu_j / M` and
  :math:`\phi_j(x_i) = \sqrt M\,u_j[i]`, so that ‖φ_j‖₂ = 1 in L₂ of the empirical measure;
* L₂ norm: :math:`\|f\|_2^2 = f^\top f / M`;
* coefficients :math:`c_j = \mathbb E_x[\phi_j(x) f(x)] = \phi_j^\top f / M = u_j^\top f/\sqrt M`;
* alignment (Lemma 1): :math:`\alpha(f) = \mathbb E_{x,x'}[f(x)\Theta(x,x')f(x')] = f^\top K f / M^2
  = \|J^\top f / M\|_2^2 = \sum_j \lambda_j c_j^2` (eq. 6);
  so :math:`\alpha(\phi_j) = \lambda_j`, while a *unit-norm* vector u_j has
  :math:`\alpha(u_j) = \mu_j / M^2 = \lambda_j / M`;
* RKHS norm (eq. 3): :math:`\|f\|_\Theta^2 = f^\top K^{+} f = \sum_j c_j^2/\lambda_j`
  (independent of M); +∞ when f is not in range(K) (K⁺ is the pseudo-inverse, used only on
  range(K));
* Lemma 1: :math:`\|f\|_\Theta^2\,\alpha(f) \ge \|f\|_2^4`; :func:`lemma1_ratio` returns the
  ratio (≥ 1, = 1 on a single eigenspace);
* energy concentration (§4.2): :math:`E_K(y) = \|\Phi_K y\|_2/\|y\|_2`, the rows of Φ_K the
  top-K *unit* eigenvectors u_1 … u_K (the paper's rows of Φ);
* binarization cosine (App. B): :math:`\cos(\mathrm{sign}\,v, v) = \|v\|_1/(\sqrt M\|v\|_2)`.

References: Ortiz-Jiménez et al. (2021), §2 eqs. (3), Lemma 1, §4.2, App. B, App. D eqs. (6)–(10);
Schölkopf & Smola (2002) for the RKHS norm; Williams & Seeger (2001) for Nyström.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: relative size of the component of f outside range(K) above which ‖f‖_Θ = +∞
RANGE_RTOL = 1e-8
#: eigenvalues below RANK_RTOL·μ_max are treated as zero (float64 eigensolver round-off)
RANK_RTOL = 1e-12


def _vector(name: str, f: Any, m: int | None = None) -> np.ndarray:
    v = np.asarray(f, dtype=np.float64)
    if v.ndim != 1 or v.size == 0 or not np.all(np.isfinite(v)):
        raise ValueError(f"{name} must be a finite non-empty 1-D vector, got shape {v.shape}")
    if m is not None and v.size != m:
        raise ValueError(f"{name} must have length M = {m}, got {v.size}")
    return v


def _gram(K: Any) -> np.ndarray:
    """A finite, square, symmetric matrix (O(M²) checks; PSD is checked where eigenvalues are
    computed anyway, see :func:`gram_eigenpairs`)."""
    g = np.asarray(K, dtype=np.float64)
    if g.ndim != 2 or g.shape[0] != g.shape[1] or g.shape[0] == 0:
        raise ValueError(f"K must be a non-empty square matrix, got shape {g.shape}")
    if not np.all(np.isfinite(g)):
        raise ValueError("K must be finite")
    scale = max(float(np.max(np.abs(g))), 1e-300)
    if not np.allclose(g, g.T, rtol=0, atol=1e-12 * scale):
        raise ValueError(f"K must be symmetric (max |K - K^T| = {np.max(np.abs(g - g.T)):.3g})")
    return g


def gram_eigenpairs(K: Any, *, psd_rtol: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """(μ, U): eigenvalues in decreasing order and unit eigenvectors as columns of U.

    K must be positive semidefinite: μ_min ≥ −psd_rtol·μ_max (the tolerance of
    :func:`theory.validation.check_gram`) else ValueError.
    """
    g = _gram(K)
    mu, U = np.linalg.eigh((g + g.T) / 2)
    if mu[0] < -psd_rtol * max(mu[-1], 0.0):
        raise ValueError(
            f"K must be positive semidefinite: min eigenvalue {mu[0]:.3g} < "
            f"-{psd_rtol:g}·max eigenvalue {mu[-1]:.3g}"
        )
    return mu[::-1].copy(), U[:, ::-1].copy()


def operator_eigenpairs(mu: Any, U: Any) -> tuple[np.ndarray, np.ndarray]:
    """(λ, Φ) = (μ/M, √M·U): Nyström eigenvalues and eigenfunctions with ‖φ_j‖₂ = 1."""
    U = np.asarray(U, dtype=np.float64)
    m = U.shape[0]
    return np.asarray(mu, dtype=np.float64) / m, np.sqrt(m) * U


def l2_norm_sq(f: Any) -> float:
    """‖f‖₂² = fᵀf/M (empirical measure on the eigen set)."""
    v = _vector("f", f)
    return float(v @ v / v.size)


def alignment(K: Any, f: Any) -> float:
    """α(f) = fᵀKf/M² (Gram form)."""
    g = _gram(K)
    v = _vector("f", f, g.shape[0])
    return float(v @ g @ v / v.size**2)


def alignment_from_jacobian(J: Any, f: Any) -> float:
    """α(f) = ‖Jᵀf/M‖² (Jacobian-average form; J is M×n): O(Mn), no Gram matrix."""
    j = np.asarray(J, dtype=np.float64)
    if j.ndim != 2:
        raise ValueError(f"J must be an M×n matrix, got shape {j.shape}")
    v = _vector("f", f, j.shape[0])
    g = j.T @ v / v.size
    return float(g @ g)


def coefficients(U: Any, f: Any) -> np.ndarray:
    """c_j = φ_jᵀf/M = u_jᵀf/√M for every eigenvector column of U."""
    U = np.asarray(U, dtype=np.float64)
    v = _vector("f", f, U.shape[0])
    return U.T @ v / np.sqrt(v.size)


def mercer_alignment(mu: Any, U: Any, f: Any) -> float:
    """Σ_j λ_j c_j² (eq. 6), λ_j = μ_j/M."""
    c = coefficients(U, f)
    lam = np.asarray(mu, dtype=np.float64) / np.asarray(U).shape[0]
    return float(np.sum(lam * c**2))


def _positive_part(mu: np.ndarray) -> np.ndarray:
    return mu > RANK_RTOL * max(float(np.max(mu)), 0.0)


def mercer_rkhs_norm_sq(mu: Any, U: Any, f: Any) -> float:
    """Σ_j c_j²/λ_j over the positive eigenvalues (eq. 3); +∞ if f has weight off range(K)."""
    mu = np.asarray(mu, dtype=np.float64)
    U = np.asarray(U, dtype=np.float64)
    c = coefficients(U, f)
    keep = _positive_part(mu)
    norm_sq = l2_norm_sq(f)
    outside = max(norm_sq - float(np.sum(c[keep] ** 2)), 0.0)
    if outside > RANGE_RTOL * norm_sq:
        return float("inf")
    lam = mu[keep] / U.shape[0]
    return float(np.sum(c[keep] ** 2 / lam))


def rkhs_norm_sq(K: Any, f: Any) -> float:
    """‖f‖²_Θ = fᵀK⁺f (+∞ if f ∉ range(K)); independent of M."""
    mu, U = gram_eigenpairs(K)
    return mercer_rkhs_norm_sq(mu, U, f)


def lemma1_ratio(K: Any, f: Any) -> float:
    """‖f‖²_Θ·α(f)/‖f‖₂⁴ — Lemma 1 says it is ≥ 1, with equality on a single eigenspace."""
    mu, U = gram_eigenpairs(K)
    return mercer_rkhs_norm_sq(mu, U, f) * mercer_alignment(mu, U, f) / l2_norm_sq(f) ** 2


def energy_concentration(U: Any, y: Any, k: int) -> float:
    """‖Φ_K y‖₂/‖y‖₂ with Φ_K = the first k unit eigenvector columns of U, transposed."""
    U = np.asarray(U, dtype=np.float64)
    v = _vector("y", y, U.shape[0])
    if not (isinstance(k, int | np.integer) and 1 <= k <= U.shape[1]):
        raise ValueError(f"k must be an int in [1, {U.shape[1]}], got {k!r}")
    return float(np.linalg.norm(U[:, :k].T @ v) / np.linalg.norm(v))


def top_eigenvectors(K: Any, k: int) -> np.ndarray:
    """The k unit eigenvectors of the largest eigenvalues (columns, decreasing order).

    Lanczos (ARPACK ``eigsh``, converged to machine precision, fixed start vector) when
    k < M/4, else the dense symmetric eigensolver.
    """
    g = _gram(K)
    m = g.shape[0]
    if not (isinstance(k, int | np.integer) and 1 <= k <= m):
        raise ValueError(f"k must be an int in [1, {m}], got {k!r}")
    sym = (g + g.T) / 2
    if 4 * k < m:
        from scipy.sparse.linalg import eigsh

        mu, U = eigsh(sym, k=int(k), which="LA", tol=0.0, v0=np.ones(m) / np.sqrt(m))
        order = np.argsort(mu)[::-1]
        return U[:, order].copy()
    _, U = np.linalg.eigh(sym)
    return U[:, ::-1][:, :k].copy()


def binarization_cosine(v: Any) -> float:
    """cos(sign v, v) = ‖v‖₁/(√M‖v‖₂)."""
    x = _vector("v", v)
    return float(np.sum(np.abs(x)) / (np.sqrt(x.size) * np.linalg.norm(x)))


def alignment_ratio(alpha_end: Any, alpha_start: Any) -> np.ndarray:
    """r_j = α_T(φ_j)/α_0(φ_j) (rotation experiments)."""
    a, b = np.asarray(alpha_end, dtype=np.float64), np.asarray(alpha_start, dtype=np.float64)
    if np.any(b <= 0):
        raise ValueError("alpha_start must be > 0 everywhere")
    return a / b


def lemma1_ratios(mu: Any, U: Any, F: Any) -> dict[str, np.ndarray]:
    """Vectorised α, ‖f‖²_Θ, ‖f‖₂² and the Lemma-1 ratio for every row f of F (k, M)."""
    mu = np.asarray(mu, dtype=np.float64)
    U = np.asarray(U, dtype=np.float64)
    F = np.atleast_2d(np.asarray(F, dtype=np.float64))
    m = U.shape[0]
    if F.shape[1] != m:
        raise ValueError(f"F must have M = {m} columns, got {F.shape}")
    C2 = (F @ U / np.sqrt(m)) ** 2
    keep = _positive_part(mu)
    lam = mu / m
    l2 = np.sum(F**2, axis=1) / m
    alpha = C2 @ lam
    norm = C2[:, keep] @ (1.0 / lam[keep])
    outside = np.maximum(l2 - C2[:, keep].sum(axis=1), 0.0)
    norm = np.where(outside > RANGE_RTOL * l2, np.inf, norm)
    return {"alpha": alpha, "rkhs_norm_sq": norm, "l2_sq": l2, "ratio": norm * alpha / l2**2}
