"""Xiao et al. (2020) §4.1, §5, Fig. 3 and erratum E6: kernel-level test accuracy vs depth.

Two infinite-width predictors (Lee et al. 2019, t = ∞):
* the ensemble mean P(Θ)Y (eq. 6, what Fig. 3 bottom evaluates);
* one trained network: mean plus a Gaussian sample with covariance
  K_tt + A K_dd Aᵀ − A K_dt − K_td Aᵀ, A = Θ_td Θ_dd^{−1} (numeric.ntk_spectrum).
Data: a synthetic 10-class Gaussian mixture (64-d, class means N(0, 0.35²I), unit noise,
centred, unit-normalized; catalog E6), one-hot targets; kernels in float64 with the diagonal
pinned (stable in the chaotic phase).
"""

from __future__ import annotations

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from checks.harness import Claim  # noqa: E402
from checks.harness.cache import disk_cache  # noqa: E402
from numeric.conv_kernels import conv_recursion, input_kernel, readout  # noqa: E402
from numeric.normalized_recursion import (  # noqa: E402
    cosine_matrix,
    erf_fixed_point,
    normalized_k0,
    pinned_recursion,
)
from numeric.ntk_spectrum import mean_predictor, predictive_distribution  # noqa: E402

SRC = "003_bba93c00b4c69c6f.txt"
N_CLS = 10
SIGMA_B2 = "0.1849"


