"""Numeric level: float64 and arbitrary-precision evaluation of the kernel theory.

Public API (see README):

* :func:`nngp_ntk` — output-layer CK Σ^{L+1} and NTK Θ^{L+1} of an MLP;
* :func:`q_star`, :func:`chi_1`, :func:`c_star`, :func:`chi_c`, :func:`critical_sigma_w2`;
* :func:`dual`, :func:`dual_mp` — dual kernels V_φ in float64 / mpmath.
"""

from numeric.boolean_cube import boolean_cube_eigenvalues
from numeric.duals import dual, dual_diag, dual_mp, dual_quadrature
from numeric.kernels import kernel_sequence, nngp, nngp_ntk
from numeric.mean_field import (
    Phase,
    c_star,
    chi_1,
    chi_c,
    classify,
    correlation_map,
    critical_sigma_w2,
    depth_scales,
    length_map,
    q_star,
)

__all__ = [
    "Phase",
    "boolean_cube_eigenvalues",
    "c_star",
    "chi_1",
    "chi_c",
    "classify",
    "correlation_map",
    "critical_sigma_w2",
    "depth_scales",
    "dual",
    "dual_diag",
    "dual_mp",
    "dual_quadrature",
    "kernel_sequence",
    "length_map",
    "nngp",
    "nngp_ntk",
    "q_star",
]
