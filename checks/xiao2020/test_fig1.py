"""Xiao et al. (2020) §5 "Evolution of κ^{(l)}", Fig. 1(a)–(d): κ per phase, FCN / CNN-F / CNN-P.

Kernels: FCN from the pinned recursion (float64 where κ ≲ 1e12, mpmath at ORD), CNNs from the
1-D circular kernels (d = 8 pixels, k = 1; the paper's 2-D k×k images are the paper tier's).
Inputs: iid Gaussian, normalized per pixel (FCN: per input) to K^{(0)}(x, x) = q*.
"""

from __future__ import annotations

import math

import matplotlib
import mpmath
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from checks.harness import Claim, Tol  # noqa: E402
from checks.xiao2020.sweeps import (  # noqa: E402
    DPS,
    TRAIN,
    cha_cnn_deep,
    ord_cnn_deep,
)
from numeric.ntk_spectrum import spectrum  # noqa: E402

SRC = "003_bba93c00b4c69c6f.txt"


def _slope(xs, ys) -> float:
    return float(np.polyfit(np.asarray(xs, float), np.asarray(ys, float), 1)[0])


def _kappa(mat) -> float:
    return float(spectrum(np.asarray(mat, dtype=float)).kappa)


FIG1A = Claim(
    id="xiao2020/fig1a-chaotic-kappa",
    source=f"{SRC}, §5 'Evolution of κ' and Fig. 1(a)",
    statement="In the chaotic phase κ^{(l)} → 1 for FCN, CNN-F and CNN-P (exact infinite-width NTKs).",
)


@FIG1A.check
def test_fig1a_chaotic_kappa(check, cha_f64):
    fp, layers = cha_f64
    m, d = 8, 8
    _, ro = cha_cnn_deep(d)
    p60 = float(layers[60].ntk[0, 0])
    pab = float(fp.p_ab_star)
    kf = _kappa(layers[60].ntk[np.ix_(TRAIN, TRAIN)])
    kc = _kappa(ro[60][("ntk", "flatten")][:m, :m])
    kp = _kappa(ro[60][("ntk", "pool")][:m, :m])
    check.within("FCN κ at l = 60 (CHA)", kf, hi=1.01, why="catalog: κ → 1")
    check.within("CNN-F κ at l = 60 (CHA, d = 8)", kc, hi=1.01, why="catalog: κ → 1")
    check.within("CNN-P κ − 1 at l = 60 over d m p*_ab/(p − p*_ab)", (kp - 1) / (d * m * pab / (p60 - pab)),
                 hi=1.2, why="catalog: CNN-P excess is d times the FCN one (factor 1.2 margin)")
    check.note("κ − 1 ∝ χ₁^{−l}; Fig. 1 (all panels) is drawn by the fig1cd check")


FIG1B = Claim(
    id="xiao2020/fig1b-ordered-kappa-rate",
    source=f"{SRC}, §5 and Fig. 1(b)",
    statement="In the ordered phase χ₁^l κ^{(l)} decays like 1/l for all architectures "
    "(κ ∝ χ₁^{−l}/l); CNN-P's constant is about d times larger.",
)


@FIG1B.check
def test_fig1b_ordered_kappa_rate(check, ord_mp):
    fp, layers = ord_mp
    chi = float(fp.chi_1)
    m, d = 8, 8
    _, ro = ord_cnn_deep(d)
    ls = list(range(40, 81, 4))
    with mpmath.workdps(DPS):
        fcn = [float(spectrum(layers[l].ntk[np.ix_(TRAIN, TRAIN)], dps=DPS).kappa) for l in ls]
    cnf = [_kappa(ro[l][("ntk", "flatten")][:m, :m]) for l in ls]
    cnp = [_kappa(ro[l][("ntk", "pool")][:m, :m]) for l in ls]
    for name, ks in (("FCN", fcn), ("CNN-F", cnf), ("CNN-P", cnp)):
        scaled = [k * l * chi**l for k, l in zip(ks, ls, strict=True)]
        check.within(f"{name}: relative variation of l χ₁^l κ over l ∈ [40, 80]",
                     max(scaled) / min(scaled) - 1, hi=0.15, why="catalog: κ ∝ χ₁^{−l}/l")
        check.within(f"{name}: slope of log(χ₁^l κ) vs log l over [40, 80]",
                     _slope(np.log(ls), [math.log(k * chi**l) for k, l in zip(ks, ls, strict=True)]),
                     lo=-1.3, hi=-0.7, why="catalog: 1/l decay", expected="-1")
    check.note(f"CNN-P/CNN-F κ ratio at l = 80: {cnp[-1] / cnf[-1]:.4g} (d = {d})")


FIG1CD = Claim(
    id="xiao2020/fig1cd-critical-kappa-limits",
    source=f"{SRC}, §5 and Fig. 1(c), (d)",
    statement="On the critical line κ^{(l)} and λ₁/λ₂ converge to (m+2)/2 (FCN, CNN-F) and "
    "(dm+2)/2 (CNN-P).",
)


