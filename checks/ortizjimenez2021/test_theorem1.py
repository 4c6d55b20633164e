"""Theorem 1 (Stein's lemma) and the neural anisotropy directions, §3.2 and App. C–D.2 of
Ortiz-Jiménez, Moosavi-Dezfooli & Frossard (2021)."""

from __future__ import annotations

import functools
import itertools

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import scipy.special
import sympy as sp
from jax.flatten_util import ravel_pytree
from scipy import stats

from checks.harness import Claim, Estimate, StatTol, Tol
from checks.ortizjimenez2021 import sweeps
from empirical.mlp import MLP
from empirical.nads import mixed_derivative_along, stein_scalars
from numeric.nad_dataset import nad_dataset
from numeric.trend_stats import cluster_bootstrap, ls_slope, mean_ci
from theory import stein

SEED = "001_9703cf501f504025.txt"

THEOREM1 = Claim(
    id="ortizjimenez2021/theorem1-stein-alignment",
    source=f"{SEED}, §3.2 Theorem 1, eq. (4); App. D.2 eqs. (11)–(13)",
    statement="For x ~ N(0, I) and g_u(x) = uᵀx, ‖u‖ = 1: α(g_u) = ‖E[∇_θ f xᵀ]u‖² = "
    "‖E[∇²_{x,θ} f]u‖² (Stein's lemma applied to ∇_θ f).",
)
NADS = Claim(
    id="ortizjimenez2021/nads-right-singular-vectors",
    source=f"{SEED}, §3.2 (NAD definition, text after Theorem 1, footnote 3); App. C.2",
    statement="In the kernel regime the NADs are the right singular vectors v_j of "
    "M = E[∇²_{x,θ} f]; α(g_{v_j}) = s_j², decreasing; all g_v have unit L₂ norm.",
)
ORIGIN = Claim(
    id="ortizjimenez2021/nad-origin-vs-expectation",
    source=f"{SEED}, App. C.2",
    statement="NADs from ∇²_{x,θ} f(0) do not differ significantly from NADs of E_x∇²_{x,θ} f(x).",
)
DATASET = Claim(
    id="ortizjimenez2021/nad-dataset-eq5",
    source=f"{SEED}, App. C.1, eq. (5)",
    statement="x = εyu + w, w ~ N(0, σ(I − uuᵀ)), y = ±1: uᵀx = εy exactly and Cov x = I for "
    "ε = σ = 1.",
)
ROTVAR = Claim(
    id="ortizjimenez2021/cnn-rotational-variance",
    source=f"{SEED}, §3.2 paragraph after Fig. 4",
    statement="The empirical NTK of CNNs is strongly anisotropic (alignments of unit linear "
    "predictors vary widely across directions), unlike rotation-invariant kernels.",
)
RANKING = Claim(
    id="ortizjimenez2021/nad-ranking-cnn",
    source=f"{SEED}, §3.2, Fig. 4; App. C.1",
    statement="CNNs and their linearizations learn sign(v_jᵀx) better along the first NTK NADs "
    "than along later ones, following Theorem 1's ranking.",
)
ADVANTAGE = Claim(
    id="ortizjimenez2021/nad-nonlinear-advantage",
    source=f"{SEED}, §3.2 (after Fig. 4)",
    statement="On the NAD linear-predictor tasks the networks clearly outperform their "
    "linearizations.",
)

# ---------------------------------------------------------------- GeLU toy (quadrature level)
TOY_WIDTH, TOY_D, GH_NODES = 6, 3, 40


def _toy():
    """Symbolic width-6 GeLU net on ℝ³ with biases, its gradient and mixed derivative
    lambdified to NumPy, and fixed random parameter values."""
    f, theta, xs = stein.gelu_net(TOY_WIDTH, TOY_D)
    grad = [sp.diff(f, t) for t in theta]
    mixed = stein.mixed_derivative_matrix(f, theta, xs)
    mods = [{"erf": scipy.special.erf}, "numpy"]
    g_fn = sp.lambdify([theta, xs], grad, modules=mods)
    m_fn = sp.lambdify([theta, xs], list(mixed), modules=mods)
    vals = np.random.default_rng(123).standard_normal(len(theta))
    return g_fn, m_fn, vals, len(theta)


