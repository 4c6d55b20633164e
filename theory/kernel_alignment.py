r"""Symbolic identities behind Lemma 1 and §2–§4 of Ortiz-Jiménez et al. (2021).

With Mercer eigenpairs (λ_j, φ_j) orthonormal in L₂(𝒟) and coefficients
:math:`c_j = \mathbb E_x[\phi_j(x) f(x)]`:

* eq. (3): :math:`\|f\|_\Theta^2 = \sum_j c_j^2/\lambda_j`; eq. (6):
  :math:`\alpha(f) = \sum_j \lambda_j c_j^2`; on a finite eigen set (numeric.alignment
  conventions λ_j = μ_j/M, φ_j = √M u_j) these are fᵀK⁻¹f and fᵀKf/M² for every M;
* Lemma 1 by **Lagrange's identity**:
  :math:`(\sum c_j^2/\lambda_j)(\sum\lambda_j c_j^2) - (\sum c_j^2)^2
  = \sum_{i<j} c_i^2c_j^2(\lambda_i-\lambda_j)^2/(\lambda_i\lambda_j) \ge 0`,
  with equality iff all c_j ≠ 0 share one eigenvalue (a single eigenspace);
* the Jacobian form :math:`\alpha(f) = \|J^\top f/M\|^2 = f^\top JJ^\top f/M^2`;
* E1: in the RKHS of the features J, :math:`\|J\Delta\theta\|_K = \|P_J\Delta\theta\| \le \|\Delta\theta\|`;
* the min-norm fit of r₀ = c√M u_j needs :math:`\|\Delta\theta\|^2 = c^2/\lambda_j` and gradient flow
  on MSE decays the j-th residual as :math:`e^{-\eta\lambda_j t}`;
* Rademacher complexity of the RKHS ball (Cauchy–Schwarz + Jensen) and the scale invariance
  of eq. (2)'s complexity term;
* E2: the exact counterexample to "high alignment ⇒ small RKHS norm".

References: Ortiz-Jiménez, Moosavi-Dezfooli & Frossard (2021), §2, Lemma 1, App. D;
Bartlett & Mendelson (2002); Schölkopf & Smola (2002).
"""

from __future__ import annotations

import itertools

import sympy as sp


def lagrange_identity(n: int = 4) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """(lhs, rhs, lhs − rhs simplified) of Lagrange's identity for n terms."""
    if not isinstance(n, int) or n < 2:
        raise ValueError(f"n must be an int >= 2, got {n!r}")
    c = sp.symbols(f"c1:{n + 1}", real=True)
    lam = sp.symbols(f"lambda1:{n + 1}", positive=True)
    s_norm = sum(ci**2 / li for ci, li in zip(c, lam, strict=True))
    s_align = sum(li * ci**2 for ci, li in zip(c, lam, strict=True))
    lhs = s_norm * s_align - sum(ci**2 for ci in c) ** 2
    rhs = sum(
        c[i] ** 2 * c[j] ** 2 * (lam[i] - lam[j]) ** 2 / (lam[i] * lam[j])
        for i, j in itertools.combinations(range(n), 2)
    )
    return lhs, rhs, sp.cancel(sp.together(lhs - rhs))


def lemma1_homogeneity() -> sp.Expr:
    """‖f‖²_{sΘ}·α_{sΘ}(f) − ‖f‖²_Θ·α_Θ(f) for a kernel scaled by s > 0 (3 terms): 0."""
    s = sp.Symbol("s", positive=True)
    c = sp.symbols("c1:4", real=True)
    lam = sp.symbols("lambda1:4", positive=True)
    norm = sum(ci**2 / li for ci, li in zip(c, lam, strict=True))
    align = sum(li * ci**2 for ci, li in zip(c, lam, strict=True))
    norm_s = sum(ci**2 / (s * li) for ci, li in zip(c, lam, strict=True))
    align_s = sum(s * li * ci**2 for ci, li in zip(c, lam, strict=True))
    return sp.simplify(norm_s * align_s - norm * align)


def cayley_orthogonal(a: sp.Expr, b: sp.Expr, c: sp.Expr) -> sp.Matrix:
    """A generic 3×3 rotation U = (I − A)(I + A)⁻¹ from the skew matrix A(a, b, c)."""
    skew = sp.Matrix([[0, -a, -b], [a, 0, -c], [b, c, 0]])
    eye = sp.eye(3)
    return (eye - skew) * (eye + skew).inv()


