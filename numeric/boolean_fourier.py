r"""Fourier analysis on the boolean cube {±1}^d by direct (brute-force) sums.

Points are enumerated as the rows of :func:`cube` (x_i = 1 − 2·bit_i(index), so index 0 is
the all-ones point **1**); subsets S ⊆ [d] are enumerated by the same bit masks. The
parities :math:`\chi_S(x) = \prod_{i\in S} x_i` are orthonormal under the uniform measure,

.. math::
    \hat f(S) = \mathbb E_x[f(x)\chi_S(x)] = 2^{-d}\,(H f)_S,\qquad H_{S,x} = \chi_S(x),

computed by the fast Walsh–Hadamard transform (O(d 2^d)). For a kernel K(x, y) = Φ(⟨x, y⟩/d)
the eigenvalue of χ_S is :math:`\mu_{|S|} = \mathbb E_x[\chi_S(x) K(x, \mathbf 1)]`
(Yang & Salman 2019, Thm 3.1): :func:`eigenvalues_direct` evaluates exactly this definition,
an independent route to the spectrum that the certified engine ``numeric.boolean_cube``
(Krawtchouk / finite-difference algorithms) is compared against. Brute force: d ≤ 20.

References: O'Donnell (2014), "Analysis of Boolean Functions", ch. 1; Yang & Salman (2019), §3.1.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

MAX_DIM = 20
#: up to this d the transform is one BLAS product with the dense parity matrix
DENSE_DIM = 10


def _check_dim(d: Any) -> int:
    if isinstance(d, bool) or not isinstance(d, int | np.integer) or not 1 <= d <= MAX_DIM:
        raise ValueError(f"d must be an integer in [1, {MAX_DIM}], got {d!r}")
    return int(d)


def cube(d: int) -> np.ndarray:
    """All 2^d points of {±1}^d, shape (2^d, d); row i has x_j = 1 − 2·((i >> j) & 1)."""
    d = _check_dim(d)
    idx = np.arange(2**d)[:, None]
    return (1 - 2 * ((idx >> np.arange(d)[None, :]) & 1)).astype(np.float64)


def zero_one_cube(d: int) -> np.ndarray:
    """The same points mapped to {0, 1}^d by x ↦ (x + 1)/2 (Valle-Pérez et al.'s inputs)."""
    return (cube(d) + 1) / 2


def subset_degrees(d: int) -> np.ndarray:
    """|S| for the 2^d subsets in bit-mask order (the popcount of the mask)."""
    d = _check_dim(d)
    idx = np.arange(2**d)
    return np.array([bin(int(i)).count("1") for i in idx], dtype=np.int64)


def parity_matrix(d: int) -> np.ndarray:
    """H[S, x] = χ_S(x) (symmetric ±1 Walsh–Hadamard matrix of order 2^d); d ≤ 12."""
    d = _check_dim(d)
    if d > 12:
        raise ValueError(f"d must be <= 12 for the dense parity matrix, got {d}")
    return _parity_matrix(d).copy()


@functools.lru_cache(maxsize=16)
def _parity_matrix(d: int) -> np.ndarray:
    idx = np.arange(2**d)
    pop = subset_degrees(d)[idx[:, None] & idx[None, :]]
    return (1 - 2 * (pop & 1)).astype(np.float64)


def fourier_coefficients(values: Any, axis: int = -1) -> np.ndarray:
    """f̂(S) = E_x[f(x) χ_S(x)] for f given on :func:`cube` order along ``axis`` (fast WHT)."""
    f = np.moveaxis(np.asarray(values, dtype=np.float64), axis, -1)
    n = f.shape[-1]
    d = int(round(np.log2(n))) if n > 0 else -1
    if n < 2 or 2**d != n:
        raise ValueError(f"values must have length 2^d along axis {axis}, got {n}")
    _check_dim(d)
    if d <= DENSE_DIM:
        return np.moveaxis(f @ _parity_matrix(d) / n, -1, axis)
    h = f.reshape(*f.shape[:-1], *([2] * d)).copy()
    # bit j of the index is array axis (ndim-1-j) in C order; the butterfly is the same on each
    lead = f.ndim - 1
    for j in range(d):
        ax = lead + j
        a = np.take(h, 0, axis=ax)
        b = np.take(h, 1, axis=ax)
        h = np.stack([a + b, a - b], axis=ax)
    return np.moveaxis(h.reshape(f.shape) / n, -1, axis)


def degree_power(values: Any, axis: int = -1) -> np.ndarray:
    """‖f^{=k}‖² = Σ_{|S|=k} f̂(S)², k = 0 … d, along the last axis of the result."""
    coef = np.moveaxis(fourier_coefficients(values, axis), axis, -1)
    d = int(round(np.log2(coef.shape[-1])))
    deg = subset_degrees(d)
    out = np.zeros((*coef.shape[:-1], d + 1))
    for k in range(d + 1):
        out[..., k] = np.sum(coef[..., deg == k] ** 2, axis=-1)
    return out


def eigenvalues_direct(kernel_row: Any) -> np.ndarray:
    """μ_S = E_x[χ_S(x) K(x, 1)] for every subset S (Thm 3.1's definition), bit-mask order.

    ``kernel_row`` is K(x, 1) on :func:`cube` order (index 0 is **1**).
    """
    return fourier_coefficients(kernel_row)


def eigenvalues_by_degree(kernel_row: Any) -> tuple[np.ndarray, np.ndarray]:
    """(μ_0 … μ_d) as the mean of μ_S over |S| = k, and the spread max−min within each degree."""
    mu_s = eigenvalues_direct(kernel_row)
    d = int(round(np.log2(mu_s.shape[-1])))
    deg = subset_degrees(d)
    mean = np.array([mu_s[deg == k].mean() for k in range(d + 1)])
    spread = np.array([np.ptp(mu_s[deg == k]) for k in range(d + 1)])
    return mean, spread


def threshold_codes(values: Any) -> np.ndarray:
    """Boolean functions sign(f) on the cube encoded as bytes rows (for counting repeats).

    ``values`` has shape (n_samples, 2^d); f = 0 is mapped to +1 (measure zero for continuous f).
    """
    v = np.asarray(values)
    if v.ndim != 2:
        raise ValueError(f"values must have shape (n_samples, 2^d), got {v.shape}")
    return np.packbits(v >= 0, axis=1)


def function_counts(codes: np.ndarray) -> np.ndarray:
    """Multiplicities of the distinct rows of ``codes``, sorted in decreasing order."""
    _, counts = np.unique(np.asarray(codes), axis=0, return_counts=True)
    return np.sort(counts)[::-1]


def random_multilinear_target(
    d: int, k: int, rng: np.random.Generator, n_monomials: int = 10
) -> tuple[list[tuple[int, ...]], np.ndarray]:
    """App. B ground truth: ``n_monomials`` distinct degree-k monomials with N(0,1) coefficients,
    normalised so that Σ a_i² = 1 (hence E_x f*(x)² = 1 by orthonormality).

    Protocol gaps filled here (Yang & Salman 2019, App. B, catalog E8): k = 0 has one monomial
    (f* = ±1); when C(d, k) < ``n_monomials`` all C(d, k) monomials are used.
    """
    if isinstance(d, bool) or not isinstance(d, int | np.integer) or d < 1:
        raise ValueError(f"d must be an integer >= 1, got {d!r}")
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 0 <= k <= d:
        raise ValueError(f"k must be an integer in [0, d = {d}], got {k!r}")
    if isinstance(n_monomials, bool) or not isinstance(n_monomials, int) or n_monomials < 1:
        raise ValueError(f"n_monomials must be an integer >= 1, got {n_monomials!r}")
    import math

    m = min(n_monomials, math.comb(d, k))
    chosen: list[tuple[int, ...]] = []
    seen: set[tuple[int, ...]] = set()
    while len(chosen) < m:
        s = tuple(sorted(int(i) for i in rng.choice(d, size=k, replace=False)))
        if s not in seen:
            seen.add(s)
            chosen.append(s)
    a = rng.standard_normal(m)
    return chosen, a / np.sqrt(np.sum(a**2))


def evaluate_multilinear(x: Any, monomials: list[tuple[int, ...]], coefs: Any) -> np.ndarray:
    """Σ_i a_i Π_{j∈S_i} x_j for rows x of shape (n, d)."""
    xa = np.asarray(x, dtype=np.float64)
    out = np.zeros(xa.shape[0])
    for s, a in zip(monomials, np.asarray(coefs, dtype=float), strict=True):
        out += a * (np.prod(xa[:, list(s)], axis=1) if s else 1.0)
    return out
