r"""Certified boolean-cube eigenvalues of the CK and NTK at every depth 0 … L in one recursion.

The layer recursion of ``numeric.interval_duals`` yields Σ^l and Θ^l on the grid
t_r = 1 − 2r/d for l = 1 … L+1 (depth l − 1); all 2(L + 1) grids go through one exact
Krawtchouk product per working precision,

.. math::
    \mu_k^{(l)} = 2^{-d} \sum_{r=0}^{d} K_k(r)\, \Phi^{(l)}(1 - 2r/d),\qquad k \in \text{degrees},

so a depth sweep costs one recursion instead of L + 1. The precision starts at 128 + d/2 bits
and is raised (``numeric.adaptive_precision``) until every nonzero μ is certified to ``rtol``
or the ``max_dps`` ceiling is reached (a ball around 0 there is returned as its midpoint).
Depth 0 is exact: Φ(t) = σ_w² t + σ_b², so μ_0 = σ_b², μ_1 = σ_w²/d and μ_k = 0 for k ≥ 2;
for an odd activation with σ_b² = 0, the even degrees are exact zeros by parity.

References: Yang & Salman, "A Fine-Grained Spectral Perspective on Neural Networks" (2019),
§3.1 Lemma 3.2 and Fig. 2 (eigenvalues against depth).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from flint import arb, arb_mat, ctx

from numeric.adaptive_precision import RTOL, ball_mid, needed_precision
from numeric.cube_parameters import check_degree, check_dim, kernel_setting
from numeric.interval_duals import interval_layers, is_odd_activation
from numeric.krawtchouk import krawtchouk_rows_arb
from theory.activations import Activation


def boolean_cube_depth_sweep(
    activation: str | Activation,
    sigma_w2: float,
    sigma_b2: float,
    max_depth: int,
    dim: int,
    degrees: Any = range(9),
    *,
    rtol: float = RTOL,
    max_dps: int = 300,
) -> np.ndarray:
    """Certified μ_k for CK and NTK at every depth 0 … max_depth in one layer recursion.

    Returns float64 ``mu[kernel, depth, i]`` (kernel 0 = CK, 1 = NTK; ``i`` indexes
    ``degrees``). Φ at depth l+1 reuses depth l; all depths' grids go through one exact
    Krawtchouk product per precision. Each nonzero μ is certified to ``rtol`` (Arb balls,
    precision doubled until it is; a ball around 0 at ``max_dps`` is returned as its midpoint,
    and zeros by parity are exact). Raises ``ValueError`` for bad parameters.
    """
    _, act, der, max_depth, sw2, sb2 = kernel_setting(
        "ntk", activation, max_depth, sigma_w2, sigma_b2
    )
    dim = check_dim(dim)
    degrees = tuple(check_degree(k) for k in degrees)
    if any(k > dim for k in degrees):
        raise ValueError(f"degrees must lie in 0 … dim = {dim}, got {degrees}")
    odd = sb2 == 0 and is_odd_activation(act.name)
    prec, max_prec = 128 + dim // 2, int(max_dps * 3.33) + 16
    while True:
        with ctx.workprec(prec):
            cols: list = []
            for sig, th in interval_layers(act, der, "ntk", max_depth, sw2, sb2, dim, dim + 1):
                cols.extend((sig, th))
            prod = krawtchouk_rows_arb(dim, degrees) * arb_mat(
                [[cols[j][r] for j in range(2, len(cols))] for r in range(dim + 1)]
            )
            scale = arb(2) ** (-dim)
            balls = [[prod[i, j] * scale for j in range(prod.ncols())]
                     for i in range(prod.nrows())]
        need = needed_precision(
            prec, [x for k, row in zip(degrees, balls, strict=True) for x in row
                   if not (odd and k % 2 == 0)], rtol)
        if need == prec or prec >= max_prec:
            break
        prec = min(need, max_prec)
    if not all(x.is_finite() for row in balls for x in row):
        raise ArithmeticError(
            f"{act.name} sweep (sigma_w2={sw2}, sigma_b2={sb2}, dim={dim}): no finite enclosure of "
            f"every eigenvalue at {prec} bits (max_dps={max_dps}); never returned as NaN"
        )
    out = np.empty((2, max_depth + 1, len(degrees)))
    # depth 0: Φ(t) = σ_w² t + σ_b² exactly, so μ_0 = σ_b², μ_1 = σ_w²/d, μ_k = 0 for k ≥ 2
    out[:, 0, :] = [sb2 if k == 0 else (sw2 / dim if k == 1 else 0.0) for k in degrees]
    for i, k in enumerate(degrees):
        for j, x in enumerate(balls[i]):
            out[j % 2, 1 + j // 2, i] = 0.0 if (odd and k % 2 == 0) else ball_mid(x)
    return out
