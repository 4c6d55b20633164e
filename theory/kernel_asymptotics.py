r"""Large-depth asymptotics of the erf NNGP / NTK with normalized inputs (SymPy derivations).

Xiao, Pennington & Schoenholz (2020), §4 and App. A–D. With every input normalized so that
:math:`K^{(0)}(x, x) = q^*`, the diagonal stays at :math:`q^*` and the recursions act entrywise
on the off-diagonal entries (eqs. 12–14):

.. math::
    q_{ab}^{(l+1)} = \sigma_w^2 T(q_{ab}^{(l)}) + \sigma_b^2,\qquad
    p_{ab}^{(l+1)} = q_{ab}^{(l+1)} + \sigma_w^2 \dot T(q_{ab}^{(l)})\, p_{ab}^{(l)},\qquad
    p^{(l+1)} = q^* + \chi_1 p^{(l)}.

Everything here is *derived* from the activation registry's closed-form erf dual
(:mod:`theory.activations`), never retyped: :math:`T(q_{ab}) = V_{\mathrm{erf}}(q^*, q^*, q_{ab})`,
:math:`\dot T = V_{\mathrm{erf}'}`, and :math:`\ddot T, \dddot T` are its q_ab-derivatives
(Price's theorem). The functions return SymPy expressions; checks compare them with the
numeric level (:mod:`numeric.normalized_recursion`, :mod:`numeric.ntk_spectrum`).

Derived laws (each function documents its derivation):

* fixed points :math:`p^* = q^*/(1-\chi_1)`, :math:`p^*_{ab} = q^*_{ab}/(1-\chi_c)`;
* the closed-form diagonal :math:`p^{(l)} = q^*(\chi_1^{l+1}-1)/(\chi_1-1)`;
* the Jordan-block correction :math:`\delta_{ab}/(l\varepsilon_{ab}) \to 1 + \chi_{c,2}p^*_{ab}/\chi_c`;
* the critical-line parametrization and the second-order (log) corrections on it;
* limiting spectra: :math:`a I + b\,11^\top` gives :math:`\kappa = 1 + m b/a`, hence
  :math:`(m+2)/2`, :math:`(md+2)/2`, :math:`(m+3)/3` (ReLU) and the dropout limit eq. (85).

References: Xiao, Pennington & Schoenholz (2020), "Disentangling Trainability and
Generalization in Deep Learning", §4, App. A–D; Poole et al. (2016); Schoenholz et al. (2017).
"""

from __future__ import annotations

import functools

import sympy as sp

from theory.activations import c, get_activation, q1, q2

#: symbols shared by the derivations (names follow the paper)
q_star = sp.Symbol("q_star", positive=True)
q_ab = sp.Symbol("q_ab", real=True)
sigma_w2 = sp.Symbol("sigma_w2", positive=True)
sigma_b2 = sp.Symbol("sigma_b2", nonnegative=True)
chi1, chic, chi2, chic2, chi3 = sp.symbols("chi_1 chi_c chi_2 chi_c2 chi_3", positive=True)
p_star, p_ab_star, q_ab_star = sp.symbols("p_star p_ab_star q_ab_star", positive=True)
l, m, d = sp.symbols("l m d", positive=True)
rho = sp.Symbol("rho", positive=True)


def _equal_variance(name: str) -> sp.Expr:
    """Registry dual of ``name`` at q1 = q2 = q*, as a function of the covariance q_ab."""
    dual_c = get_activation(name).dual_c
    if dual_c is None:  # pragma: no cover - erf and erf_prime have closed forms
        raise ValueError(f"activation {name!r} has no closed-form dual")
    return sp.simplify(dual_c.subs({q1: q_star, q2: q_star}).subs(c, q_ab / q_star))


@functools.cache
def erf_duals() -> tuple[sp.Expr, sp.Expr, sp.Expr, sp.Expr]:
    r"""(T, Ṫ, T̈, T⃛) of erf at equal variances q*, as functions of q_ab.

    T and Ṫ are the registry's erf and erf′ duals; T̈ = dṪ/dq_ab and T⃛ = d²Ṫ/dq_ab².
    """
    t = _equal_variance("erf")
    tdot = _equal_variance("erf_prime")
    tddot = sp.simplify(sp.diff(tdot, q_ab))
    tdddot = sp.simplify(sp.diff(tdot, q_ab, 2))
    return t, tdot, tddot, tdddot


def erf_chis() -> dict[str, sp.Expr]:
    r"""χ₁ = σ_w² Ṫ(q*), χ₂ = σ_w² T̈(q*), χ₃ = σ_w² T⃛(q*) as expressions in (σ_w², q*)."""
    _, tdot, tddot, tdddot = erf_duals()
    at = {q_ab: q_star}
    return {
        "chi_1": sp.simplify(sigma_w2 * tdot.subs(at)),
        "chi_2": sp.simplify(sigma_w2 * tddot.subs(at)),
        "chi_3": sp.simplify(sigma_w2 * tdddot.subs(at)),
        "diag_rate": sp.simplify(sp.diff(sigma_w2 * _diag_map_T(), q_star)),
    }


