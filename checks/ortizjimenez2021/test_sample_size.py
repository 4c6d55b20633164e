"""The non-linear advantage on the semantic binary task vs training-set size (§4.1, Fig. 5,
footnote 5; App. A): DIGITS2 stands in for CIFAR2 on the fast tier."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

from checks.harness import Claim
from checks.ortizjimenez2021.conftest import select
from numeric.trend_stats import cluster_bootstrap, ls_slope, mean_ci

SEED = "001_9703cf501f504025.txt"

CIFAR2 = Claim(
    id="ortizjimenez2021/cifar2-nonlinear-advantage",
    source=f"{SEED}, Fig. 2 caption (CIFAR2 baseline), §4.1, App. A",
    statement="On CIFAR2 (classes 0–4 vs 5–9) the networks perform significantly better than "
    "their linearizations, even after 200 epochs.",
)
GROWS = Claim(
    id="ortizjimenez2021/nonlinear-advantage-grows-with-sample-size",
    source=f"{SEED}, §4.1, Fig. 5 (top)",
    statement="The non-linear advantage on CIFAR2 appears mainly with larger training sets; for "
    "small sets NN and linearization perform similarly.",
    expect="not_reproduced",
    expect_paper="open",  # the paper tier runs the paper's protocol (epochs, sizes); its outcome is recorded as measured
    reason="DIGITS2 (digits eigen set, peak test accuracy, 5 seeds per architecture): the gap "
    "G(m) = acc_NN − acc_lin does not grow with m — MLP G ≈ 0.027, 0.007, 0.012, 0.012, 0.014 "
    "for m = 50…700 (slope on log₂ m −0.0022 [−0.0063, 0.0002]) and the LeNet5-shaped CNN "
    "G ≈ 0.113, 0.078, 0.087 for m = 50, 200, 700 (slope −0.0070 [−0.0098, −0.0040]). Not "
    "reproduced at this scale (digits saturate near 95%; all m get the same 300 SGD steps).",
)
DISTANCE = Claim(
    id="ortizjimenez2021/distance-to-init-grows-with-sample-size",
    source=f"{SEED}, §4.1, Fig. 5 (bottom)",
    statement="The distance the parameters travel from initialisation grows with the training-set "
    "size, for networks and linearizations.",
    expect="not_reproduced",
    expect_paper="open",  # the paper tier runs the paper's protocol (epochs, sizes); its outcome is recorded as measured
    reason="DIGITS2, 60 epochs: confirmed for the MLP (seed-mean ‖θ_T − θ₀‖ 3.27 → 4.06 (NN, "
    "Spearman 0.91) and 3.55 → 4.50 (lin, 0.83) for m = 50 → 700) and for the LeNet5-shaped "
    "CNN (NN 3.59, 4.17, 4.65 for m = 50, 200, 700, Spearman 0.93), but the CNN's linearization "
    "moves LESS with more data (5.19, 4.98, 4.74; Spearman −0.68). Not reproduced at this scale. "
    "Likely confound: the fast tier gives every m the same 300 SGD steps (a small set is cycled "
    "~14× per epoch), where the paper's fixed epochs give small sets fewer steps; a linear "
    "model on a small separable set keeps growing its norm under the logistic loss.",
)
PEAK = Claim(
    id="ortizjimenez2021/peak-test-epoch-similar",
    source=f"{SEED}, §4.1 footnote 5",
    statement="Linear and non-linear models reach their best test accuracy in roughly the same "
    "number of epochs, whatever the training-set size.",
)


def _bin_table(sweep):
    idx = select(sweep, "bin")
    seeds = np.array([sweep["runs"][i]["seed"] for i in idx])
    ms = np.array([sweep["runs"][i]["m"] for i in idx])
    return np.array(idx), seeds, ms


@CIFAR2.check
def test_binary_task_advantage(check, setup, mlp_sweep, cnn_sweep):
    check.size("training points", fast=setup.n_train, paper=setup.n_train)
    check.note("fast tier: DIGITS2 (digits 0–4 vs 5–9) on the 700/300 digits split, 60 epochs "
               "(the paper's CIFAR2 runs use 200 epochs)")
    diffs, groups = [], []
    for a, (arch, sweep) in enumerate((("MLP", mlp_sweep), (setup.cnn_label, cnn_sweep))):
        idx = np.array(select(sweep, "bin", m=setup.n_train))
        seeds = np.array([sweep["runs"][i]["seed"] for i in idx])
        d = np.asarray(sweep["nn"]["test_acc"])[idx, -1] - np.asarray(sweep["lin"]["test_acc"])[idx, -1]
        est, lo, hi = mean_ci(d, seeds, seed=51)
        check.note(f"{arch}: acc_NN − acc_lin = {np.round(d, 3)}, mean {est:.4f} [{lo:.4f}, {hi:.4f}]")
        diffs.append(d)
        groups.append(100 * a + seeds)
    est, lo, hi = mean_ci(np.concatenate(diffs), np.concatenate(groups), seed=52)
    check.within("pooled acc_NN − acc_lin on DIGITS2: lower 95% bound", lo, lo=1e-12,
                 why="catalog: paired CI above 0 (resampled by arch × seed)", level="empirical")


def _peak(sweep, model, idx):
    acc = np.asarray(sweep[model]["test_acc"])[idx]
    return acc.max(axis=1), acc.argmax(axis=1) + 1


@GROWS.check
def test_advantage_vs_size(check, setup, mlp_sweep, cnn_sweep):
    check.size("sizes (MLP)", fast=setup.sizes, paper=setup.sizes)
    check.size(f"sizes ({setup.cnn_label})", fast=setup.cnn_sizes, paper=setup.cnn_sizes)
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(5, 5.5), sharex=True)
    results = []
    for arch, sweep in (("MLP", mlp_sweep), (setup.cnn_label, cnn_sweep)):
        idx, seeds, ms = _bin_table(sweep)
        nn, _ = _peak(sweep, "nn", idx)
        lin, _ = _peak(sweep, "lin", idx)
        gap = nn - lin
        est, lo, hi = cluster_bootstrap(ls_slope, np.log2(ms), gap, seeds, seed=53)
        check.note(f"{arch}: peak accuracy NN {np.round([nn[ms == m].mean() for m in np.unique(ms)], 3)}, "
                   f"lin {np.round([lin[ms == m].mean() for m in np.unique(ms)], 3)} for m = {np.unique(ms)}; "
                   f"slope of G on log₂ m {est:.4f} [{lo:.4f}, {hi:.4f}]")
        results.append((arch, lo))
        for model, vals, style in (("NN", nn, "-"), ("lin", lin, "--")):
            ax1.semilogx([m for m in np.unique(ms)], [vals[ms == m].mean() for m in np.unique(ms)],
                         style, marker="o", label=f"{arch} {model}", base=2)
        for model, key, style in (("NN", "nn", "-"), ("lin", "lin", "--")):
            d2 = np.asarray(sweep[key]["d2_end"])[idx]
            ax2.semilogx(np.unique(ms), [d2[ms == m].mean() for m in np.unique(ms)], style,
                         marker="o", label=f"{arch} {model}", base=2)
    ax1.set(ylabel="peak test accuracy", title="DIGITS2 vs training-set size (Fig. 5)")
    ax1.legend(fontsize=7)
    ax2.set(xlabel="training-set size m", ylabel="‖θ_T − θ₀‖")
    check.figure(fig, "fig5")
    best = max(lo for _, lo in results)
    check.within("max over architectures of the lower 95% bound of the slope of G on log₂ m", best,
                 lo=1e-12, why="catalog: CI above 0 for at least one architecture", level="empirical")


@DISTANCE.check
def test_distance_vs_size(check, setup, mlp_sweep, cnn_sweep):
    check.size("sizes (MLP)", fast=setup.sizes, paper=setup.sizes)
    check.note("theory: for the linearized model with MSE, ‖Δθ‖² = rᵀK⁺r is non-decreasing on "
               "nested sets (Schur complement); checked below on random PD K")
    rng = np.random.default_rng(check.seed(54))
    worst = np.inf
    for _ in range(200):
        a = rng.standard_normal((40, 60))
        K = a @ a.T
        r = rng.standard_normal(40)
        vals = [r[:k] @ np.linalg.solve(K[:k, :k], r[:k]) for k in range(1, 41)]
        worst = min(worst, float(np.min(np.diff(vals) / np.abs(vals[1:]))))
    check.within("min relative increment of rᵀK_k⁻¹r over nested k (200 random PD K)", worst,
                 lo=-1e-10, why="Schur complement: the increment is a square / a positive pivot")
    table = []
    for arch, sweep in (("MLP", mlp_sweep), (setup.cnn_label, cnn_sweep)):
        idx, _, ms = _bin_table(sweep)
        for model in ("nn", "lin"):
            d2 = np.asarray(sweep[model]["d2_end"])[idx]
            rho = float(stats.spearmanr(ms, d2)[0])
            check.note(f"{arch} {model}: seed-mean ‖θ_T − θ₀‖ per m "
                       f"{np.round([d2[ms == m].mean() for m in np.unique(ms)], 3)}; Spearman {rho:.3f}")
            table.append((arch, model, rho))
    for arch, model, rho in table:  # all evidence recorded before the first failure
        check.within(f"{arch} {model}: Spearman ρ(m, ‖θ_T − θ₀‖) pooled over seeds", rho, lo=0.8,
                         why="catalog criterion", level="empirical")


@PEAK.check
def test_peak_epoch(check, setup, mlp_sweep, cnn_sweep):
    check.size("epochs", fast=setup.epochs, paper=setup.epochs)
    ratios = []
    for arch, sweep in (("MLP", mlp_sweep), (setup.cnn_label, cnn_sweep)):
        idx, _, ms = _bin_table(sweep)
        _, e_nn = _peak(sweep, "nn", idx)
        _, e_lin = _peak(sweep, "lin", idx)
        r = np.abs(np.log2(e_lin / e_nn))
        check.note(f"{arch}: peak epochs NN {e_nn.tolist()}, lin {e_lin.tolist()} (m = {ms.tolist()})")
        ratios.append(r)
    med = float(np.median(np.concatenate(ratios)))
    check.within("median over (arch, m, seed) of |log₂(e*_lin/e*_NN)|", med, hi=1.0,
                 why="'roughly the same': within a factor 2 (catalog, fixed in advance)",
                 level="empirical")
