r"""Symbolic facts about linearized networks and the training protocol of Ortiz-Jiménez et al.

* eq. (1): :math:`\hat f_\theta = f_{\theta_0} + (\theta-\theta_0)^\top\nabla_\theta f_{\theta_0}` is
  the first-order Taylor polynomial: along θ = θ₀ + εδ, f − f̂ = ½ε² δᵀ∇²_θ f δ + O(ε³); its
  gradient in θ is the constant ∇_θ f_{θ₀}, so its NTK never changes;
* logistic loss = binary cross-entropy of a single logit:
  :math:`-[\tfrac{1+y}{2}\log\sigma(f) + \tfrac{1-y}{2}\log(1-\sigma(f))] = \log(1 + e^{-yf})`;
* BatchNorm in evaluation mode at its initial values (γ = 1, β = 0, running mean 0, running
  variance 1) is x/√(1 + ε) (App. B "Linearization");
* the Gram matrix of J ∈ ℝ^{MC×n} costs (MC)²(2n − 1) flops (App. B, "quadratic").

References: Ortiz-Jiménez, Moosavi-Dezfooli & Frossard (2021), eq. (1), App. A–B;
Ioffe & Szegedy (2015).
"""

from __future__ import annotations

import sympy as sp


def tanh_net() -> tuple[sp.Expr, list[sp.Symbol], list[sp.Symbol]]:
    """f(x) = Σ_k a_k tanh(w_kᵀx + b_k), d = 2, width 2: (f, θ, x)."""
    xs = list(sp.symbols("x1:3", real=True))
    theta: list[sp.Symbol] = []
    f = sp.Integer(0)
    for k in range(2):
        w = sp.symbols(f"w{k + 1}_1:3", real=True)
        b, a = sp.Symbol(f"b{k + 1}", real=True), sp.Symbol(f"a{k + 1}", real=True)
        f += a * sp.tanh(w[0] * xs[0] + w[1] * xs[1] + b)
        theta += [*w, b, a]
    return f, theta, xs


def taylor_check() -> dict[str, sp.Expr]:
    """Series of f(θ₀ + εδ) − f̂(θ₀ + εδ) in ε (symbolic θ₀, δ, x): orders 0, 1 vanish,
    order 2 equals ½δᵀ∇²f δ; and ∂f̂/∂θ − ∇f(θ₀) = 0."""
    f, theta, _ = tanh_net()
    eps = sp.Symbol("epsilon", real=True)
    th0 = [sp.Symbol(f"{t}_0", real=True) for t in theta]
    delta = [sp.Symbol(f"delta_{t}", real=True) for t in theta]
    at0 = dict(zip(theta, th0, strict=True))
    grad0 = [sp.diff(f, t).subs(at0) for t in theta]
    moved = {t: t0 + eps * dt for t, t0, dt in zip(theta, th0, delta, strict=True)}
    f_lin = f.subs(at0) + sum(g * (moved[t] - t0) for g, t, t0 in zip(grad0, theta, th0, strict=True))
    diff = sp.series(f.subs(moved) - f_lin, eps, 0, 3).removeO()
    hess = sum(
        dk * dl * sp.diff(f, tk, tl).subs(at0)
        for tk, dk in zip(theta, delta, strict=True)
        for tl, dl in zip(theta, delta, strict=True)
    )
    theta_sym = list(theta)
    f_lin_theta = f.subs(at0) + sum(g * (t - t0) for g, t, t0 in zip(grad0, theta_sym, th0, strict=True))
    grad_lin = [sp.diff(f_lin_theta, t) - g for t, g in zip(theta_sym, grad0, strict=True)]
    return {
        "order0": sp.simplify(diff.coeff(eps, 0)),
        "order1": sp.simplify(diff.coeff(eps, 1)),
        "order2_minus_half_hessian": sp.simplify(diff.coeff(eps, 2) - hess / 2),
        "gradient_of_linearization_minus_initial_gradient": sum(sp.Abs(e) for e in grad_lin),
    }


def bce_logistic_identity() -> dict[int, sp.Expr]:
    """BCE(σ(f), (1+y)/2) − log(1 + e^{−yf}) for y = +1 and y = −1 (0 each)."""
    f = sp.Symbol("f", real=True)
    sig = 1 / (1 + sp.exp(-f))
    out = {}
    for y in (1, -1):
        t = sp.Rational(1 + y, 2)
        bce = -(t * sp.log(sig) + (1 - t) * sp.log(1 - sig))
        out[y] = sp.simplify(sp.expand_log(bce - sp.log(1 + sp.exp(-y * f)), force=True))
    return out


def batchnorm_eval_at_init() -> tuple[sp.Expr, sp.Expr]:
    """(BN_eval at the initial values, x/√(1+ε))."""
    xv, eps = sp.Symbol("x", real=True), sp.Symbol("epsilon", positive=True)
    gamma, beta, mean, var = sp.symbols("gamma beta mu_run sigma2_run", real=True)
    bn = gamma * (xv - mean) / sp.sqrt(var + eps) + beta
    return bn.subs({gamma: 1, beta: 0, mean: 0, var: 1}), xv / sp.sqrt(1 + eps)


def gram_flops() -> dict[str, sp.Expr]:
    """Flops of J Jᵀ for J ∈ ℝ^{MC×n}: (MC)²(2n−1); ratio for M → 2M and for C → 2C."""
    m, c, n = sp.symbols("M C n", positive=True)
    flops = (m * c) ** 2 * (2 * n - 1)
    return {
        "flops": flops,
        "ratio_samples": sp.simplify(flops.subs(m, 2 * m) / flops),
        "ratio_outputs": sp.simplify(flops.subs(c, 2 * c) / flops),
    }
