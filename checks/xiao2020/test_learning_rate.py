"""Xiao et al. (2020) §3, §5 and Fig. 2: the maximal learning rate η_theory = 2/λ_max.

Loss convention (stated once): summed MSE L = ½Σ_i (f(x_i) − y_i)², so linearized GD is
r_{t+1} = (I − ηΘ) r_t and converges iff η < 2/λ_max(Θ) (:mod:`empirical.lr_sweep`).
Data: sklearn's bundled digits (one-hot targets, :func:`empirical.digits_mnist.digits`).
"""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import sympy as sp

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from checks.harness import Claim, Tol  # noqa: E402
from checks.xiao2020.sweeps import RHOS, SW_CRIT, digits_gd, fcn_cosines  # noqa: E402
from numeric.normalized_recursion import (  # noqa: E402
    erf_critical_point,
    erf_fixed_point,
    normalized_k0,
    pinned_recursion,
)
from numeric.ntk_spectrum import spectrum  # noqa: E402

SRC = "003_bba93c00b4c69c6f.txt"


MAX_LR = Claim(
    id="xiao2020/max-learning-rate",
    source=f"{SRC}, §3 (η ~ 2/λ₀) and §5 'Maximum Learning Rates'",
    statement="The largest learning rate at which (linearized) gradient descent converges is "
    "η_theory = 2/λ_max(Θ_train,train) (summed MSE; 2m/λ_max for the mean loss).",
)


def _rho_c(ratio_row, rhos):
    """Largest ρ whose run stayed stable (final loss ≤ initial), scanning upward."""
    best = None
    for r, v in zip(rhos, ratio_row, strict=True):
        if np.isfinite(v) and v <= 1.0:
            best = r
        else:
            break
    return best


@MAX_LR.check
def test_max_learning_rate(check):
    # theory: |1 − ηλ| < 1 for η, λ > 0  ⇔  η < 2/λ
    eta, lam = sp.symbols("eta lambda", positive=True)
    sol = sp.solve_univariate_inequality(sp.Abs(1 - eta * lam) < 1, eta, relational=False)
    check.agree("sup{η > 0 : |1 − ηλ| < 1} · λ (SymPy)", theory=sp.Integer(2),
                numeric=sp.simplify(sol.sup * lam), tol=Tol(abs=1e-30, why="exact"))
    mm = sp.Symbol("m", positive=True)
    sol_mean = sp.solve_univariate_inequality(sp.Abs(1 - eta * lam / mm) < 1, eta, relational=False)
    check.agree("mean loss L/m (step η Θ/m): sup η · λ/m", theory=sp.Integer(2),
                numeric=sp.simplify(sol_mean.sup * lam / mm),
                tol=Tol(abs=1e-30, why="exact: the threshold becomes 2m/λ_max"))
    # numeric: the linear model at 0.99 and 1.01 η_th, Θ at ORD / CRIT(1) / CHA, l = 10
    cos = fcn_cosines(12)
    points = {"ORD": erf_fixed_point("1.2", "0.2", dps=30), "CRIT(1)": erf_critical_point(1, 30),
              "CHA": erf_fixed_point("3.0", "0.2", dps=30)}
    rng = np.random.default_rng(check.seed(5))
    r0 = rng.standard_normal(12)
    for name, fp in points.items():
        qs, sw2, sb2 = float(fp.q_star), float(fp.sigma_w2), float(fp.sigma_b2)
        theta = pinned_recursion("erf", sw2, sb2, normalized_k0(cos, qs, sb2), [10])[10].ntk
        eta_th = 2.0 / float(spectrum(theta).lambda_max)
        finals = {}
        for rho in (0.99, 1.01):
            step = np.eye(12) - rho * eta_th * theta
            r = r0.copy()
            for _ in range(100):
                r = np.linalg.matrix_power(step, 100) @ r
            finals[rho] = float(np.linalg.norm(r) / np.linalg.norm(r0))
        check.within(f"{name}: ‖r_T‖/‖r_0‖ after 1e4 linear GD steps at η = 0.99 η_th",
                     finals[0.99], hi=1.0, why="spectral radius max|1 − ηλ_i| < 1")
        check.within(f"{name}: ‖r_T‖/‖r_0‖ after 1e4 linear GD steps at η = 1.01 η_th",
                     finals[1.01], lo=1e6, why="catalog: |1 − 1.01·2| = 1.02, 1.02^1e4 ≈ 1e86")
    # experiment: finite erf FCNs on digits (the runs are shared with xiao2020/fig2-max-learning-rate)
    width = check.size("width", fast=64, paper=512)
    m = check.size("training points", fast=64, paper=256)
    n_seeds = check.size("seeds", fast=3, paper=3)
    steps = check.size("GD steps", fast=150, paper=400)
    depth = 4
    runs = {sw2: digits_gd(sw2, depth, width, m, n_seeds, steps, check.seed(0, "init seed"),
                           rhos=RHOS) for sw2 in (1.2, SW_CRIT, 3.0)}
    rhos = RHOS
    rc_all = []
    for sw2, r in runs.items():
        ratio = r["ratio"]
        low = [rhos.index(0.5), rhos.index(0.9)]
        stable_low = bool(np.all(np.isfinite(ratio[:, low])) and np.all(ratio[:, low] <= 1.0))
        diverged_high = bool(np.all(~np.isfinite(ratio[:, -1]) | (ratio[:, -1] > 1e3)))
        check.holds(f"σ_w² = {sw2}, depth {depth}: every seed stable at ρ ∈ {{0.5, 0.9}}",
                    stable_low, evidence=np.array2string(ratio[:, low], precision=3),
                    criterion="final/initial loss finite and ≤ 1",
                    why="η < η_theory: linearized GD contracts every mode")
        check.holds(f"σ_w² = {sw2}, depth {depth}: every seed diverges at ρ = 8",
                    diverged_high, evidence=np.array2string(ratio[:, -1], precision=3),
                    criterion="final/initial loss non-finite or > 1e3",
                    why="catalog: far above 2/λ_max (and above the catapult range ≈ 4/λ_max)")
        rc_all += [_rho_c(row, rhos) or rhos[0] / 2 for row in ratio]
    geo = math.exp(float(np.mean(np.log(rc_all))))
    check.within("geometric mean over runs of ρ_c (largest stable ρ, η = ρ·2/λ_max)", geo,
                 lo=1.0, hi=4.0, why="catalog: η_theory predicts the threshold on a log scale "
                 "(catapult dynamics allow ≈ 2–4× above 2/λ_max)", expected="1")
    check.note(f"ρ_c per (σ_w², seed): {rc_all}; digits, one-hot targets, summed MSE, width {width}")
    fig, ax = plt.subplots(figsize=(5, 3.2))
    for sw2, r in runs.items():
        shown = np.clip(np.where(np.isfinite(r["ratio"]), r["ratio"], 1e6), 1e-6, 1e6)
        ax.plot(rhos, np.median(shown, axis=0), marker="o", label=f"σ_w² = {sw2:g}, L = {depth}")
    ax.axvline(1.0, color="k", ls="--", lw=1, label="η = 2/λ_max")
    ax.set(xscale="log", yscale="log", xlabel="ρ = η/η_theory",
           ylabel="final / initial loss (median, clipped at 1e6)", ylim=(1e-6, 1e7))
    ax.legend(fontsize=6)
    check.figure(fig, "lr-sweep")
