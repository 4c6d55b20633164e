r"""Output of a network trained to convergence under a constant NTK, and its variance.

Eq. (10) of Seleznova & Kutyniok (2021): with Θ constant,

.. math:: f^{\infty}(x) = \Theta(x,X)\Theta(X)^{-1}Y + f^0(x) - \Theta(x,X)\Theta(X)^{-1}f^0(X).

With Θ deterministic and :math:`f^0 \sim GP(0, K)` (K = NNGP, Lemma 5.1) the initialisation
variance is :math:`K(x,x) - 2\Theta(x,X)\Theta^{-1}K(X,x) + \Theta(x,X)\Theta^{-1}K(X)\Theta^{-1}\Theta(X,x)`
(:func:`kernel_regression_variance`); Theorem 5.3 approximates it by
:math:`(1 + A^2/S)(\bar q - \bar q_{sr}) + (A-1)^2\bar q_{sr}`, :math:`A = S/(\bar\kappa_1/\bar\kappa_2 + S - 1)`
(:func:`theorem53_variance`; the algebra is :mod:`theory.equicorrelated`).

References: Seleznova & Kutyniok (2021), §5, App. B; Lee et al. (2019); Arora et al. (2019).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from theory.validation import check_positive


def _split(mat: np.ndarray, train: Any, test: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m = np.asarray(mat, dtype=float)
    tr, te = np.asarray(train), np.asarray(test)
    return m[np.ix_(tr, tr)], m[np.ix_(te, tr)], m[np.ix_(te, te)]


def trained_output(theta_xX: Any, theta_XX: Any, y: Any, f0_x: Any, f0_X: Any) -> np.ndarray:
    """Eq. (10) for test rows ``theta_xX`` (T×S), training block ``theta_XX`` (S×S)."""
    t = np.asarray(theta_XX, dtype=float)
    w = np.linalg.solve(t, np.asarray(theta_xX, dtype=float).T).T
    return np.asarray(f0_x, dtype=float) + w @ (np.asarray(y, dtype=float) - np.asarray(f0_X, dtype=float))


def kernel_regression_mean(theta: Any, y: Any, train: Any, test: Any) -> np.ndarray:
    """E_{w0}[f^∞(x)] = Θ(x,X)Θ(X)⁻¹Y on the ``test`` indices of a joint kernel matrix."""
    t_XX, t_xX, _ = _split(theta, train, test)
    return t_xX @ np.linalg.solve(t_XX, np.asarray(y, dtype=float))


def kernel_regression_variance(nngp: Any, theta: Any, train: Any, test: Any) -> np.ndarray:
    """Var_{w0}[f^∞(x)] at each test index (exact, given deterministic Θ and f⁰ ~ N(0, K))."""
    k_XX, k_xX, k_xx = _split(nngp, train, test)
    t_XX, t_xX, _ = _split(theta, train, test)
    w = np.linalg.solve(t_XX, t_xX.T).T  # T×S
    return np.diag(k_xx) - 2 * np.einsum("ts,ts->t", w, k_xX) + np.einsum("ts,sr,tr->t", w, k_XX, w)


def a_coefficient(kappa_ratio: Any, n_train: int) -> Any:
    """A = S/(κ̄₁/κ̄₂ + S − 1)."""
    s = check_positive("n_train", n_train)
    return s / (np.asarray(kappa_ratio, dtype=float) + s - 1)


def theorem53_variance(kappa_ratio: Any, n_train: int, qbar: Any, qbar_sr: Any) -> Any:
    """Theorem 5.3: (1 + A²/S)(q̄ − q̄_sr) + (A − 1)² q̄_sr."""
    s = check_positive("n_train", n_train)
    a = a_coefficient(kappa_ratio, n_train)
    return (1 + a**2 / s) * (np.asarray(qbar) - np.asarray(qbar_sr)) + (a - 1) ** 2 * np.asarray(qbar_sr)


def equicorrelated_condition_number(kappa_ratio: Any, n_train: int) -> Any:
    """cond[(κ₁ − κ₂)I + κ₂J] = (r + S − 1)/(r − 1) for r = κ₁/κ₂ > 1."""
    s = check_positive("n_train", n_train)
    r = np.asarray(kappa_ratio, dtype=float)
    if np.any(r <= 1):
        raise ValueError("kappa_ratio must be > 1 (positive definite equicorrelated matrix)")
    return (r + s - 1) / (r - 1)
