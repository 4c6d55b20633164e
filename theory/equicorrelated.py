r"""Equicorrelated kernel matrices and the variance algebra of Seleznova & Kutyniok, Thm. 5.3.

An S×S matrix :math:`(a-b) I_S + b J_S` (:math:`J_S = 1_S 1_S^T`, :math:`J^2 = S J`) has the
eigenvalues :math:`a-b` (multiplicity S−1) and :math:`a+(S-1)b`, the inverse

.. math:: [(a-b)I + bJ]^{-1} = \frac{1}{a-b}\Bigl(I - \frac{b}{a+(S-1)b} J\Bigr)

(App. B's Sherman–Morrison/Woodbury step), and the condition number
:math:`(r+S-1)/(r-1)` with :math:`r = a/b`.

Kernel regression with a deterministic NTK Θ and a centred Gaussian initial function with
covariance K (the NNGP) gives, for the trained output (10),

.. math::
    \mathrm{Var}_{w_0} f^{\infty}(x) = K(x,x) - 2\,\Theta(x,X)\Theta^{-1}K(X,x)
      + \Theta(x,X)\Theta^{-1}K(X)\Theta^{-1}\Theta(X,x).

Theorem 5.3 replaces Θ by its data-independent part :math:`\bar\Theta\propto(\bar\kappa_1-\bar\kappa_2)I+\bar\kappa_2J`
and q by its data averages: with :math:`A = S/(\bar\kappa_1/\bar\kappa_2 + S - 1)`,

.. math::
    \mathrm{Var} \approx \bar q - 2A\bar q_{sr} + A^2(\bar q/S + (1-1/S)\bar q_{sr})
      = (1 + A^2/S)(\bar q - \bar q_{sr}) + (A-1)^2\bar q_{sr}.

References: Seleznova & Kutyniok (2021), §5, Thm. 5.3, App. B; Lee et al. (2019) for (10).
"""

from __future__ import annotations

import sympy as sp

S = sp.Symbol("S", positive=True, integer=True)
A = sp.Symbol("A", positive=True)
r = sp.Symbol("r", positive=True)  # κ̄1/κ̄2
qbar = sp.Symbol("qbar", positive=True)
qsr = sp.Symbol("qbar_sr", real=True)


def a_of_ratio(ratio: sp.Expr = r, size: sp.Expr = S) -> sp.Expr:
    """A(κ₁, κ₂) = S/(κ̄₁/κ̄₂ + S − 1)."""
    return size / (ratio + size - 1)


def variance_expanded(a_coef: sp.Expr = A, size: sp.Expr = S) -> sp.Expr:
    """App. B before the last rewriting: q̄ − 2A q̄_sr + A²(q̄/S + (1 − 1/S) q̄_sr)."""
    return qbar - 2 * a_coef * qsr + a_coef**2 * (qbar / size + (1 - 1 / size) * qsr)


def variance_theorem(a_coef: sp.Expr = A, size: sp.Expr = S) -> sp.Expr:
    """Theorem 5.3 as printed: (1 + A²/S)(q̄ − q̄_sr) + (A − 1)² q̄_sr."""
    return (1 + a_coef**2 / size) * (qbar - qsr) + (a_coef - 1) ** 2 * qsr


def equicorrelated(diag: sp.Expr, off: sp.Expr, size: int) -> sp.Matrix:
    """Explicit (diag − off) I + off J of a concrete size."""
    if not isinstance(size, int) or size < 1:
        raise ValueError(f"size must be an integer >= 1, got {size!r}")
    return (diag - off) * sp.eye(size) + off * sp.ones(size, size)


def woodbury_inverse(diag: sp.Expr, off: sp.Expr, size: int) -> sp.Matrix:
    """The printed inverse (1/(a − b))(I − b/(a + (S−1)b) J) for a concrete size."""
    if not isinstance(size, int) or size < 1:
        raise ValueError(f"size must be an integer >= 1, got {size!r}")
    return (sp.eye(size) - off / (diag + (size - 1) * off) * sp.ones(size, size)) / (diag - off)


def kernel_regression_variance(k_xx: sp.Expr, k_xX: sp.Matrix, k_XX: sp.Matrix, t_xX: sp.Matrix,
                               t_XX: sp.Matrix) -> sp.Expr:
    """Var_{w0} f^∞(x) for deterministic Θ and f⁰ ~ GP(0, K); ``k_xX``, ``t_xX`` are 1×S rows."""
    w = t_xX * t_XX.inv()
    return k_xx - 2 * (w * k_xX.T)[0, 0] + (w * k_XX * w.T)[0, 0]
