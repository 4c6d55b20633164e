"""Argument checks shared by the boolean-cube spectrum modules.

A boolean-cube kernel is fixed by (kernel, activation, depth, σ_w², σ_b²) and the cube
dimension d; eigenvalue degrees k index the parities χ_S with |S| = k, so 0 ≤ k ≤ d. The
certified engine evaluates Φ through the closed-form duals V_φ (and V_φ′ for the NTK) of
``theory.activations``, so an activation without ``dual_c`` is refused here, before any work.
Invalid input raises ``ValueError`` naming the parameter and its valid range.

References: Yang & Salman, "A Fine-Grained Spectral Perspective on Neural Networks" (2019), §3.1.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from theory.activations import derivative_of, get_activation
from theory.validation import check_bias_variance, check_choice, check_depth, check_variance

KERNELS = ("ck", "ntk")


def check_dim(dim: Any) -> int:
    """The cube dimension d ≥ 1."""
    if isinstance(dim, bool) or not isinstance(dim, int | np.integer) or dim < 1:
        raise ValueError(f"dim must be an integer >= 1, got {dim!r}")
    return int(dim)


def check_degree(k: Any) -> int:
    """An eigenvalue degree (or series order) k ≥ 0."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0:
        raise ValueError(f"k must be an integer >= 0, got {k!r}")
    return int(k)


def kernel_setting(kernel, activation, depth, sigma_w2, sigma_b2):
    """Validated (kernel, act, der, depth, σ_w², σ_b²); ``der`` is the registry derivative φ′
    for ``kernel="ntk"`` and ``None`` for the CK."""
    kernel = check_choice("kernel", kernel, KERNELS)
    act = get_activation(activation)
    depth = check_depth(depth)
    sigma_w2 = check_variance("sigma_w2", sigma_w2)
    sigma_b2 = check_bias_variance("sigma_b2", sigma_b2)
    der = derivative_of(act) if kernel == "ntk" else None
    for a in (act, der):
        if a is not None and a.dual_c is None:
            raise ValueError(
                f"activation={act.name!r}: the certified engine needs a closed-form dual for "
                f"{a.name!r} (registry dual_c is None); use numeric.nngp_ntk(dps=...) instead"
            )
    return kernel, act, der, depth, sigma_w2, sigma_b2
