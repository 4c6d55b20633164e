"""Seleznova & Kutyniok 2021, §1 eqs. (2)–(4), §1.2 (related work), §5 eq. (10): training dynamics and cited results.

Networks: empirical.mlp (standard parametrization), GD with empirical.gd_early_stopping on (1/2S)Σ(f − y)²,
empirical NTK from empirical.ntk; infinite-width kernels from numeric.signal_propagation. Data: digits.
"""

import jax
import jax.numpy as jnp
import numpy as np
import sympy as sp
from scipy.linalg import expm
from scipy.stats import chi2, mannwhitneyu, spearmanr

from checks.harness import Claim, Tol
from checks.seleznova2021.sweeps import (
    layerwise_mc,
    ntk_from_layers,
    s3_profile,
    training_group,
)
from empirical.batched_init import init_batch
from empirical.digits_mnist import digits
from empirical.gd_early_stopping import gd_train
from empirical.mlp import MLP
from empirical.ntk import empirical_ntk
from empirical.training import mse
from numeric.ntk_output_variance import kernel_regression_variance, trained_output
from numeric.signal_propagation import kappa_by_depth_mp, pair_gram, propagate

SRC = "002_c883f155af612830.txt"
ERF_EOC = 2.718381352


def tup(a):
    return tuple(map(tuple, np.asarray(a)))


ARORA = Claim(
    id="seleznova2021/related-arora-width-bound",
    source=f"{SRC}, §1.2 (Arora et al. 2019 bound)",
    statement="If the width satisfies M ≥ C·L^6 log L, then L/M is always small for deep networks.",
)


@ARORA.check
def test_related_arora_width_bound(check):
    L, C = sp.symbols("L C", positive=True)
    lim = sp.limit(L / (C * L**6 * sp.log(L)), L, sp.oo)
    check.holds("lim_{L→∞} L/(C L⁶ log L) = 0", bool(lim == 0), evidence=str(lim), criterion="SymPy limit", why="exact",
                level="theory")
    for Lv in (2, 10, 100):
        check.within(f"C = 1, L = {Lv}: L/M at M = L⁶ log L", float(Lv / (Lv**6 * np.log(Lv))), hi=1e-5 if Lv >= 10 else 1.0,
                     why="catalog: < 1e-5 at L = 10", level="numeric")


XIAO = Claim(
    id="seleznova2021/related-xiao-depth-limit",
    source=f"{SRC}, §1 and §1.2 (Xiao et al. 2019; Hayou et al. 2019)",
    statement="In the ordered and chaotic phases the infinite-width NTK approaches a data-independent limit exponentially "
    "in L; only at the EOC is the convergence sub-exponential.",
    expect="not_reproduced",
    reason="With the catalog's diagnostic d_L = |ρ_L − ρ_200| (ρ = κ2/κ1) fitted on L ∈ [20, 100], the ordered cells and "
    "erf (4,1) are exponential (R²_exp ≥ 0.9999 vs R²_pow ≤ 0.962), but the EOC cells do not favour a power law "
    "(ReLU (2,1): R²_exp 0.997–0.999 > R²_pow 0.94–0.98; erf EOC c0 = 0: 0.993 vs 0.986; c0 = 0.5 crosses ρ_200) and "
    "ReLU (3,1), chaotic by χ₁ but without a chaotic fixed point c* < 1, is in between (R²_exp 0.990–0.992, R²_pow "
    "0.987–0.990). The finite reference depth bends power laws on this window.",
)


