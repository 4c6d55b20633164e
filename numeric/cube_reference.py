r"""The direct high-precision route to boolean-cube eigenvalues, used as an independent reference.

No cube-specific machinery: the kernel core's mpmath recursion (``numeric.nngp_ntk`` with
``dps=``) evaluates Φ(t_r) on every grid point t_r = 1 − 2r/d of {±1}^d (as the off-diagonal
entry of a 2 × 2 Gram), then the exact-integer Krawtchouk transform gives

.. math::  \mu_k = 2^{-d} \sum_{r=0}^{d} K_k(r)\, \Phi(t_r).

Slow (seconds at d = 128, 300 digits) but shares nothing with the certified engine
(``numeric.boolean_cube``) or the double-double sweeps beyond the kernel core and the integer
Krawtchouk matrix — which is why tests and benchmarks compare against it.

References: Yang & Salman, "A Fine-Grained Spectral Perspective on Neural Networks" (2019),
Lemma 3.2 / Thm 3.1.
"""

from __future__ import annotations

import mpmath
import numpy as np

from numeric.kernels import nngp_ntk
from numeric.krawtchouk import krawtchouk_matrix

KERNELS = ("ck", "ntk")


def direct_mp_eigenvalues(kernel: str, activation: str, depth: int, sigma_w2: float, sigma_b2: float,
                          dim: int, dps: int) -> tuple[list, list]:
    """(μ_0 … μ_d, Φ(t_0) … Φ(t_d)) as mpmath numbers at ``dps`` digits (kernel "ck" or "ntk")."""
    if kernel not in KERNELS:
        raise ValueError(f"kernel must be one of {list(KERNELS)}, got {kernel!r}")
    if not isinstance(dps, int) or dps < 16:
        raise ValueError(f"dps must be an integer >= 16, got {dps!r}")
    kmat = krawtchouk_matrix(dim)
    which = KERNELS.index(kernel)
    with mpmath.workdps(dps):
        grid = []
        for r in range(dim + 1):
            t = mpmath.mpf(dim - 2 * r) / dim
            gram = np.array([[mpmath.mpf(1), t], [t, mpmath.mpf(1)]], dtype=object)
            k2 = nngp_ntk(activation, sigma_w2, sigma_b2, depth, gram, dps=dps)[which]
            grid.append(k2[0, 0] if r == 0 else k2[0, 1])
        mu = [mpmath.fsum(kmat[k][r] * grid[r] for r in range(dim + 1)) / mpmath.mpf(2) ** dim
              for k in range(dim + 1)]
    return mu, grid
