r"""Mercer spectrum of the Gaussian kernel under a Gaussian input distribution.

For :math:`k(x, x') = \exp(-(x-x')^2/(2\ell^2))` and x ~ N(0, σ²) (Rasmussen & Williams 2006,
§4.3.1): with a = 1/(4σ²), b = 1/(2ℓ²), c = √(a² + 2ab), A = a + b + c, B = b/A,

.. math:: \lambda_k = \sqrt{2a/A}\,B^k, \qquad k = 0, 1, 2, \dots

For ℓ = σ = 1: λ₀ = 1/φ (φ the golden ratio) and B = 1/φ². Used to check that Gram
eigenvalues divided by M approximate the operator eigenvalues (Nyström), the normalisation
of ``numeric.alignment``.

References: Rasmussen & Williams (2006), Gaussian Processes for Machine Learning, §4.3.1;
Zhu et al. (1998).
"""

from __future__ import annotations

import sympy as sp


def gaussian_kernel_spectrum(lengthscale: object = 1, sigma: object = 1) -> tuple[sp.Expr, sp.Expr]:
    """(λ₀, B): the spectrum is λ_k = λ₀ B^k."""
    ell: sp.Expr = sp.sympify(lengthscale)
    sig: sp.Expr = sp.sympify(sigma)
    if not (ell.is_positive and sig.is_positive):
        raise ValueError(f"lengthscale and sigma must be > 0, got {lengthscale}, {sigma}")
    a = 1 / (4 * sig**2)
    b = 1 / (2 * ell**2)
    c = sp.sqrt(a**2 + 2 * a * b)
    big_a = a + b + c
    return sp.radsimp(sp.sqrt(2 * a / big_a)), sp.radsimp(b / big_a)