@XIAO.check
def test_related_xiao_depth_limit(check):
    Lmax = check.size("reference depth", fast=200, paper=400)
    cells = [("relu", 1.5, 1.0, "ordered"), ("erf", 1.5, 1.0, "ordered"), ("erf", 4.0, 1.0, "chaotic"),
             ("relu", 2.0, 1.0, "EOC"), ("erf", ERF_EOC, 1.0, "EOC"), ("relu", 3.0, 1.0, "chaotic")]
    fits = []
    for act, sw, sb, phase in cells:
        for c0 in (0.0, 0.5, 0.9):
            if phase == "ordered":  # ρ_L → 1 exponentially: 40-digit arithmetic below float64 resolution
                prof = kappa_by_depth_mp(act, sw, sb, Lmax, pair_gram(c0), dps=40)
                rho = [prof.kappa[L - 1][0, 1] / prof.kappa[L - 1][0, 0] for L in range(1, Lmax + 1)]
                d = np.array([float(abs(r - rho[-1])) for r in rho])
            else:
                prof = s3_profile(act, sw, sb, (c0,), Lmax)
                rho = prof.kappa[:, 0, 1] / prof.kappa[:, 0, 0]
                d = np.abs(rho - rho[-1])
            Ls = np.arange(20, 101)
            Ls = Ls[d[Ls - 1] > 0]  # an exact crossing ρ_L = ρ_ref carries no scale information
            y = np.log(d[Ls - 1])
            r2 = {}
            for name, xv in (("exp", Ls.astype(float)), ("pow", np.log(Ls))):
                coef = np.polyfit(xv, y, 1)
                r2[name] = 1 - np.sum((y - np.polyval(coef, xv)) ** 2) / np.sum((y - y.mean()) ** 2)
            fits.append((act, sw, phase, c0, r2["exp"], r2["pow"]))
    check.note("R² of log d_L vs L (exp) and vs log L (pow) on L ∈ [20, 100]: " + "; ".join(
        f"{a} ({w:.4g}) {p} c0={c}: {e:.4f}/{q:.4f}" for a, w, p, c, e, q in fits))
    for act, sw, phase, c0, e, q in fits:
        if phase != "EOC":
            check.holds(f"{act} ({sw:.4g}) {phase} c0={c0}: exponential favoured (R² ≥ 0.99 and > power law)",
                        bool(e >= 0.99 and e > q), evidence=f"R² exp {e:.4f}, pow {q:.4f}", criterion="R²_exp ≥ 0.99 and > R²_pow",
                        why="exponential convergence off criticality")
    for act, sw, phase, c0, e, q in fits:
        if phase == "EOC":
            check.holds(f"{act} ({sw:.4g}) EOC c0={c0}: power law favoured", bool(q > e), evidence=f"R² exp {e:.4f}, pow {q:.4f}",
                        criterion="R²_pow > R²_exp", why="sub-exponential at criticality")


ODE = Claim(
    id="seleznova2021/ntk-gradient-flow-ode",
    source=f"{SRC}, §1 eq. (2)",
    statement="Under gradient flow on the MSE loss, df/dt = −(1/S)Σ_s Θ^t(x,x_s)(f^t(x_s) − y_s).",
)