def _gauss_hermite(d, k):
    z, w = np.polynomial.hermite_e.hermegauss(k)
    w = w / w.sum()
    nodes = np.array(list(itertools.product(z, repeat=d))).T
    weights = np.prod(np.array(list(itertools.product(w, repeat=d))), axis=1)
    return nodes, weights


@functools.cache
def _toy_moments():
    g_fn, m_fn, vals, n = _toy()
    nodes, weights = _gauss_hermite(TOY_D, GH_NODES)
    grads = np.array([np.broadcast_to(g, weights.shape) for g in g_fn(vals, list(nodes))])
    mixed = np.array([np.broadcast_to(m, weights.shape) for m in m_fn(vals, list(nodes))])
    lhs = np.einsum("kq,lq,q->kl", grads, nodes, weights)  # E[∇_θ f xᵀ]
    rhs = (mixed @ weights).reshape(n, TOY_D)  # E[∇²_{x,θ} f]
    return lhs, rhs, grads, nodes, weights


@THEOREM1.check
def test_theorem1_stein(check, setup):
    x = stein.x
    c, b = sp.Symbol("c", positive=True), sp.Symbol("b", positive=True)
    for h in (x**3 + 2 * x, sp.exp(c * x)):
        lhs, rhs = stein.stein_sides(h)
        check.agree(f"Stein: E[x h] − E[h′], h = {h}", theory=sp.simplify(lhs - rhs),
                    numeric=sp.Integer(0), tol=Tol(abs=1e-40, why="exact symbolic integrals"))
    parts = stein.stein_by_parts(sp.erf(c * x + b))
    for key in ("pdf_identity", "boundary_plus", "boundary_minus"):
        check.agree(f"Stein for erf(cx+b) by parts: {key}", theory=parts[key],
                    numeric=sp.Integer(0), tol=Tol(abs=1e-40, why="exact symbolic"))
    got, expected = stein.erf_stein_closed_form()
    check.agree("E[d/dx erf(cx+b)] closed form", theory=sp.simplify(got - expected),
                numeric=sp.Integer(0), tol=Tol(abs=1e-40, why="exact symbolic"))
    lhs, rhs, grads, nodes, weights = _toy_moments()
    check.size("Gauss–Hermite nodes per axis (d = 3)", fast=GH_NODES, paper=GH_NODES)
    check.agree("GeLU toy: max |E[∇_θ f xᵀ] − E[∇²_{x,θ} f]| (40³ Gauss–Hermite)", theory=0.0,
                numeric=float(np.max(np.abs(lhs - rhs))),
                tol=Tol(abs=1e-12, why="GH quadrature of smooth integrands, 40 nodes/axis"))
    u = np.array([1.0, -2.0, 0.5])
    u /= np.linalg.norm(u)
    alpha_direct = float(np.sum((np.einsum("kq,q,q->k", grads, u @ nodes, weights)) ** 2))
    check.agree("GeLU toy: α(g_u) = ‖E[(uᵀx)∇_θ f]‖² vs ‖E[∇²_{x,θ} f]u‖²", numeric=alpha_direct,
                theory=float(np.sum((rhs @ u) ** 2)), tol=Tol(rel=1e-12, why="same quadrature"))
    # d = 64 networks (GeLU): per-sample Stein scalars s_i have mean 0
    n_mc = check.size("Monte Carlo samples (d = 64)", fast=10_000, paper=200_000)
    rng = np.random.default_rng(check.seed(21))
    xs = jnp.asarray(rng.standard_normal((n_mc, 64)))
    for arch in ("mlp", "cnn"):
        net = sweeps.nad_network(arch, setup.dataset)
        params = sweeps.init_params(net, 0, 64)
        n = ravel_pytree(params)[0].size
        u = rng.standard_normal(64)
        u /= np.linalg.norm(u)
        for q in range(2):
            z = rng.standard_normal(n)
            z /= np.linalg.norm(z)
            s = np.asarray(stein_scalars(net.apply, params, xs, jnp.asarray(u), jnp.asarray(z)))
            check.agree_stat(f"{arch}-GeLU: mean_i [(uᵀx)zᵀ∇_θ f − zᵀ∇_θ(uᵀ∇_x f)], z #{q + 1}",
                             empirical=Estimate.of(s), theory=0.0,
                             tol=StatTol(z=4, why="Stein's lemma: mean 0; 4 SE over i.i.d. x"))
    # negative control (E6): ReLU with biases, autodiff's a.e. derivative misses delta terms
    relu = MLP("relu", 2.0, 1.0, 1, 8, "standard")
    rp = relu.init(jax.random.PRNGKey(5), 3)
    xr = jnp.asarray(rng.standard_normal((check.size("ReLU control samples", fast=200_000, paper=1_000_000), 3)))
    flat, _ = ravel_pytree(rp)
    u3 = np.array([0.6, -0.8, 0.0])
    z = np.zeros(flat.size)
    n_w = 3 * 8
    z[n_w : n_w + 8] = 1.0  # the hidden biases b_k: the whole Stein term is a delta term
    s = np.asarray(stein_scalars(relu.apply, rp, xr, jnp.asarray(u3), jnp.asarray(z)))
    W, bvec = np.asarray(rp[0]["W"]), np.asarray(rp[0]["b"])
    a = np.asarray(rp[1]["W"])[:, 0]
    wn = np.linalg.norm(W, axis=0)
    predicted = float(np.sum(a * stats.norm.pdf(bvec / wn) / wn * (W.T @ u3)))
    est = Estimate.of(s)
    check.note(f"ReLU control: mean s = {est} vs delta-term prediction {predicted:.5f}")
    check.holds("ReLU + biases: the a.e. autodiff mixed derivative violates Stein (|mean s| > 4 SE)",
                abs(est.mean) > 4 * est.se, evidence=str(est), criterion="|mean| > 4·SE",
                why="E6: ∂_x 1[z > 0] is a delta, invisible to autodiff", level="empirical")
    check.agree_stat("ReLU: the Stein residual equals Σ_k a_k φ(b_k/‖w_k‖)/‖w_k‖ (w_kᵀu)",
                     empirical=est, theory=predicted,
                     tol=StatTol(z=4, why="MC over i.i.d. Gaussian inputs; exact delta term"))


