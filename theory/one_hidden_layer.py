r"""The bias-free one-hidden-layer network of the NTK blog, in SymPy.

.. math::
    y = f(x, w) = \sum_{i=1}^m b_i\,\sigma(a_i x),\qquad w = (a, b)\in\mathbb R^{2m},
    \qquad a_i\sim\mathcal N(0, 1),\ b_i\sim\mathcal N(0, 1/m)\ \text{(LeCun, standard param.)}

Gradient and Hessian blocks (per neuron, everything else is zero):

.. math::
    \partial_{a_i} y = b_i\sigma'(a_i x)x,\quad \partial_{b_i} y = \sigma(a_i x),\qquad
    \nabla^2 y = \begin{pmatrix}\mathrm{diag}(d) & \mathrm{diag}(c)\\
    \mathrm{diag}(c) & 0\end{pmatrix},\ d_i = b_i\sigma''(a_i x)x^2,\ c_i = \sigma'(a_i x)x.

Each neuron contributes the 2×2 block [[d, c], [c, 0]] with eigenvalues
(d ± √(d² + 4c²))/2, so ‖∇²y‖_op = max_i (|d_i| + √(d_i² + 4c_i²))/2 (the squared
singular values of the row-swapped block [[c, 0], [d, c]] are the same numbers squared).

Expectations over the LeCun initialisation (linearity and independence of a and b):

.. math::
    \mathbb E\lVert\nabla y\rVert^2 = m\,\mathbb E[\sigma(ax)^2] + x^2\,\mathbb E[\sigma'(ax)^2],

where E[σ(ax)²] = V_σ(x², x², x²) is the registry's dual kernel on the diagonal. Limits as
m → ∞ (tanh-like σ with sup|σ'| attained on the support of a):
m‖∇²y‖/‖∇y‖² → |x| sup|σ'| / E[σ²] and E[mκ] → |x| E|Z − ȳ| sup|σ'| / E[σ²] with
Z ~ N(0, E[σ²]), E|N(μ, s²)| = s√(2/π) e^{−μ²/(2s²)} + μ(1 − 2Φ(−μ/s)).

References: R. V. Dwaraknath, "Understanding the Neural Tangent Kernel" (blog, 2019),
"One Hidden Layer Network proof"; Chizat, Oyallon & Bach, "On Lazy Training in
Differentiable Programming" (NeurIPS 2019).
"""

from __future__ import annotations

import sympy as sp

from theory.activations import c as corr
from theory.activations import derivative_of, get_activation, q1, q2, z

x = sp.Symbol("x", real=True)
sigma = sp.Function("sigma")
d_sym, c_sym = sp.symbols("d c", real=True)


def _check_width(m: int) -> int:
    if isinstance(m, bool) or not isinstance(m, int) or m < 1:
        raise ValueError(f"m must be an integer >= 1, got {m!r}")
    return m


def network(m: int, phi: sp.Expr | None = None) -> tuple[sp.Expr, list[sp.Symbol], list[sp.Symbol]]:
    """f = Σ b_i σ(a_i x) with symbols a_i, b_i; σ generic (``sigma``) unless ``phi(z)`` given."""
    m = _check_width(m)
    a = list(sp.symbols(f"a1:{m + 1}", real=True))
    b = list(sp.symbols(f"b1:{m + 1}", real=True))
    act = (lambda u: sigma(u)) if phi is None else (lambda u: phi.subs(z, u))
    return sum(bi * act(ai * x) for ai, bi in zip(a, b, strict=True)), a, b


def closed_form_gradient(m: int) -> sp.Matrix:
    """The blog's gradient (∂y/∂a; ∂y/∂b) for generic σ, as a column of length 2m."""
    _, a, b = network(m)
    ga = [bi * sp.Subs(sp.Derivative(sigma(z), z), z, ai * x).doit() * x for ai, bi in zip(a, b, strict=True)]
    gb = [sigma(ai * x) for ai in a]
    return sp.Matrix(ga + gb)


def closed_form_hessian(m: int) -> sp.Matrix:
    """The blog's block Hessian [[diag(bσ''x²), diag(σ'x)], [diag(σ'x), 0]] for generic σ."""
    _, a, b = network(m)
    d1 = [sp.Subs(sp.Derivative(sigma(z), z), z, ai * x).doit() for ai in a]
    d2 = [sp.Subs(sp.Derivative(sigma(z), z, 2), z, ai * x).doit() for ai in a]
    aa = sp.diag(*[bi * s2 * x**2 for bi, s2 in zip(b, d2, strict=True)])
    ab = sp.diag(*[s1 * x for s1 in d1])
    return sp.Matrix(sp.BlockMatrix([[aa, ab], [ab, sp.zeros(m, m)]]))


