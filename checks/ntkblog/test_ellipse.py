"""Dwaraknath 2019, "Seeing the Kernel Regime": the 2×2 NTK ellipses, their dynamics, α regimes."""

from __future__ import annotations

import jax
import numpy as np
import sympy as sp

from checks.harness import Claim, Tol
from checks.ntkblog import figures, sweeps
from checks.ntkblog.sweeps import ELLIPSE_SEEDS, ELLIPSE_STEPS, Tiered, record, rel_ntk_change
from empirical.lazy_training import centered_scaled, pytorch_default_init, pytorch_mlp
from empirical.training import mse
from theory.lazy_training import ellipse_semi_axes, pytorch_param_count, symmetric_2x2

SRC = "004_99a4d7a2f16c5da0.txt, Seeing the Kernel Regime"
SETUP_TEXT = "x̄ = (−2, 0.5), ȳ = (3, −1), ReLU m = 100, PyTorch init, centred, loss ½‖αf̃ − ȳ‖²/α², lr 1e-4"


def _record(check):
    record(check, "seeds per α", ELLIPSE_SEEDS)
    record(check, "GD steps", ELLIPSE_STEPS)
    check.size("ellipse setup", fast=SETUP_TEXT, paper=SETUP_TEXT)
    check.seed(3105, "init seeds: numpy default_rng([3105, s])")


def _ellipse(h: np.ndarray, center: np.ndarray, n: int = 200) -> np.ndarray:
    """Points of {u : (u − c)ᵀH(u − c) = 1}: semi-axes 1/√λ_i along the eigenvectors (columns)."""
    lam, vec = np.linalg.eigh(h)
    t = np.linspace(0, 2 * np.pi, n)
    return center + (vec @ (np.stack([np.cos(t), np.sin(t)]) / np.sqrt(lam)[:, None])).T


# ---------------------------------------------------------------------------------------------
ELLIPSE = Claim(
    id="ntkblog/ntk-2x2-ellipse",
    source=f"{SRC} ('a 2x2 positive definite matrix ... ellipses ... lengths inversely proportional "
    "to the square root of the eigenvalues ... contour of the time-varying quadratic')",
    statement="For two data points the NTK H is a 2×2 positive definite matrix drawn as the ellipse "
    "uᵀHu = 1 with semi-axes 1/√λ_i along the eigenvectors; the residual dynamics u̇ = −Hu are "
    "gradient flow on the quadratic ½uᵀHu.",
)


@ELLIPSE.check
def test_ntk_2x2_ellipse(check, ellipse_runs):
    _record(check)
    h = symmetric_2x2()
    tt = sp.Symbol("t", real=True)
    hn = sp.Matrix([[5, 2], [2, 2]])  # eigenvalues 1 and 6
    lam = sorted(hn.eigenvals().keys())
    vecs = [v[2][0].normalized() for v in sorted(hn.eigenvects(), key=lambda e: e[0])]
    u = sp.cos(tt) / sp.sqrt(lam[0]) * vecs[0] + sp.sin(tt) / sp.sqrt(lam[1]) * vecs[1]
    check.agree("SymPy: uᵀHu on u(t) = cos t v1/√λ1 + sin t v2/√λ2 (H = [[5,2],[2,2]]), minus 1",
                theory=sp.Integer(0), numeric=sp.simplify((u.T * hn * u)[0, 0] - 1), tol=Tol(abs=1e-30, why="exact"))
    check.holds("SymPy: semi-axes are 1/√λ_i", bool(set(ellipse_semi_axes(hn)) == {1, 1 / sp.sqrt(6)}),
                evidence=str(ellipse_semi_axes(hn)), criterion="{1/√1, 1/√6}", why="exact", level="theory")
    uu = sp.Matrix(sp.symbols("u1 u2", real=True))
    grad = sp.Matrix([sp.diff((uu.T * h * uu)[0, 0] / 2, ui) for ui in uu])
    check.holds("SymPy: ∇_u(½uᵀHu) = Hu for symmetric H (so u̇ = −Hu is its gradient flow)",
                bool(sp.simplify(grad - h * uu) == sp.zeros(2, 1)), evidence=str(sp.simplify(grad - h * uu)),
                criterion="identically 0", why="exact", level="theory")
    # the actual NTKs are positive definite; the drawn ellipse satisfies its equation
    ntk = ellipse_runs["ntk"]
    lam_min = float(np.min(np.linalg.eigvalsh(ntk.reshape(-1, 2, 2))[:, 0]))
    check.within("smallest eigenvalue over all NTK snapshots (all α, seeds, times)", lam_min, lo=1e-8,
                 expected="> 0", why="two distinct inputs, biases: full column rank")
    h0 = ntk[-1, 0, 0]
    pts = _ellipse(h0, np.zeros(2))
    check.agree("max |uᵀH u − 1| over 200 points of the plotted ellipse (α = 50, seed 0)", numeric=0.0,
                empirical=float(np.max(np.abs(np.einsum("ni,ij,nj->n", pts, h0, pts) - 1))),
                tol=Tol(abs=1e-12, why="float64 eigendecomposition"))
    # figure: ellipses (H/α² normalisation is built into the loss, so H is comparable) + trajectories
    ybar = np.ravel(sweeps.Y_ELLIPSE)
    alphas = ellipse_runs["alphas"]
    fig, axes = figures.new(len(alphas), width=3.4, height=3.4)
    colors = ["tab:red", "tab:orange", "tab:purple", "tab:pink"]
    for ax, a, col, k in zip(axes, alphas, colors, range(len(alphas)), strict=True):
        traj = ellipse_runs["outputs"][k, 0]
        scale = 6.0 / np.sqrt(np.linalg.eigvalsh(ntk[k, 0, 0])[0])
        for j in range(ntk.shape[2]):
            pts = ybar + (_ellipse(ntk[k, 0, j], np.zeros(2)) / scale) * 6.0
            ax.plot(pts[:, 0], pts[:, 1], color=col, alpha=0.25 + 0.75 * j / (ntk.shape[2] - 1), lw=0.8)
        ax.plot(traj[:, 0], traj[:, 1], "k-", lw=1)
        ax.plot(*ybar, "b*")
        ax.set_title(f"α = {a:g}")
        ax.set_aspect("equal")
    check.figure(fig, "ntk-ellipses")


