"""Dwaraknath 2019, "When is the Approximation Accurate?": distance moved, Jacobian change, lazy neurons."""

from __future__ import annotations

import numpy as np
import sympy as sp

from checks.harness import Claim, Estimate, StatTol
from checks.ntkblog import figures, sweeps
from checks.ntkblog.sweeps import OHL_GD_INITS, OHL_GD_WIDTHS, X1, YBAR1, record
from numeric.one_hidden_layer import derivatives, gaussian_moment, one_point_stats, sigma_moments
from numeric.power_law_fit import bootstrap_exponent

SRC = "004_99a4d7a2f16c5da0.txt, When is the Approximation Accurate?"
RUNS = "tanh, x = 1, ȳ = 1, LeCun init, η = 0.5/‖∇y(w0)‖², 80 GD steps (|u| < 1e-12)"


def _record(check):
    record(check, "widths m", OHL_GD_WIDTHS)
    record(check, "initialisations per width", OHL_GD_INITS)
    check.size("runs", fast=RUNS, paper=RUNS)
    check.seed(sweeps.OHL_SEED + 11)


def _converged(check, ohl_gd):
    worst = max(float(np.max(np.abs(d["uT"]))) for d in ohl_gd.values())
    check.within("max |u_T| over all runs (GD converged)", worst, hi=1e-12, expected="0",
                 why="the quantities below are defined at convergence")


# ---------------------------------------------------------------------------------------------
DISTANCE = Claim(
    id="ntkblog/distance-moved-estimate",
    source=f"{SRC}, d ≈ ‖y(w0) − ȳ‖/‖∇_w y(w0)‖",
    statement="The distance moved in weight space is about the needed output change over the rate of "
    "change: for the linear model ‖u0‖/σ_max(∇y) ≤ ‖Δw‖ ≤ ‖u0‖/σ_min(∇y), exact for N = 1.",
)


@DISTANCE.check
def test_distance_moved(check, ohl_gd):
    _record(check)
    _converged(check, ohl_gd)
    u0 = sp.Symbol("u0", positive=True)
    gvec = sp.Matrix(sp.symbols("g1:4", real=True))
    dw = u0 * gvec / (gvec.T * gvec)[0, 0]  # N = 1 min-norm displacement
    gg = (gvec.T * gvec)[0, 0]
    check.holds("SymPy (N = 1): ‖u0 g/‖g‖²‖² = u0²/‖g‖²", bool(sp.simplify((dw.T * dw)[0, 0] - u0**2 / gg) == 0),
                evidence=str(sp.simplify((dw.T * dw)[0, 0])), criterion="identically", why="exact", level="theory")
    rng = np.random.default_rng(5)
    j = rng.standard_normal((200, 5)) * np.array([1.0, 0.5, 0.1, 0.03, 0.01])
    u = rng.standard_normal(5)
    d = np.linalg.norm(j @ np.linalg.solve(j.T @ j, u))
    sv = np.linalg.svd(j, compute_uv=False)
    check.holds("random J (p = 200, N = 5): ‖u0‖/σ_max ≤ ‖Δw_min-norm‖ ≤ ‖u0‖/σ_min",
                bool(np.linalg.norm(u) / sv[0] <= d <= np.linalg.norm(u) / sv[-1]),
                evidence=f"{np.linalg.norm(u) / sv[0]:.4g} ≤ {d:.4g} ≤ {np.linalg.norm(u) / sv[-1]:.4g}",
                criterion="both bounds", why="SVD of J")
    for m, dd in ohl_gd.items():
        moved = np.linalg.norm(np.concatenate([dd["aT"] - dd["a0"], dd["bT"] - dd["b0"]], axis=1), axis=1)
        y0 = np.sum(dd["b0"] * np.tanh(dd["a0"] * X1), axis=1)
        est = np.abs(y0 - YBAR1) / np.linalg.norm(dd["g0"], axis=1)
        if m >= 100:
            check.agree_stat(f"m = {m}: ‖w_T − w0‖ / (|u0|/‖∇y(w0)‖)", theory=sp.Integer(1),
                             empirical=Estimate.of(moved / est),
                             tol=StatTol(z=4, bias=0.05, why="catalog: within 5% (the nonlinear path "
                                         "differs from the linear one by O(κ))"))


# ---------------------------------------------------------------------------------------------
JAC_CHANGE = Claim(
    id="ntkblog/kappa-predicts-jacobian-change",
    source=f"{SRC} ('relative change in model Jacobian ≈ ... = κ ≪ 1')",
    statement="Over training the Jacobian changes by a relative amount of order κ(w0): "
    "R = ‖∇y(w_T) − ∇y(w0)‖/‖∇y(w0)‖ ≤ κ, and for the one-hidden-layer net R/κ → "
    "√(E[σ'²σ²]/E[σ²])/sup|σ'| (0.4363 for tanh at x = 1).",
)