@ODE.check
def test_ntk_gradient_flow_ode(check):
    w = sp.symbols("w1 w2", real=True)
    a = sp.symbols("a1 a2", real=True)
    xs = sp.symbols("x1 x2", real=True)
    ys = sp.symbols("y1 y2", real=True)
    xq = sp.Symbol("x", real=True)
    params = list(w) + list(a)

    def f(x):
        return a[0] * sp.tanh(w[0] * x) + a[1] * sp.tanh(w[1] * x)

    Sn = 2
    loss = sum((f(xs[s]) - ys[s]) ** 2 for s in range(Sn)) / (2 * Sn)
    dwdt = [-sp.diff(loss, p) for p in params]
    dfdt = sum(sp.diff(f(xq), p) * dp for p, dp in zip(params, dwdt, strict=True))
    theta = [sum(sp.diff(f(xq), p) * sp.diff(f(xs[s]), p) for p in params) for s in range(Sn)]
    eq2 = -sum(theta[s] * (f(xs[s]) - ys[s]) for s in range(Sn)) / Sn
    d = sp.simplify(sp.expand(dfdt - eq2))
    check.holds("chain rule on a 2-unit network, 2 data points: df/dt − eq. (2)", bool(d == 0), evidence=str(d),
                criterion="SymPy simplify == 0", why="exact", level="theory")
    x, y, _ = digits(12)
    X, Y, Xt = jnp.asarray(x[:8]), jnp.asarray(y[:8]).reshape(-1, 1), jnp.asarray(x[8:])
    for act, sw, sb in (("relu", 2.0, 1.0), ("tanh", 1.5, 1.0)):
        mlp = MLP(act, sw, sb, 2, 32, parametrization="standard")
        ps = init_batch(mlp, 64, 3, check.seed(22, act))

        def rel_error(p, eta, mlp=mlp):
            """‖Δf − (−η/S)Θ0(x_test, X)(f0(X) − Y)‖/‖·‖ after one GD step of size η."""
            g = jax.grad(lambda q: mse(mlp.apply(q, X), Y, "mean"))(p)
            p1 = jax.tree_util.tree_map(lambda u, v: u - eta * v, p, g)
            d_act = (mlp.apply(p1, Xt) - mlp.apply(p, Xt))[:, 0]
            d_pred = -eta / 8 * (empirical_ntk(mlp.apply, p, Xt, X) @ (mlp.apply(p, X) - Y))[:, 0]
            return jnp.linalg.norm(d_act - d_pred) / jnp.linalg.norm(d_pred)

        th0 = np.asarray(jax.jit(jax.vmap(lambda p, mlp=mlp: empirical_ntk(mlp.apply, p, X)))(ps))
        eta_c = 2 * 8 / np.linalg.eigvalsh(th0)[:, -1]
        fn = jax.jit(jax.vmap(rel_error))
        errs = [float(np.mean(np.asarray(fn(ps, jnp.asarray(frac * eta_c))))) for frac in (1e-3, 1e-4, 1e-5)]
        slope = np.polyfit(np.log([1e-3, 1e-4, 1e-5]), np.log(errs), 1)[0]
        check.within(f"{act}: log-log slope of the relative error vs η", slope, lo=0.9, hi=1.1,
                     why="first-order (Euler) error O(η)", level="empirical", expected=f"errors {errs}")
        check.within(f"{act}: relative error at η = 1e-5 η_c", errs[-1], hi=1e-3, why="catalog", level="empirical")


WIDTH_CELLS = (("relu", 2.0, 1.0),)  # fast tier: ReLU (2,1) only (catalog: also tanh (1.5,1)); budget


def _width_runs(check, act, sw, sb):
    x, y, _ = digits(32)
    widths = check.size("widths M (train to fixed loss reduction)", fast=(32, 64, 128, 256),
                        paper=(128, 256, 512, 1024, 2048))
    frac = check.size("lr / η_c", fast=0.5, paper=0.1)
    n_seeds = check.size("seeds per width (fixed before the run)", fast=16, paper=64)
    out = {}
    for M in widths:
        out[M] = training_group(act, 3, M, (sw,), sb, n_seeds, tup(x[:16]), tuple(y[:16]), tup(x[16:]), lr_fraction=frac,
                                rule="target", target=1e-3, max_steps=check.size("step cap", fast=3000, paper=20000))
    return widths, out


def _slope_ci(widths, out):
    lx = np.concatenate([np.full(len(out[M]["delta_final"]), np.log(M)) for M in widths])
    ly = np.concatenate([np.log(out[M]["delta_final"]) for M in widths])
    A = np.stack([np.ones_like(lx), lx], axis=1)
    coef, res, *_ = np.linalg.lstsq(A, ly, rcond=None)
    sigma2 = float(res[0]) / (len(ly) - 2)
    se = np.sqrt(sigma2 * np.linalg.inv(A.T @ A)[1, 1])
    return float(coef[1]), float(coef[1] - 2.0 * se), float(coef[1] + 2.0 * se)


CONST = Claim(
    id="seleznova2021/ntk-constant-infinite-width",
    source=f"{SRC}, §1 eq. (3)",
    statement="At fixed depth, the NTK stays constant during training as the widths go to infinity.",
)


