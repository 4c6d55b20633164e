"""Dwaraknath 2019, "Scaling the Output": κ_α = κ/α, centring, laziness from scale, the rich regime."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import sympy as sp

from checks.harness import Claim, Tol
from checks.ntkblog import figures, sweeps
from checks.ntkblog.sweeps import Tiered, record, rel_ntk_change
from empirical.hessian import HessianProbe, kappa_parts
from empirical.lazy_training import (
    centered_scaled,
    flat_outputs,
    gradient_descent,
    pytorch_default_init,
    pytorch_mlp,
)
from numeric.power_law_fit import bootstrap_exponent
from theory.lazy_training import alpha, kappa, kappa_scaled, toy_derivatives

SRC = "004_99a4d7a2f16c5da0.txt, Scaling the Output"


# ---------------------------------------------------------------------------------------------
OUTPUT_SCALING = Claim(
    id="ntkblog/output-scaling-kappa",
    source=f"{SRC} (κ_α equations)",
    statement="Multiplying the output by α gives κ_α = ‖αy0 − ȳ‖·α‖∇²y‖/(α²‖∇y‖²), which is exactly "
    "κ/α when y(w0) = 0; without centring κ_α → ‖y0‖‖∇²y‖/‖∇y‖² ≠ 0 as α → ∞.",
)


@OUTPUT_SCALING.check
def test_output_scaling_kappa(check):
    y0, yb, hn, gn = sp.symbols("y0 ybar M G", positive=True)
    ratio = sp.simplify(kappa_scaled(sp.Integer(0), yb, hn, gn) / kappa(yb, hn, gn))
    check.agree("SymPy: κ_α/κ at y0 = 0 equals 1/α (evaluated at α = 7)", theory=(1 / alpha).subs(alpha, 7),
                numeric=ratio.subs(alpha, 7),
                tol=Tol(abs=1e-30, why="exact"))
    check.agree("SymPy: lim_{α→∞} κ_α − y0·M/G² without centring (at y0 = 0.3, ȳ = 1, M = 2, G = 3)",
                theory=sp.Integer(0),
                numeric=sp.limit(kappa_scaled(y0, yb, hn, gn), alpha, sp.oo).subs(
                    {y0: sp.Rational(3, 10), yb: 1, hn: 2, gn: 3}) - sp.Rational(3, 10) * 2 / 9,
                tol=Tol(abs=1e-30, why="exact"))
    # the toy model (1 parameter, centred by construction): κ_α·α = κ(w0) = ȳ|f''|/f'²
    f0, f1, f2 = toy_derivatives(2, sp.Rational(3, 2))[:3]
    kappa_toy = 3 * sp.Abs(f2) / f1**2
    for a in (1, 10, 1000):
        ka = kappa_scaled(f0, 3, sp.Abs(f2), sp.Abs(f1)).subs(alpha, a)
        check.agree(f"toy model (x = 1.5, ȳ = 3): α·κ_α at α = {a} vs κ(w0)", theory=kappa_toy,
                    numeric=sp.N(a * ka, 30), tol=Tol(rel=1e-25, why="exact expressions at 30 digits"))
    # the blog's network, centred and uncentred: κ_α of the α-scaled model itself (JAX), one input
    x = jnp.array([[0.5]])
    ybar = np.array([-1.0])
    check.size("networks", fast="2 hidden layers, m = 100, PyTorch init, x = 0.5, ȳ = −1",
               paper="2 hidden layers, m = 100, PyTorch init, x = 0.5, ȳ = −1")
    for act in ("tanh", "relu"):
        mlp = pytorch_mlp(act, 100)
        p0 = pytorch_default_init(mlp, [41, 0])
        w0, fn = flat_outputs(mlp.apply, p0, x)
        # α(f(w) − c·f(w_ref)): c = 1 centred, c = 0 uncentred; α, c, w_ref are traced arguments
        probe = HessianProbe(lambda w, a, c, wr, fn=fn: a * (fn(w) - c * fn(wr)))
        k = {}
        for a, c in ((1.0, 1.0), (1000.0, 1.0), (1.0, 0.0), (1e5, 0.0)):
            k[a, c] = kappa_parts(probe, w0, ybar, args=(jnp.float64(a), jnp.float64(c), w0))
        check.agree(f"{act}: α·κ_α of the centred model, α = 1000 vs α = 1",
                    numeric=k[1.0, 1.0].kappa, empirical=1000 * k[1000.0, 1.0].kappa,
                    tol=Tol(rel=1e-9, why="the α-scaled problem is an exact multiple; ARPACK tolerance 1e-13"))
        base = k[1.0, 0.0]
        y_0 = float(np.asarray(fn(w0))[0])
        plateau = abs(y_0) * base.hess_norm / base.grad_norm**2
        check.agree(f"{act}: uncentred κ_α at α = 1e5 vs the plateau |y0|‖∇²y‖/‖∇y‖² = {plateau:.4g}",
                    numeric=plateau, empirical=k[1e5, 0.0].kappa,
                    tol=Tol(rel=0.01, why="catalog: 1%; the gap is |ȳ|/(α|y0|) ≲ 1e-3"))
        check.within(f"{act}: uncentred κ_α at α = 1e5 over the centred κ/α",
                     k[1e5, 0.0].kappa / (k[1.0, 1.0].kappa / 1e5), lo=100.0, expected="≫ 1",
                     why="without centring the residual ‖αy0 − ȳ‖ grows like α, so κ_α does not vanish")


# ---------------------------------------------------------------------------------------------
CENTERING = Claim(
    id="ntkblog/centering-by-subtracting-copy",
    source=f"{SRC} ('We can make any model have this behavior by subtracting a copy of it at initialization')",
    statement="Subtracting a frozen copy f̃(x, w) = f(x, w) − f(x, w0) gives f̃(x, w0) = 0 with "
    "∇f̃ = ∇f and ∇²f̃ = ∇²f for all w (the copy is not a parameter).",
)


@CENTERING.check
def test_centering(check):
    mlp = pytorch_mlp("tanh", 30)
    p0 = pytorch_default_init(mlp, [43, 0])
    x = jnp.linspace(-2, 2, 5)[:, None]
    ft = centered_scaled(mlp.apply, p0, 1.0)
    check.agree("f̃(x, w0) on 5 inputs (max |·|)", numeric=0.0,
                empirical=float(np.max(np.abs(np.asarray(ft(p0, x))))),
                tol=Tol(abs=1e-300, why="exactly 0 in floating point"))
    pw = jax.tree_util.tree_map(lambda a: a + 0.1 * jnp.sin(37 * a), p0)  # a different point w
    w_0, f_flat = flat_outputs(mlp.apply, p0, x)
    w_1, _ = flat_outputs(mlp.apply, pw, x)

    def model(w, c):  # c = 0: f; c = 1: the centred f̃ = f − f(w0) (c is traced: one compilation)
        return f_flat(w) - c * f_flat(w_0)

    jac = jax.jit(lambda w, c: jax.jacrev(model)(w, c))
    probe = HessianProbe(model)
    v = jnp.cos(jnp.arange(w_0.size, dtype=jnp.float64))
    one, zero = jnp.float64(1.0), jnp.float64(0.0)
    for label, w in (("w0", w_0), ("w ≠ w0", w_1)):
        check.agree(f"max |∇f̃ − ∇f| at {label}", numeric=0.0,
                    empirical=float(jnp.max(jnp.abs(jac(w, one) - jac(w, zero)))),
                    tol=Tol(abs=1e-15, why="the copy is a constant: identical derivative graphs"))
        check.agree(f"max |∇²f̃·v − ∇²f·v| at {label} (HVP)", numeric=0.0,
                    empirical=float(jnp.max(jnp.abs(probe.hvp(w, jnp.ones(5), v, (one,))
                                                    - probe.hvp(w, jnp.ones(5), v, (zero,))))),
                    tol=Tol(abs=1e-13, why="float64"))
    # the frozen copy acts only as a constant shift of the target: the training gradient of the
    # centred model equals that of f with target ȳ + f(w0)
    from empirical.training import mse

    ybar = jnp.linspace(-1, 1, 5)[:, None]
    g_c, g_s = jax.jit(lambda q: (jax.grad(lambda r: mse(ft(r, x), ybar, "sum"))(q),
                                  jax.grad(lambda r: mse(mlp.apply(r, x), ybar + mlp.apply(p0, x), "sum"))(q)))(pw)
    check.agree("training gradient: centred model vs f with target ȳ + f(w0) (max abs diff)", numeric=0.0,
                empirical=float(max(jnp.max(jnp.abs(a - b)) for a, b in zip(
                    jax.tree_util.tree_leaves(g_c), jax.tree_util.tree_leaves(g_s), strict=True))),
                tol=Tol(abs=1e-13, why="float64; identical up to the order of one subtraction"))
    n_params = sum(int(np.size(v)) for v in jax.tree_util.tree_leaves(p0))
    check.agree("trainable parameters of the centred model at m = 30 (copy not counted): m² + 4m + 1",
                numeric=float(30**2 + 4 * 30 + 1), empirical=float(n_params), tol=Tol(abs=0.5, why="integer"))


# ---------------------------------------------------------------------------------------------
ANY_MODEL = Claim(
    id="ntkblog/large-alpha-any-model",
    source=f"{SRC} ('this works for any non-linear model, and is not specific to neural networks "
    "(needs to be twice differentiable though)')",
    statement="Any twice-differentiable model with centred output becomes lazy as α → ∞: κ_α = κ/α "
    "→ 0 (needs ∇y(w0) ≠ 0).",
)


def _sine_model(w, xs):
    """f(x, w) = Σ_j sin(w_j x + w_{j+1}): a non-network smooth model, p = 20."""
    return jnp.sum(jnp.sin(w[:-1][None, :] * xs[:, None] + w[1:][None, :]), axis=1)[:, None]


@ANY_MODEL.check
def test_large_alpha_any_model(check):
    xs = jnp.array([0.7])
    ybar = 1.0
    n = record(check, "random models (seeds)", Tiered(6, 20))
    alphas = np.array([10.0, 30.0, 100.0, 300.0, 1000.0])
    dj = np.zeros((alphas.size, n))
    probe = HessianProbe(lambda w, a, wr: a * (_sine_model(w, xs)[:, 0] - _sine_model(wr, xs)[:, 0]))
    grad = jax.jit(jax.grad(lambda w: _sine_model(w, xs)[0, 0]))
    run = jax.jit(jax.vmap(lambda w, a, eta: gradient_descent(
        _sine_model, w, xs, jnp.array([[ybar]]), lr=eta, steps=200, alpha=a, params0=w, loss="sum").params))
    for s in range(n):
        w0 = jnp.asarray(np.random.default_rng([47, s]).standard_normal(20))
        ks = [a * kappa_parts(probe, w0, np.array([ybar]), args=(jnp.float64(a), w0)).kappa for a in (1.0, 1000.0)]
        check.agree(f"model {s}: α·κ_α at α = 1000 vs α = 1", numeric=ks[0], empirical=ks[1],
                    tol=Tol(rel=1e-9, why="exact scaling; Lanczos tolerance"))
        g0 = grad(w0)
        eta = 0.5 / float(jnp.sum(g0**2))
        finals = run(jnp.repeat(w0[None], alphas.size, 0), jnp.asarray(alphas), jnp.full(alphas.size, eta))
        for i in range(alphas.size):
            dj[i, s] = float(jnp.linalg.norm(grad(finals[i]) - g0) / jnp.linalg.norm(g0))
    fit = bootstrap_exponent(alphas, list(dj), paired=True, seed=40)
    check.within(f"exponent of the relative Jacobian change at convergence in α ({fit})", fit.slope,
                 lo=-1.1, hi=-0.9, expected="−1", why="Δw ≈ ȳ g/(α‖g‖²): Jacobian change ∝ 1/α")


# ---------------------------------------------------------------------------------------------
NAME = Claim(
    id="ntkblog/inverse-relative-scale-name",
    source=f"{SRC} ('the authors of the paper on lazy training called this quantity κ(w0) the inverse "
    "relative scale')",
    statement="Chizat and Bach call κ(w0) the 'inverse relative scale' of the model.",
    expect="citation",
    reason="naming in Chizat, Oyallon & Bach, 'On Lazy Training in Differentiable Programming' "
    "(NeurIPS 2019, arXiv:1812.07956); a statement about another text, not checkable here",
)


@NAME.check
def test_inverse_relative_scale_name(check):
    check.note("citation only")


# ---------------------------------------------------------------------------------------------
SCALE_NOT_WIDTH = Claim(
    id="ntkblog/lazy-regime-from-scale-not-width",
    source="004_99a4d7a2f16c5da0.txt, introduction ('depends on the scale of the model, and does not "
    "require infinite width per se'); Scaling the Output",
    statement="The kernel (lazy) regime is reached at a fixed, narrow width by scaling the centred "
    "output by a large α; infinite width is not required.",
)


@SCALE_NOT_WIDTH.check
def test_lazy_regime_from_scale_not_width(check, tier):
    n = record(check, "seeds", Tiered(5, 20))
    steps = record(check, "GD steps", Tiered(3000, 3000))
    alphas = np.array([1.0, 10.0, 100.0, 1000.0])
    check.size("runs", fast="m = 10, 2 hidden layers, PyTorch init, ellipse data, lr 1e-3, loss/α²",
               paper="m = 10, 2 hidden layers, PyTorch init, ellipse data, lr 1e-3, loss/α²")
    x, y = sweeps._data(sweeps.X_ELLIPSE, sweeps.Y_ELLIPSE)
    fig, axes = figures.new(2)
    na = alphas.size
    for act in ("tanh", "relu"):
        mlp = pytorch_mlp(act, 10)
        p0 = sweeps.init_batch(mlp, range(n), key0=53)
        rep = jax.tree_util.tree_map(lambda a: jnp.repeat(a[None], na, 0).reshape(na * n, *a.shape[1:]), p0)
        res = sweeps.train_batch(mlp.apply, rep, x, y, lr=1e-3, steps=steps, every=steps,
                                 alpha=np.repeat(alphas, n), centered=True)
        dh = rel_ntk_change(sweeps.ntk_batch(mlp.apply, rep, x), sweeps.ntk_batch(mlp.apply, res.params, x))
        w0, wt = sweeps._flat_batch(rep), sweeps._flat_batch(res.params)
        dw = np.linalg.norm(wt - w0, axis=1) / np.linalg.norm(w0, axis=1)
        dh, dw = dh.reshape(na, n), dw.reshape(na, n)
        for name, v in (("relative NTK change", dh), ("relative weight change", dw)):
            means = v.mean(axis=1)
            check.holds(f"{act}, m = 10: mean {name} decreases in α = {tuple(int(a) for a in alphas)}",
                        bool(np.all(np.diff(means) < 0)), evidence=np.array2string(means, precision=4),
                        criterion="strictly decreasing", why="κ_α = κ/α at fixed width")
        fit = bootstrap_exponent(alphas[1:], list(dh[1:]), paired=True, seed=41)
        if act == "tanh":
            check.within(f"tanh, m = 10: exponent of the relative NTK change over α ≥ 10 ({fit})", fit.slope,
                         lo=-1.2, hi=-0.8, expected="−1", why="catalog band; first order in Δw ∝ 1/α")
        else:
            check.note(f"relu, m = 10: exponent over α ≥ 10 = {fit} (activation flips make it noisy)")
        figures.loglog_fit(axes[0 if act == "tanh" else 1], alphas[1:], list(dh[1:]), fit, "‖ΔH‖/‖H0‖",
                           xlabel="α", reference=-1.0)
        axes[0 if act == "tanh" else 1].set_title(f"{act}, width 10")
    check.figure(fig, "ntk-change-vs-alpha-width10")


# ---------------------------------------------------------------------------------------------
RICH = Claim(
    id="ntkblog/rich-regime-converges",
    source="004_99a4d7a2f16c5da0.txt, Seeing the Kernel Regime ('The smaller values of α also converge "
    "to 0 train loss (this is called the deep or rich regime) ... The smallest α's converge so fast')",
    statement="Small-α nets, far from the kernel regime, also reach zero training loss, and in "
    "normalised time faster than large-α nets.",
)


@RICH.check
def test_rich_regime_converges(check, alpha_runs):
    rr = alpha_runs["relu"]
    record(check, "seeds per α", sweeps.ALPHA_SEEDS)
    check.size("runs", fast="ReLU m = 100, x̄ = (−3, 0.5), ȳ = (2, −1), centred, lr 3e-4, 4000 steps, loss/α²",
               paper="ReLU m = 100, x̄ = (−3, 0.5), ȳ = (2, −1), centred, lr 3e-4, 4000 steps, loss/α²")
    alphas = list(rr["alphas"])
    big = alphas.index(100.0)
    dh = rel_ntk_change(rr["ntk0"], rr["ntkT"])
    for a in (0.03, 0.1, 0.3):
        k = alphas.index(a)
        check.within(f"α = {a}: max final training loss ½‖y_α − ȳ‖² over seeds", float(np.max(rr["fit_loss"][k])),
                     hi=1e-6, expected="→ 0", why="catalog threshold")
        check.holds(f"α = {a}: final loss below the α = 100 run from the same init, every seed",
                    bool(np.all(rr["fit_loss"][k] < rr["fit_loss"][big])),
                    evidence=f"{np.array2string(rr['fit_loss'][k], precision=2)} vs "
                    f"{np.array2string(rr['fit_loss'][big], precision=2)}", criterion="all seeds",
                    why="same init, same normalised time")
        check.within(f"α = {a}: min relative NTK change over seeds (outside the kernel regime)",
                     float(np.min(dh[k])), lo=1.0, expected="≫ 0", why="the kernel is not constant here")
