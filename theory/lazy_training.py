r"""Lazy training / kernel-regime algebra of the NTK blog, in SymPy.

* Inverse relative scale (Chizat & Bach): with residual r = ‖y(w0) − ȳ‖, Jacobian norm G
  and Hessian (tensor) norm M, κ(w0) = r·M/G². Scaling the output by α multiplies G by α and
  M by α, so κ_α = ‖α y0 − ȳ‖·αM/(α²G²), which is κ(w0)/α exactly when y(w0) = 0.
* Toy model f(x, w) = (w x + w² x + sin(e^{0.1 w}))(w − 0.4), w0 = 0.4, so f(x, w0) = 0.
* Gradient flow of L = ½‖y − ȳ‖²: ẇ = −∇y (y − ȳ), ẏ = −H(w)(y − ȳ), H = ∇yᵀ∇y; with H
  frozen at w0 the residual u = y − ȳ solves u̇ = −Hu, u(t) = e^{−Ht}u(0).
* Linearised least squares Φᵀ(w − w0) = ȳ − y0 (Φ ∈ R^{p×N}): GD from w0 stays in
  w0 + range(Φ) and converges to w0 + Φ(ΦᵀΦ)^{-1}(ȳ − y0) = argmin ‖w − w0‖.
* PyTorch default init (U(±1/√fan_in)) of Linear(1,m)–Linear(m,m)–Linear(m,1) with biases:
  p(m) = m² + 4m + 1 and E‖w0‖² = m + 2/3 + 1/(3m).

References: R. V. Dwaraknath, "Understanding the Neural Tangent Kernel" (blog, 2019);
Chizat, Oyallon & Bach, "On Lazy Training in Differentiable Programming" (NeurIPS 2019);
Jacot, Gabriel & Hongler (NeurIPS 2018).
"""

from __future__ import annotations

import sympy as sp

x, w, t = sp.symbols("x w t", real=True)
alpha = sp.Symbol("alpha", positive=True)
ybar = sp.Symbol("ybar", real=True)
#: the toy model's initial weight, printed in the blog as 0.4
W0 = sp.Rational(2, 5)


# -- inverse relative scale -------------------------------------------------------------------
def kappa(residual: sp.Expr, hess_norm: sp.Expr, grad_norm: sp.Expr) -> sp.Expr:
    """κ = ‖y0 − ȳ‖·‖∇²y‖/‖∇y‖²."""
    return residual * hess_norm / grad_norm**2


def kappa_scaled(y0: sp.Expr, target: sp.Expr, hess_norm: sp.Expr, grad_norm: sp.Expr) -> sp.Expr:
    """κ_α of the model α·y (scalar output): |α y0 − ȳ|·α M/(α G)²."""
    return sp.Abs(alpha * y0 - target) * alpha * hess_norm / (alpha * grad_norm) ** 2


# -- toy model ----------------------------------------------------------------------------------
def toy_model(xval: sp.Expr = x, wval: sp.Expr = w) -> sp.Expr:
    """f(x, w) = (w x + w² x + sin(e^{w/10}))(w − 2/5)."""
    return (wval * xval + wval**2 * xval + sp.sin(sp.exp(wval / 10))) * (wval - W0)


def toy_derivatives(order: int = 3, xval: sp.Expr = x) -> list[sp.Expr]:
    """[f(w0), f'(w0), …, f^{(order)}(w0)] (exact)."""
    f = toy_model(xval)
    return [sp.simplify(sp.diff(f, w, k).subs(w, W0)) for k in range(order + 1)]


def toy_linearization(xval: sp.Expr = x) -> sp.Expr:
    """Tangent line f(w0) + f'(w0)(w − w0) (f(w0) = 0)."""
    f0, f1 = toy_derivatives(1, xval)
    return f0 + f1 * (w - W0)


def toy_normalized_loss(xval: sp.Expr = x, linear: bool = False) -> sp.Expr:
    """Code's normalised loss (ȳ − α f)²/α² of the α-scaled model (or of its tangent)."""
    f = toy_linearization(xval) if linear else toy_model(xval)
    return (ybar - alpha * f) ** 2 / alpha**2


def toy_minimizer_series(order: int = 3, xval: sp.Expr = x) -> sp.Expr:
    """w*_α − w0 as a series in ε = 1/α solving f(w*) = ȳ/α (series reversion)."""
    eps = sp.Symbol("epsilon", positive=True)
    f1, f2, f3 = toy_derivatives(3, xval)[1:]
    c = sp.symbols(f"c1:{order + 1}")
    delta = sum(ci * eps ** (i + 1) for i, ci in enumerate(c))
    taylor = f1 * delta + f2 * delta**2 / 2 + f3 * delta**3 / 6
    eqs = sp.Poly(sp.expand(taylor - ybar * eps), eps).all_coeffs()[::-1]
    sol = sp.solve(eqs[1 : order + 1], c, dict=True)[0]
    return sp.simplify(delta.subs(sol).subs(eps, 1 / alpha))