# ---------------------------------------------------------------------------------------------
FAST_DIR = Claim(
    id="ntkblog/fast-direction-converges-first",
    source=f"{SRC}, bullet ('the component corresponding to the shorter axis (larger eigenvalue) of "
    "the ellipse converges faster')",
    statement="The residual component along the larger-eigenvalue eigenvector decays faster: "
    "|v1ᵀu|/|v2ᵀu| ∝ e^{−(λ1 − λ2)t}.",
)


@FAST_DIR.check
def test_fast_direction_converges_first(check, ellipse_runs):
    _record(check)
    k = list(ellipse_runs["alphas"]).index(50.0)
    ybar = np.ravel(sweeps.Y_ELLIPSE)
    lr = sweeps.ELLIPSE_LR
    for s in range(ellipse_runs["outputs"].shape[1]):
        h0 = ellipse_runs["ntk"][k, s, 0]
        lam, vec = np.linalg.eigh(h0)
        u = ellipse_runs["outputs"][k, s] - ybar  # every 20 steps
        c = u @ vec  # components (small, large eigenvalue)
        steps = 20 * np.arange(u.shape[0])
        drift = float(rel_ntk_change(h0, ellipse_runs["ntk"][k, s, -1]))
        ratio = np.abs(c[:, 1]) / np.abs(c[:, 0])
        # the kernel's eigenvectors rotate by ~drift: once |v1ᵀu|/|v2ᵀu| falls to that level the
        # measured fast component is leakage from the slow one, so fit only above 10× the drift
        use = ratio > 10 * drift
        slope = float(np.polyfit(steps[use], np.log(ratio[use]), 1)[0])
        pred = float(np.log(1 - lr * lam[1]) - np.log(1 - lr * lam[0]))
        check.agree(f"seed {s}: per-step slope of log(|v1ᵀu|/|v2ᵀu|) vs log(1−ηλ1) − log(1−ηλ2) "
                    f"({int(use.sum())} points with ratio > 10× NTK drift {drift:.2g})",
                    theory=pred, empirical=slope,
                    tol=Tol(rel=0.05, why="catalog: 5%, for the NTK drift at α = 50 (relative change "
                            "≤ 1%) acting over the fitted window"))


# ---------------------------------------------------------------------------------------------
SETUP = Claim(
    id="ntkblog/ellipse-experiment-setup",
    source=f"{SRC}, bullets ('two hidden layer network with a width of 100 ... zeroed the outputs ... "
    "all the trajectories start from the origin ... 10000 or so weights'; 'normalized the gradient flow')",
    statement="Width-100 two-hidden-layer nets (p = 10401 ≈ 10⁴ weights) with outputs zeroed by "
    "subtracting a copy at init, so y_α(w0) = 0; with the loss divided by α² the initial "
    "function-space velocity ẏ_α = −H(y_α − ȳ) is the same for every α.",
)