def mercer_identities() -> dict[str, sp.Expr]:
    """Eqs. (3) and (6) on a symbolic 3×3 K = U diag(μ) Uᵀ with the eigen-set normalisation.

    Every returned expression cancels to 0: UᵀU − I (so U diag(1/μ) Uᵀ is K⁻¹), the Mercer
    sum − fᵀK⁻¹f (any M) and fᵀKf/M² − Σλ_jc_j². Rational arithmetic (``cancel``), not
    ``simplify``, which takes minutes on the Cayley entries.
    """
    a, b, c = sp.symbols("a b c", real=True)
    mu = sp.symbols("mu1:4", positive=True)
    m = sp.Symbol("M", positive=True)
    f = sp.Matrix(sp.symbols("f1:4", real=True))
    U = cayley_orthogonal(a, b, c).applyfunc(sp.cancel)
    K = U * sp.diag(*mu) * U.T
    Kinv = U * sp.diag(*[1 / x for x in mu]) * U.T
    lam = [x / m for x in mu]
    phi = [sp.sqrt(m) * U[:, j] for j in range(3)]
    coef = [(phi[j].T * f)[0, 0] / m for j in range(3)]
    mercer_norm = sum(coef[j] ** 2 / lam[j] for j in range(3))
    mercer_align = sum(lam[j] * coef[j] ** 2 for j in range(3))
    orth = (U.T * U - sp.eye(3)).applyfunc(sp.cancel)
    return {
        "orthogonality": sum(x**2 for x in orth),
        "rkhs_norm_eq3": sp.cancel(sp.together(mercer_norm - (f.T * Kinv * f)[0, 0])),
        "alignment_eq6": sp.cancel(sp.together(mercer_align - (f.T * K * f)[0, 0] / m**2)),
    }


def eigenfunction_alignment(n: int = 4, j: int = 2) -> dict[str, sp.Expr]:
    """α(φ_j) and ‖φ_j‖²_Θ from eqs. (6) and (3) with c_k = δ_kj (orthonormality)."""
    if not (isinstance(n, int) and n >= 1 and isinstance(j, int) and 1 <= j <= n):
        raise ValueError(f"need ints n >= 1 and 1 <= j <= n, got n={n!r}, j={j!r}")
    lam = sp.symbols(f"lambda1:{n + 1}", positive=True)
    coef = [sp.Integer(1) if k == j - 1 else sp.Integer(0) for k in range(n)]
    alpha = sum(lk * ck**2 for lk, ck in zip(lam, coef, strict=True))
    norm = sum(ck**2 / lk for lk, ck in zip(lam, coef, strict=True))
    return {"alpha": alpha, "rkhs_norm_sq": norm, "lambda_j": lam[j - 1], "product": alpha * norm}


def jacobian_alignment_identity(m: int = 3, n: int = 4) -> sp.Expr:
    """‖Jᵀf‖² − fᵀ(JJᵀ)f for a symbolic m×n J and f ∈ ℝ^m, expanded (0)."""
    J = sp.Matrix(m, n, lambda i, k: sp.Symbol(f"J{i}{k}", real=True))
    f = sp.Matrix(sp.symbols(f"f1:{m + 1}", real=True))
    g = J.T * f
    return sp.expand((g.T * g)[0, 0] - (f.T * J * J.T * f)[0, 0])


def projection_identity() -> dict[str, sp.Expr]:
    """E1 on a symbolic 2×3 J: ‖JΔ‖²_K − ‖PΔ‖², P² − P, Pᵀ − P and ‖Δ‖² − ‖PΔ‖² − ‖(I−P)Δ‖²."""
    J = sp.Matrix(2, 3, lambda i, k: sp.Symbol(f"J{i}{k}", real=True))
    d = sp.Matrix(sp.symbols("d1:4", real=True))
    K = J * J.T
    P = J.T * K.inv() * J
    h = J * d
    rkhs = (h.T * K.inv() * h)[0, 0]
    pd = P * d
    res = (sp.eye(3) - P) * d
    return {
        "rkhs_minus_projection": sp.cancel(sp.together(rkhs - (pd.T * pd)[0, 0])),
        "idempotent": sum(x**2 for x in (P * P - P).applyfunc(sp.cancel)),
        "symmetric": sum(x**2 for x in (P.T - P).applyfunc(sp.cancel)),
        "pythagoras": sp.cancel(
            sp.together((d.T * d)[0, 0] - (pd.T * pd)[0, 0] - (res.T * res)[0, 0])
        ),
    }


def min_norm_distance(j: int = 2) -> sp.Expr:
    """‖Δθ‖²·λ_j/c² for the min-norm interpolant of r₀ = c√M u_j (3×3 diagonal Gram): 1."""
    mu = sp.symbols("mu1:4", positive=True)
    m, c = sp.symbols("M c", positive=True)
    K = sp.diag(*mu)  # eigenbasis: u_j = e_j (the norm is basis-independent)
    r0 = sp.zeros(3, 1)
    r0[j - 1] = c * sp.sqrt(m)
    dist_sq = (r0.T * K.inv() * r0)[0, 0]
    return sp.simplify(dist_sq * (mu[j - 1] / m) / c**2)