@NADS.check
def test_nads_are_right_singular_vectors(check, setup):
    check.agree("‖Mu‖² − uᵀMᵀMu", theory=stein.rayleigh_identity(), numeric=sp.Integer(0),
                tol=Tol(abs=1e-40, why="exact polynomial identity"))
    check.agree("E[(uᵀx)²] − ‖u‖², x ~ N(0, I)", theory=stein.linear_predictor_l2(),
                numeric=sp.Integer(0), tol=Tol(abs=1e-40, why="exact Gaussian integral"))
    _, rhs, grads, nodes, weights = _toy_moments()
    _, s, vt = np.linalg.svd(rhs, full_matrices=False)
    for j in range(TOY_D):
        direct = float(np.sum(np.einsum("kq,q,q->k", grads, vt[j] @ nodes, weights) ** 2))
        check.agree(f"GeLU toy: α(g_v{j + 1}) by quadrature vs s_{j + 1}²", numeric=direct,
                    theory=float(s[j] ** 2), tol=Tol(rel=1e-12, why="40³ Gauss–Hermite, smooth"))
    # Courant–Fischer: no unit u beats s_1², none orthogonal to v_1 beats s_2²
    u = np.random.default_rng(check.seed(22)).standard_normal((2000, TOY_D))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    vals = np.sum((u @ rhs.T) ** 2, axis=1)
    check.within("max over 2000 random unit u of α(g_u)/s_1²", float(vals.max() / s[0] ** 2),
                 hi=1 + 1e-12, why="Rayleigh quotient ≤ its top eigenvalue")
    nad = sweeps.nad_sweep(sweeps.NAD_SETUPS[check.tier], setup.dataset)
    cnn = sweeps.nad_label(setup.dataset)
    n_mc = check.size("independent MC samples (NAD CNN: CNN-S / LeNet5)", fast=4_000, paper=20_000)
    net = sweeps.nad_network("cnn", setup.dataset)
    params = sweeps.init_params(net, 0, net.input_dim)
    _, s_e, vt_e = nad["expect"][0]
    rng = np.random.default_rng(check.seed(23))
    batches = 4
    xs = jnp.asarray(rng.standard_normal((n_mc, net.input_dim)))
    ests = {}
    for j in (1, 8, 32):
        g = np.array([np.asarray(mixed_derivative_along(net.apply, params, xb, jnp.asarray(vt_e[j - 1])))
                      for xb in jnp.split(xs, batches)])
        total = g.sum(0)
        # unbiased ‖Mv‖² from independent batch means (U-statistic) and its jackknife SE
        u_stat = (total @ total - np.sum(g * g)) / (batches * (batches - 1))
        jack = []
        for k in range(batches):
            rest = total - g[k]
            jack.append((rest @ rest - (np.sum(g * g) - g[k] @ g[k])) / ((batches - 1) * (batches - 2)))
        se = float(np.sqrt((batches - 1) / batches * np.sum((np.array(jack) - np.mean(jack)) ** 2)))
        ests[j] = (float(u_stat), se)
    check.note(f"{cnn} (GeLU): s_j² of E[∇_θ f xᵀ] (10⁴ samples) vs an independent unbiased "
               "estimate of ‖E[∇²_{x,θ} f] v_j‖² (mixed-derivative route): "
               + "; ".join(f"j={j}: {s_e[j - 1] ** 2:.4g} vs {e:.4g} ± {se:.2g}"
                           for j, (e, se) in ests.items()))
    for j1, j2 in ((1, 8), (8, 32)):
        (a1, e1), (a2, e2) = ests[j1], ests[j2]
        check.within(f"{cnn}: [α(g_v{j1}) − α(g_v{j2})]/SE (independent samples)",
                     (a1 - a2) / np.hypot(e1, e2), lo=4.0, why="ordering by s_j², 4 SE",
                     level="empirical")
    check.within(f"{cnn}: s_1²/s_32² (the spectrum is not flat, E6 guard)",
                 float(s_e[0] ** 2 / s_e[31] ** 2), lo=3.0, why="catalog guard, fixed in advance")
    check.note(f"sanity: ‖VᵀV − I‖_max = {np.max(np.abs(vt_e @ vt_e.T - np.eye(vt_e.shape[0]))):.2g} "
               "(the NADs form an orthonormal basis)")
    fig, axes = plt.subplots(2, 5, figsize=(9, 4))
    _, _, vt0 = nad["origin"][0]
    for k, ax in enumerate(axes.ravel()):
        img = _image(vt0[k], setup.dataset) if k < 5 else np.abs(
            np.fft.fftshift(np.fft.fft2(_image(vt0[k - 5], setup.dataset))))
        ax.imshow(img, cmap="RdBu_r" if k < 5 else "viridis")
        ax.set_axis_off()
        ax.set_title(f"NAD {k % 5 + 1}" + (" |FFT|" if k >= 5 else ""), fontsize=8)
    fig.suptitle(f"First 5 NADs of {cnn} (GeLU) from ∇²_{{x,θ}}f(0), and their Fourier magnitudes")
    check.figure(fig, "nads")