def mixture(n_train: int, n_test: int, seed: int, balanced: bool = True):
    """Inputs (n, 64) unit-normalized and labels; balanced train counts or a random subset."""
    rng = np.random.default_rng(seed)
    means = rng.normal(0, 0.35, (N_CLS, 64))
    pool = 4 * (n_train + n_test)
    lab = np.tile(np.arange(N_CLS), pool // N_CLS + 1)[:pool]
    x = means[lab] + rng.standard_normal((pool, 64))
    x -= x.mean(axis=0)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    if balanced:
        tr = np.concatenate([np.flatnonzero(lab == c)[: n_train // N_CLS] for c in range(N_CLS)])
    else:
        tr = rng.choice(pool, n_train, replace=False)
    rest = np.setdiff1d(np.arange(pool), tr)
    te = rng.choice(rest, n_test, replace=False)
    idx = np.concatenate([tr, te])
    return x[idx], lab[idx]


@disk_cache(depends_on=("numeric.normalized_recursion",))
def mixture_kernels(sigma_w2: str, sigma_b2: str, depths: tuple, n_train: int, n_test: int,
                    seed: int, balanced: bool):
    fp = erf_fixed_point(sigma_w2, sigma_b2, dps=30)
    x, lab = mixture(n_train, n_test, seed, balanced)
    k0 = normalized_k0(cosine_matrix(x), float(fp.q_star), float(fp.sigma_b2))
    layers = pinned_recursion("erf", float(fp.sigma_w2), float(fp.sigma_b2), k0, depths)
    return fp, lab, {l: (v.nngp, v.ntk) for l, v in layers.items()}


def _acc(pred, labels) -> float:
    return float(np.mean(np.argmax(pred, axis=1) == labels))


def sampled_accuracy(nngp, ntk, tr, te, y, labels, rng, n_samples=4) -> float:
    mean, cov = predictive_distribution(ntk, nngp, tr, te, y)
    w, v = np.linalg.eigh(cov)
    root = v * np.sqrt(np.clip(w, 0, None))
    accs = [_acc(mean + root @ rng.standard_normal(mean.shape), labels) for _ in range(n_samples)]
    return float(np.mean(accs))


E6 = Claim(
    id="xiao2020/erratum-chaotic-ensemble-accuracy-scale-invariant",
    source=f"{SRC}, §4.1 (end), §5 (Fig. 3 bottom)",
    statement="Printed: Δ → 0 over O(ξ*) layers, so the ensemble (mean) predictor's test accuracy "
    "falls to chance after O(ξ*) layers. Computed: argmax is scale-invariant, so with balanced "
    "labels the mean predictor keeps its accuracy far beyond ξ*; the single-network predictive "
    "(mean + f₀ fluctuation) does collapse on the ξ* scale.",
    expect="erratum",
    reason="CHA (ξ* = 2.41), 10-class mixture, 200 balanced training / 200 test points, float64 "
    "pinned kernels: mean-predictor test accuracy ≈ 0.7 at l = 100 ≈ 40ξ* (printed collapse "
    "≤ 0.2 fails); sampled single-network predictive collapses (< 0.2) at l_c ≈ 1–3 ξ*. Numbers "
    "in the rows.",
)


@E6.check
def test_erratum_chaotic_ensemble_accuracy_scale_invariant(check):
    n = check.size("train/test points", fast=200, paper=300)
    depths = tuple(range(1, 21)) + (40, 80, 100)
    fp, lab, ker = mixture_kernels("3.0", "0.2", depths, n, n, check.seed(61), True)
    tr, te = np.arange(n), np.arange(n, 2 * n)
    y = np.eye(N_CLS)[lab[tr]]
    acc_mean = {l: _acc(mean_predictor(ker[l][1], tr, te, y), lab[te]) for l in (1, 10, 40, 100)}
    xi_star = fp.xi_star
    check.within(f"printed: mean-predictor test accuracy at l = 100 ≈ {100 / xi_star:.0f}ξ* is at "
                 "chance (≤ 0.2)", acc_mean[100], hi=0.2, why="Δ → 0 read as accuracy → 10%",
                 role="printed")
    check.within("corrected: the same accuracy stays ≥ 0.5 (balanced labels, float64)",
                 acc_mean[100], lo=0.5, why="catalog (a): argmax is scale-invariant",
                 role="corrected")
    rng = np.random.default_rng(check.seed(62))
    l_c = None
    sampled = {}
    for l in range(1, 21):
        sampled[l] = sampled_accuracy(ker[l][0], ker[l][1], tr, te, y, lab[te], rng)
        if l_c is None and sampled[l] < 0.2:
            l_c = l
    check.within("corrected: sampled single-network collapse depth l_c (accuracy < 0.2) / ξ*",
                 (l_c or 100) / xi_star, lo=0.5, hi=3.0, why="catalog (b): the f₀ noise swamps a "
                 "mean of size l(χ_c/χ₁)^l", role="corrected")
    fp_u, lab_u, ker_u = mixture_kernels("3.0", "0.2", depths, n, n, check.seed(61) + 1, False)
    yu = np.eye(N_CLS)[lab_u[tr]]
    acc_u = {l: _acc(mean_predictor(ker_u[l][1], tr, te, yu), lab_u[te]) for l in depths}
    l_u = next((l for l in depths if acc_u[l] < 0.2), None)
    check.note(f"ξ* = {xi_star:.3f}, ξ_c = {fp.xi_c:.3f}; balanced mean-predictor accuracy {acc_mean}; "
               f"sampled predictive {sampled}; random-count labels: first depth with mean accuracy "
               f"< 0.2 = {l_u} (= {(l_u or float('nan')) / fp.xi_c:.2f} ξ_c)")


@disk_cache(depends_on=("numeric.normalized_recursion", "numeric.ntk_spectrum"))
def phase_grid(sigma_w2s: tuple, max_depth: int, n: int, seed: int, steps: int):
    """Kernel-level Fig. 3 (top): sampled single-network test accuracy and linearized-GD train
    accuracy (f₀ sampled, `steps` steps at η = 0.3·2/λ_max) on the (σ_w², l) grid."""
    out = {}
    rng = np.random.default_rng(seed)
    for sw in sigma_w2s:
        fp, lab, ker = mixture_kernels(sw, SIGMA_B2, tuple(range(1, max_depth + 1)), n, n, seed,
                                       True)
        tr, te = np.arange(n), np.arange(n, 2 * n)
        y = np.eye(N_CLS)[lab[tr]]
        test_acc, train_acc = [], []
        for l in range(1, max_depth + 1):
            k, th = ker[l]
            test_acc.append(sampled_accuracy(k, th, tr, te, y, lab[te], rng, n_samples=2))
            dd = th[np.ix_(tr, tr)]
            lam, v = np.linalg.eigh(dd)
            eta = 0.3 * 2 / lam[-1]
            kd = k[np.ix_(tr, tr)]
            wk, vk = np.linalg.eigh(kd)
            f0 = (vk * np.sqrt(np.clip(wk, 0, None))) @ rng.standard_normal(y.shape)
            resid = v @ (((1 - eta * lam) ** steps)[:, None] * (v.T @ (y - f0)))
            train_acc.append(_acc(y - resid, lab[tr]))
        out[sw] = {"fp": (float(fp.chi_1), fp.xi_1 if fp.chi_1 < 1 else None,
                          fp.xi_star if fp.chi_1 > 1 else None, fp.xi_c if fp.chi_1 > 1 else None),
                   "test": np.array(test_acc), "train": np.array(train_acc)}
    return out


DEPTH_SCALES = Claim(
    id="xiao2020/fig3-depth-scales-fcn",
    source=f"{SRC}, §5 and Fig. 3 (top)",
    statement="On the (σ_w², l) plane the trainability boundary (ordered) follows c₁ξ₁ and the "
    "generalization boundary (chaotic) follows c₂ξ*.",
)


@DEPTH_SCALES.check
def test_fig3_depth_scales_fcn(check):
    sws = check.size("sigma_w2 columns", fast=("0.8", "1.0", "1.2", "2.5", "3.0", "3.5", "4.0"),
                     paper=("0.6", "0.8", "1.0", "1.2", "1.4", "2.2", "2.5", "3.0", "3.5", "4.0"))
    max_depth = check.size("max depth", fast=40, paper=60)
    n = check.size("train/test points", fast=150, paper=300)
    grid = phase_grid(tuple(sws), max_depth, n, check.seed(63), 300)
    lc_star, lc_c, lt_1 = {}, {}, {}
    for sw, g in grid.items():
        chi, xi1, xis, xic = g["fp"]
        if chi > 1:
            l_c = next((l + 1 for l, a in enumerate(g["test"]) if a < 0.2), None)
            if l_c is not None:
                lc_star[sw], lc_c[sw] = l_c / xis, l_c / xic
        else:
            l_t = next((l + 1 for l, a in enumerate(g["train"]) if a < 0.5), None)
            if l_t is not None:
                lt_1[sw] = l_t / xi1

    def cv(d):
        v = np.array(list(d.values()))
        return float(np.std(v) / np.mean(v))

    check.within("CV over chaotic columns of l_c/ξ* (sampled predictive collapse, acc < 0.2)",
                 cv(lc_star), hi=0.4, why="catalog: a stable ratio means ξ* captures the boundary")
    check.holds("CV(l_c/ξ*) < CV(l_c/ξ_c)", bool(cv(lc_star) < cv(lc_c)),
                evidence=f"l_c/ξ* = {lc_star}; l_c/ξ_c = {lc_c}", criterion="ξ* fits better",
                why="the single-network signal-to-noise is l(χ_c/χ₁)^l")
    check.holds("an ordered trainability boundary exists (train acc < 0.5 within the grid)",
                bool(len(lt_1) >= 2), evidence=f"l_train/ξ₁ = {lt_1}",
                criterion="≥ 2 ordered columns with a boundary", why="κ ∝ e^{l/ξ₁}/l")
    c1 = float(np.median(list(lt_1.values()))) if lt_1 else float("nan")
    c2 = float(np.median(list(lc_star.values())))
    check.note(f"c₁ = {c1:.3f} (median l_train/ξ₁), c₂ = {c2:.3f} (median l_c/ξ*)")
    sw_vals = [float(s) for s in grid]
    test = np.array([grid[s]["test"] for s in grid])
    train = np.array([grid[s]["train"] for s in grid])
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharey=True)
    for ax, data, title in ((axes[0], train, "train accuracy (linearized GD, 300 steps)"),
                            (axes[1], test, "test accuracy (one sampled network)")):
        im = ax.imshow(data.T, origin="lower", aspect="auto", cmap="viridis", vmin=0, vmax=1,
                       extent=(-0.5, len(sw_vals) - 0.5, 0.5, max_depth + 0.5))
        ax.set_xticks(range(len(sw_vals)), [f"{v:g}" for v in sw_vals])
        xs, x1, xstar = [], [], []
        for i, s in enumerate(grid):
            chi, xi1, xis, _ = grid[s]["fp"]
            xs.append(i)
            x1.append(c1 * xi1 if xi1 else np.nan)
            xstar.append(c2 * xis if xis else np.nan)
        ax.plot(xs, x1, "w--", label=f"{c1:.1f}·ξ₁")
        ax.plot(xs, xstar, "r-", label=f"{c2:.1f}·ξ*")
        ax.set(xlabel="σ_w² (σ_b² = 0.1849)", title=title,
               ylim=(0.5, max_depth + 0.5))
        ax.legend(fontsize=7, loc="upper right")
    axes[0].set_ylabel("depth l")
    fig.colorbar(im, ax=axes)
    check.figure(fig, "phase-diagram")


@disk_cache(depends_on=("numeric.conv_kernels", "numeric.normalized_recursion"))
def cnn_digit_grid(sigma_w2s: tuple, depths: tuple, n: int, seed: int):
    """Kernel-level Fig. 3 (bottom): CNN-F / CNN-P ridge-predictor test accuracy on digits
    reduced to d = 8 pixels (row means of the 8×8 image, one channel), k = 1, circular."""
    from empirical.digits_mnist import digits

    x, _, lab = digits(2 * n, seed=seed)
    img = x.reshape(-1, 8, 8).mean(axis=2)[:, :, None]  # (2n, 8 pixels, 1 channel)
    tr, te = np.arange(n), np.arange(n, 2 * n)
    y = np.eye(N_CLS)[lab[tr]]
    out = {}
    for sw in sigma_w2s:
        fp = erf_fixed_point(sw, SIGMA_B2, dps=30)
        sw2, sb2 = float(fp.sigma_w2), float(fp.sigma_b2)
        lay = conv_recursion("erf", sw2, sb2, 1, input_kernel(img, sw2, sb2, 1), depths)
        acc = {}
        for kind in ("flatten", "pool"):
            correct = []
            for l in depths:
                th = readout(lay[l].ntk, kind)
                pred = mean_predictor(th, tr, te, y, ridge=1e-3)
                correct.append(np.argmax(pred, axis=1) == lab[te])
            acc[kind] = np.array(correct)  # (n_depths, n_test) booleans
        out[sw] = {"chi_1": float(fp.chi_1), "xi_1": fp.xi_1 if fp.chi_1 < 1 else None,
                   "xi_star": fp.xi_star if fp.chi_1 > 1 else None,
                   "xi_c": fp.xi_c if fp.chi_1 > 1 else None, "acc": acc}
    return out


CNN_SIGMAS = ("0.8", "1.2", "3.0", "3.5", "4.0")
CNN_DEPTHS = (1, 2, 4, 8, 12, 16, 24, 32)

CNN_SCALES = Claim(
    id="xiao2020/fig3-cnn-depth-scales",
    source=f"{SRC}, §5 'CNN-P v.s. CNN-F' and Fig. 3 (bottom)",
    statement="The test accuracy of the analytic NTK predictor for CNN-P and CNN-F is captured by "
    "ξ₁ in the ordered phase and by ξ* in the chaotic phase.",
    expect="not_reproduced",
    reason="Kernel-level fast tier (1-D circular CNN, digits reduced to 8 pixels, 40 random "
    "training / 40 test points, ridge 1e-3, float64): at σ_w² = 3.0, 3.5, 4.0 (ξ* = 2.4, 1.9, "
    "1.7) the ensemble-mean NTK predictor still has test accuracy 0.50, 0.48, 0.48 (CNN-F) and "
    "0.28, 0.18, 0.15 (CNN-P) at l = 32 (13–19 ξ*); it declines only over ≈ ξ_c-scale depths, so "
    "no collapse on the ξ* scale is seen — consistent with E6 (argmax scale invariance; the mean "
    "predictor's collapse is set by the label-count term, ξ_c). Full accuracy maps in the notes.",
)


@CNN_SCALES.check
def test_fig3_cnn_depth_scales(check):
    n = check.size("train/test points", fast=40, paper=1000)
    grid = cnn_digit_grid(CNN_SIGMAS, CNN_DEPTHS, n, check.seed(64))
    chance = 0.1
    lc = {}
    for sw, g in grid.items():
        check.note(f"σ_w² = {sw} (χ₁ = {g['chi_1']:.3f}, ξ* = {g['xi_star']}, ξ_c = {g['xi_c']}): "
                   f"CNN-F acc {np.round(g['acc']['flatten'].mean(axis=1), 3).tolist()}, CNN-P acc "
                   f"{np.round(g['acc']['pool'].mean(axis=1), 3).tolist()} at l = {list(CNN_DEPTHS)}")
        if g["xi_star"] is None:
            continue
        accs = g["acc"]["flatten"].mean(axis=1)
        l_c = next((CNN_DEPTHS[i] for i, a in enumerate(accs) if a <= chance + 0.1), None)
        lc[sw] = None if l_c is None else (l_c / g["xi_star"], l_c / g["xi_c"])
    check.note(f"collapse depth (acc ≤ 0.2) over ξ*, ξ_c per chaotic column: {lc}")
    for sw in ("3.0", "3.5", "4.0"):
        for kind in ("flatten", "pool"):
            a32 = float(grid[sw]["acc"][kind][-1].mean())
            check.within(f"σ_w² = {sw}: CNN-{'F' if kind == 'flatten' else 'P'} test accuracy at "
                         "l = 32 (≤ chance + 0.1)", a32, hi=chance + 0.1,
                         why="catalog (a): deep chaotic kernels stop generalizing")
    done = {k: v for k, v in lc.items() if v is not None}
    s_ = np.array([v[0] for v in done.values()])
    c_ = np.array([v[1] for v in done.values()])
    check.within("CV(l_c/ξ*) − CV(l_c/ξ_c) over chaotic columns (< 0: ξ* fits better)",
                 float(np.std(s_) / np.mean(s_) - np.std(c_) / np.mean(c_)) if len(done) > 1
                 else float("inf"), hi=0.0, why="the paper's claim: ξ* captures the collapse")


STRIP_SIGMAS = ("0.8", "1.2")
STRIP_DEPTHS = (1, 2, 4, 8, 12, 16, 24, 32)


STRIP = Claim(
    id="xiao2020/fig3-cnnf-beats-cnnp-strip",
    source=f"{SRC}, §5 and Fig. 3 (bottom) caption; App. D.2",
    statement="In the ordered phase there is a strip of depths where the CNN-F NTK predictor is "
    "clearly more accurate than CNN-P.",
)


@STRIP.check
def test_fig3_cnnf_beats_cnnp_strip(check):
    from scipy import stats

    from checks.xiao2020.sweeps import cnn_strip_grid, skip_unless_cifar10

    dataset = check.size("dataset", fast="digits", paper="cifar10")
    if dataset == "cifar10":
        skip_unless_cifar10()
    n = check.size("images (half train, half test per split)", fast=160, paper=400)
    n_splits = check.size("random splits", fast=8, paper=10)
    sigmas = check.size("ordered sigma_w2 columns", fast=STRIP_SIGMAS, paper=("0.8", "1.0", "1.2"))
    grid = cnn_strip_grid(dataset, tuple(sigmas), STRIP_DEPTHS, n, n_splits, check.seed(64))
    # paired over splits (same partition for F and P); repeated random half/half splits share
    # images, so the SE uses the Nadeau–Bengio correction sd·√(1/J + n_test/n_train)
    t_crit = float(stats.t.ppf(0.975, n_splits - 1))
    found, rows = [], {}
    for sw, g in grid.items():
        diff = g["acc"]["flatten"] - g["acc"]["pool"]
        mean = diff.mean(axis=1)
        se = diff.std(axis=1, ddof=1) * np.sqrt(1 / n_splits + 1.0)
        good = (mean >= 0.05) & (mean - t_crit * se > 0)
        strip = [STRIP_DEPTHS[i] for i in range(len(good) - 1) if good[i] and good[i + 1]]
        rows[sw] = (mean, se, strip)
        if strip:
            found.append((sw, strip))
        check.note(f"σ_w² = {sw} (ξ₁ = {g['xi_1']:.2f}): acc_F = "
                   f"{np.round(g['acc']['flatten'].mean(axis=1), 3).tolist()}, acc_F − acc_P = "
                   f"{np.round(mean, 3).tolist()}, corrected SE {np.round(se, 3).tolist()}, "
                   f"effect size d_z = {np.round(mean / diff.std(axis=1, ddof=1), 2).tolist()} "
                   f"at l = {list(STRIP_DEPTHS)}; strip depths / ξ₁ = "
                   f"{[round(v / g['xi_1'], 1) for v in strip]}")
    check.holds("an ordered column with ≥ 2 consecutive depths where acc_F − acc_P ≥ 0.05 and the "
                "paired 95% CI over splits excludes 0", bool(found), evidence=str(found),
                criterion="at least one such strip", why="catalog; pooling shrinks λ_rest by d")
    if found:
        sw, strip = found[0]
        mean, se, _ = rows[sw]
        i_max = int(np.argmax(mean))
        diff = grid[sw]["acc"]["flatten"] - grid[sw]["acc"]["pool"]
        contrast = diff[i_max] - diff[0]
        c_se = float(contrast.std(ddof=1) * np.sqrt(1 / n_splits + 1.0))
        check.holds(f"σ_w² = {sw}: it is a strip, not a pooling penalty at every depth — the "
                    f"gap at l = {STRIP_DEPTHS[i_max]} exceeds the gap at l = 1 by ≥ 0.05 "
                    "(paired 95% CI > 0)",
                    bool(contrast.mean() >= 0.05 and contrast.mean() - t_crit * c_se > 0),
                    evidence=f"gap(l = 1) = {mean[0]:.3f}, gap(l = {STRIP_DEPTHS[i_max]}) = "
                    f"{mean[i_max]:.3f}, contrast {contrast.mean():.3f} ± {c_se:.3f} (SE)",
                    criterion="contrast ≥ 0.05 and CI excludes 0",
                    why="a shallow pooled net keeps the accuracy; the deficit appears at depth")
    fig, axes = plt.subplots(1, len(grid), figsize=(4.2 * len(grid), 3.2), squeeze=False)
    for ax, (sw, g) in zip(axes[0], grid.items(), strict=True):
        for kind, ls in (("flatten", "-"), ("pool", "--")):
            a = g["acc"][kind]
            ax.errorbar(STRIP_DEPTHS, a.mean(axis=1), yerr=a.std(axis=1, ddof=1), ls=ls, marker="o",
                        label=f"CNN-{'F' if kind == 'flatten' else 'P'}")
        ax.set(xscale="log", xlabel="depth l", ylabel="test accuracy",
               title=f"σ_w² = {sw} (ξ₁ = {g['xi_1']:.2f}), {dataset}")
        ax.legend(fontsize=7)
    check.figure(fig, "cnn-strip")