@CONST.check
def test_ntk_constant_infinite_width(check):
    check.note("fast tier: lr = 0.5 η_c (catalog 0.1 η_c; fewer steps to the same 1e-3 loss reduction), L = 3, "
               "16 digits, 16 seeds per width, every width trained to loss ≤ 1e-3 × initial")
    for act, sw, sb in WIDTH_CELLS:
        widths, out = _width_runs(check, act, sw, sb)
        means = [float(np.mean(out[M]["delta_final"])) for M in widths]
        reached = [int(np.sum(out[M]["min_loss"] <= 1e-3 * out[M]["initial_loss"] * 1.0001)) for M in widths]
        slope, lo, hi = _slope_ci(widths, out)
        check.note(f"{act} ({sw},{sb}): mean Δ {dict(zip(widths, np.round(means, 4).tolist(), strict=True))}, runs at "
                   f"the target {dict(zip(widths, reached, strict=True))}, slope {slope:.3f} [{lo:.3f}, {hi:.3f}]")
        check.within(f"{act}: Spearman ρ(M, mean Δ)", spearmanr(widths, means)[0], hi=-0.999, why="Δ → 0 as M grows",
                     level="empirical")
        check.within(f"{act}: 95 % CI upper bound of d log Δ/d log M", hi, hi=0.0, why="decreasing", level="empirical",
                     expected=f"slope {slope:.3f}")


HUANG = Claim(
    id="seleznova2021/related-huang-yau-width-scaling",
    source=f"{SRC}, §1.2 (Huang and Yau 2020; Lee et al. 2019)",
    statement="At fixed depth, the change of the NTK matrix during gradient-descent training is bounded by O(1/M).",
    expect="not_reproduced",
    expect_paper="open",  # the paper tier runs the paper's protocol / sizes; its outcome is recorded as measured
    reason="Criterion (catalog): 'O(1/M)' ⟺ the 95 % CI upper bound of the slope of log Δ vs log M ≤ −0.9 (it must "
    "exclude decay slower than M^−0.9). Sample size fixed before the run and raised from 4 to 16 seeds per width, "
    "widths M = 32, 64, 128, 256 (ReLU (2,1), L = 3, 16 digits, lr = 0.5η_c, each run trained to 1e-3 × its initial "
    "loss; all 64 reached it): slope −0.998 with 95 % CI [−1.125, −0.872] (mean Δ 0.255, 0.114, 0.056, 0.032). The "
    "point estimate is exactly 1/M and Lee et al.'s M^−1/2 is excluded, but the upper bound −0.87 does not clear the "
    "−0.9 margin: the CI half-width (0.13) is larger than the margin, so O(1/M) is not established at this size "
    "(paper tier: M = 128–2048, 64 seeds per width).",
)


@HUANG.check
def test_related_huang_yau_width_scaling(check):
    res = {}
    for act, sw, sb in WIDTH_CELLS:
        widths, out = _width_runs(check, act, sw, sb)
        res[act] = _slope_ci(widths, out)
    check.note(f"slope of log Δ vs log M with 95 % CI: {res} (Lee et al. 2019: −1/2 for the NTK parametrization)")
    for act, (slope, _lo, hi) in res.items():
        check.within(f"{act}: 95 % CI upper bound of the slope", hi, hi=-0.9, why="catalog: 'O(1/M)' ⟺ upper bound ≤ −0.9",
                     level="empirical", expected=f"slope {slope:.3f}")


KRL = Claim(
    id="seleznova2021/kernel-regression-limit",
    source=f"{SRC}, §5 eq. (10); App. B (first display)",
    statement="If the NTK stays constant at Θ^0, gradient flow on the MSE loss converges to kernel regression with Θ^0 "
    "plus the initial-function correction (eq. 10).",
)


