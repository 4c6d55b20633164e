r"""Stein's lemma and the neural-anisotropy-direction (NAD) algebra of Theorem 1.

* Stein's lemma, x ~ N(0, 1): :math:`\mathbb E[x\,h(x)] = \mathbb E[h'(x)]` by integration by
  parts with :math:`\varphi'(x) = -x\varphi(x)`:
  :math:`\int x h\varphi = [-h\varphi]_{-\infty}^{\infty} + \int h'\varphi`; the boundary term
  vanishes for h of sub-Gaussian growth. Applied to each coordinate of
  :math:`x \mapsto \nabla_\theta f_\theta(x)` it gives Theorem 1:
  :math:`\mathbb E_x[\nabla_\theta f(x)\,x^\top] = \mathbb E_x[\nabla^2_{x,\theta} f(x)]`, so
  :math:`\alpha(g_u) = \|\mathbb E[\nabla^2_{x,\theta} f]\,u\|^2` for g_u(x) = uᵀx, ‖u‖ = 1.
  It needs ∇_θ f weakly differentiable in x (GeLU; ReLU with biases is not — catalog E6).
* :math:`\alpha(g_u) = u^\top M^\top M u` is a Rayleigh quotient of MᵀM: its successive
  maximisers over orthogonal complements are the right singular vectors of M (NADs) with
  values s_j² (Courant–Fischer); :math:`\mathbb E[(u^\top x)^2] = \|u\|^2`.
* NAD dataset, eq. (5): x = ε y u + w, w ~ N(0, σ(I − uuᵀ)), y = ±1 uniform:
  uᵀx = εy exactly and Cov x = ε²uuᵀ + σ(I − uuᵀ) (= I for ε = σ = 1).
* :math:`\mathbb E|z| = \sqrt{2/\pi}` (z ~ N(0, 1)): the first Hermite coefficient of sign, so
  sign(uᵀx) = √(2/π)·uᵀx + (higher Hermite terms) and the cosine of App. B's binarization.

References: Stein (1981); Ortiz-Jiménez, Moosavi-Dezfooli & Frossard (2021), Theorem 1,
App. C–D.2; Ortiz-Jiménez et al. (2020), "Neural anisotropy directions".
"""

from __future__ import annotations

import sympy as sp

x = sp.Symbol("x", real=True)
_pdf = sp.exp(-(x**2) / 2) / sp.sqrt(2 * sp.pi)


def gaussian_mean(expr: sp.Expr) -> sp.Expr:
    """E[expr(x)] for x ~ N(0, 1), by SymPy integration."""
    return sp.simplify(sp.integrate(expr * _pdf, (x, -sp.oo, sp.oo)))


