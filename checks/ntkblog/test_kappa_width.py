"""Dwaraknath 2019, "One Hidden Layer Network proof": κ(w0) = O(1/m) and its relatives."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import sympy as sp

from checks.harness import Claim, Estimate, StatTol, Tol
from checks.ntkblog import figures, sweeps
from checks.ntkblog.sweeps import OHL_INITS, OHL_WIDTHS, X1, YBAR1, Tiered, record
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
    for m in (10, 1000):
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


# ---------------------------------------------------------------------------------------------
KAPPA_DEFINITION = Claim(
    id="ntkblog/kappa-definition",
    source=f"{SRC}, When is the Approximation Accurate? (the blue quantity κ(w0))",
    statement="κ(w0) = ‖y(w0) − ȳ‖·‖∇²_w y(w0)‖/‖∇_w y(w0)‖² (Jacobian: largest singular value; "
    "Hessian: spectral norm of the p×p×N tensor); the model is close to linear when κ ≪ 1.",
)


@KAPPA_DEFINITION.check
def test_kappa_definition(check):
    from theory.lazy_training import kappa

    r, hn, gn, c, s = sp.symbols("r M G c s", positive=True)
    k0 = kappa(r, hn, gn)
    check.agree("κ under joint output/target rescaling y, ȳ → c·y, c·ȳ (SymPy): κ_c − κ",
                theory=sp.Integer(0), numeric=sp.simplify(kappa(c * r, c * hn, c * gn) - k0),
                tol=Tol(abs=1e-30, why="exact"))
    check.agree("κ under isotropic reparametrisation w = s·v (∇ → s∇, ∇² → s²∇²): κ_v − κ",
                theory=sp.Integer(0), numeric=sp.simplify(kappa(r, s**2 * hn, s * gn) - k0),
                tol=Tol(abs=1e-30, why="exact"))
    # implementation: generic HVP/Lanczos tensor norm vs exact per-neuron maximisation vs a
    # brute-force dense scan over z, on N = 2 inputs
    xs_ = np.array([-0.8, 1.3])
    ybar = np.array([0.4, -0.2])
    m = 6
    a, b = sample_init(9, 1, m)
    from numeric.one_hidden_layer import multi_point_stats

    exact = multi_point_stats(a, b, xs_, derivatives("tanh"))
    w0, fn = flat_outputs(one_hidden_layer("tanh"), {"a": jnp.asarray(a[0]), "b": jnp.asarray(b[0])},
                          jnp.asarray(xs_[:, None]))
    probe = HessianProbe(lambda w, c: c * fn(w))  # output scale c is traced: one compilation
    kp = kappa_parts(probe, w0, ybar, args=(jnp.float64(1.0),))
    hs = np.asarray(jax.jit(jax.hessian(fn))(w0))  # (N, p, p)
    thetas = np.linspace(0, np.pi, 20001)[:, None, None]
    brute = np.max(np.abs(np.linalg.eigvalsh(np.cos(thetas) * hs[0] + np.sin(thetas) * hs[1])))
    check.agree("tensor norm sup_z‖Σ z_n∇²y_n‖, m = 6, N = 2: exact per-neuron vs JAX Lanczos",
                numeric=float(exact.tensor_norm[0]), empirical=kp.hess_norm,
                tol=Tol(rel=1e-9, why="Newton-refined angle (numeric) and converged alternating "
                        "Lanczos ascent (empirical)"))
    check.agree("tensor norm, m = 6, N = 2: exact vs brute-force scan of 20001 directions z",
                numeric=float(exact.tensor_norm[0]), empirical=float(brute),
                tol=Tol(rel=1e-6, why="grid step π/20000 in θ: relative error ≤ (Δθ)²/2 ≈ 1e-8 "
                        "near a smooth maximum; 1e-6 for safety"))
    lam = np.linalg.eigvalsh(exact.ntk[0])
    k_num = np.linalg.norm(exact.y0[0] - ybar) * exact.tensor_norm[0] / lam[-1]
    check.agree("κ(w0), m = 6, N = 2: closed forms vs JAX (jacrev σ_max, Lanczos tensor norm)",
                numeric=float(k_num), empirical=kp.kappa,
                tol=Tol(rel=1e-9, why="as above; σ_max² = λ_max(H) in float64"))
    # invariance in the implementation: y, ȳ → 3y, 3ȳ
    check.agree("κ of (3y, 3ȳ) vs κ of (y, ȳ), JAX implementation", numeric=kp.kappa,
                empirical=kappa_parts(probe, w0, 3 * ybar, args=(jnp.float64(3.0),)).kappa,
                tol=Tol(rel=1e-9, why="Lanczos tolerance; exact invariance"))


# ---------------------------------------------------------------------------------------------
KAPPA_TO_ZERO = Claim(
    id="ntkblog/kappa-expectation-to-zero",
    source=f"{SRC}, When is the Approximation Accurate? ('κ → 0 as the width m → ∞ ... its "
    "expectation goes to 0 ... only holds if the weights are properly initialized')",
    statement="κ(w0) is random; under LeCun initialisation E[κ(w0)] is finite and → 0 (≈ C/m "
    "for one hidden layer).",
)


@KAPPA_TO_ZERO.check
def test_kappa_expectation_to_zero(check, ohl_tanh):
    tt = sp.Symbol("t", positive=True)
    for mm in (3, 4, 5):
        dens = tt ** sp.Rational(mm, 2) / tt * sp.exp(-tt / 2) / (2 ** sp.Rational(mm, 2) * sp.gamma(sp.Rational(mm, 2)))
        check.agree(f"E[1/χ²_{mm}] = 1/(m − 2) (finiteness: ‖∇y‖² ≥ Σ tanh²(a_i x) ~ x²χ²_m near 0)",
                    theory=sp.integrate(dens / tt, (tt, 0, sp.oo)), numeric=1.0 / (mm - 2),
                    tol=Tol(rel=1e-15, why="exact integral"))
    widths = record(check, "widths m", OHL_WIDTHS)
    record(check, "initialisations per width", OHL_INITS)
    check.seed(sweeps.OHL_SEED)
    e_s2, _ = sigma_moments("tanh", X1)
    lim = mean_m_kappa_limit(sp.Float(str(e_s2), 30), _sup_dsigma("tanh"), sp.Integer(1), sp.Integer(1))
    prev = None
    for m in widths:
        est = Estimate.of(ohl_tanh[m].kappa(YBAR1))
        check.agree_stat(f"E[κ(w0)] at m = {m} vs E[mκ]_∞/m", theory=lim / m, empirical=est,
                         tol=StatTol(z=4, bias=0.05 * float(lim) / m,
                                     why="Monte Carlo over inits; 5% allowance for the finite-m "
                                     "bias of m·ratio (3% at m = 10)"))
        if prev is not None:
            check.holds(f"E[κ] decreases from m = {prev[0]} to {m}",
                        bool(est.mean + 4 * est.se < prev[1].mean - 4 * prev[1].se),
                        evidence=f"{prev[1]} → {est}", criterion="separated by > 4 SE each",
                        why="Monte Carlo over independent inits")
        prev = (m, est)


# ---------------------------------------------------------------------------------------------
PARAM_DEPENDENCE = Claim(
    id="ntkblog/kappa-parameterization-dependence",
    source=f"{SRC}, One Hidden Layer Network proof (LeCun init in standard parametrisation); a "
    "supporting check derived for the catalog",
    statement="The width exponent of κ depends on the parametrisation at identical initial "
    "functions: SP (blog) κ ~ m^-1; NTK parametrisation f = m^{-1/2}Σ b̃σ(ax), b̃ ~ N(0,1): "
    "κ ~ m^{-1/2} up to logs; mean field f = m^{-1}Σ b̃σ(ax): κ = O(1) (log growth).",
)


@PARAM_DEPENDENCE.check
def test_kappa_parameterization_dependence(check, tier, ohl_tanh):
    m_sym, r, s_ = sp.symbols("m r s", positive=True)
    g_b, h_ab = sp.symbols("g_b h_ab", positive=True)
    # b = s·b̃: ∂y/∂b̃ = s ∂y/∂b (dominant gradient block), ∂²y/∂a∂b̃ = s ∂²y/∂a∂b (dominant Hessian
    # block); with ‖g_b‖² ~ m and ‖h_ab‖ ~ 1 in SP, κ ∝ s·1/(s²m) = 1/(s m)
    from theory.lazy_training import kappa

    k_sp = kappa(r, h_ab, sp.sqrt(m_sym) * g_b)
    for name, sc, expo in (("NTK", 1 / sp.sqrt(m_sym), sp.Rational(-1, 2)), ("mean field", 1 / m_sym, 0)):
        k_new = kappa(r, sc * h_ab, sc * sp.sqrt(m_sym) * g_b)
        check.agree(f"{name}: width exponent of κ = (1/m)·κ_{name}/κ_SP from the block scaling "
                    "b = s·b̃ (SymPy)", theory=expo,
                    numeric=sp.limit(sp.log(sp.simplify(k_new / k_sp / m_sym)) / sp.log(m_sym), m_sym, sp.oo),
                    tol=Tol(abs=1e-30, why="exact limit"))
    widths = record(check, "widths m", OHL_WIDTHS)
    record(check, "initialisations per width", OHL_INITS)
    check.seed(sweeps.OHL_SEED)
    ntk = sweeps.one_hidden_sweep(tier, b_var=1.0, scale=lambda m: m**-0.5)
    mf = sweeps.one_hidden_sweep(tier, b_var=1.0, scale=lambda m: 1.0 / m)
    m0 = widths[1]
    check.agree(f"same initial function: y0 (SP, b ~ N(0,1/m)) vs y0 (NTK, m^-1/2·b̃), m = {m0}, "
                "max over inits", numeric=0.0,
                empirical=float(np.max(np.abs(ohl_tanh[m0].y0 - ntk[m0].y0))),
                tol=Tol(abs=1e-12, why="the same standard-normal draws scaled two ways; round-off"))
    fits = {}
    for name, sw in (("SP", ohl_tanh), ("NTK", ntk), ("mean field", mf)):
        fits[name] = bootstrap_exponent(widths, [sw[m].kappa(YBAR1) for m in widths], seed=9)
    check.within(f"SP κ exponent ({fits['SP']})", fits["SP"].slope, lo=-1.05, hi=-0.95, expected="−1",
                 why="see kappa-one-over-m")
    pred = float(sp.N(sp.Rational(-1, 2) + 1 / (2 * sp.log(2 * sp.sqrt(widths[0] * widths[-1])))))
    check.within(f"NTK-parametrisation κ exponent ({fits['NTK']}); √(log m/m) gives ≈ {pred:.2f}",
                 fits["NTK"].slope, lo=-0.6, hi=-0.35, expected="−1/2 up to logs",
                 why="‖∇²y‖ ~ max_i|b̃_iσ''|/√m ~ √(2 log m/m): local slope −1/2 + 1/(2 log 2m)")
    check.within(f"mean-field κ exponent ({fits['mean field']})", fits["mean field"].slope,
                 lo=-0.15, hi=0.15, expected="0 (κ = O(1), log growth)",
                 why="κ ~ |ȳ|·(|x| + max_i|b̃_iσ''|x²)/E[σ²] grows like √(log m) only: "
                 "local slope ≤ 1/(2 log 2m) ≈ 0.05–0.17 at these m")
    fig, (ax,) = figures.new()
    for name, sw in (("SP", ohl_tanh), ("NTK", ntk), ("mean field", mf)):
        figures.loglog_fit(ax, widths, [sw[m].kappa(YBAR1) for m in widths], fits[name], name)
    ax.set_title("κ(w0) under three parametrisations (same f at init)")
    check.figure(fig, "kappa-parametrisations")


# ---------------------------------------------------------------------------------------------
RELU_SMOOTH = Claim(
    id="ntkblog/relu-smooth-approximation",
    source=f"{SRC}, bullet 'ReLU is not twice differentiable, but we can approximate it with a "
    "smooth version and everything more or less works out'",
    statement="The proof needs a twice-differentiable σ, but ReLU can be smoothed (softplus_β) and "
    "the conclusion κ = O(1/m) still holds; for exact ReLU ‖∇²y‖ = |x| whenever a neuron is "
    "active, E‖∇y‖² = (m+1)x²/2 and m·κ → 2|y0 − ȳ|/|x|.",
)

SOFTPLUS_WIDTHS = {
    1: Tiered((100, 1000, 10_000), (100, 1000, 10_000, 100_000)),
    10: Tiered((100, 1000, 10_000), (100, 1000, 10_000, 100_000)),
    100: Tiered((3000, 10_000, 30_000), (10_000, 100_000, 1_000_000)),
}


@RELU_SMOOTH.check
def test_relu_smooth_approximation(check, tier):
    from numeric.one_hidden_layer import softplus_derivatives
    from theory.one_hidden_layer import activation_derivatives, softplus

    beta = sp.Integer(10)
    s0, s1, s2 = activation_derivatives(softplus(beta))
    sig = 1 / (1 + sp.exp(-beta * z))
    check.agree("SymPy: softplus_β' − S(βz) and softplus_β'' − βS(1−S) (forms used by numerics) at z = 0.3",
                theory=sp.Integer(0),
                numeric=sp.N(sp.Abs((s1 - sig).subs(z, sp.Rational(3, 10))) +
                             sp.Abs((s2 - beta * sig * (1 - sig)).subs(z, sp.Rational(3, 10))), 40),
                tol=Tol(abs=1e-35, why="exact expressions at 40 digits"))
    nb = record(check, "initialisations per width", Tiered(200, 400))
    check.seed(sweeps.OHL_SEED)
    # exact ReLU (σ'' = 0 a.e.): ‖∇²y‖ = |x| whenever some a_i x > 0
    relu_w = (100, 1000, 10_000)
    relu = sweeps.one_hidden_sweep(tier, activation="relu", n_inits=nb, widths=relu_w)
    for m in relu_w:
        check.agree(f"ReLU ‖∇²y‖ = |x| exactly, m = {m}: max over inits of |‖∇²y‖ − 1|", numeric=0.0,
                    empirical=float(np.max(np.abs(relu[m].hess_norm - 1.0))),
                    tol=Tol(abs=1e-15, why="a neuron is active with probability 1 − 2^-m"))
    fit = bootstrap_exponent(relu_w, [relu[m].kappa(YBAR1) for m in relu_w], seed=10)
    check.within(f"ReLU κ exponent, m ≥ 100 ({fit})", fit.slope, lo=-1.05, hi=-0.95, expected="−1",
                 why="claimed O(1/m); m = 10 excluded: with probability 2^-10 no neuron is active "
                 "and ∇y = 0 (κ undefined)")
    half = sp.Rational(1, 2)  # E[relu(a)²] at x = 1
    lim = mean_m_kappa_limit(half, sp.Integer(1), sp.Integer(1), sp.Integer(1))
    check.agree_stat(f"ReLU E[m·κ] at m = {relu_w[-1]} vs 2E|Z − ȳ|/|x|, Z ~ N(0, x²/2)", theory=lim,
                     empirical=Estimate.of(relu_w[-1] * relu[relu_w[-1]].kappa(YBAR1)),
                     tol=StatTol(z=4, why="Monte Carlo over inits; ‖∇²y‖ = |x| exactly and "
                                 "E‖∇y‖² = (m+1)x²/2: bias 1e-4"))
    for b, tw in SOFTPLUS_WIDTHS.items():
        ws = record(check, f"widths, softplus β = {b}", tw)
        sw = sweeps.one_hidden_sweep(tier, derivs=softplus_derivatives(b), n_inits=nb // 2 if b == 100 else nb,
                                     widths=ws)
        fb = bootstrap_exponent(ws, [sw[m].kappa(YBAR1) for m in ws], seed=11)
        if b < 100:
            check.within(f"softplus β = {b}: κ exponent ({fb})", fb.slope, lo=-1.05, hi=-0.95,
                         expected="−1", why="claimed O(1/m); ±0.05 for finite-size and bootstrap spread")
        else:
            check.note(f"softplus β = 100: κ exponent over {ws} = {fb} (pre-asymptotic: the "
                       "σ'' ~ β/4 spike inflates ‖∇²y‖ until max|b_i|β/4 ≪ |x|, i.e. m ≳ 3e4)")
            excess = [float(np.mean(sw[m].hess_norm)) - 1.0 for m in ws]
            check.holds(f"softplus β = 100: E‖∇²y‖ − |x| shrinks with m over {ws}",
                        bool(np.all(np.diff(excess) < 0)), evidence=str(np.round(excess, 5)),
                        criterion="strictly decreasing", why="the smoothing scale 1/β is resolved "
                        "once max_i|b_i|·β/4 → 0; the m → ∞ and β → ∞ limits do not commute")
            check.agree_stat(f"softplus β = 100: E[m·κ] at m = {ws[-1]} vs the ReLU limit", theory=lim,
                             empirical=Estimate.of(ws[-1] * sw[ws[-1]].kappa(YBAR1)),
                             tol=StatTol(z=4, why="Monte Carlo; softplus_100 moments differ from "
                                         "ReLU's by O(1/β²)"))


# ---------------------------------------------------------------------------------------------
LECUN_SMALLER = Claim(
    id="ntkblog/erratum-lecun-smaller-variance",
    source=f"{SRC}, Some comments: 'LeCun initialization is crucial for this condition to hold. "
    "If we choose a smaller initialization variance, the network will not approach the linear "
    "regime with infinite width.'",
    statement="In the blog's own one-hidden-layer model a smaller (width-dependent) variance of "
    "the output layer does not break κ → 0 (κ still ~ 1/m); only shrinking the first-layer "
    "variance like 1/m keeps κ = O(1). In two hidden layers, variances 1/m² on layers 2–3 do "
    "make κ grow, so the statement holds there.",
    expect="erratum",
    reason="closed-form κ over 200 inits/width, m = 10…1e4, x = ȳ = 1: b ~ N(0, 0.01/m), "
    "N(0, 1/m²), N(0, 1/m³) give κ exponents ≈ −1.00 (κ → 0 as with LeCun); a ~ N(0, 1/m) "
    "gives ≈ −0.03 (κ → 0.5); two hidden layers with W2, b ~ N(0, 1/m²) give κ growing "
    "≈ m^+0.4 (HVP + Lanczos, m = 16…256)",
)


@LECUN_SMALLER.check
def test_erratum_lecun_smaller_variance(check, tier, two_layer):
    widths = record(check, "widths m (one hidden layer, closed form)", OHL_WIDTHS)
    n = record(check, "initialisations per width", Tiered(200, 400))
    check.seed(sweeps.OHL_SEED)
    cases = {
        "b ~ N(0, 0.01/m)": {"b_var": lambda m: 0.01 / m},
        "b ~ N(0, 1/m²)": {"b_var": lambda m: 1.0 / m**2},
        "b ~ N(0, 1/m³)": {"b_var": lambda m: 1.0 / m**3},
        "a ~ N(0, 1/m)": {"a_var": lambda m: 1.0 / m},
        "b ~ N(0, 1) (larger)": {"b_var": 1.0},
    }
    fits = {}
    sweeps_ = {}
    for name, kw in cases.items():
        sweeps_[name] = sweeps.one_hidden_sweep(tier, n_inits=n, **kw)
        fits[name] = bootstrap_exponent(widths, [sweeps_[name][m].kappa(YBAR1) for m in widths], seed=12)
    check.within(f"printed: b ~ N(0, 1/m²) (smaller than LeCun) → κ does not go to 0: exponent "
                 f"≥ −0.1 ({fits['b ~ N(0, 1/m²)']})", fits["b ~ N(0, 1/m²)"].slope, lo=-0.1,
                 role="printed", expected="no decay", why="'will not approach the linear regime'")
    for name in ("b ~ N(0, 0.01/m)", "b ~ N(0, 1/m²)", "b ~ N(0, 1/m³)"):
        check.within(f"corrected: κ exponent, {name} ({fits[name]})", fits[name].slope, lo=-1.05,
                     hi=-0.95, role="corrected", expected="−1",
                     why="‖∇y‖² ≈ mE[σ²] and ‖∇²y‖ → |x| do not involve b's variance at leading order")
    check.within(f"corrected: κ exponent, b ~ N(0, 1) ({fits['b ~ N(0, 1) (larger)']})",
                 fits["b ~ N(0, 1) (larger)"].slope, hi=-0.3, role="corrected",
                 expected="< 0 (κ → 0, slower)", why="|y0| ~ √m and ‖∇²y‖ ~ √(log m) grow, κ ~ m^-1/2")
    check.within(f"corrected: κ exponent, a ~ N(0, 1/m) ({fits['a ~ N(0, 1/m)']})",
                 fits["a ~ N(0, 1/m)"].slope, lo=-0.1, hi=0.1, role="corrected",
                 expected="0 (κ = O(1))", why="σ(a_i x) ≈ a_i x: ‖∇y‖² = O(1), ‖∇²y‖ → |x|")
    tw = record(check, "widths m (two hidden layers)", sweeps.TWO_LAYER_WIDTHS)
    record(check, "initialisations per width (two hidden layers)", sweeps.TWO_LAYER_INITS)
    f2 = bootstrap_exponent(tw, [two_layer["small"][m][:, 0] for m in tw], seed=13)
    check.within(f"corrected: two hidden layers, W2 and b ~ N(0, 1/m²): κ exponent ({f2})", f2.lo,
                 lo=0.3, role="corrected", expected="> 0 (κ grows)",
                 why="the b–W2 cross block has norm max_j σ'(z2_j)‖h1‖ ~ √m while ‖∇y‖ = O(1)")
    fig, axes = figures.new(2)
    for name in cases:
        figures.loglog_fit(axes[0], widths, [sweeps_[name][m].kappa(YBAR1) for m in widths], fits[name], name)
    axes[0].set_title("one hidden layer: κ vs width by init variance")
    f1 = bootstrap_exponent(tw, [two_layer["lecun"][m][:, 0] for m in tw], seed=14)
    figures.loglog_fit(axes[1], tw, [two_layer["lecun"][m][:, 0] for m in tw], f1, "LeCun")
    figures.loglog_fit(axes[1], tw, [two_layer["small"][m][:, 0] for m in tw], f2, "W2, b ~ N(0,1/m²)")
    axes[1].set_title("two hidden layers (HVP + Lanczos)")
    check.figure(fig, "kappa-by-variance")


# ---------------------------------------------------------------------------------------------
GAUSSIAN_NOT_REQUIRED = Claim(
    id="ntkblog/erratum-gaussian-not-required",
    source=f"{SRC}, When is the Approximation Accurate? ('they need to be independent zero-mean "
    "Gaussian random variables with a variance that goes inversely with the size of the input layer')",
    statement="Gaussianity is not needed: any i.i.d. zero-mean init with variance ∝ 1/fan_in (e.g. "
    "the uniform law a ~ U(±√3), b ~ U(±√(3/m)) of PyTorch's default) gives κ = O(1/m).",
    expect="erratum",
    reason="with a, b uniform (variances 1 and 1/m), 400 inits/width, m = 10…1e4: κ exponent "
    "≈ −1.0 and m‖∇²y‖/‖∇y‖² → |x|/E_U[tanh²(ax)], as under the Gaussian law",
)


@GAUSSIAN_NOT_REQUIRED.check
def test_erratum_gaussian_not_required(check, tier):
    from numeric.one_hidden_layer import uniform_sigma2

    widths = record(check, "widths m", OHL_WIDTHS)
    record(check, "initialisations per width", OHL_INITS)
    check.seed(sweeps.OHL_SEED)
    sw = sweeps.one_hidden_sweep(tier, law="uniform")
    fit = bootstrap_exponent(widths, [sw[m].kappa(YBAR1) for m in widths], seed=15)
    check.within(f"printed: non-Gaussian (uniform) init → no κ → 0 (exponent ≥ −0.1) ({fit})",
                 fit.slope, lo=-0.1, role="printed", expected="no decay",
                 why="'This only holds if ... Gaussian'")
    check.within(f"corrected: uniform init κ exponent ({fit})", fit.slope, lo=-1.05, hi=-0.95,
                 role="corrected", expected="−1", why="only second moments enter the LLN/CLT steps")
    e_u = sp.Float(str(uniform_sigma2("tanh", X1)), 25)
    lim = kappa_ratio_limit(e_u, _sup_dsigma("tanh"), sp.Integer(1))
    top = widths[-1]
    check.agree_stat(f"corrected: mean m·‖∇²y‖/‖∇y‖² at m = {top} vs |x| sup σ'/E_U[tanh²(ax)]",
                     theory=lim, empirical=Estimate.of(top * sw[top].ratio), role="corrected",
                     tol=StatTol(z=4, bias=2e-3 * float(lim),
                                 why="Monte Carlo plus 2e-3 for finite m: max_i σ'(a_i x) over a "
                                 "bounded law reaches sup σ' = 1 at a = 0 (inside the support)"))


# ---------------------------------------------------------------------------------------------
MULTI_POINT = Claim(
    id="ntkblog/multi-point-extension",
    source=f"{SRC}, Some comments: 'you can easily extend it to larger dataset sizes using some "
    "simple results on the norms of block matrices'",
    statement="With N inputs and the blog's operator norms κ is still O(1/m); the tensor norm lies "
    "in [max_i‖v_i‖, max_i(‖δ_i‖ + √(‖δ_i‖² + 4‖v_i‖²))/2]; convergence really depends on "
    "λ_min(H) ≈ m·λ_min(K∞), which can be tiny.",
)


@MULTI_POINT.check
def test_multi_point_extension(check, tier):
    from numeric import dual
    from numeric.one_hidden_layer import multi_point_stats

    xs_ = np.array([-1.7, -0.4, 0.3, 0.9, 2.2])
    ybar = np.array([0.5, -0.3, 0.8, 0.2, -0.6])
    widths = record(check, "widths m", OHL_WIDTHS)
    n = record(check, "initialisations per width", Tiered(20, 100))
    check.seed(sweeps.OHL_SEED + 5)
    k_max, k_min, lam_min = [], [], {}
    for m in widths:
        a, b = sample_init(sweeps.OHL_SEED + 5, n, m)
        st = multi_point_stats(a, b, xs_, derivatives("tanh"))
        ok = bool(np.all(st.bracket_lo <= st.tensor_norm * (1 + 1e-12))
                  and np.all(st.tensor_norm <= st.bracket_hi * (1 + 1e-12)))
        check.holds(f"tensor norm inside the block bracket for every init, m = {m}", ok,
                    evidence=f"lo {st.bracket_lo[0]:.6f} ≤ {st.tensor_norm[0]:.6f} ≤ hi {st.bracket_hi[0]:.6f} (init 0)",
                    criterion="all inits", why="per-neuron 2×2 structure; exact maximisation")
        lam = np.linalg.eigvalsh(st.ntk)
        res = np.linalg.norm(st.y0 - ybar, axis=1)
        k_max.append(res * st.tensor_norm / lam[:, -1])
        k_min.append(res * st.tensor_norm / lam[:, 0])
        lam_min[m] = lam[:, 0]
    # the JAX route on the same weights (generic Lanczos tensor norm over z ∈ S⁴)
    for m in (10, 100):
        a, b = sample_init(sweeps.OHL_SEED + 5, 1, m)
        st = multi_point_stats(a, b, xs_, derivatives("tanh"))
        w0, fn = flat_outputs(one_hidden_layer("tanh"), {"a": jnp.asarray(a[0]), "b": jnp.asarray(b[0])},
                              jnp.asarray(xs_[:, None]))
        check.agree(f"tensor norm, m = {m}: exact per-neuron vs JAX alternating Lanczos",
                    numeric=float(st.tensor_norm[0]),
                    empirical=HessianProbe(fn).tensor_norm(w0, 5, restarts=5),
                    tol=Tol(rel=1e-8, why="ARPACK tolerance and the alternating ascent's stopping rule"))
    f_max = bootstrap_exponent(widths, k_max, seed=16)
    check.within(f"κ (σ_max of ∇y) exponent ({f_max})", f_max.slope, lo=-1.1, hi=-0.9, expected="−1",
                 why="blog's claim with its operator norms; ±0.1 for finite size and 20 inits")
    f_min = bootstrap_exponent(widths[1:], k_min[1:], stat=lambda s: np.median(s, axis=-1), seed=17)
    check.within(f"κ with σ_min instead (median over inits, m ≥ 100) exponent ({f_min})", f_min.slope,
                 lo=-1.3, hi=-0.7, expected="−1",
                 why="λ_min(H) ≈ m λ_min(K∞); the mean is dominated by the heavy tail of 1/λ_min at "
                 "small m, hence the median and m ≥ 100")
    kinf = dual("tanh", xs_[:, None] ** 2, xs_[None, :] ** 2, np.outer(xs_, xs_))
    lmin_inf = float(np.linalg.eigvalsh(kinf)[0])
    top = widths[-1]
    check.agree_stat(f"λ_min(H)/m at m = {top} vs λ_min(K∞), K∞ = E[σ(ax)σ(ax')] (registry dual)",
                     numeric=lmin_inf, empirical=Estimate.of(lam_min[top] / top),
                     tol=StatTol(z=4, bias=0.2 * lmin_inf,
                                 why="Monte Carlo; 20% allowance for the first-layer block "
                                 "Σ b_i²σ'σ'xx' (O(1), i.e. O(1/m) relative to m·K∞) acting on "
                                 "the tiny eigendirection"))
    check.note(f"λ(K∞) = {np.linalg.eigvalsh(kinf)}; median σ_min-κ at m = {top}: {np.median(k_min[-1]):.4g}")


# ---------------------------------------------------------------------------------------------
BIASES = Claim(
    id="ntkblog/biases-do-not-change-result",
    source=f"{SRC}, Some comments: 'I ignored biases, but they won't affect the final result'",
    statement="With first-layer biases c_i ~ N(0, 1) and an output bias, κ = O(1/m) still holds; "
    "each neuron's 3×3 Hessian block has eigenvalues 0 and (d' ± √(d'² + 4c'²))/2 with "
    "d' = bσ''(1 + x²), c' = σ'√(1 + x²), so ‖∇²y‖ → √(1 + x²)·sup σ'.",
)


@BIASES.check
def test_biases_do_not_change_result(check, tier):
    from empirical.mlp import MLP

    bb, s1, s2, xx = sp.symbols("b s1 s2 x", real=True)
    lam = sp.Symbol("lam")
    blk = sp.Matrix([[bb * s2 * xx**2, bb * s2 * xx, s1 * xx], [bb * s2 * xx, bb * s2, s1], [s1 * xx, s1, 0]])
    dprime, cprime = bb * s2 * (1 + xx**2), s1 * sp.sqrt(1 + xx**2)
    pred = lam * (lam**2 - dprime * lam - cprime**2)
    diff = sp.simplify(sp.expand(blk.charpoly(lam).as_expr() - pred))
    check.holds("SymPy: det(λI − block) = λ(λ² − d'λ − c'²) for symbolic b, σ', σ'', x", bool(diff == 0),
                evidence=f"difference = {diff}", criterion="identically 0", why="exact", level="theory")
    widths = record(check, "widths m", OHL_WIDTHS)
    n = record(check, "initialisations per width", Tiered(200, 400))
    check.seed(sweeps.OHL_SEED)
    sw = sweeps.one_hidden_sweep(tier, bias=True, n_inits=n)
    fit = bootstrap_exponent(widths, [sw[m].kappa(YBAR1) for m in widths], seed=18)
    check.within(f"κ exponent with biases ({fit})", fit.slope, lo=-1.05, hi=-0.9, expected="−1",
                 why="claimed unchanged O(1/m); catalog band (bias terms add O(1) to ‖∇y‖²)")
    top = widths[-1]
    check.agree_stat(f"E‖∇²y‖ at m = {top} vs √(1 + x²)·sup σ'", theory=sp.sqrt(2),
                     empirical=Estimate.of(sw[top].hess_norm),
                     tol=StatTol(z=4, bias=1e-3, why="Monte Carlo plus 1e-3 for the vanishing "
                                 "b-block (max|d'| ≈ 0.06 at m = 1e4 enters at second order)"))
    # the closed form is the Hessian of the actual network (MLP with both biases as parameters)
    m = 40
    rng = np.random.default_rng(3)
    a, c, b = rng.standard_normal(m), rng.standard_normal(m), rng.standard_normal(m) / np.sqrt(m)
    mlp = MLP("tanh", 1.0, 1.0, 1, m, parametrization="standard")
    params = [{"W": jnp.asarray(a[None, :]), "b": jnp.asarray(c)},
              {"W": jnp.asarray(b[:, None]), "b": jnp.zeros(1)}]
    w0, fn = flat_outputs(mlp.apply, params, jnp.array([[X1]]))
    st = one_point_stats(a[None], b[None], X1, derivatives("tanh"), bias=c[None], output_bias=True)
    kp = kappa_parts(HessianProbe(fn), w0, np.array([YBAR1]))
    check.agree(f"‖∇²y‖, m = {m}, with biases: closed form vs JAX Lanczos on the MLP",
                numeric=float(st.hess_norm[0]), empirical=kp.hess_norm,
                tol=Tol(rel=1e-9, why="ARPACK tolerance"))
    check.agree(f"‖∇y‖², m = {m}, with biases: closed form vs JAX jacrev", numeric=float(st.grad_sq[0]),
                empirical=kp.grad_norm**2, tol=Tol(rel=1e-12, why="float64 sums"))


# ---------------------------------------------------------------------------------------------
HIGHER_DIM = Claim(
    id="ntkblog/higher-dimensional-inputs-outputs",
    source=f"{SRC}, Some comments: 'Dealing with higher dimensional inputs and outputs is also "
    "doable in the same vein'",
    statement="For f(x) = Σ_i B_i σ(a_i·x) with x ∈ R^d, f ∈ R^k, a_i ~ N(0, I/d), B ~ N(0, I/m), "
    "κ = O(1/m).",
)


@HIGHER_DIM.check
def test_higher_dimensional(check, higher_dim):
    widths = record(check, "widths m (d = 3, k = 2, N = 5)", sweeps.HD_WIDTHS)
    n = record(check, "initialisations per width", sweeps.HD_INITS)
    check.seed(5)
    fit = bootstrap_exponent(widths, [higher_dim[m][:, 0] for m in widths], seed=19)
    check.within(f"κ exponent ({fit})", fit.slope, lo=-1.15, hi=-0.85, expected="−1",
                 why="claimed same O(1/m); ±0.15 for finite size with 5 inputs and few inits")
    fg = bootstrap_exponent(widths, [higher_dim[m][:, 2] for m in widths], seed=20)
    check.within(f"‖∇y‖ exponent ({fg})", fg.slope, lo=0.45, hi=0.55, expected="1/2",
                 why="λ_max(H) ≈ m λ_max(K∞)")
    fh = bootstrap_exponent(widths, [higher_dim[m][:, 1] for m in widths], seed=21)
    check.within(f"Hessian tensor-norm exponent ({fh})", fh.slope, lo=-0.1, hi=0.05,
                 expected="0 (bounded)", why="per-neuron blocks with O(1) entries, b-terms → 0")
    fig, (ax,) = figures.new()
    figures.loglog_fit(ax, widths, [higher_dim[m][:, 0] for m in widths], fit, "κ", reference=-1.0)
    ax.set_title(f"d = 3, k = 2, 5 points, {n} inits")
    check.figure(fig, "kappa-higher-dim")


# ---------------------------------------------------------------------------------------------
MULTILAYER = Claim(
    id="ntkblog/multilayer-kappa-still-vanishes",
    source=f"{SRC}, Some comments: 'Extending to multiple layers is not trivial, but the result "
    "still holds.'",
    statement="κ → 0 with width also for two hidden layers (SP, LeCun), but not at the one-layer "
    "rate: ‖∇²y‖ grows ≈ m^0.5 (b–W2 cross block ~ ‖h1‖ ~ √m) and κ ≈ m^{-1/2} up to logs.",
)


@MULTILAYER.check
def test_multilayer_kappa(check, two_layer):
    widths = record(check, "widths m", sweeps.TWO_LAYER_WIDTHS)
    n = record(check, "initialisations per width", sweeps.TWO_LAYER_INITS)
    check.seed(11)
    k = [two_layer["lecun"][m][:, 0] for m in widths]
    h = [two_layer["lecun"][m][:, 1] for m in widths]
    g = [two_layer["lecun"][m][:, 2] for m in widths]
    fk = bootstrap_exponent(widths, k, seed=22)
    fh = bootstrap_exponent(widths, h, seed=23)
    fg = bootstrap_exponent(widths, g, seed=24)
    check.within(f"κ exponent, 95% CI upper end ({fk})", fk.hi, hi=-0.2, expected="< 0 (κ → 0)",
                 why="'the result still holds': κ decreases with width")
    check.within(f"κ exponent ({fk})", fk.slope, lo=-0.7, hi=-0.25, expected="≈ −1/2 up to logs",
                 why="catalog band; not the one-layer −1")
    check.within(f"‖∇²y‖ exponent ({fh})", fh.slope, lo=0.4, hi=0.7, expected="≈ 1/2",
                 why="b–W2 block norm max_j σ'(z2_j)‖h1‖ ~ √m (lower bound)")
    check.within(f"‖∇y‖ exponent ({fg})", fg.slope, lo=0.45, hi=0.55, expected="1/2",
                 why="‖∇y‖² ≈ c·m as in one layer")
    fig, (ax,) = figures.new()
    figures.loglog_fit(ax, widths, k, fk, "κ")
    figures.loglog_fit(ax, widths, h, fh, "‖∇²y‖")
    figures.loglog_fit(ax, widths, g, fg, "‖∇y‖")
    ax.set_title(f"two hidden layers tanh, LeCun SP, {n} inits (HVP + Lanczos)")
    check.figure(fig, "two-layer-scaling")


# ---------------------------------------------------------------------------------------------
MEAN_FIELD = Claim(
    id="ntkblog/mean-field-single-hidden-layer",
    source=f"{SRC}, Concluding Remarks ('optimal transport and mean field ... when the model "
    "scaling is not large (κ ∼ 1) ... don't extend beyond networks with a single hidden layer')",
    statement="Mean-field / optimal-transport theories describe the κ ~ 1 regime, for "
    "single-hidden-layer networks only (as of 2019).",
    expect="citation",
    reason="a statement about the literature (Mei et al., Chizat & Bach, Rotskoff & Vanden-Eijnden, "
    "2018), dated to 2019; not checkable here. Its checkable parenthesis — mean-field scaling "
    "f = (1/m)Σ b̃σ(ax) keeps κ = O(1) — is verified under ntkblog/kappa-parameterization-dependence "
    "(κ exponent ≈ +0.09, i.e. log growth only)",
)


@MEAN_FIELD.check
def test_mean_field_single_hidden_layer(check):
    check.note("citation only")