def gradient_flow_residual() -> dict[str, sp.Expr]:
    """Solution of dr/dt = −ηλr and the time t(ε) = ln(1/ε)/(ηλ) to shrink it by ε."""
    t, eta, lam, r0, eps = sp.symbols("t eta lambda r0 epsilon", positive=True)
    r = sp.Function("r")
    sol = sp.dsolve(sp.Eq(r(t).diff(t), -eta * lam * r(t)), r(t), ics={r(0): r0}).rhs
    t_eps = sp.solve(sp.Eq(sol, eps * r0), t)[0]
    return {"solution": sol, "time": sp.simplify(t_eps), "expected_time": sp.log(1 / eps) / (eta * lam)}


def rademacher_rkhs_ball() -> dict[str, sp.Expr]:
    """sup over ‖w‖ ≤ B of wᵀJᵀσ is attained at w* = BJᵀσ/‖Jᵀσ‖ with value B√(σᵀKσ)
    (compared squared: both sides are ≥ 0); E_σ σᵀKσ = tr K (average over all 8 sign
    vectors of a symbolic 3×3 K). Cauchy–Schwarz gives wᵀJᵀσ ≤ ‖w‖‖Jᵀσ‖ for every other w."""
    B = sp.Symbol("B", positive=True)
    J = sp.Matrix(3, 2, lambda i, k: sp.Symbol(f"J{i}{k}", real=True))
    K = J * J.T
    sig = sp.Matrix(sp.symbols("s1:4", real=True))
    g = J.T * sig
    w_star = B * g / sp.sqrt((g.T * g)[0, 0])
    value = (w_star.T * g)[0, 0]
    quad = (sig.T * K * sig)[0, 0]
    k_sym = sp.Matrix(3, 3, lambda i, k: sp.Symbol(f"K{min(i, k)}{max(i, k)}", real=True))
    avg = sum(
        (sp.Matrix(s).T * k_sym * sp.Matrix(s))[0, 0] for s in itertools.product((-1, 1), repeat=3)
    ) / 8
    return {
        "sup_value_sq_minus_bound_sq": sp.cancel(sp.together(value**2 - B**2 * quad)),
        "norm_sq_of_maximiser_minus_B_sq": sp.cancel(sp.together((w_star.T * w_star)[0, 0] - B**2)),
        "mean_quadratic_minus_trace": sp.expand(avg - k_sym.trace()),
    }


def complexity_scale_invariance() -> sp.Expr:
    """√(‖f‖²_{cΘ}·E[cΘ(x,x)]/m) − √(‖f‖²_Θ·E[Θ(x,x)]/m): 0 (eq. 2's complexity term)."""
    c, norm_sq, trace, m = sp.symbols("c N T m", positive=True)
    return sp.simplify(sp.sqrt((norm_sq / c) * (c * trace) / m) - sp.sqrt(norm_sq * trace / m))


def binarized_alignment_decomposition() -> sp.Expr:
    """α(ρφ_1 + √(1−ρ²) r) − [ρ²λ_1 + (1−ρ²)α(r)] for r ⊥ φ_1 (diagonal 3-term operator): 0."""
    rho = sp.Symbol("rho", positive=True)
    lam = sp.symbols("lambda1:4", positive=True)
    r2, r3 = sp.symbols("r2 r3", real=True)
    norm = sp.sqrt(r2**2 + r3**2)
    r = [0, r2 / norm, r3 / norm]  # unit, orthogonal to φ_1
    psi = [rho + sp.sqrt(1 - rho**2) * r[0]] + [sp.sqrt(1 - rho**2) * x for x in r[1:]]
    alpha = sum(lk * pk**2 for lk, pk in zip(lam, psi, strict=True))
    alpha_r = sum(lk * rk**2 for lk, rk in zip(lam, r, strict=True))
    return sp.simplify(alpha - (rho**2 * lam[0] + (1 - rho**2) * alpha_r))


def alignment_proxy_counterexample() -> dict[str, sp.Expr]:
    """E2: λ = (1, 4/5, 1/10⁴), f₁ = (φ₁ + 3/10 φ₃)/√(109/100), f₂ = φ₂ (both unit L₂ norm)."""
    lam = (sp.Integer(1), sp.Rational(4, 5), sp.Rational(1, 10**4))
    n1 = sp.sqrt(sp.Rational(109, 100))
    c1 = (1 / n1, sp.Integer(0), sp.Rational(3, 10) / n1)
    c2 = (sp.Integer(0), sp.Integer(1), sp.Integer(0))

    def alpha(cs):
        return sp.nsimplify(sum(lk * ck**2 for lk, ck in zip(lam, cs, strict=True)))

    def norm_sq(cs):
        return sp.nsimplify(sum(ck**2 / lk for lk, ck in zip(lam, cs, strict=True)))

    def l2(cs):
        return sp.nsimplify(sum(ck**2 for ck in cs))

    return {
        "alpha_f1": alpha(c1), "alpha_f2": alpha(c2),
        "norm_sq_f1": norm_sq(c1), "norm_sq_f2": norm_sq(c2),
        "l2_f1": l2(c1), "l2_f2": l2(c2),
    }