@SETUP.check
def test_ellipse_experiment_setup(check):
    m_sym, a_sym = sp.Symbol("m", positive=True), sp.Symbol("alpha", positive=True)
    check.agree("p(100) = m² + 4m + 1", theory=pytorch_param_count(m_sym).subs(m_sym, 100), numeric=10401.0,
                tol=Tol(abs=0.5, why="integer"))
    # SymPy: d/dw [½(α f̃ − ȳ)²/α²] = (1/α) f̃'(α f̃ − ȳ), so α·ẇ-velocity = −f̃'²(α f̃ − ȳ)
    wsym, yb = sp.symbols("w ybar", real=True)
    ft = sp.Function("f")(wsym)
    loss = (a_sym * ft - yb) ** 2 / (2 * a_sym**2)
    wdot = -sp.diff(loss, wsym)
    ydot = a_sym * sp.diff(ft, wsym) * wdot
    check.holds("SymPy: ẏ_α = α f̃'·ẇ = −f̃'²(α f̃ − ȳ) does not depend on α at fixed y_α",
                bool(sp.simplify(ydot + sp.diff(ft, wsym) ** 2 * (a_sym * ft - yb)) == 0),
                evidence=str(sp.simplify(ydot)), criterion="identically", why="exact", level="theory")
    mlp = pytorch_mlp("relu", 100)
    p0 = pytorch_default_init(mlp, 0)
    x, y = sweeps._data(sweeps.X_ELLIPSE, sweeps.Y_ELLIPSE)
    vel = {}
    for a in (0.01, 1.0, 50.0):
        f = centered_scaled(mlp.apply, p0, a)
        y0 = np.asarray(f(p0, x))[:, 0]
        check.agree(f"y_α(w0) at α = {a} (max |·|)", numeric=0.0, empirical=float(np.max(np.abs(y0))),
                    tol=Tol(abs=1e-300, rel=0, why="f(w0) − f(w0) is exactly 0 in floating point"))
        grads = jax.grad(lambda p, f=f, a=a: mse(f(p, x), y, "sum") / a**2)(p0)
        wdot = jax.tree_util.tree_map(lambda g: -g, grads)
        _, v = jax.jvp(lambda p, f=f: f(p, x), (p0,), (wdot,))
        vel[a] = np.asarray(v)[:, 0]
    for a in (0.01, 50.0):
        check.agree(f"initial function-space velocity, α = {a} vs α = 1 (max relative difference)",
                    numeric=0.0, empirical=float(np.max(np.abs(vel[a] - vel[1.0])) / np.max(np.abs(vel[1.0]))),
                    tol=Tol(abs=1e-10, why="catalog: float64 (α² factors cancel up to round-off)"))
    n_params = sum(int(np.size(v)) for v in jax.tree_util.tree_leaves(p0))
    check.agree("trainable parameters of the centred model (the frozen copy is not a parameter)",
                theory=sp.Integer(10401), empirical=float(n_params), tol=Tol(abs=0.5, why="integer"))


# ---------------------------------------------------------------------------------------------
VISUAL = Claim(
    id="ntkblog/alpha-ntk-change-visual",
    source=f"{SRC}, figure caption ('larger α (pink) leads to a more constant NTK, while the NTK for "
    "smaller α (red) changes significantly')",
    statement="In the ellipse runs the NTK of large-α nets barely changes while that of small-α "
    "nets changes a lot; the relative NTK change decreases monotonically in α.",
)


@VISUAL.check
def test_alpha_ntk_change_visual(check, ellipse_runs):
    _record(check)
    alphas = ellipse_runs["alphas"]
    ntk = ellipse_runs["ntk"]
    dh = rel_ntk_change(ntk[:, :, 0], ntk[:, :, -1])  # (α, seed)
    means = dh.mean(axis=1)
    check.holds("mean relative NTK change is decreasing in α", bool(np.all(np.diff(means) < 0)),
                evidence=f"α = {tuple(float(a) for a in alphas)}: {np.array2string(means, precision=4)}",
                criterion="strictly decreasing", why="κ_α = κ/α")
    check.within(f"mean relative NTK change at α = {alphas[0]:g} (min over seeds {dh[0].min():.3g})", float(means[0]),
                 lo=1.0, expected="changes significantly", why="catalog: above 1 (mean over seeds)")
    check.within(f"mean relative NTK change at α = {alphas[-1]:g} (max over seeds {dh[-1].max():.3g})", float(means[-1]),
                 hi=0.02, expected="barely changes",
                 why="catalog: below 2% for the mean over seeds; an earlier version of this check used the "
                 "max over seeds, which one seed exceeded (2.5%, a ReLU activation flip), so the criterion was "
                 "reverted to the catalog's after seeing that number")


