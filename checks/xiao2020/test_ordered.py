"""Xiao et al. (2020) §4.2, Table 1 (ordered column): χ₁ < 1.

Numerics: the pinned recursion (eqs. 13–14) in mpmath (50 digits) to l = 200 at ORD =
(σ_w², σ_b²) = (1.2, 0.2), m = 12 training + 8 test inputs (float64 loses the bulk once
κ ≳ 1e13, catalog "Precision"); 1-D circular CNN kernels (float64, l ≤ 60, κ ≲ 1e9).
Theory: SymPy from :mod:`theory.kernel_asymptotics`.
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from checks.harness import Claim, Estimate, StatTol, Tol
from checks.xiao2020.sweeps import (
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
FIT = (100, 120, 150, 200)


def _spec(layers, l, which="ntk"):
    mat = getattr(layers[l], which)[np.ix_(TRAIN, TRAIN)]
    return spectrum(mat, dps=DPS)


def _rel_variation(values) -> float:
    v = [float(x) for x in values]
    return max(v) / min(v) - 1 if min(v) > 0 else max(v) / min(v) - 1


def _slope(xs, ys) -> float:
    return float(np.polyfit(np.asarray(xs, float), np.asarray(ys, float), 1)[0])


RATE_DEPTHS = tuple(range(100, 201, 10))
RATE_TOL = Tol(rel=5e-4, why="3-term model log(X/l) = A + l·r + c/l over [100, 200]: the O(1/l²) "
               "remainder shifts r by ≲ 1e-4 (the window [150, 200] agrees to ≤ 2e-5); a 2-term "
               "fit without c/l is off by up to 1.4e-3 (noted)")


def _rate_fit(ls, logs) -> float:
    """Slope r of y = A + l·r + c/l for y = log(X/l) or log(lX): the O(1/l) prefactor drift."""
    x = np.asarray(ls, dtype=float)
    design = np.stack([np.ones_like(x), x, 1 / x], axis=1)
    return float(np.linalg.lstsq(design, np.asarray(logs, dtype=float), rcond=None)[0][1])


ORD_DIAG = Claim(
    id="xiao2020/ordered-diagonal-limit",
    source=f"{SRC}, §4.2, Eq. (18) and the text after Eqs. (19)–(20)",
    statement="In the ordered phase p^{(l)} = q*(χ₁^{l+1} − 1)/(χ₁ − 1) → p* = q*/(1 − χ₁); "
    "ε^{(l)} = 0 and δ^{(l)} = −q*χ₁^{l+1}/(1 − χ₁).",
)


@ORD_DIAG.check
def test_ordered_diagonal_limit(check, ord_mp):
    closed = ka.ntk_diagonal_closed_form()
    p_star = ka.affine_fixed_point(ka.q_star, ka.chi1)
    delta = sp.simplify(closed - p_star)
    check.agree(
        "δ^{(l)} − (−q*χ₁^{l+1}/(1−χ₁)) (SymPy)",
        theory=sp.Integer(0),
        numeric=sp.simplify(delta + ka.q_star * ka.chi1 ** (ka.l + 1) / (1 - ka.chi1)),
        tol=Tol(abs=1e-30, why="exact simplification"),
    )
    fp, layers = ord_mp
    f = sp.lambdify((ka.q_star, ka.chi1, ka.l), delta, modules="mpmath")
    with mpmath.workdps(DPS):
        for l in (1, 10, 100, 200):
            exact = f(fp.q_star, fp.chi_1, l)
            cancel = float(fp.p_star / abs(exact))  # digits lost in p − p*
            check.agree(
                f"δ^({l}) = p^({l}) − p* at ORD (50 digits)",
                theory=exact,
                numeric=layers[l].ntk[0, 0] - fp.p_star,
                tol=Tol(rel=1e-45 * cancel, why="mpmath at 50 digits (≤ 1e-45 after l roundings) "
                        "times the cancellation factor p*/|δ| of p − p*"),
            )
            check.agree(
                f"ε^({l}) = q^({l}) − q* at ORD",
                theory=0.0,
                numeric=layers[l].nngp[0, 0] - fp.q_star,
                tol=Tol(abs=1e-45, why="normalized inputs: q^{(l)} = q* exactly"),
            )
    # empirical: the diagonal of finite-width NTKs at ORD
    width = check.size("width", fast=512, paper=2048)
    depth = check.size("depth", fast=3, paper=8)
    n_seeds = check.size("seeds", fast=6, paper=8)
    qs, sw2, sb2, x, samples = fcn_empirical_ntk(("1.2", "0.2"), width, depth, n_seeds, 6,
                                                 check.seed(12))
    ref = float(qs * (float(fp.chi_1) ** (depth + 1) - 1) / (float(fp.chi_1) - 1))
    check.agree_stat(
        f"finite-width Θ̂(x, x) at width {width}, depth {depth}, ORD (mean over inputs)",
        empirical=Estimate.of(np.diagonal(samples, axis1=1, axis2=2).mean(axis=1)),
        theory=ref,
        tol=StatTol(z=3, bias=10 * depth / width * ref,
                    why="3 SE over seeds + O(l/N) finite-width bias (10·l/N relative)"),
    )


RANK_ONE = Claim(
    id="xiao2020/ordered-rank-one-limits",
    source=f"{SRC}, §4.2 (text after Eq. 18)",
    statement="In the ordered phase Θ → p*11ᵀ and K → q*11ᵀ: rank-one limits with spectra "
    "{m p*, 0, …} and {m q*, 0, …}.",
)


@RANK_ONE.check
def test_ordered_rank_one_limits(check, ord_mp):
    p = ka.affine_fixed_point(ka.q_star, ka.chi1)
    top, rest = ka.rank_one_plus_identity_spectrum(sp.Integer(0), p, ka.m)
    check.agree("λ_max(p*11ᵀ) − m q*/(1−χ₁)", theory=sp.Integer(0),
                numeric=sp.simplify(top - ka.m * ka.q_star / (1 - ka.chi1)),
                tol=Tol(abs=1e-30, why="exact"))
    check.agree("bulk of p*11ᵀ", theory=sp.Integer(0), numeric=rest,
                tol=Tol(abs=1e-30, why="exact"))
    fp, layers = ord_mp
    with mpmath.workdps(DPS):
        th, k = layers[200].ntk, layers[200].nngp
        check.agree("max_ab |Θ_ab^(200) − p*| at ORD", theory=0.0,
                    numeric=max(abs(v - fp.p_star) for v in th.reshape(-1)),
                    tol=Tol(abs=1e-15, why="catalog: δ_ab = O(lχ₁^l) ≈ 1e-17 at l = 200"))
        check.agree("max_ab |K_ab^(200) − q*| at ORD", theory=0.0,
                    numeric=max(abs(v - fp.q_star) for v in k.reshape(-1)),
                    tol=Tol(abs=1e-18, why="catalog: ε_ab = O(χ₁^l) ≈ 3e-20 at l = 200"))


OFFDIAG = Claim(
    id="xiao2020/ordered-offdiag-corrections",
    source=f"{SRC}, §4.2, Eqs. (19)–(21); App. A.1, Eqs. (34)–(35)",
    statement="Ordered phase: ε_ab ≈ χ₁^l ε_ab^{(0)} and δ_ab ≈ χ₁^lδ^{(0)} + lχ₁^l(1 + χ₂p*/χ₁)"
    "ε^{(0)}, i.e. δ_ab/(l ε_ab) → 1 + χ₂p*/χ₁.",
)


def _delta_over_l_eps(fp, layers, l):
    iu = np.triu_indices(len(TRAIN), 1)
    with mpmath.workdps(DPS):
        th = layers[l].ntk[np.ix_(TRAIN, TRAIN)][iu]
        k = layers[l].nngp[np.ix_(TRAIN, TRAIN)][iu]
        vals = [(t - fp.p_star) / (l * (q - fp.q_star)) for t, q in zip(th, k, strict=True)]
        return sum(vals) / len(vals)


@OFFDIAG.check
def test_ordered_offdiag_corrections(check, ord_mp):
    ratio = ka.offdiag_correction_ratio().subs({ka.chic: ka.chi1, ka.chic2: ka.chi2,
                                                ka.p_ab_star: ka.p_star})
    check.agree("lim δ/(lε) (SymPy Jordan block, ordered: χ_c→χ₁, χ_{c,2}→χ₂, p*_ab→p*) "
                "minus 1 + χ₂p*/χ₁",
                theory=sp.Integer(0), numeric=sp.simplify(ratio - (1 + ka.chi2 * ka.p_star / ka.chi1)),
                tol=Tol(abs=1e-30, why="exact"))
    fp, layers = ord_mp
    with mpmath.workdps(DPS):
        target = 1 + fp.chi_2 * fp.p_star / fp.chi_1
    r = {l: _delta_over_l_eps(fp, layers, l) for l in FIT}
    check.agree("mean δ_ab/(l ε_ab) at l = 200, ORD", theory=target, numeric=r[200],
                tol=Tol(abs=0.05, why="catalog: O(1/l) approach, ≈ 5.4/l = 0.027 at l = 200"))
    scaled = [float((target - r[l]) * l) for l in FIT]
    check.within("relative variation of (target − ratio)·l over l ∈ [100, 200]",
                 max(scaled) / min(scaled) - 1, hi=0.10,
                 why="the approach is O(1/l): (target − ratio)·l → const (catalog 10%)")
    eps = {}
    iu = np.triu_indices(len(TRAIN), 1)
    for l in (40, 80, 120):
        with mpmath.workdps(DPS):
            eps[l] = float(mpmath.log(abs(sum(layers[l].nngp[np.ix_(TRAIN, TRAIN)][iu])
                                          - len(iu[0]) * fp.q_star)))
    check.agree("slope of log|Σ_ab ε_ab| vs l over [40, 120] (= log χ₁)",
                theory=float(mpmath.log(fp.chi_1)), numeric=_slope(list(eps), list(eps.values())),
                tol=Tol(rel=0.005, why="linear rate χ₁; transients ~ (χ₁²)^l negligible at l ≥ 40"))


NNGP_SPEC = Claim(
    id="xiao2020/ordered-nngp-spectrum",
    source=f"{SRC}, §4.2 (after Eq. 22)",
    statement="Ordered phase: λ_max(K) → m q*, bulk O(χ₁^l), κ_K = Θ(χ₁^{−l}).",
)


@NNGP_SPEC.check
def test_ordered_nngp_spectrum(check, ord_mp):
    fp, layers = ord_mp
    m = len(TRAIN)
    vals = {}
    for l in (40, 80, 120, 200):
        s = _spec(layers, l, "nngp")
        with mpmath.workdps(DPS):
            vals[l] = float(s.kappa * fp.chi_1**l)
    check.within("relative variation of κ_K·χ₁^l over l ∈ [40, 200]", _rel_variation(vals.values()),
                 hi=1e-3, why="catalog: κ_K = C χ₁^{−l}(1 + O(χ₁^l)); transients gone at l ≥ 40")
    s = _spec(layers, 200, "nngp")
    check.agree("λ_max(K^(200)) at ORD", theory=m * fp.q_star, numeric=s.lambda_max,
                tol=Tol(rel=1e-12, why="correction (m−1)ε̄ = O(χ₁^200) ≈ 1e-19"))
    check.note(f"κ_K·χ₁^l = {vals}")


CONDITIONING = Claim(
    id="xiao2020/ordered-ntk-vs-nngp-conditioning",
    source=f"{SRC}, §4.2 (κ of Θ and K diverge as O(χ₁^{{−l}}l^{{−1}}) and O(χ₁^{{−l}}))",
    statement="Ordered phase: κ_Θ ~ χ₁^{−l}/l while κ_K ~ χ₁^{−l}; "
    "l κ_Θ/κ_K → (p*/q*)/(1 + χ₂p*/χ₁).",
)


@CONDITIONING.check
def test_ordered_ntk_vs_nngp_conditioning(check, ord_mp):
    fp, layers = ord_mp
    with mpmath.workdps(DPS):
        limit = (fp.p_star / fp.q_star) / (1 + fp.chi_2 * fp.p_star / fp.chi_1)
    kt = {l: _spec(layers, l).kappa for l in FIT}
    kk = {l: _spec(layers, l, "nngp").kappa for l in FIT}
    with mpmath.workdps(DPS):
        ratio200 = 200 * kt[200] / kk[200]
        logs = [float(mpmath.log(l * kt[l])) for l in FIT]
    check.agree("l κ_Θ/κ_K at l = 200, ORD", theory=limit, numeric=ratio200,
                tol=Tol(rel=0.03, why="catalog: O(1/l) approach (≈ 5.4/(3.4 l) ≈ 1% per 100 layers)"))
    check.agree("slope of log(l κ_Θ) vs l over [100, 200] (= −log χ₁)",
                theory=-float(mpmath.log(fp.chi_1)), numeric=_slope(FIT, logs),
                tol=Tol(rel=0.01, why="catalog: O(1/l) prefactor drift"))


# --------------------------------------------------------------------------------- Table 1 ----
LMAX = Claim(
    id="xiao2020/table1-ordered-lmax",
    source=f"{SRC}, Table 1 (λ_max, ordered); §4.2, Eq. (22); App. D.2",
    statement="Ordered phase: λ_max → m p* = m q*/(1−χ₁) with a negative m·O(lχ₁^l) correction "
    "and a DC top eigenvector; pooling leaves λ_max unchanged to leading order (printed m q*: E1).",
)


@LMAX.check
def test_table1_ordered_lmax(check, ord_mp, cnn_ord):
    fp, layers = ord_mp
    m = len(TRAIN)
    s200 = _spec(layers, 200)
    p_star = sp.lambdify((ka.q_star, ka.chi1), ka.affine_fixed_point(ka.q_star, ka.chi1),
                         "mpmath")
    with mpmath.workdps(DPS):
        check.agree("FCN λ_max(Θ^(200)) at ORD vs m·(SymPy p* = q*/(1 − χ₁))",
                    theory=m * p_star(fp.q_star, fp.chi_1), numeric=s200.lambda_max,
                    tol=Tol(rel=1e-12, why="correction m·O(lχ₁^l) ≈ 2e-17 relative at l = 200"))
    check.within("1 − |v_max·1|/√m at l = 100 (DC mode)", float(1 - _spec(layers, 100).dc_overlap),
                 hi=1e-6, why="catalog: the top eigenvector tends to the constant mode")
    corr = {}
    for l in FIT:
        s = _spec(layers, l)
        with mpmath.workdps(DPS):
            corr[l] = float((s.lambda_max - m * fp.p_star) / (l * fp.chi_1**l))
    check.within("max over l ∈ [100, 200] of (λ_max − m p*)/(lχ₁^l) (must be < 0)",
                 max(corr.values()), hi=0.0, why="Table 1: the correction is −mO(lχ₁^l)")
    check.within("relative variation of |λ_max − m p*|/(lχ₁^l) over [100, 200]",
                 _rel_variation([abs(v) for v in corr.values()]), hi=0.05,
                 why="catalog: bounded, O(1/l) drift")
    logs = []
    for l in RATE_DEPTHS:
        with mpmath.workdps(DPS):
            logs.append(float(mpmath.log(abs(_spec(layers, l).lambda_max - m * fp.p_star) / l)))
    check.agree("fitted rate of the λ_max correction: slope of log(|λ_max − m p*|/l) vs l over "
                "[100, 200] (3-term fit) vs log χ₁", theory=float(mpmath.log(fp.chi_1)),
                numeric=_rate_fit(RATE_DEPTHS, logs), tol=RATE_TOL)
    for d, (cfp, ro) in sorted(cnn_ord.items()):
        if d == 32:
            continue
        for kind in ("pool", "flatten"):
            lam = spectrum(ro[60][("ntk", kind)][:CNN_TRAIN, :CNN_TRAIN]).lambda_max
            check.agree(f"CNN-{'P' if kind == 'pool' else 'F'} λ_max/(m p*) at l = 60, d = {d}",
                        theory=1.0, numeric=float(lam / (CNN_TRAIN * float(cfp.p_star))),
                        tol=Tol(rel=1e-4, why="m·O(lχ₁^l)/(m p*) ≈ 60·0.8^60 ≈ 1e-4 at l = 60"))


LREST = Claim(
    id="xiao2020/table1-ordered-lrest",
    source=f"{SRC}, Table 1 (λ_rest, ordered); §4.2 (after Eq. 22); App. D.2",
    statement="Ordered phase: the bulk shrinks like lχ₁^l (FCN/CNN-F); with pooling it is about "
    "d times smaller.",
)


@LREST.check
def test_table1_ordered_lrest(check, ord_mp, cnn_ord):
    fp, layers = ord_mp
    vals, spread = {}, {}
    for l in FIT:
        s = _spec(layers, l)
        with mpmath.workdps(DPS):
            vals[l] = float(s.lambda_min / (l * fp.chi_1**l))
            spread[l] = float(s.lambda_2 / s.lambda_min)
    check.within("relative variation of λ_min/(lχ₁^l) over l ∈ [100, 200] (FCN, ORD)",
                 _rel_variation(vals.values()), hi=0.05,
                 why="catalog: λ_rest = O(lχ₁^l) with an O(1/l) drift of the constant")
    logs = []
    for l in RATE_DEPTHS:
        with mpmath.workdps(DPS):
            logs.append(float(mpmath.log(_spec(layers, l).lambda_min / l)))
    check.agree("fitted rate: slope of log(λ_min/l) vs l over [100, 200] (3-term fit) vs log χ₁",
                theory=float(mpmath.log(fp.chi_1)), numeric=_rate_fit(RATE_DEPTHS, logs),
                tol=RATE_TOL)
    check.note(f"2-term slope of log(λ_min/l): {_slope(RATE_DEPTHS, logs):.8f} vs log χ₁ = "
               f"{float(mpmath.log(fp.chi_1)):.8f}")
    check.note(f"λ_min/(lχ₁^l) = {vals}; bulk spread λ₂/λ_min = {spread}")
    for d in (8, 16):
        _, ro = cnn_ord[d]
        sf = spectrum(ro[60][("ntk", "flatten")][:CNN_TRAIN, :CNN_TRAIN])
        sp_ = spectrum(ro[60][("ntk", "pool")][:CNN_TRAIN, :CNN_TRAIN])
        check.within(f"median-bulk ratio flat/pool at l = 60, d = {d} (in [0.8d, 1.25d])",
                     float(sf.bulk_median / sp_.bulk_median), lo=0.8 * d, hi=1.25 * d,
                     why="App. D.2: pooling divides the bulk by d (catalog window)",
                     expected=f"{d}")
        check.note(f"d = {d}: λ_min ratio flat/pool = {float(sf.lambda_min / sp_.lambda_min):.4g}")


KAPPA = Claim(
    id="xiao2020/table1-ordered-kappa",
    source=f"{SRC}, Table 1 (κ, ordered); §3; §4.2; App. D.2; Fig. 1(b)",
    statement="Ordered phase: κ = m p* Ω(χ₁^{−l}/l) (FCN/CNN-F) and d m p* Ω(χ₁^{−l}/l) (CNN-P): "
    "trainability is lost after O(ξ₁) layers.",
)


@KAPPA.check
def test_table1_ordered_kappa(check, ord_mp, cnn_ord):
    fp, layers = ord_mp
    with mpmath.workdps(DPS):
        kap = {l: _spec(layers, l).kappa for l in FIT}
        scaled = {l: float(kap[l] * l * fp.chi_1**l) for l in FIT}
        logs = [float(mpmath.log(l * kap[l])) for l in FIT]
    check.within("relative variation of κ·l·χ₁^l over l ∈ [100, 200] (FCN, ORD)",
                 _rel_variation(scaled.values()), hi=0.05,
                 why="catalog: κ = C χ₁^{−l}/l (1 + O(1/l))")
    rate_logs = []
    for l in RATE_DEPTHS:
        with mpmath.workdps(DPS):
            rate_logs.append(float(mpmath.log(l * _spec(layers, l).kappa)))
    check.agree("fitted rate: slope of log(l κ) vs l over [100, 200] (3-term fit, predicted "
                "−log χ₁)", theory=-float(mpmath.log(fp.chi_1)),
                numeric=_rate_fit(RATE_DEPTHS, rate_logs), tol=RATE_TOL)
    check.note(f"2-term slope over {list(FIT)}: {_slope(FIT, logs):.8f}")
    s = _spec(layers, 200)
    with mpmath.workdps(DPS):
        check.agree("κ·λ_min/λ_max identity and λ_max = m p* at l = 200 (κ·λ_min/(m p*))",
                    theory=1.0, numeric=s.kappa * s.lambda_min / (len(TRAIN) * fp.p_star),
                    tol=Tol(rel=1e-12, why="λ_max = m p*(1 + O(lχ₁^l))"))
    check.note(f"κ·l·χ₁^l = {scaled}")
    for d in (8, 16):
        _, ro = cnn_ord[d]
        kf = spectrum(ro[60][("ntk", "flatten")][:CNN_TRAIN, :CNN_TRAIN]).kappa
        kp = spectrum(ro[60][("ntk", "pool")][:CNN_TRAIN, :CNN_TRAIN]).kappa
        check.within(f"κ_pool/κ_flat at l = 60, d = {d} (in [d/2, 2d])", float(kp / kf),
                     lo=d / 2, hi=2 * d, why="Table 1: CNN-P κ carries an extra factor d (order of "
                     "magnitude; E7)", expected=f"{d}")


DELTA = Claim(
    id="xiao2020/table1-ordered-delta",
    source=f"{SRC}, Table 1 (Δ, ordered); §4.2 (last paragraph); App. B.3, Eqs. (69)–(72)",
    statement="Ordered phase with a fixed ridge σ: Δ_σ^{(l)} = O(lχ₁^l) (FCN/CNN-F), smaller by "
    "a factor of order d with pooling; P_σ(Θ*)Y = 0 for balanced labels.",
)


@DELTA.check
def test_table1_ordered_delta(check, ord_mp, cnn_ord):
    # theory: first-order perturbation of (B_σ + E)^{-1}, B_σ = p*11ᵀ + σI, on 1ᵀY = 0
    n = 4
    ps, sig, e = sp.Symbol("p", positive=True), sp.Symbol("sigma", positive=True), sp.Symbol("e")
    b = ps * sp.ones(n, n) + sig * sp.eye(n)
    emat = sp.Matrix(n, n, lambda i, j: 0 if i == j else sp.Rational((i + 1) * (j + 1), 7))
    yv = sp.Matrix([1, -1, 1, -1])
    tdv = sp.Matrix([[ps + e * sp.Rational(k + 1, 5) for k in range(n)]])
    pred = (tdv * (b + e * emat).inv() * yv)[0]
    check.agree("P_σ(Θ*)Y for balanced labels (e = 0)", theory=sp.Integer(0),
                numeric=sp.simplify(pred.subs(e, 0)), tol=Tol(abs=1e-30, why="exact"))
    check.holds("P_σ(Θ* + eE)Y is O(e) (nonzero first derivative at e = 0)",
                bool(sp.simplify(sp.diff(pred, e).subs(e, 0)) != 0),
                evidence=str(sp.simplify(sp.diff(pred, e).subs({e: 0, ps: 3, sig: 1}))),
                criterion="d/de P_σY ≠ 0 at e = 0", why="Δ_σ is linear in the correction E")
    fp, layers = ord_mp
    vals = {}
    for l in FIT:
        py = mean_predictor(layers[l].ntk, TRAIN, TEST, Y, ridge=1, dps=DPS)
        with mpmath.workdps(DPS):
            vals[l] = float(norm(py) / (l * fp.chi_1**l))
    check.within("relative variation of ‖Δ_σY‖/(lχ₁^l) over l ∈ [100, 200] (σ = 1)",
                 _rel_variation(vals.values()), hi=0.05,
                 why="catalog: O(1/l) drift of the constant")
    dlogs = []
    for l in RATE_DEPTHS:
        py = mean_predictor(layers[l].ntk, TRAIN, TEST, Y, ridge=1, dps=DPS)
        with mpmath.workdps(DPS):
            dlogs.append(float(mpmath.log(norm(py) / l)))
    check.agree("fitted rate: slope of log(‖Δ_σY‖/l) vs l over [100, 200] (3-term fit, predicted "
                "log χ₁)", theory=float(mpmath.log(fp.chi_1)),
                numeric=_rate_fit(RATE_DEPTHS, dlogs), tol=RATE_TOL)
    check.note(f"‖Δ_σY‖/(lχ₁^l) = {vals}")
    tr, te = np.arange(CNN_TRAIN), np.arange(CNN_TRAIN, CNN_TRAIN + CNN_TEST)
    ratios = {}
    for d in (8, 16):
        _, ro = cnn_ord[d]
        df = np.linalg.norm(mean_predictor(ro[60][("ntk", "flatten")], tr, te, CNN_Y, ridge=1))
        dp = np.linalg.norm(mean_predictor(ro[60][("ntk", "pool")], tr, te, CNN_Y, ridge=1))
        ratios[d] = float(df / dp)
    check.holds("Δ_flat/Δ_pool > 1 at l = 60 and increasing with d",
                bool(1 < ratios[8] < ratios[16]), evidence=str(ratios),
                criterion="1 < ratio(d=8) < ratio(d=16)",
                why="Table 1: pooling shrinks the ordered Δ by a factor of order d (E7: not sharp)")


ORD_XI1 = Claim(
    id="xiao2020/ordered-depth-scale-xi1",
    source=f"{SRC}, §4.2 (last sentence), §5 (Fig. 3 discussion)",
    statement="In the ordered phase ξ₁ = −1/log χ₁ governs trainability: log κ ≈ l/ξ₁ − log l + c.",
)


@ORD_XI1.check
def test_ordered_depth_scale_xi1(check):
    cos = fcn_cosines(12)
    ratios, xis = {}, {}
    for sw2 in (0.8, 1.0, 1.2, 1.4, 1.6):
        fp = erf_fixed_point(str(sw2), "0.1849", dps=30)
        qs, sb2 = float(fp.q_star), 0.1849
        layers = pinned_recursion("erf", sw2, sb2, normalized_k0(cos, qs, sb2), range(0, 601))
        l_k = next(l for l in range(1, 601) if spectrum(layers[l].ntk).kappa > 1e6)
        ratios[sw2], xis[sw2] = l_k / fp.xi_1, fp.xi_1
    mean = float(np.mean(list(ratios.values())))
    check.within("max_σ |l_κ/ξ₁ − mean|/mean over σ_w² ∈ {0.8, …, 1.6} (l_κ: first κ > 1e6)",
                 max(abs(r - mean) / mean for r in ratios.values()), hi=0.15,
                 why="catalog: log κ ≈ l/ξ₁ − log l + const, so l_κ/ξ₁ is nearly constant")
    check.note(f"ξ₁ = {xis}; l_κ/ξ₁ = {ratios}")
    check.note("float64 is adequate here: κ ≤ 1e6 ≪ 1e13 (catalog 'Precision')")
