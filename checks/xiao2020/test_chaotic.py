"""Xiao et al. (2020) §4.1, Table 1 (chaotic column): χ₁ > 1.

Numerics: the pinned recursion (eqs. 13–14) in mpmath (50 digits) to l = 200 at CHA =
(σ_w², σ_b²) = (3.0, 0.2), m = 12 training + 8 test inputs; float64 where the resolution
suffices; 1-D circular CNN kernels (float64, l ≤ 40). Theory: SymPy
(:mod:`theory.kernel_asymptotics`).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp

from checks.harness import Claim, Estimate, StatTol, Tol
from checks.xiao2020.sweeps import (
    CHA,
    CHA2,
    CNN_TEST,
    CNN_TRAIN,
    CNN_Y,
    DPS,
    TEST,
    TRAIN,
    Y,
    fcn_cosines,
    fcn_empirical_ntk,
)
from numeric.normalized_recursion import erf_fixed_point, normalized_k0, pinned_recursion
from numeric.ntk_spectrum import mean_predictor, norm, spectrum
from theory import kernel_asymptotics as ka

SRC = "003_bba93c00b4c69c6f.txt"
FIT = (80, 100, 120, 150, 200)


def _slope(xs, ys) -> float:
    return float(np.polyfit(np.asarray(xs, float), np.asarray(ys, float), 1)[0])


def _offdiag(mat, idx=TRAIN):
    iu = np.triu_indices(len(idx), 1)
    return mat[np.ix_(idx, idx)][iu]


DIAG = Claim(
    id="xiao2020/chaotic-diagonal-growth",
    source=f"{SRC}, §4.1, Eq. (15)",
    statement="With normalized inputs p^{(l+1)} = q* + χ₁p^{(l)}, so p^{(l)} = "
    "q*(χ₁^{l+1} − 1)/(χ₁ − 1) grows like χ₁^l in the chaotic phase.",
)


@DIAG.check
def test_chaotic_diagonal_growth(check, cha_mp):
    n = sp.Symbol("n", integer=True, nonnegative=True)
    closed = ka.ntk_diagonal_closed_form()
    rec = closed.subs(ka.l, n + 1) - ka.q_star - ka.chi1 * closed.subs(ka.l, n)
    check.agree("closed form satisfies p^{(n+1)} − q* − χ₁p^{(n)} = 0 and p^{(0)} = q*",
                theory=sp.Integer(0),
                numeric=sp.simplify(rec) + sp.simplify(closed.subs(ka.l, 0) - ka.q_star),
                tol=Tol(abs=1e-30, why="exact (rsolve)"))
    f = sp.lambdify((ka.q_star, ka.chi1, ka.l), closed, modules="mpmath")
    fp, layers = cha_mp
    with mpmath.workdps(DPS):
        for l in (10, 100, 200):
            check.agree(f"p^({l}) at CHA", theory=f(fp.q_star, fp.chi_1, l),
                        numeric=layers[l].ntk[0, 0],
                        tol=Tol(rel=1e-40, why="50-digit affine recursion, no cancellation"))
    fp2 = erf_fixed_point(*CHA2, dps=DPS)
    k0 = normalized_k0(fcn_cosines(2), fp2.q_star, fp2.sigma_b2, dps=DPS)
    lay2 = pinned_recursion("erf", fp2.sigma_w2, fp2.sigma_b2, k0, [200], dps=DPS)
    with mpmath.workdps(DPS):
        check.agree("p^(200) at CHA2", theory=f(fp2.q_star, fp2.chi_1, 200),
                    numeric=lay2[200].ntk[0, 0],
                    tol=Tol(rel=1e-40, why="50-digit affine recursion, no cancellation"))
    width = check.size("width", fast=512, paper=2048)
    depth = check.size("depth", fast=3, paper=6)
    n_seeds = check.size("seeds", fast=6, paper=8)
    qs, sw2, sb2, x, samples = fcn_empirical_ntk(CHA, width, depth, n_seeds, 6, check.seed(13))
    ref = float(f(fp.q_star, fp.chi_1, depth))
    check.agree_stat(
        f"finite-width Θ̂(x, x) at width {width}, depth {depth}, CHA (mean over inputs)",
        empirical=Estimate.of(np.diagonal(samples, axis1=1, axis2=2).mean(axis=1)),
        theory=ref,
        tol=StatTol(z=3, bias=10 * depth / width * ref,
                    why="3 SE over seeds + O(l/N) finite-width bias (10·l/N relative)"),
    )


OFF_LIMIT = Claim(
    id="xiao2020/chaotic-offdiag-limit",
    source=f"{SRC}, §4.1, Eq. (16)",
    statement="In the chaotic phase p_ab^{(l)} → p*_ab = q*_ab/(1 − χ_c) < ∞.",
)


@OFF_LIMIT.check
def test_chaotic_offdiag_limit(check, cha_mp):
    check.agree("fixed point of p = q*_ab + χ_c p (SymPy) minus q*_ab/(1 − χ_c)",
                theory=sp.Integer(0),
                numeric=sp.simplify(ka.affine_fixed_point(ka.q_ab_star, ka.chic)
                                    - ka.q_ab_star / (1 - ka.chic)),
                tol=Tol(abs=1e-30, why="exact"))
    fp, layers = cha_mp
    check.within("χ_c at CHA (must be < 1)", float(fp.chi_c), hi=1.0,
                 why="stability of q*_ab (xiao2020/chic-stable-in-chaotic-phase)")
    with mpmath.workdps(DPS):
        dev = max(abs(v - fp.p_ab_star) for v in _offdiag(layers[200].ntk, np.arange(20)))
    check.agree("max_ab |p_ab^(200) − q*_ab/(1−χ_c)| at CHA", theory=0.0, numeric=dev,
                tol=Tol(abs=1e-10, why="catalog: O(lχ_c^l) ≈ 200·0.848^200 ≈ 1e-12"))
    fp2 = erf_fixed_point(*CHA2, dps=30)
    cos = fcn_cosines(12)
    lay2 = pinned_recursion("erf", float(fp2.sigma_w2), float(fp2.sigma_b2),
                            normalized_k0(cos, float(fp2.q_star), float(fp2.sigma_b2)), [200])
    dev2 = float(np.max(np.abs(_offdiag(lay2[200].ntk) - float(fp2.p_ab_star))))
    check.agree("max_ab |p_ab^(200) − p*_ab| at CHA2 (ξ_c = 17.4)", theory=0.0, numeric=dev2,
                tol=Tol(abs=1e-2, why="catalog: slow convergence O(lχ_c^l), ≈ 4e-3 at l = 200"))


RATE = Claim(
    id="xiao2020/chaotic-offdiag-convergence-rate",
    source=f"{SRC}, §4.1 (rate O(lχ_c^l)); App. A.1, Eqs. (27)–(33)",
    statement="ε_ab ≈ χ_c^l ε_ab^{(0)}; δ_ab = O(lχ_c^l) with δ_ab/(lε_ab) → "
    "1 + χ_{c,2}p*_ab/χ_c (eq. 33).",
)


def _delta_ratio(fp, layers, l):
    with mpmath.workdps(DPS):
        th, k = _offdiag(layers[l].ntk), _offdiag(layers[l].nngp)
        vals = [(t - fp.p_ab_star) / (l * (q - fp.q_ab_star)) for t, q in zip(th, k, strict=True)]
        return sum(vals) / len(vals)


@RATE.check
def test_chaotic_offdiag_convergence_rate(check, cha_mp):
    jac = ka.offdiag_linearization()
    check.agree("Jordan-block coupling (SymPy) minus χ_c + χ_{c,2}p*_ab", theory=sp.Integer(0),
                numeric=sp.simplify(jac[1, 0] - (ka.chic + ka.chic2 * ka.p_ab_star)),
                tol=Tol(abs=1e-30, why="exact"))
    fp, layers = cha_mp
    with mpmath.workdps(DPS):
        target = 1 + fp.chi_c2 * fp.p_ab_star / fp.chi_c
    check.agree("mean δ_ab/(l ε_ab) at l = 200, CHA", theory=target,
                numeric=_delta_ratio(fp, layers, 200),
                tol=Tol(rel=1e-3, why="catalog: O(1/l) term δ₀/(lε₀) at l = 200"))
    scaled = {}
    for l in (100, 150, 200):
        with mpmath.workdps(DPS):
            scaled[l] = float(max(abs(v - fp.p_ab_star) for v in _offdiag(layers[l].ntk))
                              / (l * fp.chi_c**l))
    check.within("relative variation of max|δ_ab|/(lχ_c^l) over l ∈ [100, 200]",
                 max(scaled.values()) / min(scaled.values()) - 1, hi=0.05,
                 why="catalog: δ = O(lχ_c^l) with an O(1/l) drift")
    logs = {}
    for l in (30, 60, 100):
        with mpmath.workdps(DPS):
            logs[l] = float(mpmath.log(abs(sum(v - fp.q_ab_star for v in _offdiag(layers[l].nngp)))))
    check.agree("fitted slope of log|Σ ε_ab| vs l over [30, 100] (= log χ_c)",
                theory=float(mpmath.log(fp.chi_c)), numeric=_slope(list(logs), list(logs.values())),
                tol=Tol(rel=0.005, why="catalog: linear rate, transients negligible at l ≥ 30"))


NORMALIZED = Claim(
    id="xiao2020/chaotic-normalized-ntk-identity",
    source=f"{SRC}, §4.1 ((p^{{(l)}})^{{-1}}Θ^{{(l)}} → Id)",
    statement="Chaotic phase: Θ^{(l)}/p^{(l)} → I, with max off-diagonal |Θ_ab|/p^{(l)} = "
    "O(χ₁^{−l}).",
)


def _fit_affine(xs, ys):
    """Least-squares (intercept, slope) of ys ≈ a + b·xs in mpmath (QR, current precision)."""
    a = mpmath.matrix([[1, x] for x in xs])
    coef, _ = mpmath.qr_solve(a, mpmath.matrix(list(ys)))
    return coef[0], coef[1]


@NORMALIZED.check
def test_chaotic_normalized_ntk_identity(check, cha_mp):
    # Θ/p → I at rate χ₁^{−l}: c(l) = χ₁^l·max_{a≠b}|Θ_ab|/p^{(l)} → C∞ = p*_ab(χ₁ − 1)/(q*χ₁)
    s = sp.Symbol("s", positive=True)  # χ₁ = 1 + s > 1
    scaled = (ka.chi1**ka.l * ka.p_ab_star / ka.ntk_diagonal_closed_form()).subs(ka.chi1, 1 + s)
    c_inf = sp.limit(scaled, ka.l, sp.oo).subs(s, ka.chi1 - 1)
    check.agree("SymPy lim χ₁^l p*_ab/p^{(l)} minus p*_ab(χ₁ − 1)/(q*χ₁)", theory=sp.Integer(0),
                numeric=sp.simplify(c_inf - ka.p_ab_star * (ka.chi1 - 1) / (ka.q_star * ka.chi1)),
                tol=Tol(abs=1e-30, why="exact"))
    fp, layers = cha_mp
    window = range(150, 201, 10)
    vals, cs = {}, {}
    with mpmath.workdps(DPS):
        for l in (100, 120, *window):
            th = layers[l].ntk
            vals[l] = max(abs(v) for v in _offdiag(th, np.arange(20))) / th[0, 0]
            cs[l] = vals[l] * fp.chi_1**l
        # c(l) = C∞ + B·lχ_c^l: the off-diagonals approach p*_ab like lχ_c^l (chaotic-offdiag-…)
        c_fit, b_fit = _fit_affine([l * fp.chi_c**l for l in window], [cs[l] for l in window])
        theory = sp.lambdify((ka.p_ab_star, ka.chi1, ka.q_star), c_inf, "mpmath")(
            fp.p_ab_star, fp.chi_1, fp.q_star)
        check.agree("fitted limit C∞ of χ₁^l·max|Θ_ab|/p^{(l)} (fit C∞ + B·lχ_c^l over l ∈ "
                    "[150, 200], CHA, 20 inputs) vs SymPy p*_ab(χ₁ − 1)/(q*χ₁)",
                    theory=theory, numeric=c_fit,
                    tol=Tol(rel=1e-9, why="the fit neglects the O(1/l) drift of B (≲ 5χ_c^l ≈ 1e-10 "
                            "relative at l = 150) and O(χ₁^{−l}) ≈ 5e-17; a wrong off-diagonal "
                            "limit or diagonal growth shifts C∞ at O(1)"))
        check.note(f"c(l)/C∞ − 1 = { {l: mpmath.nstr(cs[l] / theory - 1, 3) for l in cs} }; fitted "
                   f"B = {mpmath.nstr(b_fit, 6)}")
    ls = [100, 120, *window]
    check.agree("fitted slope of log(max|Θ_ab|/p) vs l over [100, 200] (= −log χ₁)",
                theory=-float(mpmath.log(fp.chi_1)),
                numeric=_slope(ls, [float(mpmath.log(vals[l])) for l in ls]),
                tol=Tol(rel=1e-6, why="log c(l) moves by ≤ 1e-6 over the window (lχ_c^l-size "
                        "correction), i.e. ≤ 1e-8 on a slope of 0.25"))


PRED = Claim(
    id="xiao2020/chaotic-predictor-decay",
    source=f"{SRC}, §4.1, Eq. (17); App. B.1, Eqs. (56)–(61)",
    statement="Chaotic phase, balanced labels: P(Θ*) = 0 and ‖P(Θ^{(l)})Y‖ = O(l(χ_c/χ₁)^l).",
)


def _predictor_norms(fp, layers, depths):
    out = {}
    for l in depths:
        py = mean_predictor(layers[l].ntk, TRAIN, TEST, Y, dps=DPS)
        out[l] = norm(py)
    return out


def _sherman_morrison_leading():
    """Coefficient of ε in P(Θ)Y for Θ_dd = gI + p_ab 11ᵀ + εE, times g, as g → ∞ (m = 4)."""
    g, pab, eps = sp.symbols("g p_ab epsilon", positive=True)
    e = sp.Matrix(4, 4, lambda i, j: 0 if i == j else sp.Rational(1 + i + j, 3))
    etd = sp.Matrix([[sp.Rational(k + 2, 5) for k in range(4)]])
    yv = sp.Matrix([1, -1, 1, -1])
    dd = g * sp.eye(4) + pab * sp.ones(4, 4) + eps * e
    td = pab * sp.ones(1, 4) + eps * etd
    pred = (td * dd.inv() * yv)[0]
    first = sp.simplify(sp.diff(pred, eps).subs(eps, 0))
    return sp.limit(g * first, g, sp.oo) - (etd * yv)[0], sp.simplify(pred.subs(eps, 0))


@PRED.check
def test_chaotic_predictor_decay(check, cha_mp):
    lead, zeroth = _sherman_morrison_leading()
    check.agree("P(Θ*)Y with 1ᵀY = 0 (SymPy, m = 4)", theory=sp.Integer(0), numeric=zeroth,
                tol=Tol(abs=1e-30, why="exact"))
    check.agree("lim g·∂_εP(Θ)Y − E_td Y (leading term (1/(p − p_ab))E_td Y)",
                theory=sp.Integer(0), numeric=sp.simplify(lead),
                tol=Tol(abs=1e-30, why="exact Sherman–Morrison expansion"))
    fp, layers = cha_mp
    norms = _predictor_norms(fp, layers, FIT)
    with mpmath.workdps(DPS):
        ys = [float(mpmath.log(norms[l] / l)) for l in FIT]
        rate = float(mpmath.log(fp.chi_c / fp.chi_1))
        scaled = {l: float(norms[l] / (l * (fp.chi_c / fp.chi_1) ** l)) for l in FIT}
    check.agree("fitted slope of log(‖P(Θ^(l))Y‖/l) vs l over [80, 200] (= log(χ_c/χ₁))",
                theory=rate, numeric=_slope(FIT, ys),
                tol=Tol(rel=0.02, why="catalog: O(1/l) drift of the prefactor"))
    check.note(f"‖PY‖/(l(χ_c/χ₁)^l) = {scaled}")


XI_STAR = Claim(
    id="xiao2020/chaotic-depth-scale-xi-star",
    source=f"{SRC}, §4.1 (after Eq. 17, footnote 4), §3, §5",
    statement="Chaotic networks stop generalizing after O(ξ*) layers, ξ* = −1/(log χ_c − log χ₁).",
)


@XI_STAR.check
def test_chaotic_depth_scale_xi_star(check):
    rate = sp.Symbol("r", positive=True)
    check.agree("e-folding depth of (χ_c/χ₁)^l minus ξ* (SymPy)", theory=sp.Integer(0),
                numeric=sp.simplify(-1 / sp.log(rate) - (-1 / (sp.log(ka.chic) - sp.log(ka.chi1)))
                                    .subs(ka.chic, rate * ka.chi1)),
                tol=Tol(abs=1e-30, why="exact"))
    cos = fcn_cosines()
    rows = {}
    for sw2 in (2.0, 2.5, 3.0, 3.5, 4.0, 5.0):
        fp = erf_fixed_point(str(sw2), "0.1849", dps=30)
        qs, sb2 = float(fp.q_star), 0.1849
        depth = int(25 * fp.xi_star) + 20
        layers = pinned_recursion("erf", sw2, sb2, normalized_k0(cos, qs, sb2), range(depth + 1))
        d1 = np.linalg.norm(mean_predictor(layers[1].ntk, TRAIN, TEST, Y))
        l_half = next(l for l in range(1, depth + 1)
                      if np.linalg.norm(mean_predictor(layers[l].ntk, TRAIN, TEST, Y)) < math.exp(-10) * d1)
        rows[sw2] = (l_half, fp.xi_star, fp.xi_c)
    r_star = [v[0] / v[1] for v in rows.values()]
    r_c = [v[0] / v[2] for v in rows.values()]
    spread_star, spread_c = max(r_star) / min(r_star), max(r_c) / min(r_c)
    check.within("max/min of l_{e^-10}/ξ* over six chaotic σ_w² (σ_b² = 0.1849)", spread_star,
                 hi=2.0, why="catalog: ξ* sets the decay depth up to the polynomial factor l")
    check.holds("l_{e^-10}/ξ* varies less than l_{e^-10}/ξ_c across the six points",
                bool(spread_star < spread_c),
                evidence=f"spread ξ*: {spread_star:.3f}, spread ξ_c: {spread_c:.3f}; "
                f"(l, ξ*, ξ_c) = {rows}",
                criterion="max/min ratio smaller for ξ*", why="the decay rate is χ_c/χ₁, not χ_c")


# --------------------------------------------------------------------------------- Table 1 ----
LMAX = Claim(
    id="xiao2020/table1-chaotic-lmax",
    source=f"{SRC}, Table 1 (λ_max, chaotic); §4.1; App. D.2",
    statement="Chaotic phase: λ_max = p^{(l)} + (m−1)p*_ab + o(1) = Θ(χ₁^l) (FCN/CNN-F); "
    "Θ(χ₁^l)/d for CNN-P.",
)


@LMAX.check
def test_table1_chaotic_lmax(check, cha_mp, cnn_cha):
    fp, layers = cha_mp
    m = len(TRAIN)
    top, _ = ka.rank_one_plus_identity_spectrum(sp.Symbol("g"), ka.p_ab_star, m)
    check.agree("λ_max(gI + p_ab 11ᵀ) − (g + m p_ab)", theory=sp.Integer(0),
                numeric=sp.simplify(top - sp.Symbol("g") - m * ka.p_ab_star),
                tol=Tol(abs=1e-30, why="exact"))
    logs = {}
    for l in (100, 150, 200):
        s = spectrum(layers[l].ntk[np.ix_(TRAIN, TRAIN)], dps=DPS)
        with mpmath.workdps(DPS):
            logs[l] = float(mpmath.log(s.lambda_max))
            if l == 200:
                check.agree("λ_max − p^(200) at CHA (FCN, m = 12)", theory=(m - 1) * fp.p_ab_star,
                            numeric=s.lambda_max - layers[l].ntk[0, 0],
                            tol=Tol(rel=1e-8, why="o(1) corrections O(lχ_c^l) ≈ 1e-12"))
    check.agree("fitted growth: slope of log λ_max vs l over [100, 200] (= log χ₁)",
                theory=float(mpmath.log(fp.chi_1)), numeric=_slope(list(logs), list(logs.values())),
                tol=Tol(rel=1e-6, why="λ_max = c χ₁^l (1 + O(χ₁^{−l}))"))
    # CNN-P: λ_max^pool = Θ(χ₁^l)/d — fit d·λ_max^pool = a + c·χ₁^l over l ∈ [20, 40]
    s_ = sp.Symbol("s", positive=True)
    coef = sp.limit((ka.ntk_diagonal_closed_form() / ka.chi1**ka.l).subs(ka.chi1, 1 + s_), ka.l,
                    sp.oo).subs(s_, ka.chi1 - 1)
    c_th = float(sp.lambdify((ka.q_star, ka.chi1), coef)(float(fp.q_star), float(fp.chi_1)))
    chi1, ls = float(fp.chi_1), list(range(20, 41, 2))
    for d in (8, 16):
        _, ro = cnn_cha[d]
        lam = [d * float(spectrum(ro[l][("ntk", "pool")][:CNN_TRAIN, :CNN_TRAIN]).lambda_max)
               for l in ls]
        a_fit, c_fit = _fit_linear(ls, lam, (np.ones_like, lambda v: chi1**v))
        check.agree(f"CNN-P, d = {d}: fitted coefficient of χ₁^l in d·λ_max^pool over l ∈ [20, 40] "
                    "vs SymPy lim p^{(l)}/χ₁^l = q*χ₁/(χ₁ − 1) (eq. 100)", theory=c_th,
                    numeric=float(c_fit),
                    tol=Tol(rel=1e-3, why="the O(1) part (≈ d·m p*_ab) goes into the intercept; "
                            "the neglected d·m·O(lχ_c^l) (top eigenvector sums all m·d² pixel "
                            "pairs) is ≲ 16·8·20χ_c^20 ≈ 95 at l = 20 over a χ₁^l range of 2e4: "
                            "≲ 5e-4 relative; a wrong factor d is off by ≥ 50%"))
        check.note(f"CNN-P d = {d}: fitted intercept {a_fit:.3f} (absorbs d·m p*_ab and the "
                   "O(lχ_c^l)-biased pixel-pair terms)")


LREST = Claim(
    id="xiao2020/table1-chaotic-lrest",
    source=f"{SRC}, Table 1 (λ_rest, chaotic); §3 (no gap)",
    statement="Chaotic phase: the bulk λ_rest = p^{(l)} − p*_ab + O(lχ_c^l) = Θ(χ₁^l) (no gap); "
    "Θ(χ₁^l)/d for CNN-P.",
)


def _fit_linear(xs, ys, columns):
    """Least-squares coefficients of ys ≈ Σ_k c_k·columns[k](xs) (float64)."""
    x = np.asarray(xs, float)
    coef, *_ = np.linalg.lstsq(np.column_stack([f(x) for f in columns]), np.asarray(ys, float),
                               rcond=None)
    return coef


@LREST.check
def test_table1_chaotic_lrest(check, cha_mp, cnn_cha):
    pp, pab = sp.symbols("p p_ab", positive=True)
    m = len(TRAIN)
    _, bulk = ka.rank_one_plus_identity_spectrum(pp - pab, pab, m)
    check.agree("bulk eigenvalue of p·I + p_ab(11ᵀ − I) minus (p − p_ab) (SymPy)",
                theory=sp.Integer(0), numeric=sp.simplify(bulk - (pp - pab)),
                tol=Tol(abs=1e-30, why="exact"))
    s = sp.Symbol("s", positive=True)  # χ₁ = 1 + s
    p_l = ka.ntk_diagonal_closed_form()
    coef = sp.limit(((p_l - ka.p_ab_star) / ka.chi1**ka.l).subs(ka.chi1, 1 + s), ka.l, sp.oo)
    coef = sp.simplify(coef.subs(s, ka.chi1 - 1))  # q*χ₁/(χ₁ − 1): λ_rest = Θ(χ₁^l)
    fp, layers = cha_mp
    window = range(100, 201, 10)
    dev, low = {}, {}
    for l in window:
        sp_l = spectrum(layers[l].ntk[np.ix_(TRAIN, TRAIN)], dps=DPS)
        with mpmath.workdps(DPS):
            g = layers[l].ntk[0, 0] - fp.p_ab_star
            dev[l] = float(max(abs(v - g) for v in sp_l.bulk))
            low[l] = sp_l.lambda_min
    with mpmath.workdps(DPS):
        check.agree("λ_min − p^(200) (FCN, CHA, m = 12) vs −p*_ab (λ_rest = p − p*_ab)",
                    theory=-fp.p_ab_star, numeric=low[200] - layers[200].ntk[0, 0],
                    tol=Tol(abs=1e-10, why="O(lχ_c^l): lχ_c^l = 1.1e-12 at l = 200 times the "
                            "δ/(lε) coefficient ≈ 2.3 (eq. 33); 50-digit eigensolver"))
        ls = list(window)
        c_fit = _fit_affine([fp.chi_1**l for l in ls], [low[l] for l in ls])[1]
        c_th = sp.lambdify((ka.q_star, ka.chi1), coef, "mpmath")(fp.q_star, fp.chi_1)
        check.agree("fitted coefficient of χ₁^l in λ_min (fit a + c·χ₁^l over [100, 200]) vs "
                    "SymPy lim (p − p*_ab)/χ₁^l = q*χ₁/(χ₁ − 1)", theory=c_th, numeric=c_fit,
                    tol=Tol(rel=1e-12, why="the model is exact up to O(lχ_c^l) ≤ 2e-5 absolute on "
                            "λ_min ≥ 1e11: ≤ 1e-16 relative"))
    # the bulk splitting itself: max|λ − (p − p*_ab)| = O(lχ_c^l), log(dev/l) = A + l log χ_c + c/l
    lc = float(mpmath.log(fp.chi_c))
    rates = {}
    for lo_ in (100, 150):
        ls = [l for l in window if l >= lo_]
        rates[lo_] = float(_fit_linear(ls, [math.log(dev[l] / l) for l in ls],
                                       (np.ones_like, lambda v: v, lambda v: 1 / v))[1])
    two = float(_fit_linear(list(window), [math.log(dev[l] / l) for l in window],
                            (np.ones_like, lambda v: v))[1])
    check.agree("fitted rate of the bulk splitting: slope of log(max|λ − (p − p*_ab)|/l) over "
                "[100, 200] (fit A + l·r + c/l) vs log χ_c", theory=lc, numeric=rates[100],
                tol=Tol(rel=1e-4, why="chosen after seeing the 2-term fit off by 1e-3 (the O(1/l) "
                        "prefactor drift); the 3-term fit's remainder is O(1/l²): its window "
                        f"dependence ([150, 200] gives {rates[150]:.8f}) is ≈ 1e-5"))
    check.note(f"2-term fit (no 1/l term) slope {two:.8f} vs log χ_c = {lc:.8f}; "
               f"max|λ − (p − p*_ab)| = { {l: f'{v:.3e}' for l, v in dev.items()} }")
    # CNN-P: λ_rest^pool = Θ(χ₁^l)/d — fit d·λ_min^pool = a + c·χ₁^l over l ∈ [20, 40]
    qs, chi1 = float(fp.q_star), float(fp.chi_1)
    ls = list(range(20, 41, 2))
    for d in (8, 16):
        _, ro = cnn_cha[d]
        lam = [d * float(spectrum(ro[l][("ntk", "pool")][:CNN_TRAIN, :CNN_TRAIN]).lambda_min)
               for l in ls]
        a_fit, c_cnn = _fit_linear(ls, lam, (np.ones_like, lambda v: chi1**v))
        check.agree(f"CNN-P, d = {d}: fitted coefficient of χ₁^l in d·λ_min^pool over l ∈ [20, 40] "
                    "vs q*χ₁/(χ₁ − 1)", theory=float(c_th), numeric=float(c_cnn),
                    tol=Tol(rel=1e-3, why="neglected d·O(lχ_c^l) pixel-pair corrections ≤ "
                            "d·20·χ_c^20 ≈ 12 over a χ₁^l range of 2e4: ≤ 6e-5 relative; a wrong "
                            "factor d is off by ≥ 50%"))
        check.note(f"CNN-P d = {d}: fitted intercept {a_fit:.3f} vs −q*/(χ₁ − 1) − p*_ab = "
                   f"{-qs / (chi1 - 1) - float(fp.p_ab_star):.3f} (O(lχ_c^l)-biased)")


KAPPA = Claim(
    id="xiao2020/table1-chaotic-kappa",
    source=f"{SRC}, Table 1 (κ, chaotic); §4.1; App. D.2; Fig. 1(a)",
    statement="Chaotic phase: κ → 1 with κ − 1 ≈ m p*_ab/(p − p*_ab) = O(mχ₁^{−l}); "
    "d times that for CNN-P.",
)


@KAPPA.check
def test_table1_chaotic_kappa(check, cha_mp, cnn_cha):
    g = sp.Symbol("g", positive=True)
    check.agree("κ(gI + p_ab11ᵀ) − 1 − m p_ab/g (SymPy)", theory=sp.Integer(0),
                numeric=sp.simplify(ka.kappa_rank_one_plus_identity(g, ka.p_ab_star, ka.m) - 1
                                    - ka.m * ka.p_ab_star / g),
                tol=Tol(abs=1e-30, why="exact"))
    fp, layers = cha_mp
    m = len(TRAIN)
    # (κ − 1)χ₁^l → m p*_ab(χ₁ − 1)/(q*χ₁): SymPy limit vs the fitted limit of the recursion
    s_ = sp.Symbol("s", positive=True)  # χ₁ = 1 + s
    expr = (ka.kappa_rank_one_plus_identity(ka.ntk_diagonal_closed_form() - ka.p_ab_star,
                                            ka.p_ab_star, ka.m) - 1) * ka.chi1**ka.l
    lim = sp.simplify(sp.limit(expr.subs(ka.chi1, 1 + s_), ka.l, sp.oo).subs(s_, ka.chi1 - 1))
    check.agree("SymPy lim (κ − 1)χ₁^l minus m p*_ab(χ₁ − 1)/(q*χ₁)", theory=sp.Integer(0),
                numeric=sp.simplify(lim - ka.m * ka.p_ab_star * (ka.chi1 - 1) / (ka.q_star * ka.chi1)),
                tol=Tol(abs=1e-30, why="exact"))
    logs, scaled = {}, {}
    window = range(150, 201, 10)
    for l in (60, 80, 120, *window):
        s = spectrum(layers[l].ntk[np.ix_(TRAIN, TRAIN)], dps=DPS)
        with mpmath.workdps(DPS):
            logs[l] = float(mpmath.log(s.kappa - 1))
            scaled[l] = (s.kappa - 1) * fp.chi_1**l
    with mpmath.workdps(DPS):
        theory = sp.lambdify((ka.m, ka.p_ab_star, ka.chi1, ka.q_star), lim, "mpmath")(
            m, fp.p_ab_star, fp.chi_1, fp.q_star)
        c_fit, b_fit = _fit_affine([l * fp.chi_c**l for l in window], [scaled[l] for l in window])
        check.agree("fitted limit of (κ − 1)χ₁^l (fit C∞ + B·lχ_c^l over [150, 200], FCN, CHA, "
                    "m = 12) vs SymPy m p*_ab(χ₁ − 1)/(q*χ₁)", theory=theory, numeric=c_fit,
                    tol=Tol(rel=1e-9, why="the bulk splitting enters as O(lχ_c^l)/(m p*_ab); the "
                            "fit neglects its O(1/l) drift (≲ 5χ_c^150 ≈ 1e-10) and O(χ₁^{−l})"))
        check.note(f"(κ − 1)χ₁^l / C∞ − 1 = "
                   f"{ {l: mpmath.nstr(v / theory - 1, 3) for l, v in scaled.items()} }; "
                   f"B = {mpmath.nstr(b_fit, 5)}")
    check.agree("fitted slope of log(κ − 1) vs l over [60, 200] (= −log χ₁)",
                theory=-float(mpmath.log(fp.chi_1)), numeric=_slope(list(logs), list(logs.values())),
                tol=Tol(rel=1e-3, why="(κ − 1) ∝ χ₁^{−l}(1 + O(lχ_c^l)): the relative correction "
                        "|B|·lχ_c^l/C∞ ≤ 6e-4 at l = 60 (fitted B above) shifts a slope over "
                        "[60, 200] by ≲ 6e-4/140 ≈ 4e-6, i.e. 2e-5 relative"))
    for d in (8, 16):
        _, ro = cnn_cha[d]
        kf = spectrum(ro[40][("ntk", "flatten")][:CNN_TRAIN, :CNN_TRAIN]).kappa
        kp = spectrum(ro[40][("ntk", "pool")][:CNN_TRAIN, :CNN_TRAIN]).kappa
        check.agree(f"(κ_pool − 1)/(κ_flat − 1) at l = 40, d = {d}", theory=float(d),
                    numeric=float((kp - 1) / (kf - 1)),
                    tol=Tol(rel=0.02, why="catalog: eq. (100) up to O(lχ_c^l) bulk splitting"))


DELTA = Claim(
    id="xiao2020/table1-chaotic-delta",
    source=f"{SRC}, Table 1 (Δ, chaotic); §3; §4.1, Eq. (17); App. B.1; App. D.2",
    statement="Chaotic phase: Δ^{(l)} = O(l(χ_c/χ₁)^l) (FCN/CNN-F) and d·O(l(χ_c/χ₁)^l) (CNN-P): "
    "generalization is lost after O(ξ*) layers.",
)


@DELTA.check
def test_table1_chaotic_delta(check, cha_mp, cnn_cha):
    lead, zeroth = _sherman_morrison_leading()
    check.agree("P(Θ*)Y = 0 for balanced labels (SymPy, m = 4)", theory=sp.Integer(0),
                numeric=zeroth, tol=Tol(abs=1e-30, why="exact"))
    fp, layers = cha_mp
    norms = _predictor_norms(fp, layers, FIT)
    with mpmath.workdps(DPS):
        rate = float(mpmath.log(fp.chi_c / fp.chi_1))
        ys = [float(mpmath.log(norms[l] / l)) for l in FIT]
        pref = {l: float(norms[l] / (l * (fp.chi_c / fp.chi_1) ** l)) for l in FIT}
    check.agree("FCN fitted rate: slope of log(‖ΔY‖/l) vs l over [80, 200] (= log(χ_c/χ₁))",
                theory=rate, numeric=_slope(FIT, ys),
                tol=Tol(rel=0.02, why="catalog: O(1/l) drift of the prefactor"))
    dense = list(range(80, 201, 10))
    dn = _predictor_norms(fp, layers, dense)
    with mpmath.workdps(DPS):
        dys = [float(mpmath.log(dn[l] / l)) for l in dense]
    r3 = _fit_linear(dense, dys, (np.ones_like, lambda v: v, lambda v: 1 / v))[1]
    check.agree("FCN fitted rate with the O(1/l) prefactor drift modelled: slope r of "
                "log(‖ΔY‖/l) = A + l·r + c/l over [80, 200] vs log(χ_c/χ₁)", theory=rate,
                numeric=float(r3),
                tol=Tol(rel=5e-4, why="remainder O(1/l²) of the prefactor shifts r by ≲ 1e-4 "
                        "(the 2-term fit above is off by 1e-3 from the drift)"))
    check.within("FCN relative variation of ‖ΔY‖/(l(χ_c/χ₁)^l) over [80, 200]",
                 max(pref.values()) / min(pref.values()) - 1, hi=0.10,
                 why="Δ = O(l(χ_c/χ₁)^l): bounded prefactor with O(1/l) drift")
    cfp, ro = cnn_cha[8]
    tr, te = np.arange(CNN_TRAIN), np.arange(CNN_TRAIN, CNN_TRAIN + CNN_TEST)
    depths = list(range(20, 41, 2))
    slopes, last = {}, {}
    for kind in ("flatten", "pool"):
        vals = [np.linalg.norm(mean_predictor(ro[l][("ntk", kind)], tr, te, CNN_Y)) for l in depths]
        slopes[kind] = _slope(depths, [math.log(v / l) for v, l in zip(vals, depths, strict=True)])
        last[kind] = vals[-1]
        check.agree(f"CNN-{'F' if kind == 'flatten' else 'P'} fitted slope of log(‖ΔY‖/l) over "
                    "[20, 40], d = 8", theory=rate, numeric=slopes[kind],
                    tol=Tol(rel=0.05, why="O(1/l) drift over a short window (catalog 5%)"))
    check.within("Δ_pool/Δ_flat at l = 40, d = 8 (in (1, d])", float(last["pool"] / last["flatten"]),
                 lo=1.0 + 1e-9, hi=8.0, why="Table 1: pooling multiplies Δ by a factor of order d "
                 "(≤ d; not sharp, E7)", expected="d = 8 (order)")