# ---------------------------------------------------------------------------------------------
CONVERGENCE = Claim(
    id="ntkblog/convergence-to-zero-loss",
    source="004_99a4d7a2f16c5da0.txt, Gradient Flow ('they all decay ... gradient flow always converges "
    "to the equilibrium where train loss is 0'; 'gradient descent converges to 0 training loss for any "
    "non-linear model as long as it is close to its linearization')",
    statement="If the NTK is positive definite, gradient flow drives the training loss to 0 at a "
    "linear rate, ‖u(t)‖ ≤ e^{−λ_min t}‖u0‖; this carries over to nonlinear models close to their "
    "linearisation (large α).",
)


@CONVERGENCE.check
def test_convergence_to_zero_loss(check, tier):
    tt = sp.Symbol("t", nonnegative=True)
    lam1, lam2, c1, c2 = sp.symbols("lambda1 lambda2 c1 c2", positive=True)
    # in the eigenbasis ‖u(t)‖² = Σ c_i² e^{−2λ_i t} ≤ e^{−2λ_min t} Σ c_i²  (λ1 ≤ λ2)
    gap = (c1**2 + c2**2) * sp.exp(-2 * lam1 * tt) - (c1**2 * sp.exp(-2 * lam1 * tt) + c2**2 * sp.exp(-2 * lam2 * tt))
    check.holds("SymPy: e^{−2λ1 t}‖u0‖² − ‖u(t)‖² = c2²(e^{−2λ1 t} − e^{−2λ2 t}) ≥ 0 for λ1 ≤ λ2",
                bool(sp.simplify(gap - c2**2 * (sp.exp(-2 * lam1 * tt) - sp.exp(-2 * lam2 * tt))) == 0),
                evidence=str(sp.factor(gap)), criterion="identity", why="exact", level="theory")
    rng = np.random.default_rng(0)
    a = rng.standard_normal((5, 5))
    h = a @ a.T + 0.1 * np.eye(5)
    lam, vec = np.linalg.eigh(h)
    u0 = rng.standard_normal(5)
    ts = np.linspace(0, 5, 51)
    norms = np.array([np.linalg.norm(vec @ (np.exp(-lam * t) * (vec.T @ u0))) for t in ts])
    check.holds("random PD H (N = 5): ‖e^{−Ht}u0‖ ≤ e^{−λ_min t}‖u0‖ on a grid of 51 times",
                bool(np.all(norms <= np.exp(-lam[0] * ts) * np.linalg.norm(u0) * (1 + 1e-12))),
                evidence=f"max ratio {np.max(norms / (np.exp(-lam[0] * ts) * np.linalg.norm(u0))):.6f}",
                criterion="≤ 1", why="float64")
    # nonlinear nets close to their linearisation: centred α-scaled ReLU and tanh, η = 0.5/λ_max(H0)
    n = record(check, "seeds", Tiered(3, 20))
    steps = 600
    check.size("runs", fast=f"m = 100, ellipse data, α ∈ {{10, 100}}, η = 0.5/λ_max(H0), {steps} steps",
               paper=f"m = 100, ellipse data, α ∈ {{10, 100}}, η = 0.5/λ_max(H0), {steps} steps")
    x, y = sweeps._data(sweeps.X_ELLIPSE, sweeps.Y_ELLIPSE)
    for act in ("relu", "tanh"):
        mlp = pytorch_mlp(act, 100)
        p0 = sweeps.init_batch(mlp, range(n), key0=17)
        h0 = sweeps.ntk_batch(mlp.apply, p0, x)
        lam = np.linalg.eigvalsh(h0)
        eta = 0.5 / lam[:, -1]
        for a in (10.0, 100.0):
            res = sweeps.train_batch(mlp.apply, p0, x, y, lr=eta, steps=steps, every=1, alpha=a, centered=True)
            u = np.linalg.norm(np.asarray(res.outputs) - np.asarray(y)[:, 0], axis=-1)  # (seed, steps+1)
            fit_loss = 0.5 * u[:, -1] ** 2
            check.within(f"{act}, α = {a:g}: max final training loss ½‖y − ȳ‖² over seeds",
                         float(np.max(fit_loss)), hi=1e-8, expected="→ 0",
                         why="catalog threshold; geometric decay (1 − ηλ_min)^k from ½‖ȳ‖² = 5")
            if a == 100.0:
                for s in range(n):
                    k = np.nonzero(u[s] < 1e-6)[0]
                    stop = int(k[0]) if k.size else steps
                    lo = max(stop // 2, 1)
                    slope = float(np.polyfit(np.arange(lo, stop), np.log(u[s, lo:stop]), 1)[0])
                    pred = float(np.log(1 - eta[s] * lam[s, 0]))
                    check.agree(f"{act}, α = 100, seed {s}: late per-step slope of log‖u_k‖ vs log(1 − ηλ_min(H0))",
                                theory=pred, empirical=slope,
                                tol=Tol(rel=0.05, why="catalog: 5%; the kernel drifts by O(1/α) during training"))
