"""Learning binarized NTK eigenfunctions (§3.1, Figs. 2–3, App. E.1) with networks and their
linearizations: accuracy decay, the linear advantage, training time and distance."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from checks.harness import Claim
from checks.ortizjimenez2021 import sweeps
from checks.ortizjimenez2021.conftest import fit_epoch, record_setup, select
from numeric.trend_stats import (
    cluster_bootstrap,
    ls_slope,
    mean_ci,
    sign_test,
    spearman_permutation,
)

SEED = "001_9703cf501f504025.txt"

DECAY = Claim(
    id="ortizjimenez2021/eigenfunction-accuracy-decay",
    source=f"{SEED}, §3.1, Fig. 2 (and §1 contribution 1)",
    statement="Networks and their linearizations trained on sign(φ_j) of Θ₀ both lose validation "
    "accuracy as j grows (λ_j decreases): the NTK ordering predicts the networks' task "
    "complexity.",
)
ADVANTAGE = Claim(
    id="ortizjimenez2021/eigenfunction-linear-advantage",
    source=f"{SEED}, §3.1 (Fig. 2 discussion), §5",
    statement="On the eigenfunction tasks the linearized models generalise better than the "
    "networks (a linear advantage).",
)
ADAM = Claim(
    id="ortizjimenez2021/eigenfunction-trends-adam",
    source=f"{SEED}, App. E.1, Fig. 11",
    statement="With Adam, accuracy still decays with the eigenfunction index and the linearized "
    "models keep a clear linear advantage.",
)
MNIST = Claim(
    id="ortizjimenez2021/eigenfunction-mnist",
    source=f"{SEED}, App. E.1, Fig. 12, footnote 9",
    statement="On MNIST accuracy also decays with the eigenfunction index (MLP, LeNet); for LeNet "
    "the NN and linearized curves cross near φ₅₀₀.",
)
TIME = Claim(
    id="ortizjimenez2021/eigenfunction-training-time",
    source=f"{SEED}, §3.1 Fig. 3 (ResNet18); App. E.1.1 Figs. 13 (MLP), 14 (LeNet)",
    statement="Networks need more iterations to reach 0.01 training loss on eigenfunctions with "
    "smaller eigenvalues.",
)
DISTANCE = Claim(
    id="ortizjimenez2021/eigenfunction-distance-to-init",
    source=f"{SEED}, §3.1 Fig. 3; App. E.1.1 Figs. 13–14",
    statement="The final parameters lie farther from initialisation (ℓ₂ and cosine distance) "
    "when the target eigenfunction has a smaller eigenvalue.",
    expect="not_reproduced",
    expect_paper="open",  # the paper tier runs the paper's protocol (epochs, sizes); its outcome is recorded as measured
    reason="Fast tier (digits, 60 epochs = 300 SGD steps): confirmed for the MLP (Spearman "
    "ρ(j, ‖θ_T − θ₀‖) = 0.98, ρ(j, 1 − cos) = 0.97, permutation p < 1e-4) but not for the "
    "LeNet5-shaped CNN (19k parameters; CNN-S with 3k gave ρ = −0.19): it reaches 0.01 loss "
    "only for j = 1, so for j ≥ 3 the distance is measured at the cap, where it barely moves on "
    "the hardest targets (seed-mean ‖θ_T − θ₀‖ = 1.23, 4.06, 4.07, 4.18, 3.05, 1.87 for "
    "j = 1…300; ρ = 0.003). Not reproduced at this scale: the claim is about converged "
    "solutions, and the paper's CIFAR runs take ~39 000 SGD steps (390 per epoch × 100).",
)
GAP = Claim(
    id="ortizjimenez2021/linearization-gap-grows-with-index",
    source=f"{SEED}, §4.2 last paragraph",
    statement="The disagreement between the trained network and its linearization grows as "
    "α(φ_j) decreases (j grows).",
)
FASTER = Claim(
    id="ortizjimenez2021/nn-fits-faster-than-linearization",
    source=f"{SEED}, §4.3 first paragraph; App. A footnote 7; §4.1 footnote 5",
    statement="Networks converge to near-zero training loss much faster than their linear "
    "approximations.",
)


def _resnet_note(check, arch_sweeps):
    """Record whether ResNet18 is among the architectures (paper tier, ``NNK_RESNET18=1``)."""
    if check.tier == "paper" and "ResNet18" not in [a for a, _ in arch_sweeps]:
        check.note(f"ResNet18 not run (device budget: its Θ₀ on the eigen set is the paper's "
                   f"32-GPU-hour Gram); set {sweeps.RESNET18_ENV}=1 to add it")


def _eig_table(sweep):
    idx = select(sweep, "eig")
    seeds = np.array([sweep["runs"][i]["seed"] for i in idx])
    js = np.array([sweep["runs"][i]["j"] for i in idx])
    return np.array(idx), seeds, js


def _final_acc(sweep, model, idx):
    return np.asarray(sweep[model]["test_acc"])[idx, -1]


@DECAY.check
def test_accuracy_decay(check, setup, mlp_sweep, cnn_sweep, arch_sweeps):
    sizes = record_setup(check, "eigen_set", "n_train", "epochs", "eig_seeds", "js")
    check.size("CNN", fast="LeNet5-shaped (3×3 convolutions 6, 16; dense 120, 84) on 8×8 digits, "
               "18 989 parameters", paper="LeNet5 (5×5 convolutions) on 32×32×3, 136 121 parameters")
    check.note(f"parameters: MLP {mlp_sweep['n_params']}, {setup.cnn_label} {cnn_sweep['n_params']}")
    check.seed(2021, "batch order (per arch: 2021 + index)")
    _resnet_note(check, arch_sweeps)
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for arch, sweep in arch_sweeps:
        idx, seeds, js = _eig_table(sweep)
        bin_idx = select(sweep, "bin", m=setup.n_train)
        for model, style in (("nn", "-"), ("lin", "--")):
            acc = _final_acc(sweep, model, idx)
            est, lo, hi = cluster_bootstrap(ls_slope, np.log(js), acc, seeds, seed=41)
            first, last = acc[js == min(js)].mean(), acc[js == max(js)].mean()
            name = f"{arch} {'NN' if model == 'nn' else 'linearized'}"
            check.note(f"{name}: mean accuracy per j {dict(zip(sizes['js'], np.round([acc[js == j].mean() for j in sizes['js']], 3), strict=True))}; "
                       f"slope on log j {est:.4f} [{lo:.4f}, {hi:.4f}]")
            check.within(f"{name}: upper 95% bootstrap bound of the slope of accuracy on log j", hi,
                         hi=-1e-12, why="catalog: CI < 0, resampled by seed", level="empirical")
            check.within(f"{name}: mean acc(j = {min(js)}) − mean acc(j = {max(js)})", first - last,
                         lo=0.10, why="catalog criterion, fixed in advance", level="empirical")
            means = [acc[js == j].mean() for j in sizes["js"]]
            ax.semilogx(sizes["js"], means, style, marker="o", label=name)
            base = np.asarray(sweep[model]["test_acc"])[bin_idx, -1].mean()
            ax.axhline(base, ls=":", lw=0.8, color=ax.lines[-1].get_color())
    ax.set(xlabel="eigenfunction index j", ylabel="test accuracy",
           title="sign(φ_j) tasks on digits (dotted: DIGITS2 baseline)")
    ax.legend(fontsize=7)
    check.figure(fig, "fig2")


@ADVANTAGE.check
def test_linear_advantage(check, setup, mlp_sweep, cnn_sweep):
    diffs, groups = [], []
    for a, (arch, sweep) in enumerate((("MLP", mlp_sweep), (setup.cnn_label, cnn_sweep))):
        idx, seeds, js = _eig_table(sweep)
        keep = js >= 10
        d = (_final_acc(sweep, "lin", idx) - _final_acc(sweep, "nn", idx))[keep]
        est, lo, hi = mean_ci(d, seeds[keep], seed=42)
        check.note(f"{arch}: Δ = acc_lin − acc_NN (j ≥ 10) mean {est:.4f} [{lo:.4f}, {hi:.4f}]")
        diffs.append(d)
        groups.append(a * 100 + seeds[keep])
    est, lo, hi = mean_ci(np.concatenate(diffs), np.concatenate(groups), seed=43)
    check.within("pooled Δ = acc_lin − acc_NN over (arch, seed, j ≥ 10): lower 95% bound", lo,
                 lo=1e-12, why="catalog: paired-bootstrap CI above 0 (resampled by arch × seed)",
                 level="empirical")


@ADAM.check
def test_adam(check, setup):
    ad = sweeps.ADAM_SETUPS[check.tier]
    for name in ("js", "seeds", "lr", "epochs"):
        check.size(name, fast=getattr(sweeps.ADAM_FAST, name), paper=getattr(sweeps.ADAM_PAPER, name))
    res = sweeps.adam_sweep(ad, setup)
    seeds, js = np.array(res["seeds"]), np.array(res["js"])
    for model in ("nn", "lin"):
        acc = np.asarray(res[model])
        est, lo, hi = cluster_bootstrap(ls_slope, np.log(js), acc, seeds, seed=44)
        check.note(f"Adam {model}: mean accuracy per j "
                   f"{dict(zip(ad.js, np.round([acc[js == j].mean() for j in ad.js], 3), strict=True))}")
        check.within(f"Adam, MLP {model}: upper 95% bound of the slope of accuracy on log j", hi,
                     hi=-1e-12, why="catalog: CI < 0", level="empirical")
    keep = js >= 10
    est, lo, hi = mean_ci((np.asarray(res["lin"]) - np.asarray(res["nn"]))[keep], seeds[keep], seed=45)
    check.note(f"Adam: Δ = acc_lin − acc_NN (j ≥ 10) {est:.4f} [{lo:.4f}, {hi:.4f}]")
    check.within("Adam: lower 95% bound of Δ = acc_lin − acc_NN (j ≥ 10)", lo, lo=1e-12,
                 why="catalog: paired CI above 0", level="empirical")


@MNIST.check
def test_mnist_decay(check, mnist_sweeps):
    setup = sweeps.MNIST_SETUPS[check.tier]
    check.size("dataset", fast="digits (offline stand-in for MNIST)", paper="mnist")
    check.size("eigen set M", fast=sweeps.FAST.eigen_set, paper=sweeps.MNIST_PAPER.eigen_set)
    check.size("js", fast=sweeps.FAST.js, paper=sweeps.MNIST_PAPER.js)
    check.note("fast tier: sklearn digits stands in for MNIST (offline) and only the decay part is "
               "checked; the LeNet crossing near φ₅₀₀ is the paper tier's test_mnist_lenet_crossing")
    for arch, sweep in zip(("MLP", setup.cnn_label), mnist_sweeps, strict=True):
        idx, seeds, js = _eig_table(sweep)
        for model in ("nn", "lin"):
            acc = _final_acc(sweep, model, idx)
            est, lo, hi = cluster_bootstrap(ls_slope, np.log(js), acc, seeds, seed=46)
            check.note(f"{arch} {model} ({setup.dataset}): mean accuracy per j "
                       f"{dict(zip(setup.js, np.round([acc[js == j].mean() for j in setup.js], 3), strict=True))}")
            check.within(f"{arch} {model} ({setup.dataset}): upper 95% bound of the accuracy slope "
                         "on log j", hi, hi=-1e-12, why="catalog: decay slope CI < 0",
                         level="empirical")


#: the catalog's window for the LeNet crossing on MNIST (M = 70 000, the paper's eigen set)
CROSSING_WINDOW = (200, 1000)


@MNIST.check
def test_mnist_lenet_crossing(check, mnist_sweeps):
    check.paper_only("the crossing of the LeNet NN / linearized curves near φ₅₀₀ needs the MNIST "
                     "eigen set (M = 70 000) from $NNK_DATA_DIR/mnist.npz; digits (M = 1000) has "
                     "no comparable index scale")
    setup = sweeps.MNIST_PAPER
    record = {"eigen set M": setup.eigen_set, "n_train": setup.n_train, "epochs": setup.epochs,
              "seeds": setup.eig_seeds, "js": setup.js}
    for name, value in record.items():
        check.size(f"MNIST {name}", fast=value, paper=value)
    sweep = mnist_sweeps[1]
    idx, seeds, js = _eig_table(sweep)
    delta = _final_acc(sweep, "lin", idx) - _final_acc(sweep, "nn", idx)
    grid = np.unique(js)
    means = np.array([delta[js == j].mean() for j in grid])
    check.note(f"LeNet5 on MNIST: Δ(j) = acc_lin − acc_NN seed means "
               f"{dict(zip(grid.tolist(), np.round(means, 4).tolist(), strict=True))}")
    low, high = js <= 100, js >= 1000
    est_l, lo_l, hi_l = mean_ci(delta[low], seeds[low], seed=40)
    est_h, lo_h, hi_h = mean_ci(delta[high], seeds[high], seed=39)
    check.note(f"Δ over j ≤ 100: {est_l:.4f} [{lo_l:.4f}, {hi_l:.4f}]; over j ≥ 1000: "
               f"{est_h:.4f} [{lo_h:.4f}, {hi_h:.4f}]")
    sign = 1.0 if est_l >= 0 else -1.0
    # criterion fixed in advance: the CI at small j excludes 0 on one side, the CI at large j
    # excludes 0 on the other, and the seed-mean Δ(j) takes the large-j sign for good inside
    # the catalog's window
    check.within("CI of Δ over j ≤ 100, bound nearest 0, oriented by its own sign",
                 min(sign * lo_l, sign * hi_l), lo=1e-12, why="a definite advantage before the "
                 "crossing", level="empirical")
    check.within("CI of Δ over j ≥ 1000, bound nearest 0, oriented by the j ≤ 100 sign",
                 max(sign * lo_h, sign * hi_h), hi=-1e-12, why="the other model wins after the "
                 "crossing (catalog: Δ changes sign)", level="empirical")
    flipped = sign * means < 0
    stays = [k for k in range(grid.size) if flipped[k:].all()]
    j_cross = int(grid[stays[0]]) if stays else int(grid[-1]) * 10
    check.within("first grid j after which the seed-mean Δ(j) keeps the large-j sign", j_cross,
                 lo=CROSSING_WINDOW[0], hi=CROSSING_WINDOW[1],
                 why="catalog: crossing between j = 200 and 1000 (paper: 'around φ₅₀₀')",
                 level="empirical")


def _per_arch_spearman(check, name, x, y, arch, lo_rho, p_max, seed):
    rho, p = spearman_permutation(x, y, seed=seed)
    check.within(f"{arch}: Spearman ρ(j, {name})", rho, lo=lo_rho, why="catalog criterion",
                 level="empirical")
    check.within(f"{arch}: one-sided permutation p of ρ(j, {name})", p, hi=p_max,
                 why="catalog criterion", level="empirical")
    return rho, p


@TIME.check
def test_training_time(check, setup, arch_sweeps):
    record_setup(check, "epochs", "fit_loss")
    _resnet_note(check, arch_sweeps)
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.2))
    for arch, sweep in arch_sweeps:
        idx, seeds, js = _eig_table(sweep)
        epochs = np.asarray(sweep["nn"]["fit_epoch"])[idx]
        iters = epochs * sweep["steps_per_epoch"]
        censored = {int(j): int(np.sum(epochs[js == j] > setup.epochs)) for j in np.unique(js)}
        check.note(f"{arch}: iterations to loss ≤ {setup.fit_loss} (censored at the cap) per j: "
                   f"{dict((int(j), iters[js == j].tolist()) for j in np.unique(js))}; censored runs per j {censored}")
        _per_arch_spearman(check, "iterations to 0.01 loss", js, iters, arch, 0.6, 0.01, 47)
        d2, dc = np.asarray(sweep["nn"]["d2_fit"])[idx], np.asarray(sweep["nn"]["dcos_fit"])[idx]
        for ax, vals, lab in zip(axes, (iters, d2, dc), ("iterations to 0.01 loss", "ℓ₂ distance", "cosine distance"), strict=True):
            ax.semilogx(js, vals, "o", alpha=0.6, label=arch)
            ax.set(xlabel="eigenfunction index j", title=lab)
    axes[0].legend()
    check.figure(fig, "fig3")


@DISTANCE.check
def test_distance_to_init(check, setup, arch_sweeps):
    record_setup(check, "epochs", "fit_loss")
    _resnet_note(check, arch_sweeps)
    check.note("distances at the first epoch with training loss ≤ 0.01, or at the cap; cosine "
               "distance = 1 − cos(θ_T, θ₀)")
    table = []
    for arch, sweep in arch_sweeps:
        idx, _, js = _eig_table(sweep)
        for key, name in (("d2_fit", "‖θ_T − θ₀‖"), ("dcos_fit", "1 − cos(θ_T, θ₀)")):
            vals = np.asarray(sweep["nn"][key])[idx]
            check.note(f"{arch} {name} seed-mean per j: "
                       f"{np.round([vals[js == j].mean() for j in np.unique(js)], 4)}")
            table.append((arch, name, js, vals))
    for arch, name, js, vals in table:  # all evidence is recorded before the first failure
        _per_arch_spearman(check, name, js, vals, arch, 0.6, 0.01, 48)


@GAP.check
def test_linearization_gap(check, setup, mlp_sweep, cnn_sweep):
    check.note("E(j) = fraction of test points where sign f_NN ≠ sign f_lin after training")
    for arch, sweep in (("MLP", mlp_sweep), (setup.cnn_label, cnn_sweep)):
        idx, _, js = _eig_table(sweep)
        nn_out, lin_out = np.asarray(sweep["nn"]["test_out"])[idx], np.asarray(sweep["lin"]["test_out"])[idx]
        disagree = np.mean(np.sign(nn_out) != np.sign(lin_out), axis=1)
        rms = np.sqrt(np.mean((nn_out - lin_out) ** 2, axis=1))
        check.note(f"{arch}: seed-mean E(j) {np.round([disagree[js == j].mean() for j in np.unique(js)], 3)}; "
                   f"RMS(f_NN − f_lin) {np.round([rms[js == j].mean() for j in np.unique(js)], 2)}")
        _per_arch_spearman(check, "E(j)", js, disagree, arch, 0.5, 0.01, 49)


@FASTER.check
def test_nn_fits_faster(check, setup, mlp_sweep, cnn_sweep):
    eps = check.size("loss threshold ε", fast=0.05, paper=0.05)
    diffs = []
    for sweep in (mlp_sweep, cnn_sweep):
        idx = select(sweep, "eig") + select(sweep, "bin", m=setup.n_train)
        t_nn = fit_epoch(np.asarray(sweep["nn"]["train_loss"])[idx], eps)
        t_lin = fit_epoch(np.asarray(sweep["lin"]["train_loss"])[idx], eps)
        both_censored = (t_nn > setup.epochs) & (t_lin > setup.epochs)
        diffs.append((t_lin - t_nn)[~both_censored])
    d = np.concatenate(diffs)
    k, n, p = sign_test(d)
    check.note(f"paired runs (eigen tasks + DIGITS2, both archs; runs censored for both models "
               f"dropped): T_lin − T_NN > 0 in {k} of {n} non-tied pairs; sign test p = {p:.2e}")
    check.within("fraction of paired runs with T_NN < T_lin", float(np.mean(d > 0)), lo=0.8,
                 why="catalog criterion", level="empirical")
    check.within("one-sided sign-test p", p, hi=0.01, why="catalog criterion", level="empirical")