def autodiff_gradient_and_hessian(m: int) -> tuple[sp.Matrix, sp.Matrix]:
    """Gradient and Hessian of :func:`network` by symbolic differentiation (generic σ)."""
    f, a, b = network(m)
    w = a + b
    grad = sp.Matrix([sp.diff(f, wi) for wi in w])
    return grad, sp.hessian(f, w)


def neuron_block() -> sp.Matrix:
    """One neuron's Hessian block [[d, c], [c, 0]] (d = bσ''x², c = σ'x)."""
    return sp.Matrix([[d_sym, c_sym], [c_sym, 0]])


def swapped_neuron_block() -> sp.Matrix:
    """The same block after swapping its rows: [[c, 0], [d, c]] (lower triangular)."""
    return sp.Matrix([[c_sym, 0], [d_sym, c_sym]])


def neuron_opnorm() -> sp.Expr:
    """‖[[d, c], [c, 0]]‖_op = (|d| + √(d² + 4c²))/2."""
    return (sp.Abs(d_sym) + sp.sqrt(d_sym**2 + 4 * c_sym**2)) / 2


def activation_derivatives(phi: sp.Expr) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """(σ, σ', σ'') of a SymPy activation in ``z``; DiracDelta terms (kinks) set to 0 a.e."""
    d1 = sp.diff(phi, z).replace(sp.DiracDelta, lambda *args: sp.Integer(0))
    d2 = sp.diff(d1, z).replace(sp.DiracDelta, lambda *args: sp.Integer(0))
    return phi, d1, d2


def softplus(beta: float | sp.Expr) -> sp.Expr:
    """Smooth ReLU log(1 + e^{βz})/β (β > 0); → relu as β → ∞."""
    beta = sp.nsimplify(beta)
    if not (beta.is_positive):
        raise ValueError(f"beta must be > 0, got {beta!r}")
    return sp.log(1 + sp.exp(beta * z)) / beta


def diagonal_moment(activation: str, xval: sp.Expr = x) -> sp.Expr:
    """E_a[φ(a x)²], a ~ N(0, 1), from the registry's closed-form dual at q1 = q2 = x², c = 1."""
    act = get_activation(activation)
    if act.dual_c is None:
        raise ValueError(
            f"activation must have a closed-form dual (relu, erf, step, erf_prime, ...), "
            f"got {act.name!r}"
        )
    return sp.simplify(act.dual_c.subs({q1: xval**2, q2: xval**2, corr: 1}))


def expected_grad_norm_sq(activation: str, m: sp.Expr, xval: sp.Expr = x) -> sp.Expr:
    """E‖∇y‖² = m·E[σ(ax)²] + x²·E[σ'(ax)²] (closed-form duals only)."""
    der = derivative_of(activation).name
    return m * diagonal_moment(activation, xval) + xval**2 * diagonal_moment(der, xval)


def expected_grad_norm_sq_from_moments(m: sp.Expr) -> sp.Expr:
    """The derivation step: Σ_i E[b_i²]E[σ'²]x² + Σ_i E[σ²] with E[b²] = 1/m (symbols S, S')."""
    s2, sp2 = sp.symbols("E_sigma2 E_dsigma2", positive=True)
    i = sp.Symbol("i", integer=True, positive=True)
    total = sp.summation((1 / m) * sp2 * x**2 + s2, (i, 1, m))
    return sp.simplify(total)


def abs_normal_mean(mu: sp.Expr, s: sp.Expr) -> sp.Expr:
    """E|N(μ, s²)| = s√(2/π)e^{−μ²/(2s²)} + μ(1 − 2Φ(−μ/s)), Φ the standard normal CDF."""
    phi_cdf = (1 + sp.erf(-mu / (s * sp.sqrt(2)))) / 2
    return s * sp.sqrt(2 / sp.pi) * sp.exp(-(mu**2) / (2 * s**2)) + mu * (1 - 2 * phi_cdf)


def kappa_ratio_limit(e_sigma2: sp.Expr, sup_dsigma: sp.Expr, xval: sp.Expr = x) -> sp.Expr:
    """lim m·‖∇²y‖/‖∇y‖² = |x| sup|σ'| / E[σ(ax)²]."""
    return sp.Abs(xval) * sup_dsigma / e_sigma2


def mean_m_kappa_limit(
    e_sigma2: sp.Expr, sup_dsigma: sp.Expr, ybar: sp.Expr, xval: sp.Expr = x
) -> sp.Expr:
    """lim E[m κ] = E|Z − ȳ|·|x| sup|σ'|/E[σ²], Z ~ N(0, E[σ²]) the limiting output."""
    return abs_normal_mean(-ybar, sp.sqrt(e_sigma2)) * kappa_ratio_limit(e_sigma2, sup_dsigma, xval)
