r"""Exact finite-width quantities of the bias-free one-hidden-layer net, over many initialisations.

For f(x, w) = s·Σ_i b_i σ(a_i x) (s = 1: the blog's standard parametrisation; s = m^{-1/2}:
NTK parametrisation; s = 1/m: mean field) the gradient and Hessian are known in closed form
(``theory.one_hidden_layer``), so κ(w0) = |y0 − ȳ|·‖∇²y‖/‖∇y‖² is evaluated exactly for each
initialisation, vectorised over (inits, neurons):

.. math::
    \lVert\nabla y\rVert^2 = s^2\sum_i (b_i^2\sigma_i'^2x^2 + \sigma_i^2),\qquad
    \lVert\nabla^2 y\rVert_{op} = \max_i \tfrac12\bigl(|d_i| + \sqrt{d_i^2 + 4c_i^2}\bigr),
    \ d_i = s b_i\sigma_i''x^2,\ c_i = s\sigma_i' x.

With a first-layer bias c_i (f = Σ b_i σ(a_i x + c_i) + b_0) each neuron block is
[[bσ''vvᵀ, σ'v], [σ'vᵀ, 0]] with v = (x, 1): the same closed form with x → ‖v‖ = √(x² + 1).

For N input points the Hessian is a p×p×N tensor; its spectral norm
sup_{‖z‖=1}‖Σ_n z_n ∇²y_n‖ is block-diagonal per neuron and equals
max_i max_θ ‖δ_i(1 + cos θ)/2 + v_i sin θ‖ with δ_in = b_iσ''(a_i x_n)x_n², v_in = σ'(a_i x_n)x_n
(a one-dimensional maximisation per neuron, done on a grid refined by Newton steps).

Gaussian moments come from the registry's dual kernels: E[σ(ax)²] = V_σ(x², x², x²).

References: R. V. Dwaraknath, "Understanding the Neural Tangent Kernel" (blog, 2019),
"One Hidden Layer Network proof"; Chizat, Oyallon & Bach (NeurIPS 2019).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp
from scipy.special import expit

from numeric.duals import dual_mp, phi_mpmath
from theory.activations import derivative_of, get_activation, z
from theory.one_hidden_layer import activation_derivatives
from theory.validation import check_positive

Derivs = tuple[Callable[[np.ndarray], np.ndarray], ...]
LAWS = ("gaussian", "uniform")


@functools.cache
def derivatives(activation: str) -> Derivs:
    """float64 (σ, σ', σ'') of a registry activation, printed from its SymPy φ (kinks → 0)."""
    act = get_activation(activation)
    modules = [{"Heaviside": lambda u, h0=0.5: np.heaviside(u, h0)}, "scipy", "numpy"]
    out = []
    for expr in activation_derivatives(act.phi):
        f = sp.lambdify(z, expr, modules=modules)
        if expr.is_constant():
            value = float(expr)
            out.append(lambda u, v=value: np.full_like(np.asarray(u, dtype=float), v))
        else:
            out.append(f)
    return tuple(out)


def softplus_derivatives(beta: float) -> Derivs:
    """Overflow-free (σ, σ', σ'') of softplus_β = log(1 + e^{βz})/β: (logaddexp/β, S, βS(1−S)).

    These are the SymPy derivatives of ``theory.one_hidden_layer.softplus`` written with the
    logistic S(βz) (the identity is checked in the claim check).
    """
    beta = check_positive("beta", beta)

    def s0(u):
        return np.logaddexp(0.0, beta * u) / beta

    def s1(u):
        return expit(beta * u)

    def s2(u):
        e = expit(beta * u)
        return beta * e * (1 - e)

    return (s0, s1, s2)


def sample_init(
    seed: int,
    n_inits: int,
    m: int,
    *,
    a_var: float = 1.0,
    b_var: float | None = None,
    law: str = "gaussian",
) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) of shape (n_inits, m): zero-mean i.i.d. with Var a = a_var, Var b = b_var (1/m).

    ``law="uniform"`` draws U(−√(3v), √(3v)) (same variance v; PyTorch's default law).
    """
    if law not in LAWS:
        raise ValueError(f"law must be one of {list(LAWS)}, got {law!r}")
    if int(m) < 1 or int(n_inits) < 1:
        raise ValueError(f"m and n_inits must be >= 1, got m={m!r}, n_inits={n_inits!r}")
    a_var = check_positive("a_var", a_var)
    b_var = check_positive("b_var", 1.0 / m if b_var is None else b_var)
    rng = np.random.default_rng([int(seed), int(m)])
    if law == "gaussian":
        a = rng.standard_normal((n_inits, m)) * np.sqrt(a_var)
        b = rng.standard_normal((n_inits, m)) * np.sqrt(b_var)
    else:
        a = rng.uniform(-1, 1, (n_inits, m)) * np.sqrt(3 * a_var)
        b = rng.uniform(-1, 1, (n_inits, m)) * np.sqrt(3 * b_var)
    return a, b


@dataclass(frozen=True)
class OnePointStats:
    """Closed-form quantities at one input x, one entry per initialisation."""

    y0: np.ndarray  # f(x, w0)
    grad_a_sq: np.ndarray  # Σ_i (∂y/∂a_i)²
    grad_b_sq: np.ndarray  # Σ_i (∂y/∂b_i)²
    hess_norm: np.ndarray  # ‖∇²y‖_op (exact)
    offdiag_max: np.ndarray  # max_i |d_i| = max_i |s b_i σ''(a_i x) x²|
    c_max: np.ndarray  # max_i |c_i| (lower end of the Hessian-norm bracket)

    @property
    def grad_sq(self) -> np.ndarray:
        return self.grad_a_sq + self.grad_b_sq

    @property
    def ratio(self) -> np.ndarray:
        """‖∇²y‖/‖∇y‖² (κ without the residual factor)."""
        return self.hess_norm / self.grad_sq

    def kappa(self, ybar: float) -> np.ndarray:
        return np.abs(self.y0 - ybar) * self.ratio


def one_point_stats(
    a: np.ndarray,
    b: np.ndarray,
    x: float,
    derivs: Derivs,
    *,
    scale: float = 1.0,
    bias: np.ndarray | None = None,
    output_bias: bool = False,
) -> OnePointStats:
    """Exact y0, gradient blocks and Hessian norm of s·Σ b_i σ(a_i x + c_i) per init (rows).

    ``bias`` (first-layer c_i, same shape as a) adds the c-gradient b_iσ'; an output bias
    (``output_bias=True``, initialised at 0) adds 1 to ‖∇y‖² and nothing to the Hessian.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or a.ndim != 2:
        raise ValueError(f"a and b must have the same 2-D shape (inits, m), got {a.shape}, {b.shape}")
    s0, s1, s2 = derivs
    pre = a * x if bias is None else a * x + bias
    vnorm2 = x * x if bias is None else x * x + 1.0
    sig, dsig, ddsig = s0(pre), s1(pre), s2(pre)
    d = scale * b * ddsig * vnorm2
    c = scale * dsig * np.sqrt(vnorm2)
    block = 0.5 * (np.abs(d) + np.sqrt(d * d + 4 * c * c))
    return OnePointStats(
        y0=scale * np.sum(b * sig, axis=1),
        grad_a_sq=scale**2 * np.sum(b * b * dsig * dsig, axis=1) * vnorm2,
        grad_b_sq=scale**2 * np.sum(sig * sig, axis=1) + (1.0 if output_bias else 0.0),
        hess_norm=np.max(block, axis=1),
        offdiag_max=np.max(np.abs(d), axis=1),
        c_max=np.max(np.abs(c), axis=1),
    )


@dataclass(frozen=True)
class MultiPointStats:
    """Closed-form quantities on N inputs, one entry (or matrix) per initialisation."""

    y0: np.ndarray  # (S, N)
    ntk: np.ndarray  # (S, N, N): H = ∇yᵀ∇y
    tensor_norm: np.ndarray  # (S,): sup_z ‖Σ z_n ∇²y_n‖_op (exact per-neuron maximisation)
    bracket_lo: np.ndarray  # max_i ‖v_i‖
    bracket_hi: np.ndarray  # max_i (‖δ_i‖ + √(‖δ_i‖² + 4‖v_i‖²))/2


def _max_over_theta(p2, q2, r2, pq, pr, qr, grid: int = 64, newton: int = 6):
    """max_θ F(θ), F = ‖p‖² + ‖q‖²cos²θ + ‖r‖²sin²θ + 2p·q cosθ + 2p·r sinθ + 2q·r sinθcosθ.

    A grid of ``grid`` angles, then Newton steps on F' from the best grid angle (kept only
    where they increase F), elementwise over the input arrays.
    """

    def f(th):
        c, s = np.cos(th), np.sin(th)
        return p2 + q2 * c * c + r2 * s * s + 2 * pq * c + 2 * pr * s + 2 * qr * s * c

    best = np.full(np.shape(p2), -np.inf)
    th = np.zeros(np.shape(p2))
    for angle in np.linspace(0, 2 * np.pi, grid, endpoint=False):
        val = f(angle)
        better = val > best
        best = np.where(better, val, best)
        th = np.where(better, angle, th)
    for _ in range(newton):
        d1 = (r2 - q2) * np.sin(2 * th) - 2 * pq * np.sin(th) + 2 * pr * np.cos(th) + 2 * qr * np.cos(2 * th)
        d2 = 2 * (r2 - q2) * np.cos(2 * th) - 2 * pq * np.cos(th) - 2 * pr * np.sin(th) - 4 * qr * np.sin(2 * th)
        th = th - np.where(d2 < 0, d1 / np.where(d2 < 0, d2, -1.0), 0.0)
        best = np.maximum(best, f(th))
    return best


def multi_point_stats(a: np.ndarray, b: np.ndarray, xs: np.ndarray, derivs: Derivs) -> MultiPointStats:
    """Exact NTK and Hessian-tensor spectral norm of Σ b_i σ(a_i x) on inputs ``xs`` (N,)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    xs = np.asarray(xs, dtype=float)
    if a.shape != b.shape or a.ndim != 2 or xs.ndim != 1:
        raise ValueError("a, b must be (inits, m) and xs must be 1-D")
    s0, s1, s2 = derivs
    pre = a[..., None] * xs  # (S, m, N)
    sig, dsig, ddsig = s0(pre), s1(pre), s2(pre)
    ga = b[..., None] * dsig * xs  # ∂y_n/∂a_i
    ntk = np.einsum("sin,sik->snk", ga, ga) + np.einsum("sin,sik->snk", sig, sig)
    delta = b[..., None] * ddsig * xs**2
    v = dsig * xs
    dn2, vn2 = np.sum(delta**2, -1), np.sum(v**2, -1)
    hi = 0.5 * (np.sqrt(dn2) + np.sqrt(dn2 + 4 * vn2))
    # only neurons whose upper bracket reaches the best lower bracket can attain the max
    lo = np.sqrt(np.max(vn2, axis=1))
    rows, cols = np.nonzero(hi >= lo[:, None])
    dn2c, vn2c = dn2[rows, cols], vn2[rows, cols]
    prc = np.sum(delta[rows, cols] * v[rows, cols], -1) / 2
    best = _max_over_theta(dn2c / 4, dn2c / 4, vn2c, dn2c / 4, prc, prc)  # p = q = δ/2, r = v
    norm2 = np.full(a.shape[0], -np.inf)
    np.maximum.at(norm2, rows, best)
    return MultiPointStats(
        y0=np.sum(b[..., None] * sig, axis=1),
        ntk=ntk,
        tensor_norm=np.sqrt(norm2),
        bracket_lo=lo,
        bracket_hi=np.max(hi, axis=1),
    )


# -- Gaussian / uniform moments (mpmath) --------------------------------------------------------
def gaussian_diag_moment(activation: str, x: float, dps: int = 30) -> mpmath.mpf:
    """E[φ(ax)²], a ~ N(0, 1): the registry's closed-form dual V_φ(x², x², x²) where one exists,
    else 1-D mpmath quadrature of φ from the registry (the diagonal needs no 2-D integral)."""
    act = get_activation(activation)
    with mpmath.workdps(dps):
        q = mpmath.mpf(x) ** 2
        if act.dual_c is not None:
            return dual_mp(act, q, q, q, dps=dps)
        phi = phi_mpmath(act.name)
        xx = mpmath.mpf(x)
        return mpmath.quad(lambda u: phi(u * xx) ** 2 * mpmath.npdf(u), [-mpmath.inf, 0, mpmath.inf])


def sigma_moments(activation: str, x: float, dps: int = 30) -> tuple[mpmath.mpf, mpmath.mpf]:
    """(E[σ(ax)²], E[σ'(ax)²]) for a ~ N(0, 1)."""
    der = derivative_of(activation).name
    return gaussian_diag_moment(activation, x, dps), gaussian_diag_moment(der, x, dps)


@functools.cache
def gaussian_moment(activation: str, x: float, p: int, q: int, dps: int = 30) -> mpmath.mpf:
    """E[σ(ax)^p σ'(ax)^q], a ~ N(0, 1) (1-D mpmath quadrature, split at 0)."""
    if p < 0 or q < 0:
        raise ValueError(f"p and q must be >= 0, got {p!r}, {q!r}")
    phi = phi_mpmath(activation)
    dphi = phi_mpmath(derivative_of(activation).name)
    with mpmath.workdps(dps):
        xx = mpmath.mpf(x)

        def integrand(u):
            return phi(u * xx) ** p * dphi(u * xx) ** q * mpmath.npdf(u)

        return mpmath.quad(integrand, [-mpmath.inf, 0, mpmath.inf])


def grad_sq_cv(activation: str, x: float, m: int | np.ndarray) -> np.ndarray:
    """Exact coefficient of variation of ‖∇y‖² under LeCun init (Gaussian a, b).

    ‖∇y‖² = Σ_i T_i, T = σ² + b²σ'²x² i.i.d.: E T = E[σ²] + x²E[σ'²]/m,
    E T² = E[σ⁴] + 2x²E[σ²σ'²]/m + 3x⁴E[σ'⁴]/m²; CV = √(m Var T)/(m E T).
    """
    mm = np.asarray(m, dtype=float)
    e20, e02 = float(gaussian_moment(activation, x, 2, 0)), float(gaussian_moment(activation, x, 0, 2))
    e40, e22 = float(gaussian_moment(activation, x, 4, 0)), float(gaussian_moment(activation, x, 2, 2))
    e04 = float(gaussian_moment(activation, x, 0, 4))
    mean = e20 + x * x * e02 / mm
    second = e40 + 2 * x * x * e22 / mm + 3 * x**4 * e04 / mm**2
    return np.sqrt(mm * (second - mean**2)) / (mm * mean)


def uniform_sigma2(activation: str, x: float, var: float = 1.0, dps: int = 30) -> mpmath.mpf:
    """E[σ(ax)²] for a ~ U(−√(3 var), √(3 var))."""
    phi = phi_mpmath(activation)
    with mpmath.workdps(dps):
        h = mpmath.sqrt(3 * mpmath.mpf(var))
        xx = mpmath.mpf(x)
        return mpmath.quad(lambda u: phi(u * xx) ** 2, [-h, 0, h]) / (2 * h)