def _diag_map_T() -> sp.Expr:
    """T on the diagonal as a function of the variance q (both entries = q): E[φ(√q z)²]."""
    t, _, _, _ = erf_duals()
    return t.subs(q_ab, q_star)


def erf_critical_line() -> tuple[sp.Expr, sp.Expr]:
    r"""(σ_w²(q*), σ_b²(q*)) on the erf critical line χ₁ = 1.

    Solve χ₁(σ_w², q*) = 1 for σ_w², then σ_b² = q* − σ_w² T(q*) from the q* equation.
    """
    chi_1 = erf_chis()["chi_1"]
    (sw2,) = sp.solve(sp.Eq(chi_1, 1), sigma_w2)
    sb2 = sp.simplify(q_star - sw2 * _diag_map_T())
    return sp.simplify(sw2), sb2


def ntk_diagonal_closed_form() -> sp.Expr:
    r"""p^{(l)} solving p^{(l+1)} = q* + χ₁ p^{(l)}, p^{(0)} = q* (eq. 15), by ``rsolve``."""
    n = sp.Symbol("n", integer=True, nonnegative=True)
    P = sp.Function("P")
    sol = sp.rsolve(P(n + 1) - chi1 * P(n) - q_star, P(n), {P(0): q_star})
    return sp.simplify(sol.subs(n, l))


def affine_fixed_point(source: sp.Expr, slope: sp.Expr) -> sp.Expr:
    r"""Fixed point of p ↦ source + slope·p: p* = source/(1 − slope) (eqs. 16, 18)."""
    p = sp.Symbol("p")
    (sol,) = sp.solve(sp.Eq(p, source + slope * p), p)
    return sol


def offdiag_linearization() -> sp.Matrix:
    r"""Jacobian of (q_ab, p_ab) ↦ (q_ab', p_ab') at the off-diagonal fixed point.

    q_ab' = σ_w² T(q_ab) + σ_b², p_ab' = q_ab' + σ_w² Ṫ(q_ab) p_ab. With χ_c = σ_w² Ṫ(q*_ab)
    and χ_{c,2} = σ_w² T̈(q*_ab) (Price: dT/dq_ab = Ṫ):
    [[χ_c, 0], [χ_c + χ_{c,2} p*_ab, χ_c]] — a Jordan block.
    """
    t_fun, tdot_fun = sp.Function("T"), sp.Function("Tdot")
    qa, pa = sp.symbols("qa pa")
    q_next = sigma_w2 * t_fun(qa) + sigma_b2
    p_next = q_next + sigma_w2 * tdot_fun(qa) * pa
    jac = sp.Matrix([q_next, p_next]).jacobian([qa, pa])
    # Price's theorem: T' = Ṫ, Ṫ' = T̈; then evaluate at the fixed point
    tddot_fun = sp.Function("Tddot")
    jac = jac.subs(sp.Derivative(tdot_fun(qa), qa), tddot_fun(qa))
    jac = jac.subs(sp.Derivative(t_fun(qa), qa), tdot_fun(qa))
    jac = jac.subs({pa: p_ab_star}).subs(
        {sigma_w2 * tdot_fun(qa): chic, sigma_w2 * tddot_fun(qa): chic2}
    )
    return sp.simplify(jac)


def offdiag_correction_ratio() -> sp.Expr:
    r"""lim δ^{(l)}/(l ε^{(l)}) from the l-th power of the Jordan block (eq. 33, corrected eq. 29).

    J^l = [[χ_c^l, 0], [l χ_c^{l−1} g, χ_c^l]] with g = χ_c + χ_{c,2}p*_ab, so for ε₀ ≠ 0
    δ_l/(l ε_l) = δ₀/(l ε₀) + g/χ_c → 1 + χ_{c,2} p*_ab/χ_c.
    """
    jac = offdiag_linearization()
    n = sp.Symbol("n", integer=True, positive=True)
    a, g = jac[0, 0], jac[1, 0]
    # J = a I + N with N nilpotent: J^n = a^n I + n a^{n-1} N (binomial theorem)
    power = a**n * sp.eye(2) + n * a ** (n - 1) * (jac - a * sp.eye(2))
    eps0, delta0 = sp.symbols("epsilon_0 delta_0")
    eps_n, delta_n = power * sp.Matrix([eps0, delta0])
    ratio = sp.simplify(delta_n / (n * eps_n))
    limit = sp.limit(ratio, n, sp.oo)
    if sp.simplify(g - (chic + chic2 * p_ab_star)) != 0:  # pragma: no cover - structural
        raise RuntimeError(f"unexpected Jordan-block coupling {g}")
    return sp.simplify(limit)


def critical_inverse_expansion() -> tuple[sp.Expr, sp.Expr]:
    r"""x_{l+1} = x − a x² + b x³ (x = −ε on the critical line, a = χ₂/2, b = χ₃/6).

    With y = 1/x: y_{l+1} = y + a + (a² − b)/y + O(y^{-2}); summing,
    y_l = a l + ((a² − b)/a) log l + O(1). Returns (increment series in 1/y, the log coefficient).
    """
    a, b, x = sp.symbols("a b x", positive=True)
    step = sp.series(1 / (x - a * x**2 + b * x**3), x, 0, 2).removeO()
    increment = sp.expand(step - 1 / x)  # a + (a² − b) x + …
    coeff_x = increment.coeff(x, 1)
    return increment, sp.simplify(coeff_x / a)