@JAC_CHANGE.check
def test_kappa_predicts_jacobian_change(check, ohl_gd):
    _record(check)
    _converged(check, ohl_gd)
    e_s2, _ = sigma_moments("tanh", X1)
    e22 = gaussian_moment("tanh", X1, 2, 2)
    limit = sp.sqrt(sp.Float(str(e22), 25) / sp.Float(str(e_s2), 25))
    widths = list(ohl_gd)
    ratios, rs, ks = [], [], []
    for m in widths:
        dd = ohl_gd[m]
        r = np.linalg.norm(dd["gT"] - dd["g0"], axis=1) / np.linalg.norm(dd["g0"], axis=1)
        k = one_point_stats(dd["a0"], dd["b0"], X1, derivatives("tanh")).kappa(YBAR1)
        ratios.append(r / k)
        rs.append(r)
        ks.append(k)
        check.within(f"m = {m}: max over inits of R/κ (the blog's estimate bounds the change)",
                     float(np.max(r / k)), hi=1.0, expected="≤ 1", why="‖Δg‖ ≈ |u0|‖Hg‖/‖g‖² ≤ |u0|‖H‖/‖g‖")
        if m >= 100:
            check.agree_stat(f"m = {m}: mean R/κ vs √(E[σ'²σ²]/E[σ²])/sup|σ'|", theory=limit,
                             empirical=Estimate.of(r / k),
                             tol=StatTol(z=4, bias=0.005, why="Monte Carlo plus 0.005 for finite-m terms "
                                         "(b-block of Hg and the Hessian's off-diagonal part, O(m^-1/2))"))
    fr = bootstrap_exponent(widths, rs, seed=50)
    fk = bootstrap_exponent(widths, ks, seed=51)
    check.within(f"exponent of R ({fr}) equals that of κ ({fk.slope:.4f}) within 0.05", fr.slope - fk.slope,
                 lo=-0.05, hi=0.05, expected="same rate", why="R ≈ c·κ with c → constant")
    fig, (ax,) = figures.new()
    figures.loglog_fit(ax, widths, rs, fr, "relative Jacobian change R")
    figures.loglog_fit(ax, widths, ks, fk, "κ(w0)")
    ax.set_title("one hidden layer tanh, GD to convergence")
    check.figure(fig, "jacobian-change-vs-kappa")


# ---------------------------------------------------------------------------------------------
PER_NEURON = Claim(
    id="ntkblog/lazy-intuition-small-per-neuron-moves",
    source="004_99a4d7a2f16c5da0.txt, One Hidden Layer Network proof, intuitive paragraph ('the neurons "
    "need to move very little to fit the data')",
    statement="With more neurons each weight moves less: Δb_i ≈ u0σ(a_i x)/‖g‖² = O(1/m), "
    "Δa_i ≈ u0 b_iσ'(a_i x)x/‖g‖² = O(m^-3/2), so max_i|Δw_i| = O(1/m).",
)


@PER_NEURON.check
def test_per_neuron_moves(check, ohl_gd):
    _record(check)
    _converged(check, ohl_gd)
    widths = list(ohl_gd)
    mx, mx_a = [], []
    for m in widths:
        dd = ohl_gd[m]
        db = np.abs(dd["bT"] - dd["b0"])
        da = np.abs(dd["aT"] - dd["a0"])
        mx.append(np.maximum(db.max(axis=1), da.max(axis=1)))
        mx_a.append(da.max(axis=1))
        y0 = np.sum(dd["b0"] * np.tanh(dd["a0"] * X1), axis=1)
        pred = np.abs(y0 - YBAR1) * np.max(np.abs(np.tanh(dd["a0"] * X1)), axis=1) / np.sum(dd["g0"] ** 2, axis=1)
        if m >= 100:
            check.agree_stat(f"m = {m}: max_i|Δb_i| / (|u0| max_i|σ(a_i x)|/‖g‖²)", theory=sp.Integer(1),
                             empirical=Estimate.of(db.max(axis=1) / pred),
                             tol=StatTol(z=4, bias=0.05, why="first-order (linear-model) prediction; "
                                         "O(κ) nonlinear correction ≤ 5% at m ≥ 100"))
    fit = bootstrap_exponent(widths, mx, seed=52)
    check.within(f"exponent of max_i|Δw_i| ({fit})", fit.slope, lo=-1.1, hi=-0.9, expected="−1",
                 why="bounded σ: max|Δb_i| ~ 1/m dominates")
    fa = bootstrap_exponent(widths[1:], mx_a[1:], seed=53)
    check.within(f"exponent of max_i|Δa_i| over m ≥ 100 ({fa})", fa.slope, lo=-1.6, hi=-1.2,
                 expected="−3/2 up to √log m", why="|b_i| ~ m^-1/2 (max ~ √(2 log m/m)) times 1/m")