@ORIGIN.check
def test_nads_origin_vs_expectation(check, setup):
    nad = sweeps.nad_sweep(sweeps.NAD_SETUPS[check.tier], setup.dataset)
    check.size("expectation samples", fast=sweeps.NAD_FAST.expectation_samples,
               paper=sweeps.NAD_PAPER.expectation_samples)
    cos4, cos16, rho = [], [], []
    for s in sorted(nad["origin"]):
        _, s0, v0 = nad["origin"][s]
        _, se, ve = nad["expect"][s]
        for k, store in ((4, cos4), (16, cos16)):
            store.append(float(np.mean(np.linalg.svd(v0[:k] @ ve[:k].T, compute_uv=False))))
        m0 = (v0.T * s0) @ v0  # M₀ᵀM₀ restricted to its row space
        me = (ve.T * se) @ ve
        a0 = np.sum((ve @ m0) * ve, axis=1)
        ae = np.sum((ve @ me) * ve, axis=1)
        rho.append(float(stats.spearmanr(a0, ae)[0]))
    check.note(f"per seed: mean principal cosine k=4 {np.round(cos4, 3)}, k=16 {np.round(cos16, 3)}; "
               f"Spearman of α over the 64 NADs {np.round(rho, 3)}")
    check.within("seed-mean of the mean principal-angle cosine, k = 4", float(np.mean(cos4)),
                 lo=0.9, why="catalog criterion, fixed in advance", level="empirical")
    check.within("seed-mean Spearman of the 64 directions' alignments (origin vs expectation)",
                 float(np.mean(rho)), lo=0.9, why="catalog criterion, fixed in advance",
                 level="empirical")