@KRL.check
def test_kernel_regression_limit(check):
    t = sp.Symbol("t", positive=True)
    T = sp.Matrix([[3, 1], [1, 2]])
    Sn = 2
    f0, y = sp.Matrix([sp.Rational(1, 3), -1]), sp.Matrix([1, 2])
    Tx = sp.Matrix([[1, sp.Rational(1, 2)]])
    fx0 = sp.Rational(2, 5)
    E = (-(T * t) / Sn).exp()
    ft_test = fx0 + (Tx * T.inv() * (sp.eye(2) - E) * (y - f0))[0, 0]
    lim = sp.limit(ft_test, t, sp.oo)
    eq10 = (Tx * T.inv() * y)[0, 0] + fx0 - (Tx * T.inv() * f0)[0, 0]
    check.holds("2×2 SPD Θ: lim_{t→∞} of the gradient-flow solution equals eq. (10)", bool(sp.simplify(lim - eq10) == 0),
                evidence=f"{sp.nsimplify(lim)} vs {eq10}", criterion="SymPy limit", why="exact", level="theory")
    rng = np.random.default_rng(check.seed(10))
    Sv = 8
    Q, _ = np.linalg.qr(rng.standard_normal((Sv + 1, Sv + 1)))
    full = Q @ np.diag(np.logspace(0, 3.5, Sv + 1)) @ Q.T
    Th, Thx = full[1:, 1:], full[:1, 1:]
    yv, f0v, fx = rng.standard_normal(Sv), rng.standard_normal(Sv), rng.standard_normal(1)
    tt = 50 * Sv / np.linalg.eigvalsh(Th)[0]
    ft = fx + Thx @ np.linalg.solve(Th, (np.eye(Sv) - expm(-Th * tt / Sv)) @ (yv - f0v))
    check.agree("NumPy: f_t(x) at t = 50 S/λ_min vs eq. (10) (cond ≤ 1e4)", theory=float(trained_output(Thx, Th, yv, fx, f0v)[0]),
                numeric=float(ft[0]), tol=Tol(abs=1e-10 * float(np.linalg.norm(yv)), why="catalog: 1e-10·‖Y‖ (e^-50 ≈ 2e-22)"))
    # linearised network trained by GD to residual ≤ 1e-10, vs eq. (10) with its empirical Θ_0
    x, yd, _ = digits(16)
    X, Y, Xt = jnp.asarray(x[:8]), yd[:8], jnp.asarray(x[8:])
    M = check.size("width", fast=64, paper=1024)
    mlp = MLP("relu", 2.0, 1.0, 2, M, parametrization="standard")
    p0 = init_batch(mlp, 64, 3, check.seed(11, "linearised networks"))

    def lin(p, q0, xx):
        f0_, df = jax.jvp(lambda q: mlp.apply(q, xx), (q0,), (jax.tree_util.tree_map(lambda a, b: a - b, p, q0),))
        return f0_ + df

    X_all = jnp.concatenate([X, Xt])
    th_all = np.asarray(jax.jit(jax.vmap(lambda p: empirical_ntk(mlp.apply, p, X_all)))(p0))
    th, thx = th_all[:, :8, :8], th_all[:, 8:, :8]
    eta = 0.5 * 2 * 8 / np.linalg.eigvalsh(th)[:, -1]
    res = gd_train(lin, p0, X, Y, eta, max_steps=check.size("step cap", fast=40000, paper=200000), rule="target",
                   target=1e-20, snapshots=(), extra=p0)
    outs = jax.jit(jax.vmap(lambda p, q: (mlp.apply(q, X_all)[:, 0], lin(p, q, Xt)[:, 0], mlp.apply(p, Xt)[:, 0])))
    f0_all, flin, fnet = (np.asarray(a) for a in outs(res.params, p0))
    f0X, f0x = f0_all[:, :8], f0_all[:, 8:]
    rel, relnet = [], []
    for i in range(3):
        pred = trained_output(thx[i], th[i], Y, f0x[i], f0X[i])
        rel.append(float(np.linalg.norm(flin[i] - pred) / np.linalg.norm(pred)))
        relnet.append(float(np.linalg.norm(fnet[i] - pred) / np.linalg.norm(pred)))
    check.note(f"steps {res.steps.tolist()}, final loss ratio {np.round(res.final_loss / res.initial_loss, 24).tolist()}; "
               f"the actual (nonlinear) network trained identically would differ from eq. (10) by ~{relnet} (not trained here: "
               "the parameters above belong to the linearised model)")
    for i in range(3):
        check.within(f"seed {i}: ‖f_lin(X_test) − eq. (10)‖/‖eq. (10)‖ after GD to loss ≤ 1e-20 × initial", rel[i], hi=1e-6,
                     why="catalog: 1e-6 (residual ≤ 1e-10)", level="empirical")


