"""Dwaraknath 2019, "One Hidden Layer Network proof": κ(w0) = O(1/m) and its relatives."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import sympy as sp

from checks.harness import Claim, Estimate, StatTol, Tol
from checks.ntkblog import figures, sweeps
from checks.ntkblog.sweeps import OHL_INITS, OHL_WIDTHS, X1, YBAR1, record
from empirical.hessian import HessianProbe, kappa_parts
from empirical.lazy_training import flat_outputs, one_hidden_layer
from numeric.one_hidden_layer import derivatives, one_point_stats, sample_init, sigma_moments
from numeric.power_law_fit import bootstrap_exponent
from theory.activations import get_activation, z
from theory.one_hidden_layer import kappa_ratio_limit, mean_m_kappa_limit

SRC = "004_99a4d7a2f16c5da0.txt"


def _sup_dsigma(activation: str) -> sp.Expr:
    """sup_z |σ'(z)| by SymPy (1 for tanh, attained at z = 0)."""
    return sp.maximum(sp.diff(get_activation(activation).phi, z), z, sp.Reals)


def _jax_kappa(m: int, a: np.ndarray, b: np.ndarray, x: float, ybar: float):
    """κ parts of the actual JAX network at weights (a, b): autodiff gradient, HVP + Lanczos."""
    apply = one_hidden_layer("tanh")
    params = {"a": jnp.asarray(a), "b": jnp.asarray(b)}
    w0, fn = flat_outputs(apply, params, jnp.array([[x]]))
    return kappa_parts(HessianProbe(fn), w0, np.array([ybar]))


KAPPA_ONE_OVER_M = Claim(
    id="ntkblog/kappa-one-over-m",
    source=f"{SRC}, One Hidden Layer Network proof, 'Putting it Together' (κ ~ O(1)/Ω(√m)² ~ O(1/m))",
    statement="For f = Σ b_i σ(a_i x) with LeCun init (a ~ N(0,1), b ~ N(0,1/m)), "
    "κ(w0) = |y0 − ȳ|·‖∇²y‖/‖∇y‖² = O(1/m); m‖∇²y‖/‖∇y‖² → |x| sup|σ'|/E[σ²] and "
    "E[mκ] → |x| E|Z − ȳ| sup|σ'|/E[σ²], Z ~ N(0, E[σ²]).",
)


@KAPPA_ONE_OVER_M.check
def test_kappa_one_over_m(check, ohl_tanh):
    widths = record(check, "widths m", OHL_WIDTHS)
    n = record(check, "initialisations per width", OHL_INITS)
    check.seed(sweeps.OHL_SEED)
    kap = [ohl_tanh[m].kappa(YBAR1) for m in widths]
    rat = [ohl_tanh[m].ratio for m in widths]
    fit_k = bootstrap_exponent(widths, kap, seed=1)
    fit_r = bootstrap_exponent(widths, rat, seed=2)
    band = "claimed exponent −1; ±0.05 holds the O(1/m) finite-size correction (m·ratio is 3% " \
        "below its limit at m = 10, ≈ 0.005 in slope over three decades) plus the bootstrap CI"
    for name, fit in (("κ", fit_k), ("‖∇²y‖/‖∇y‖²", fit_r)):
        check.within(f"{name} width exponent, 95% CI lower end ({fit})", fit.lo,
                     lo=-1.05, hi=-0.95, why=band, expected="−1")
        check.within(f"{name} width exponent, 95% CI upper end", fit.hi,
                     lo=-1.05, hi=-0.95, why=band, expected="−1")
    # exact limits: theory assembles them from the Gaussian moment (numeric, mpmath 30 digits)
    e_s2, _ = sigma_moments("tanh", X1)
    e_s2_sym = sp.Float(str(e_s2), 30)
    sup = _sup_dsigma("tanh")
    ratio_lim = kappa_ratio_limit(e_s2_sym, sup, sp.Integer(1))
    mk_lim = mean_m_kappa_limit(e_s2_sym, sup, sp.Integer(1), sp.Integer(1))
    m_top = widths[-1]
    check.agree_stat(
        f"mean m·‖∇²y‖/‖∇y‖² at m = {m_top} vs its m → ∞ limit |x| sup|σ'|/E[tanh²(ax)]",
        theory=ratio_lim,
        empirical=Estimate.of(m_top * rat[-1]),
        tol=StatTol(z=4, bias=5e-4 * float(ratio_lim),
                    why="Monte Carlo over inits (4 SE) plus 5e-4 relative for the deterministic "
                    "finite-m offsets at m = 1e4: x²E[σ'²]/(mE[σ²]) = 1.2e-4 and "
                    "E‖∇²y‖/|x| − 1 ≈ 2e-4"),
    )
    check.agree_stat(
        f"E[m·κ] at m = {m_top} (ȳ = 1)",
        theory=mk_lim,
        empirical=Estimate.of(m_top * kap[-1]),
        tol=StatTol(z=4, why="Monte Carlo over independent initialisations; finite-m bias ~1e-3 "
                    "relative (above) is far below 1 SE"),
    )
    # the three routes agree on the same weights: closed form vs JAX autodiff + Lanczos
    for m in (10, 100, 1000):
        a, b = sample_init(sweeps.OHL_SEED, 2, m)
        st = one_point_stats(a, b, X1, derivatives("tanh"))
        for s in range(2):
            emp = _jax_kappa(m, a[s], b[s], X1, YBAR1)
            check.agree(
                f"κ(w0), m = {m}, init {s}: closed form vs JAX (autodiff ∇y, HVP + Lanczos ∇²y)",
                numeric=float(st.kappa(YBAR1)[s]),
                empirical=emp.kappa,
                tol=Tol(rel=1e-9, why="ARPACK tolerance 1e-13 on clustered ± eigenvalue pairs; "
                        "float64 sums over m ≤ 1000 terms"),
            )
    fig, (ax,) = figures.new()
    figures.loglog_fit(ax, widths, kap, fit_k, "mean κ(w0)", reference=-1.0)
    figures.loglog_fit(ax, widths, rat, fit_r, "mean ‖∇²y‖/‖∇y‖²")
    ax.set_title(f"one hidden layer, tanh, x = 1, ȳ = 1, {n} inits/width")
    check.figure(fig, "kappa-vs-width")