@FIG1CD.check
def test_fig1cd_critical_kappa_limits(check, crit1, cnn_crit, cha_f64, ord_mp):
    fp, layers = crit1
    s = spectrum(layers[1000].ntk[np.ix_(TRAIN, TRAIN)])
    check.agree("FCN κ at l = 1000 (m = 12)", theory=7.0, numeric=float(s.kappa),
                tol=Tol(rel=0.015, why="catalog"))
    check.agree("FCN λ₁/λ₂ at l = 1000 (m = 12)", theory=7.0, numeric=float(s.lambda_max / s.lambda_2),
                tol=Tol(rel=0.015, why="catalog"))
    _, ro = cnn_crit[(12, 8, 1)]
    sf = spectrum(ro[1000][("ntk", "flatten")])
    check.agree("CNN-F κ at l = 1000 (m = 12, d = 8)", theory=7.0, numeric=float(sf.kappa),
                tol=Tol(rel=0.015, why="catalog"))
    check.agree("CNN-F λ₁/λ₂ at l = 1000", theory=7.0, numeric=float(sf.lambda_max / sf.lambda_2),
                tol=Tol(rel=0.015, why="catalog"))
    sp300 = spectrum(ro[300][("ntk", "pool")])
    check.agree("CNN-P κ at l = 300 (m = 12, d = 8)", theory=49.0, numeric=float(sp300.kappa),
                tol=Tol(rel=0.04, why="catalog: slower, factor-d convergence"))
    _draw_fig1(check, cha_f64, ord_mp, crit1, cnn_crit)


def _draw_fig1(check, cha_f64, ord_mp, crit1, cnn_crit):
    """Fig. 1: κ(l) per phase for FCN / CNN-F / CNN-P with the predicted limits and rates."""
    m, d = 8, 8
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    fp, layers = cha_f64
    _, ro = cha_cnn_deep(d)
    pab = float(fp.p_ab_star)
    ls = list(range(2, 101, 2))
    ax = axes[0]
    ax.plot(ls, [_kappa(layers[l].ntk[np.ix_(TRAIN, TRAIN)]) - 1 for l in ls], label="FCN (m = 12)")
    ax.plot(ls, [_kappa(ro[l][("ntk", "flatten")][:m, :m]) - 1 for l in ls], label="CNN-F (m = 8)")
    ax.plot(ls, [_kappa(ro[l][("ntk", "pool")][:m, :m]) - 1 for l in ls], label="CNN-P (m = 8, d = 8)")
    ax.plot(ls, [12 * pab / (float(layers[l].ntk[0, 0]) - pab) for l in ls], "k:",
            label="Table 1: m p*_ab/(p − p*_ab)")
    ax.set(yscale="log", xlabel="depth l", ylabel="κ − 1", title="(a) chaotic (CHA)")
    ax.legend(fontsize=6)
    fp, layers = ord_mp
    chi = float(fp.chi_1)
    _, ro = ord_cnn_deep(d)
    ls = list(range(10, 101, 10))
    with mpmath.workdps(DPS):
        fcn = [float(spectrum(layers[l].ntk[np.ix_(TRAIN, TRAIN)], dps=DPS).kappa) for l in ls]
    ax = axes[1]
    ax.plot(ls, [k * chi**l for k, l in zip(fcn, ls, strict=True)], marker=".", label="FCN (m = 12)")
    for kind, name in (("flatten", "CNN-F"), ("pool", "CNN-P")):
        ax.plot(ls, [_kappa(ro[l][("ntk", kind)][:m, :m]) * chi**l for l in ls], marker=".",
                label=f"{name} (m = 8)")
    ax.plot(ls, [fcn[-1] * chi ** ls[-1] * ls[-1] / l for l in ls], "k:", label="∝ 1/l (Table 1)")
    ax.set(yscale="log", xscale="log", xlabel="depth l", ylabel="χ₁^l κ", title="(b) ordered (ORD)")
    ax.legend(fontsize=6)
    fp, layers = crit1
    _, ro = cnn_crit[(12, 8, 1)]
    depths = [10, 30, 100, 300, 1000, 3000]
    ax = axes[2]
    ax.plot(depths, [_kappa(layers[l].ntk[np.ix_(TRAIN, TRAIN)]) for l in depths], marker="o",
            label="FCN (m = 12)")
    ax.plot(depths, [_kappa(ro[l][("ntk", "flatten")]) for l in depths], marker="s", label="CNN-F")
    ax.plot(depths, [_kappa(ro[l][("ntk", "pool")]) for l in depths], marker="^", label="CNN-P (d = 8)")
    ax.axhline(7, color="k", ls=":", lw=1, label="(m+2)/2 = 7")
    ax.axhline(49, color="k", ls="--", lw=1, label="(md+2)/2 = 49")
    ax.set(xscale="log", yscale="log", xlabel="depth l", ylabel="κ", title="(c, d) critical (CRIT(1))")
    ax.legend(fontsize=6)
    check.figure(fig, "fig1")