def stein_sides(h: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """(E[x h(x)], E[h'(x)]) integrated directly."""
    return gaussian_mean(x * h), gaussian_mean(sp.diff(h, x))


def stein_by_parts(h: sp.Expr) -> dict[str, sp.Expr]:
    """The integration-by-parts route for h where direct integration fails (erf):
    x·φ(x) = −φ'(x), so ∫ x h φ = [−hφ] + ∫ h'φ. Returns the pdf identity (0), the two
    boundary limits (0) and E[h'] (closed form)."""
    return {
        "pdf_identity": sp.simplify(sp.diff(_pdf, x) + x * _pdf),
        "boundary_plus": sp.limit(-h * _pdf, x, sp.oo),
        "boundary_minus": sp.limit(-h * _pdf, x, -sp.oo),
        "mean_derivative": gaussian_mean(sp.diff(h, x)),
    }


def erf_stein_closed_form() -> tuple[sp.Expr, sp.Expr]:
    """(E[d/dx erf(cx+b)], its expected closed form 2c/√(π(1+2c²))·exp(−b²/(1+2c²)))."""
    c = sp.Symbol("c", positive=True)
    b = sp.Symbol("b", real=True)
    lhs = gaussian_mean(sp.diff(sp.erf(c * x + b), x))
    rhs = 2 * c / sp.sqrt(sp.pi * (1 + 2 * c**2)) * sp.exp(-(b**2) / (1 + 2 * c**2))
    return lhs, rhs


def gelu_net(width: int = 2, d: int = 2) -> tuple[sp.Expr, list[sp.Symbol], list[sp.Symbol]]:
    """f(x) = Σ_k a_k GeLU(w_kᵀx + b_k) with symbolic parameters; returns (f, θ, x)."""
    xs = list(sp.symbols(f"x1:{d + 1}", real=True))
    theta: list[sp.Symbol] = []
    f = sp.Integer(0)
    for k in range(width):
        w = sp.symbols(f"w{k + 1}_1:{d + 1}", real=True)
        b, a = sp.Symbol(f"b{k + 1}", real=True), sp.Symbol(f"a{k + 1}", real=True)
        z = sum(wi * xi for wi, xi in zip(w, xs, strict=True)) + b
        f += a * z * (1 + sp.erf(z / sp.sqrt(2))) / 2
        theta += [*w, b, a]
    return f, theta, xs


def mixed_derivative_matrix(f: sp.Expr, theta: list[sp.Symbol], xs: list[sp.Symbol]) -> sp.Matrix:
    """∇²_{x,θ} f as the n×d matrix (∂²f/∂θ_k∂x_l)."""
    return sp.Matrix(len(theta), len(xs), lambda k, l: sp.diff(f, theta[k], xs[l]))


def rayleigh_identity() -> sp.Expr:
    """‖Mu‖² − uᵀ(MᵀM)u for symbolic 3×2 M (0): α(g_u) is a Rayleigh quotient of MᵀM."""
    M = sp.Matrix(3, 2, lambda i, k: sp.Symbol(f"M{i}{k}", real=True))
    u = sp.Matrix(sp.symbols("u1:3", real=True))
    mu = M * u
    return sp.expand((mu.T * mu)[0, 0] - (u.T * M.T * M * u)[0, 0])


def linear_predictor_l2() -> sp.Expr:
    """E[(uᵀx)²] − ‖u‖² for x ~ N(0, I₂) (independent coordinates): 0."""
    u1, u2 = sp.symbols("u1 u2", real=True)
    x1, x2 = sp.symbols("x1 x2", real=True)
    pdf = sp.exp(-(x1**2 + x2**2) / 2) / (2 * sp.pi)
    e = sp.integrate((u1 * x1 + u2 * x2) ** 2 * pdf, (x1, -sp.oo, sp.oo), (x2, -sp.oo, sp.oo))
    return sp.simplify(e - (u1**2 + u2**2))


def nad_dataset_moments() -> dict[str, sp.Expr]:
    """Eq. (5) with a unit u ∈ ℝ³ (spherical angles): uᵀ(I − uuᵀ)u, the covariance
    ε²uuᵀ + σ(I − uuᵀ) − I at ε = σ = 1 (zero matrix), and (I − uuᵀ)² − (I − uuᵀ)."""
    t, p = sp.symbols("t p", real=True)
    eps, sigma = sp.symbols("epsilon sigma", positive=True)
    u = sp.Matrix([sp.sin(t) * sp.cos(p), sp.sin(t) * sp.sin(p), sp.cos(t)])
    proj = sp.eye(3) - u * u.T
    cov = eps**2 * u * u.T + sigma * proj  # E[y²] = 1, E[y w] = 0 (independent, E w = 0)
    return {
        "u_variance_of_noise": sp.simplify((u.T * proj * u)[0, 0]),
        "covariance_minus_identity": sp.simplify(cov.subs({eps: 1, sigma: 1}) - sp.eye(3)),
        "projector": sp.simplify(proj * proj - proj),
        "covariance": cov,
    }


def sign_first_hermite() -> sp.Expr:
    """E[sign(z) z] = E|z| for z ~ N(0, 1) (= √(2/π))."""
    return gaussian_mean(sp.Abs(x))