@DATASET.check
def test_nad_dataset(check):
    mom = stein.nad_dataset_moments()
    check.agree("uᵀ(I − uuᵀ)u for unit u", theory=mom["u_variance_of_noise"], numeric=sp.Integer(0),
                tol=Tol(abs=1e-40, why="exact symbolic"))
    check.agree("Σ|Cov − I| at ε = σ = 1", theory=sum(abs(v) for v in mom["covariance_minus_identity"]),
                numeric=sp.Integer(0), tol=Tol(abs=1e-40, why="exact symbolic"))
    check.agree("Σ|P² − P|, P = I − uuᵀ", theory=sum(abs(v) for v in mom["projector"]),
                numeric=sp.Integer(0), tol=Tol(abs=1e-40, why="exact symbolic"))
    n = check.size("samples", fast=100_000, paper=100_000)
    rng = np.random.default_rng(check.seed(24))
    u = rng.standard_normal(64)
    u /= np.linalg.norm(u)
    x, y = nad_dataset(u, n, rng)
    check.agree("max |uᵀx − εy|", theory=0.0, numeric=float(np.max(np.abs(x @ u - y))),
                tol=Tol(abs=1e-12, why="exact projection up to float64 round-off"))
    cov = x.T @ x / n
    se = np.sqrt((1 + np.eye(64)) / n)  # SE of a Gaussian sample second moment (I target)
    check.within("max_{kl} |Ĉov − I|_{kl}/SE_{kl} over the 2080 distinct entries",
                 float(np.max(np.abs(cov - np.eye(64)) / se)), hi=5.0,
                 why="≈ Bonferroni over 2080 entries: P(max |z| > 5) < 2e-3", level="empirical")
    bad = []
    for kw in ({"eps": 0.0}, {"sigma": -1.0}):
        try:
            nad_dataset(u, 10, rng, **kw)
        except ValueError as exc:
            bad.append(str(exc))
    check.holds("ε ≤ 0 and σ ≤ 0 are rejected with a named ValueError", len(bad) == 2,
                evidence="; ".join(bad), criterion="both raise", why="input validation")