def critical_ntk_log_coefficient() -> sp.Expr:
    r"""A in p_ab^{(l)} = l q*/3 + A log l + O(1) on the erf critical line (corrects eq. 23/41).

    With x_l = 1/(a l) − β log l/l², β = (a² − b)/a³, the NTK off-diagonal obeys
    dr/dl = −2r/l + (2aβ q*/3) log l / l for r = p_ab − l q*/3, so r = A log l with
    A = aβ q*/3 = (q*/3)(1 − 2χ₃/(3χ₂²)); on the line it becomes −q*/3 − 2/9 − 1/(18q*).
    """
    chis = erf_chis()
    sw2_line, _ = erf_critical_line()
    a_, b_ = chis["chi_2"] / 2, chis["chi_3"] / 6
    a_, b_ = a_.subs(sigma_w2, sw2_line), b_.subs(sigma_w2, sw2_line)
    _, log_coeff = critical_inverse_expansion()  # (a² − b)/a, the coefficient of log l in y
    a_s, b_s = sp.symbols("a b", positive=True)
    beta = log_coeff.subs({a_s: a_, b_s: b_}) / a_**2
    # r' = −2r/l + (2 a β q*/3) log l / l with r = A log l: −2A log l/l + … = 0 at order log l/l
    big_a = sp.Symbol("A")
    (sol,) = sp.solve(sp.Eq(-2 * big_a + 2 * a_ * beta * q_star / 3, 0), big_a)
    return sp.simplify(sol)


def rank_one_plus_identity_spectrum(a: sp.Expr, b: sp.Expr, size: sp.Expr) -> tuple:
    r"""Eigenvalues of a I + b 11ᵀ (size × size): a + size·b (on 1) and a (on 1^⊥)."""
    return sp.simplify(a + size * b), sp.simplify(a)


def kappa_rank_one_plus_identity(a: sp.Expr, b: sp.Expr, size: sp.Expr) -> sp.Expr:
    """Condition number of a I + b 11ᵀ with a, b > 0: 1 + size·b/a."""
    top, bulk = rank_one_plus_identity_spectrum(a, b, size)
    return sp.simplify(top / bulk)


def pooled_kernel(diag: sp.Expr, offdiag: sp.Expr, window: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    r"""(identity coefficient, all-ones coefficient) of the pooled kernel (eq. 100).

    Pixel kernel with diagonal ``diag`` and every other entry ``offdiag`` (same-image pixel
    pairs included): Θ_pool(x, x') = (1/d²)Σ_{α,α'} = (diag − offdiag)/d·1_{x=x'} + offdiag.
    """
    same = (window * diag + window * (window - 1) * offdiag) / window**2
    return sp.simplify(same - offdiag), offdiag


def critical_kappa_limit(size: sp.Expr, window: sp.Expr | int = 1) -> sp.Expr:
    r"""lim κ on the critical line: (size·d + 2)/2 (d = 1: FCN / CNN-F).

    p^{(l)} ~ l q*, p_ab^{(l)} ~ l q*/3 (eq. 23); after pooling the kernel is
    ((p − p_ab)/d) I + p_ab 11ᵀ, and κ = 1 + size·p_ab·d/(p − p_ab).
    """
    diag, off = l * q_star, l * q_star / 3
    a, b = pooled_kernel(diag, off, sp.sympify(window))
    return sp.simplify(sp.limit(kappa_rank_one_plus_identity(a, b, size), l, sp.oo))


def dropout_kappa_limit() -> sp.Expr:
    r"""Eq. (85): κ of Θ_ρ* = p* 11ᵀ + (1/ρ − 1)(p* − σ_b²) I (from eq. 84)."""
    a = (1 / rho - 1) * (p_star - sigma_b2)
    return kappa_rank_one_plus_identity(a, p_star, m)


def relu_critical_dual_series(order: int = 3) -> tuple[sp.Expr, sp.Expr]:
    r"""σ_w²T(1−ε) and σ_w²Ṫ(1−ε) for ReLU at σ_w² = 2, unit variances (eqs. 42–43).

    From the registry's arc-cosine duals of relu and step (its derivative).
    """
    eps = sp.Symbol("epsilon", positive=True)
    relu_dual, step_dual = get_activation("relu").dual_c, get_activation("step").dual_c
    if relu_dual is None or step_dual is None:  # pragma: no cover - registry has closed forms
        raise ValueError("relu/step closed-form duals are required")
    t_relu = relu_dual.subs({q1: 1, q2: 1})
    t_step = step_dual
    s1 = sp.series(2 * t_relu.subs(c, 1 - eps), eps, 0, sp.Rational(2 * order + 1, 2))
    s2 = sp.series(2 * t_step.subs(c, 1 - eps), eps, 0, sp.Rational(2 * order - 1, 2))
    return s1.removeO(), s2.removeO()
