r"""Exact Krawtchouk numbers: the change of basis from cube grid values to eigenvalues.

For a dot-product kernel Φ(⟨x, y⟩/d) on {±1}^d the degree-k eigenvalue is
μ_k = 2^{-d} Σ_r K_k(r) Φ(1 − 2r/d), with the Krawtchouk number

.. math::
    K_k(r) = [x^r]\,(1 - x)^k (1 + x)^{d-k}, \qquad k, r = 0 … d,

integers of size < 2^d. Row k + 1 follows from row k by the exact division
P_{k+1} = P_k (1 − x)/(1 + x), i.e. c'_r = c_r − c_{r−1} − c'_{r−1}, starting from
K_0(r) = C(d, r). The matrix is cached per d (O(d²) big integers) and also provided as an
exact Arb matrix (entries < 2^d are exact at d + 16 bits): whole, only the odd rows on the
half grid r < d/2 (for a Φ odd in t, μ_k = 2^{1−d} Σ_{r<d/2} K_k(r) Φ(t_r) for odd k, since
K_k(d − r) = (−1)^k K_k(r) and Φ(t_{d−r}) = −Φ(t_r)), or chosen rows (degrees).

References: Yang & Salman, "A Fine-Grained Spectral Perspective on Neural Networks" (2019),
Lemma 3.2; MacWilliams & Sloane, "The Theory of Error-Correcting Codes" (1977), ch. 5 §7.
"""

from __future__ import annotations

import functools
import math

from flint import arb_mat, ctx, fmpz_mat

from numeric.cube_parameters import check_dim


@functools.lru_cache(maxsize=16)
def krawtchouk_matrix(dim: int) -> tuple[tuple[int, ...], ...]:
    """Exact integers K[k][r] = [x^r] (1 − x)^k (1 + x)^{d−k}, k, r = 0 … d.

    Built column-free by the exact division P_{k+1} = P_k (1 − x)/(1 + x):
    c'_r = c_r − c_{r−1} − c'_{r−1}.
    """
    dim = check_dim(dim)
    row = [math.comb(dim, r) for r in range(dim + 1)]
    rows = [tuple(row)]
    for _ in range(dim):
        new = [0] * (dim + 1)
        prev_c, prev_new = 0, 0
        for r in range(dim + 1):
            new[r] = row[r] - prev_c - prev_new
            prev_c, prev_new = row[r], new[r]
        row = new
        rows.append(tuple(row))
    return tuple(rows)


@functools.lru_cache(maxsize=16)
def krawtchouk_arb(dim: int, odd_only: bool):
    """The Krawtchouk matrix as an exact ``arb_mat`` (odd rows × r < d/2 when ``odd_only``)."""
    k_mat = krawtchouk_matrix(dim)
    if odd_only:
        rows = [k_mat[k][: (dim + 1) // 2] for k in range(1, dim + 1, 2)]
    else:
        rows = list(k_mat)
    with ctx.workprec(dim + 16):  # entries < 2^d: exact at this precision
        return arb_mat(fmpz_mat([list(r) for r in rows]))


@functools.lru_cache(maxsize=16)
def krawtchouk_rows_arb(dim: int, degrees: tuple[int, ...]):
    """Rows k ∈ ``degrees`` of the Krawtchouk matrix as an exact ``arb_mat``."""
    k_mat = krawtchouk_matrix(dim)
    with ctx.workprec(dim + 16):
        return arb_mat(fmpz_mat([list(k_mat[k]) for k in degrees]))