# -- gradient flow ------------------------------------------------------------------------------
def symmetric_2x2() -> sp.Matrix:
    h11, h12, h22 = sp.symbols("h11 h12 h22", real=True)
    return sp.Matrix([[h11, h12], [h12, h22]])


def linear_flow_solution(h: sp.Matrix, u0: sp.Matrix) -> sp.Matrix:
    """u(t) = e^{−Ht} u(0) (column vector)."""
    return (-h * t).exp() * u0


def spectral_solution(lams: list[sp.Expr], vecs: list[sp.Matrix], u0: sp.Matrix) -> sp.Matrix:
    """Σ_i e^{−λ_i t}(v_iᵀu0)v_i for an orthonormal eigenbasis."""
    return sum(
        (sp.exp(-lam * t) * (v.T * u0)[0, 0] * v for lam, v in zip(lams, vecs, strict=True)),
        sp.zeros(u0.rows, 1),
    )


def nearest_solution(phi: sp.Matrix, w0: sp.Matrix, target: sp.Matrix) -> sp.Matrix:
    """GD limit of the linear least squares Φᵀw = target from w0: w0 + Φ(ΦᵀΦ)⁻¹(target − Φᵀw0).

    GD iterates w_{k+1} = w_k − ηΦ(Φᵀw_k − target) never leave w0 + range(Φ); the unique point of
    that affine space solving the system is this one, i.e. argmin ‖w − w0‖ over the solutions.
    """
    return w0 + phi * (phi.T * phi).inv() * (target - phi.T * w0)


def min_norm_solution(phi: sp.Matrix, target: sp.Matrix) -> sp.Matrix:
    """argmin ‖w‖ subject to Φᵀw = target: Φ(ΦᵀΦ)⁻¹ target (the GD limit from w0 = 0)."""
    return phi * (phi.T * phi).inv() * target


def ellipse_semi_axes(h: sp.Matrix) -> list[sp.Expr]:
    """Semi-axes of {u : uᵀHu = 1}: 1/√λ_i along the eigenvectors."""
    return [1 / sp.sqrt(lam) for lam in h.eigenvals()]


def descent_lemma_gap(a: sp.Matrix, eta: sp.Expr) -> sp.Expr:
    """L(w − ηg) − L(w) + η‖g‖² − η²/2·gᵀAg, g = ∇L, for the quadratic L = ½vᵀAv + qᵀv.

    Identically 0; with gᵀAg ≤ λ_max‖g‖² it gives L(w − ηg) ≤ L(w) − η(1 − ηλ_max/2)‖g‖².
    """
    wv = sp.Matrix(sp.symbols(f"v1:{a.rows + 1}", real=True))
    bvec = sp.Matrix(sp.symbols(f"q1:{a.rows + 1}", real=True))

    def loss(v: sp.Matrix) -> sp.Expr:
        return ((v.T * a * v) / 2 + bvec.T * v)[0, 0]

    grad = a * wv + bvec
    lhs = loss(wv - eta * grad) - loss(wv)
    rhs = -eta * (grad.T * grad)[0, 0] + eta**2 / 2 * (grad.T * a * grad)[0, 0]
    return sp.expand(lhs - rhs)


# -- weights ------------------------------------------------------------------------------------
def relative_change(w_new: sp.Matrix, w_old: sp.Matrix) -> sp.Expr:
    """‖w(n) − w0‖₂/‖w0‖₂."""
    return (w_new - w_old).norm() / w_old.norm()


def pytorch_param_count(m: sp.Expr) -> sp.Expr:
    """p of Linear(1,m)–Linear(m,m)–Linear(m,1), all with biases."""
    return sp.expand((1 * m + m) + (m * m + m) + (m * 1 + 1))


def uniform_variance(bound: sp.Expr) -> sp.Expr:
    """Var U(−c, c) = c²/3, by integration."""
    u = sp.Symbol("u", real=True)
    return sp.simplify(sp.integrate(u**2 / (2 * bound), (u, -bound, bound)))


def pytorch_expected_sq_norm(m: sp.Expr) -> sp.Expr:
    """E‖w0‖² under U(±1/√fan_in): Σ_layers (#params)·1/(3 fan_in)."""
    layers = [(m + m, 1), (m * m + m, m), (m + 1, m)]  # (#weights + #biases, fan_in)
    return sp.simplify(sum(n * uniform_variance(1 / sp.sqrt(f)) for n, f in layers))