DEEP_INVALID = Claim(
    id="seleznova2021/var-chaotic-deep-ntk-invalid",
    source=f"{SRC}, §5 (chaotic bullet: \"only networks with depth to width ratio L/M ≈ 0 behave as NTK theory "
    "suggests … (10) does not hold\")",
    statement="For deep chaotic networks the NTK is random at initialization and changes during training, so eq. (10) "
    "does not describe the trained output; shallow chaotic networks are described.",
    expect="not_reproduced",
    expect_paper="open",  # the paper tier runs the paper's protocol / sizes; its outcome is recorded as measured
    reason="Not reproduced at this scale. Criterion (catalog): median over seeds and test points of |f_trained − "
    "f^(10)|/std_seeds(f^(10)) ≤ 0.1 at the shallow depth and ≥ 0.3 at the deep ones, Mann–Whitney p < 0.05, and every "
    "run converged (loss ≤ 1e-12 × initial; eq. (10) is the t → ∞ limit). Fast tier: ReLU (3,1), M = 64, 8 seeds, "
    "16 digits, lr = 0.5η_c, ≤ 2500 steps. The deep nets (L = 12) deviate as stated (median 0.36), but the shallow "
    "ones (L = 2) also deviate (0.19 > 0.1): they reach only 1.1e-4 to 3.6e-8 × the initial loss within the cap, so "
    "the slow, ill-conditioned modes that set the test predictions have not converged to eq. (10). Paper tier: the "
    "catalog's protocol (lr = 0.1η_c, ≤ 20000 steps, M = 256, 128 MNIST, L ∈ {2, 10, 20}, 16 seeds).",
)


@DEEP_INVALID.check
def test_var_chaotic_deep_ntk_invalid(check, tier):
    from checks.seleznova2021.data import s2_dataset

    try:
        x_tr, y_tr, x_te, what = s2_dataset(tier)  # fast: the same 16 + 16 digits as before
    except FileNotFoundError as err:
        import pytest

        pytest.skip(f"paper tier needs MNIST: {err}")
    M = check.size("width", fast=64, paper=256)
    n = check.size("seeds", fast=8, paper=16)
    Ls = check.size("depths L (shallow first)", fast=(2, 12), paper=(2, 10, 20))
    frac = check.size("lr / η_c", fast=0.5, paper=0.1)
    cap = check.size("step cap", fast=2500, paper=20000)
    target = 1e-12  # loss ratio ≈ residual ratio 1e-6 (catalog): eq. (10) is the t → ∞ limit
    check.note(f"{what}; lr = {frac} η_c (catalog 0.1 η_c), trained to loss ≤ {target:g} × initial or {cap} steps")
    dev, ratios = {}, {}
    for L in Ls:
        r = training_group("relu", L, M, (3.0,), 1.0, n, tup(x_tr), tuple(y_tr), tup(x_te), lr_fraction=frac,
                           rule="target", target=target, max_steps=cap)
        f10 = np.array([trained_output(r["theta0_test"][i], r["theta0"][i], y_tr, r["f0_test"][i], r["f0_train"][i])
                        for i in range(n)])
        sd = np.std(f10, axis=0, ddof=1)
        dev[L] = (np.abs(r["fT_test"] - f10) / sd[None, :]).ravel()
        ratios[L] = r["min_loss"] / r["initial_loss"]
        check.note(f"L={L}: loss ratio reached {np.round(ratios[L], 14).tolist()}, "
                   f"median |f_trained − f^(10)|/std = {np.median(dev[L]):.3f}")
    shallow, deep = Ls[0], Ls[1:]
    check.within(f"L = {shallow}: median |f_trained − f^(10)| / std_seeds(f^(10))", float(np.median(dev[shallow])),
                 hi=0.1, why="catalog: NTK theory describes shallow chaotic nets", level="empirical")
    for L in deep:
        p = mannwhitneyu(dev[L], dev[shallow], alternative="greater").pvalue
        check.within(f"L = {L}: median |f_trained − f^(10)| / std_seeds(f^(10))", float(np.median(dev[L])), lo=0.3,
                     why="catalog: eq. (10) fails for deep chaotic nets", level="empirical")
        check.within(f"Mann–Whitney p (L = {L} > L = {shallow})", float(p), hi=0.05, why="significant difference",
                     level="empirical")
    worst = {L: float(np.max(v)) for L, v in ratios.items()}
    check.holds(f"regime reached: every run converged to loss ≤ {target:g} × initial (eq. (10) is t → ∞)",
                bool(all(w <= target * 1.0001 for w in worst.values())), evidence=f"largest loss ratio per L: {worst}",
                criterion=f"max loss ratio ≤ {target:g}", why="the comparison with eq. (10) presumes convergence",
                level="empirical")