@ROTVAR.check
def test_cnn_rotational_variance(check, setup):
    nad = sweeps.nad_sweep(sweeps.NAD_SETUPS[check.tier], setup.dataset)
    a_cnn = np.array([s[0] ** 2 / np.median(s**2) for s in (v[1] for v in nad["origin"].values())])
    a_mlp = np.array([s[0] ** 2 / np.median(s**2) for s in nad["mlp_origin"].values()])
    mw = stats.mannwhitneyu(a_cnn, a_mlp, alternative="greater")
    check.note(f"anisotropy s₁²/median s_j² at x = 0 (GeLU): {sweeps.nad_label(setup.dataset)} "
               f"{np.round(a_cnn, 1)}, "
               f"MLP {np.round(a_mlp, 2)}")
    check.within("seed-mean A_CNN / seed-mean A_MLP", float(a_cnn.mean() / a_mlp.mean()), lo=3.0,
                 why="catalog criterion, fixed in advance", level="empirical")
    check.within("Mann–Whitney p (A_CNN > A_MLP, 5 vs 5 seeds)", float(mw.pvalue), hi=0.05,
                 why="catalog criterion", level="empirical")


def _nad_table(nad):
    runs = nad["runs"]
    seeds = np.array([r["seed"] for r in runs])
    js = np.array([r["j"] for r in runs])
    return seeds, js, np.asarray(nad["nn_acc"]), np.asarray(nad["lin_acc"])


@RANKING.check
def test_nad_ranking(check, setup):
    nad_setup = sweeps.NAD_SETUPS[check.tier]
    for name in ("js", "m_train", "m_test", "epochs", "train_seeds"):
        check.size(name, fast=getattr(sweeps.NAD_FAST, name), paper=getattr(sweeps.NAD_PAPER, name))
    nad = sweeps.nad_sweep(nad_setup, setup.dataset)
    seeds, js, nn, lin = _nad_table(nad)
    s_rel = np.mean([v[1] ** 2 / v[1][0] ** 2 for v in nad["origin"].values()], axis=0)
    for name, acc in (("NN", nn), ("linearized", lin)):
        est, lo, hi = cluster_bootstrap(ls_slope, np.log(js), acc, seeds, seed=25)
        check.note(f"{name}: mean accuracy per j {dict(zip(nad_setup.js, np.round([acc[js == j].mean() for j in nad_setup.js], 3), strict=True))}")
        check.within(f"{name}: upper 95% bootstrap bound of the slope of accuracy on log j",
                     hi, hi=-1e-12, why="catalog: CI < 0 (resampled by seed)", level="empirical")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.3))
    for name, acc in ((sweeps.nad_label(setup.dataset), nn), ("linearized", lin)):
        means = [acc[js == j].mean() for j in nad_setup.js]
        ax1.semilogx(nad_setup.js, means, "o-", label=name)
    ax1.set(xlabel="NAD index j", ylabel="test accuracy", title="sign(v_jᵀx) tasks (eq. 5)")
    ax1.legend()
    ax2.loglog(np.arange(1, s_rel.size + 1), s_rel, ".-")
    ax2.set(xlabel="j", ylabel="α(g_vj)/α(g_v1) = s_j²/s_1²", title="Theorem 1 alignment (x = 0)")
    check.figure(fig, "fig4")


@ADVANTAGE.check
def test_nad_nonlinear_advantage(check, setup):
    nad = sweeps.nad_sweep(sweeps.NAD_SETUPS[check.tier], setup.dataset)
    seeds, js, nn, lin = _nad_table(nad)
    est, lo, hi = mean_ci(nn - lin, seeds, seed=26)
    check.note(f"acc_NN − acc_lin per (seed, j): mean {est:.4f}, 95% CI [{lo:.4f}, {hi:.4f}]")
    check.within("lower 95% paired-bootstrap bound of mean(acc_NN − acc_lin)", lo, lo=1e-12,
                 why="catalog: CI above 0", level="empirical")
    check.within("mean(acc_NN − acc_lin)", est, lo=0.03, why="catalog effect size ≥ 0.03",
                 level="empirical")


def _image(v, dataset):
    """A NAD as an image: (size, size), the channels summed (signed) for RGB inputs."""
    size, channels = sweeps.IMAGE_SHAPES[dataset]
    return np.asarray(v).reshape(size, size, channels).sum(axis=-1)
