"""Xiao et al. (2020): the catalog's suspected errata E1–E5, E7, E8, each re-derived here.

Each check asserts the printed statement (role="printed", must fail) and the corrected one
(role="corrected", must hold) with the numbers side by side. E6 (argmax scale invariance)
is in ``test_accuracy.py``.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp

from checks.harness import Claim, Tol
from checks.xiao2020.sweeps import (
    CNN_TEST,
    CNN_TRAIN,
    CNN_Y,
    DPS,
    RELU_DEPTHS,
    TEST,
    TRAIN,
    Y,
    fcn_cosines,
    relu_crit_run,
    residual_ode_runs,
)
from numeric.ntk_spectrum import mean_predictor, norm, spectrum
from numeric.residual_kernels import residual_relu_ode, residual_relu_recursion
from theory import kernel_asymptotics as ka

SRC = "003_bba93c00b4c69c6f.txt"


def _slope(xs, ys) -> float:
    return float(np.polyfit(np.asarray(xs, float), np.asarray(ys, float), 1)[0])


E1 = Claim(
    id="xiao2020/erratum-ordered-lmax-q-vs-p",
    source=f"{SRC}, Table 1 (λ_max, κ; ordered); §3 overview; compare §4.2, Eq. (22)",
    statement="Printed: ordered λ_max → m q* (κ ∝ m q*). Corrected (eq. 22): λ_max → m p* = "
    "m q*/(1 − χ₁); m q* is the NNGP's top eigenvalue.",
    expect="erratum",
    reason="At ORD, m = 12, l = 200 (mpmath, 50 digits) λ_max(Θ) = 12·p* = 39.6669 to 1e-17, "
    "while 12·q* = 7.9635; SymPy: lim p^{(l)} = q*/(1 − χ₁) ≠ q* for 0 < χ₁ < 1.",
)


@E1.check
def test_erratum_ordered_lmax_q_vs_p(check, ord_mp):
    lim = sp.limit(ka.ntk_diagonal_closed_form().subs(ka.chi1, sp.Rational(4, 5)), ka.l, sp.oo)
    check.agree("lim p^{(l)} at χ₁ = 4/5 (SymPy) minus q*/(1 − χ₁) = 5q*", theory=sp.Integer(0),
                numeric=sp.simplify(lim - 5 * ka.q_star), tol=Tol(abs=1e-30, why="exact"),
                role="corrected")
    fp, layers = ord_mp
    m = len(TRAIN)
    s = spectrum(layers[200].ntk[np.ix_(TRAIN, TRAIN)], dps=DPS)
    check.agree("λ_max(Θ^(200)) at ORD vs printed m q*", theory=m * fp.q_star,
                numeric=s.lambda_max, tol=Tol(rel=1e-10, why="catalog: printed limit"),
                role="printed")
    check.agree("λ_max(Θ^(200)) at ORD vs corrected m p* = m q*/(1 − χ₁)",
                theory=m * fp.p_star, numeric=s.lambda_max,
                tol=Tol(rel=1e-10, why="correction m·O(lχ₁^l) ≈ 2e-17 relative"), role="corrected")
    sk = spectrum(layers[200].nngp[np.ix_(TRAIN, TRAIN)], dps=DPS)
    check.agree("λ_max(K^(200)) (the NNGP) vs m q*", theory=m * fp.q_star, numeric=sk.lambda_max,
                tol=Tol(rel=1e-10, why="m q* is the NNGP's limit"), role="corrected")


E2 = Claim(
    id="xiao2020/erratum-critical-nngp-lrest-and-slope",
    source=f"{SRC}, §4.3 (paragraph after Eq. 24)",
    statement="Printed: critical NNGP bulk λ_rest ≈ χ₂/l and κ_K slope mχ₂/2. Corrected: bulk "
    "≈ (2/χ₂)/l and slope m q* χ₂/2.",
    expect="erratum",
    reason="CRIT(q* = 2), m = 12, l = 3000 (float64): κ_K/l = 10.64 vs corrected 10.67 and "
    "printed 5.33; l·λ_min(K) = 2.255 vs corrected 2.25 and printed 0.889. CRIT(0.5): κ_K/l = "
    "1.99 vs 2.0 (corrected) and 4.0 (printed).",
)


@E2.check
def test_erratum_critical_nngp_lrest_and_slope(check, crit_half, crit2):
    m = len(TRAIN)
    for fp, layers in (crit_half, crit2):
        qs, x2 = float(fp.q_star), float(fp.chi_2)
        s = spectrum(layers[3000].nngp[np.ix_(TRAIN, TRAIN)])
        check.agree(f"κ_K/l at l = 3000, q* = {qs:g} vs printed mχ₂/2", theory=m * x2 / 2,
                    numeric=float(s.kappa / 3000), tol=Tol(rel=0.4, why="catalog: printed off by > 40%"),
                    role="printed")
        check.agree(f"κ_K/l at l = 3000, q* = {qs:g} vs corrected m q* χ₂/2",
                    theory=m * qs * x2 / 2, numeric=float(s.kappa / 3000),
                    tol=Tol(rel=0.01, why="catalog: O(log l/l) correction"), role="corrected")
        check.agree(f"l·λ_min(K) at l = 3000, q* = {qs:g} vs printed χ₂", theory=x2,
                    numeric=float(3000 * s.lambda_min), tol=Tol(rel=0.4, why="catalog"),
                    role="printed")
        check.agree(f"l·λ_min(K) at l = 3000, q* = {qs:g} vs corrected 2/χ₂", theory=2 / x2,
                    numeric=float(3000 * s.lambda_min),
                    tol=Tol(rel=0.01, why="catalog: O(log l/l) correction"), role="corrected")


E3 = Claim(
    id="xiao2020/erratum-critical-log-corrections",
    source=f"{SRC}, §4.3, Eqs. (23)–(24); App. A.2, Eq. (41); App. A.3, Eqs. (45)–(46); Table 1",
    statement="Printed: on the critical line p_ab = lq*/3 + O(1) and κ = (m+2)/2 + mO(1/l) "
    "(ReLU: l/4 + O(1), (m+3)/3 + mO(1/l)). Corrected: an extra A log l in p_ab (A = "
    "−q*/3 − 2/9 − 1/(18q*) for erf, 3/8 for ReLU), so κ converges like log l/l.",
    expect="erratum",
    reason="Float64 pinned recursion, m = 12: erf slope of p_ab − lq*/3 vs log l over "
    "[1000, 3000] = −0.496, −0.90, −0.917 for q* = 0.5, 1, 2 (A = −0.5, −0.611, −0.917); "
    "CRIT(1) l(κ − 7) = −35.5, −55.2, −73.3 at l = 300, 1000, 3000 while l(κ − 7) − 27A·log l "
    "≈ 58.6, 58.8, 58.8; ReLU l(κ − 5) = 72.8 → 91.3 from 1e3 to 1e4 (8 ln 10 = 18.4).",
)


@E3.check
def test_erratum_critical_log_corrections(check, crit_half, crit1, crit2):
    # theory: the log coefficient from the second-order map (SymPy)
    _, logc = ka.critical_inverse_expansion()
    a_s, b_s = sp.symbols("a b", positive=True)
    check.agree("log-l coefficient of 1/x_l from the SymPy series vs (a² − b)/a, at a = 3, b = 2",
                theory=sp.Rational(7, 3), numeric=logc.subs({a_s: 3, b_s: 2}),
                tol=Tol(abs=1e-30, why="exact series"), role="corrected")
    big_a = ka.critical_ntk_log_coefficient()
    iu = np.triu_indices(len(TRAIN), 1)
    for fp, layers in (crit_half, crit1, crit2):
        qs = float(fp.q_star)

        def r(l, layers=layers, qs=qs):
            return float(np.mean(layers[l].ntk[np.ix_(TRAIN, TRAIN)][iu])) - l * qs / 3

        lo_l = 300 if qs == 1.0 else 1000
        hi_l = 1000 if qs == 1.0 else 3000
        slope = (r(hi_l) - r(lo_l)) / math.log(hi_l / lo_l)
        a_val = float(big_a.subs(ka.q_star, sp.nsimplify(qs)))
        check.agree(f"slope of p_ab − lq*/3 vs log l over [{lo_l}, {hi_l}], q* = {qs:g}: printed O(1)",
                    theory=0.0, numeric=slope,
                    tol=Tol(abs=0.1, why="a convergent O(1) remainder changes by O(1/l) over this "
                            "window: |slope| ≪ 0.1"), role="printed")
        check.agree(f"same slope vs corrected A(q*) = {a_val:.4f}", theory=big_a.subs(
                    ka.q_star, sp.nsimplify(qs)), numeric=slope,
                    tol=Tol(rel=0.03, why="catalog: O(1/l) terms bias a two-point slope"),
                    role="corrected")
    fp, layers = crit1
    m = len(TRAIN)
    a1 = float(big_a.subs(ka.q_star, 1))
    lk = {l: l * (float(spectrum(layers[l].ntk[np.ix_(TRAIN, TRAIN)]).kappa) - (m + 2) / 2)
          for l in (300, 1000, 3000)}
    resid = {l: v - 9 * m * a1 / 4 * math.log(l) for l, v in lk.items()}
    check.within("printed κ = 7 + mO(1/l): relative variation of l(κ − 7) over {300, 1000, 3000}",
                 max(lk.values()) / min(lk.values()) - 1 if min(lk.values()) > 0
                 else min(lk.values()) / max(lk.values()) - 1, hi=0.05,
                 why="an O(1/l) remainder makes l(κ − 7) tend to a constant", role="printed")
    check.within("corrected: relative variation of l(κ − 7) − (9mA/4) log l over {300, 1000, 3000}",
                 max(resid.values()) / min(resid.values()) - 1, hi=0.05,
                 why="catalog: the log l/l term removed, the remainder is O(1/l)", role="corrected")
    check.note(f"l(κ − 7) = {lk}; minus (9mA/4)log l = {resid}")
    # ReLU (critical, σ_w² = 2): κ → (m+3)/3 = 5 with (2m/3) log l / l
    relu = relu_crit_run()
    lk_r = {l: l * (float(spectrum(relu[l].ntk).kappa) - 5) for l in (1000, 10000)}
    diff = lk_r[10000] - lk_r[1000]
    check.agree("ReLU: l(κ − 5) at 1e4 minus at 1e3 vs printed O(1/l) (→ 0 difference)",
                theory=0.0, numeric=diff, tol=Tol(abs=5.0, why="a convergent l(κ − 5) changes by "
                "O(1) ≪ 5 between 1e3 and 1e4"), role="printed")
    check.agree("ReLU: same difference vs corrected (2m/3)·ln 10 = 8 ln 10",
                theory=8 * math.log(10), numeric=diff,
                tol=Tol(rel=0.10, why="catalog: O(1/l) terms"), role="corrected")


E4 = Claim(
    id="xiao2020/erratum-offdiag-correction-coefficient",
    source=f"{SRC}, App. A.1, Eq. (29); §4.2, Eq. (21) / App. A.1, Eqs. (34)–(35); compare Eq. (33)",
    statement="Printed: δ^{(l+1)} ≈ (1 + χ_{c,2}p*_ab)ε^{(l+1)} + χ_cδ^{(l)} (ordered: 1 + χ₂p*). "
    "Corrected (linearizing eq. 14, as eq. 33): 1 + χ_{c,2}p*_ab/χ_c (ordered 1 + χ₂p*/χ₁).",
    expect="erratum",
    reason="SymPy Jordan block gives (χ_c + χ_{c,2}p*_ab)/χ_c. mpmath (50 digits), m = 12: CHA "
    "l = 200 mean δ/(lε) = 2.28821 vs corrected 2.28849 and printed 2.09323; ORD l = 200: 3.3740 "
    "vs corrected 3.4011 (approach ≈ 5.4/l) and printed 2.9190.",
)


@E4.check
def test_erratum_offdiag_correction_coefficient(check, cha_mp, ord_mp):
    lim = ka.offdiag_correction_ratio()
    check.agree("lim δ/(lε) (SymPy) − (1 + χ_{c,2}p*_ab/χ_c)", theory=sp.Integer(0),
                numeric=sp.simplify(lim - 1 - ka.chic2 * ka.p_ab_star / ka.chic),
                tol=Tol(abs=1e-30, why="exact"), role="corrected")
    iu = np.triu_indices(len(TRAIN), 1)
    for name, (fp, layers) in (("CHA", cha_mp), ("ORD", ord_mp)):
        with mpmath.workdps(DPS):
            th = layers[200].ntk[np.ix_(TRAIN, TRAIN)][iu]
            k = layers[200].nngp[np.ix_(TRAIN, TRAIN)][iu]
            r = sum((t - fp.p_ab_star) / (200 * (q - fp.q_ab_star))
                    for t, q in zip(th, k, strict=True)) / len(th)
            printed = 1 + fp.chi_c2 * fp.p_ab_star
            corrected = 1 + fp.chi_c2 * fp.p_ab_star / fp.chi_c
        if name == "CHA":
            tp, tc = Tol(rel=0.05, why="catalog: printed is 9% off"), Tol(
                rel=1e-3, why="catalog: O(1/l) term at l = 200")
        else:
            tp, tc = Tol(abs=0.3, why="catalog: printed excluded by > 0.3"), Tol(
                abs=0.05, why="catalog: ≈ 5.4/l approach, 0.027 at l = 200")
        check.agree(f"{name}: mean δ_ab/(l ε_ab) at l = 200 vs printed 1 + χ_{{c,2}}p*_ab",
                    theory=printed, numeric=r, tol=tp, role="printed")
        check.agree(f"{name}: same vs corrected 1 + χ_{{c,2}}p*_ab/χ_c", theory=corrected,
                    numeric=r, tol=tc, role="corrected")


E5 = Claim(
    id="xiao2020/erratum-ordered-delta-requires-ridge",
    source=f"{SRC}, §3 overview; Table 1 (Δ, ordered); compare §4.2 (ridge σI) and App. B.3",
    statement="Printed: the ordered predictor decays like lχ₁^l. Corrected: only the ridge "
    "predictor P_σ (σ fixed) does; the plain P(Θ^{(l)})Y tends to a nonzero data-dependent O(1) "
    "limit.",
    expect="erratum",
    reason="ORD (mpmath, 50 digits), m = 12 balanced ±1, 8 test points: ‖P(Θ^(l))Y‖ = 0.63–0.75 "
    "for l = 10 … 200 (no decay), while ‖P_σY‖ (σ = 1) ∝ lχ₁^l (≈ 0.6 lχ₁^l). SymPy: for "
    "Θ = p*11ᵀ + sE, P(Θ)Y → E_td E_dd⁺Y as s → 0, independent of s.",
)


@E5.check
def test_erratum_ordered_delta_requires_ridge(check, ord_mp):
    s_, p_ = sp.symbols("s p", positive=True)
    e_dd = sp.Matrix([[2, -1, -1], [-1, 2, -1], [-1, -1, 2]])  # PSD on 1^⊥
    e_td = sp.Matrix([[1, 0, -1]])
    yv = sp.Matrix([1, -1, 0])
    pred = (p_ * sp.ones(1, 3) + s_ * e_td) * (p_ * sp.ones(3, 3) + s_ * e_dd).inv() * yv
    lim = sp.limit(sp.simplify(pred[0]), s_, 0)
    check.agree("lim_{s→0} P(p11ᵀ + sE)Y (SymPy) vs E_td E_dd⁺ Y", theory=(e_td * e_dd.pinv()
                * yv)[0], numeric=lim, tol=Tol(abs=1e-30, why="exact"), role="corrected")
    check.holds("that limit is nonzero and independent of p", bool(lim != 0 and not lim.has(p_)),
                evidence=str(lim), criterion="≠ 0, free of p", why="plain predictor keeps O(1)",
                role="corrected")
    fp, layers = ord_mp
    plain = {l: float(norm(mean_predictor(layers[l].ntk, TRAIN, TEST, Y, dps=DPS)))
             for l in (10, 20, 50, 100, 200)}
    check.agree("plain ‖P(Θ^(200))Y‖ vs printed O(lχ₁^l) (→ 0: 200·0.8^200 ≈ 6e-18)",
                theory=0.0, numeric=plain[200], tol=Tol(abs=1e-6, why="printed decay"),
                role="printed")
    check.within("corrected: min over l ∈ {10, …, 200} of the plain ‖P(Θ^(l))Y‖",
                 min(plain.values()), lo=0.3, why="catalog: O(1) limit, stays > 0.3", role="corrected")
    ridge = {}
    for l in (100, 150, 200):
        with mpmath.workdps(DPS):
            ridge[l] = float(norm(mean_predictor(layers[l].ntk, TRAIN, TEST, Y, ridge=1, dps=DPS))
                             / (l * fp.chi_1**l))
    check.within("corrected: relative variation of ‖P_σY‖/(lχ₁^l) over l ∈ [100, 200] (σ = 1)",
                 max(ridge.values()) / min(ridge.values()) - 1, hi=0.05,
                 why="ridge predictor decays like lχ₁^l (O(1/l) drift)", role="corrected")
    check.note(f"plain ‖PY‖ = {plain}; ridge ‖P_σY‖/(lχ₁^l) = {ridge}")


E7 = Claim(
    id="xiao2020/erratum-pooling-factor-not-sharp",
    source=f"{SRC}, Table 1 (blue d-corrections); App. D.2; Fig. 3 caption",
    statement="Printed: pooling changes Δ by exactly d (ordered Δ_pool = Δ_flat/d, chaotic "
    "Δ_pool = dΔ_flat) and κ_pool = dκ_flat (ordered). Measured: the factor d is exact for the "
    "median bulk and chaotic κ − 1, not for ordered κ (≈ 1.5d) or Δ (ordered 2.4, 3.8, 3.8 at d = 8, 16, 32; chaotic ≈ 3).",
    expect="erratum",
    reason="1-D circular CNN (k = 1, 8 train / 6 test images, 16 channels, iid pixels), d ∈ "
    "{8, 16, 32}: fitted exponents of the pool/flat ratio vs d ≈ 1 for the ordered median bulk "
    "and chaotic κ − 1, but ordered κ_pool/κ_flat ≈ 1.5d and the ordered ridge-Δ ratio is 2.38, "
    "3.82, 3.78 at d = 8, 16, 32 (saturates; not d, nor the catalog's d^0.7 beyond 16); chaotic "
    "Δ_pool/Δ_flat ≈ 2.9 at d = 8. Numbers in the check rows.",
)


@E7.check
def test_erratum_pooling_factor_not_sharp(check, cnn_ord, cnn_cha):
    a, b = ka.pooled_kernel(sp.Symbol("p"), sp.Symbol("p_ab"), ka.d)
    check.agree("idealized pooled diagonal gap (eq. 100) times d minus (p − p_ab)",
                theory=sp.Integer(0), numeric=sp.simplify(a * ka.d - (sp.Symbol("p") - sp.Symbol("p_ab"))),
                tol=Tol(abs=1e-30, why="exact"), role="corrected")
    ds = (8, 16, 32)
    tr, te = np.arange(CNN_TRAIN), np.arange(CNN_TRAIN, CNN_TRAIN + CNN_TEST)
    bulk, kap_o, del_o, kap_c, del_c = {}, {}, {}, {}, {}
    for d in ds:
        ro = cnn_ord[d][1][60]
        sf = spectrum(ro[("ntk", "flatten")][:CNN_TRAIN, :CNN_TRAIN])
        sp_ = spectrum(ro[("ntk", "pool")][:CNN_TRAIN, :CNN_TRAIN])
        bulk[d] = float(sf.bulk_median / sp_.bulk_median)
        kap_o[d] = float(sp_.kappa / sf.kappa)
        del_o[d] = float(np.linalg.norm(mean_predictor(ro[("ntk", "flatten")], tr, te, CNN_Y, ridge=1))
                         / np.linalg.norm(mean_predictor(ro[("ntk", "pool")], tr, te, CNN_Y, ridge=1)))
        rc = cnn_cha[d][1][40]
        cf = spectrum(rc[("ntk", "flatten")][:CNN_TRAIN, :CNN_TRAIN]).kappa
        cp = spectrum(rc[("ntk", "pool")][:CNN_TRAIN, :CNN_TRAIN]).kappa
        kap_c[d] = float((cp - 1) / (cf - 1))
        del_c[d] = float(np.linalg.norm(mean_predictor(rc[("ntk", "pool")], tr, te, CNN_Y))
                         / np.linalg.norm(mean_predictor(rc[("ntk", "flatten")], tr, te, CNN_Y)))

    def expo(r):
        return _slope(np.log(ds), np.log([r[d] for d in ds]))

    for label, r in (("ordered median-bulk flat/pool", bulk), ("chaotic (κ−1) pool/flat", kap_c)):
        check.agree(f"fitted exponent of {label} vs d over d ∈ {{8, 16, 32}}", theory=1.0,
                    numeric=expo(r), tol=Tol(abs=0.15, why="catalog: exact factor d"),
                    role="corrected")
    check.agree("ordered κ_pool/κ_flat at d = 16 vs printed d", theory=16.0, numeric=kap_o[16],
                tol=Tol(rel=0.25, why="a sharp factor d would hold within the O(lχ₁^l) spread"),
                role="printed")
    check.within("corrected: ordered κ_pool/κ_flat ÷ d at d = 16 (measured ≈ 1.5)", kap_o[16] / 16,
                 lo=1.25, hi=2.0, why="the λ_min ratio exceeds d (catalog ≈ 1.6)", role="corrected")
    check.agree("fitted exponent of ordered ridge-Δ_flat/Δ_pool vs d vs printed 1", theory=1.0,
                numeric=expo(del_o), tol=Tol(abs=0.15, why="printed exact factor d"),
                role="printed")
    check.holds("corrected: ordered Δ_flat/Δ_pool > 1 for every d (direction confirmed; the "
                "size saturates between d = 16 and 32)",
                bool(min(del_o.values()) > 1), evidence=str(del_o),
                criterion="r(d) > 1 for d ∈ {8, 16, 32}", why="the direction of the pooling effect",
                role="corrected")
    check.agree("chaotic Δ_pool/Δ_flat at d = 8 vs printed d", theory=8.0, numeric=del_c[8],
                tol=Tol(rel=0.25, why="printed exact factor d"), role="printed")
    check.within("corrected: chaotic Δ_pool/Δ_flat at d = 8 in (1, d)", del_c[8], lo=1.0, hi=8.0,
                 why="pooling helps, by less than d", role="corrected")
    check.note(f"ratios by d: bulk {bulk}; ordered κ {kap_o}; ordered Δ {del_o}; chaotic κ−1 "
               f"{kap_c}; chaotic Δ {del_c}; exponents: bulk {expo(bulk):.3f}, ordered κ "
               f"{expo(kap_o):.3f}, ordered Δ {expo(del_o):.3f}, chaotic κ−1 {expo(kap_c):.3f}, "
               f"chaotic Δ {expo(del_c):.3f}")


E8 = Claim(
    id="xiao2020/erratum-residual-ntk-direct-term",
    source=f"{SRC}, App. A.4, Eqs. (49), (51)",
    statement="Printed: the continuum residual NTK has the direct term dt·K (Θ̇ = K + 2ṪΘ). "
    "Derived: 2dt·T(K) (Θ̇ = 2T(K) + 2ṪΘ); equal on the diagonal, O(ε) apart off it; "
    "κ → m/3 + 1 for both.",
    expect="erratum",
    reason="The discrete residual recursion (dt = 1e-3, derived from x' = x + √dt Wφ(x), "
    "E[WWᵀ] = 2I) matches the derived ODE off the diagonal to O(dt) and misses the printed one "
    "by O(ε) ≫ dt at t = 5; both ODEs give κ(t = 1e4) ≈ 5.004 (m = 12).",
)


@E8.check
def test_erratum_residual_ntk_direct_term(check):
    # theory: E[(x + √dt Wφ)(x' + √dt Wφ')] at O(dt) with E[W Wᵀ] = 2I gives 2 T(K) dt
    dt, t_, k_ = sp.symbols("dt T K", positive=True)
    second_moment = k_ + dt * 2 * t_  # cross terms vanish (E W = 0)
    check.agree("d/dt of the residual NNGP step minus 2T(K) (SymPy)", theory=sp.Integer(0),
                numeric=sp.diff(second_moment, dt) - 2 * t_, tol=Tol(abs=1e-30, why="exact"),
                role="corrected")
    cos = fcn_cosines(12)
    disc = residual_relu_recursion(cos, t_end=5.0, dt=1e-3)
    off = ~np.eye(12, dtype=bool)
    errs = {}
    for variant in ("derived", "printed"):
        ode = residual_relu_ode(cos, [5.0], variant=variant, p0=1.0)[5.0]
        errs[variant] = float(np.max(np.abs(ode[1] - disc[1])[off] / np.abs(disc[1][off])))
    check.agree("max rel. off-diagonal |Θ_ODE − Θ_discrete| at t = 5, printed direct term K",
                theory=0.0, numeric=errs["printed"],
                tol=Tol(abs=1e-2, why="Euler step dt = 1e-3: discretization error O(dt·t) ≈ 5e-3"),
                role="printed")
    check.agree("same, derived direct term 2T(K)", theory=0.0, numeric=errs["derived"],
                tol=Tol(abs=1e-2, why="Euler step dt = 1e-3: discretization error O(dt·t) ≈ 5e-3"),
                role="corrected")
    kap = {}
    runs = residual_ode_runs()
    for variant in ("derived", "printed"):
        for p0 in (0.0, 1.0):
            th = runs[(variant, p0)][1e4][1]
            kap[(variant, p0)] = float(spectrum(th).kappa)
            check.agree(f"κ(t = 1e4), {variant} direct term, p₀ = {p0}",
                        theory=ka.kappa_rank_one_plus_identity(sp.Rational(3, 4), sp.Rational(1, 4), 12),
                        numeric=kap[(variant, p0)],
                        tol=Tol(rel=2e-3, why="catalog: O(1/t) approach (t(κ − 5) ≈ 40); ODE rtol 1e-8"),
                        role="corrected")
    check.note(f"κ(1e4) = {kap}; off-diagonal errors at t = 5: {errs}; RELU_DEPTHS {RELU_DEPTHS}")