DATA_DEP = Claim(
    id="seleznova2021/var-ordered-data-dependent-effects",
    source=f"{SRC}, §5 (ordered bullet: \"the NTK is also ill-conditioned … the data-independent estimate for variance "
    "given by NTK theory does not explain the behavior of DNNs in the ordered phase\")",
    statement="In the ordered phase the ill-conditioned NTK makes the trained output sensitive to small kernel "
    "perturbations, so the NTK-theory variance estimate fails for finite ordered networks.",
)


@DATA_DEP.check
def test_var_ordered_data_dependent_effects(check):
    x, _, _ = digits(11)
    rng = np.random.default_rng(check.seed(12, "labels"))
    yl = rng.choice([-1.0, 1.0], size=10)
    widths = check.size("widths M", fast=(32, 64), paper=(256, 1024))
    n = check.size("initialisations", fast=400, paper=1000)
    cells = {5: (("relu", 1.5, 1.0), ("relu", 3.0, 1.0)), 20: (("relu", 1.5, 1.0), ("relu", 2.0, 1.0), ("relu", 3.0, 1.0))}
    train, test = np.arange(1, 11), np.array([0])
    rho = {}
    for L, cl in cells.items():
        for M in widths:
            st = layerwise_mc((M,) * (L - 1), n, tup(x), cells=cl)
            for act, sw, sb in cl:
                s = st[(act, sw, sb)]
                th = ntk_from_layers(s, (64,) + (M,) * (L - 1) + (1,))
                f10 = np.array([trained_output(th[i][np.ix_(test, train)], th[i][np.ix_(train, train)], yl, s["f"][i, test],
                                               s["f"][i, train])[0] for i in range(n)])
                pr = propagate(act, sw, sb, L, x @ x.T / 64, input_dim=64, width=M)
                vex = float(kernel_regression_variance(pr.q[-1], pr.ntk(), train, test)[0])
                v = np.var(f10, ddof=1)
                lo = (n - 1) * v / chi2.ppf(0.975, n - 1) / vex
                rho[(sw, L, M)] = (v / vex, lo, vex)
    check.note("ρ = Var_seeds(f^(10))/Var_exact,∞ (point, 95 % χ² lower bound, Var_exact): " + "; ".join(
        f"σw²={k[0]} L={k[1]} M={k[2]}: {v[0]:.3g}, {v[1]:.3g}, {v[2]:.3g}" for k, v in rho.items()))
    for M in widths:
        check.within(f"ordered (1.5,1) L=20 M={M}: ρ lower 95 % bound", rho[(1.5, 20, M)][1], lo=10.0,
                     why="catalog: variance far above NTK theory's", level="empirical")
    check.within(f"chaotic (3,1) L=5 M={widths[-1]}: ρ (control, the estimator works where NTK theory applies)",
                 rho[(3.0, 5, widths[-1])][0], lo=0.5, hi=2.0, why="catalog band", level="empirical")
