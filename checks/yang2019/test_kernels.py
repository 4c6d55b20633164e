"""Yang & Salman 2019, §2: the MLP, its CK and NTK recursions, finite-width convergence."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import mpmath
import numpy as np
import sympy as sp

from checks.harness import Claim, Estimate, StatTol, Tol
from checks.yang2019.conftest import GP_LIMIT_DEPTH, GP_LIMIT_SEED, GP_LIMIT_SETTINGS
from empirical.boolean_sampling import sample_empirical_ntks, sample_outputs
from empirical.mlp import MLP
from numeric import dual, kernel_sequence, length_map, nngp, nngp_ntk
from numeric.boolean_fourier import cube
from theory.activations import get_activation
from theory.dot_product_kernel import kernel_layers, phi, t

SRC = "000_2c13c77332d87a04.txt"


def _expect_std_normal(expr: sp.Expr, variables) -> sp.Expr:
    """E[expr] for a polynomial in independent standard normal ``variables`` (moment rule)."""
    poly = sp.Poly(sp.expand(expr), *variables)
    total = sp.Integer(0)
    for monom, coeff in poly.terms():
        moment = sp.Integer(1)
        for k in monom:
            moment *= 0 if k % 2 else sp.factorial2(k - 1)
        total += coeff * moment
    return sp.simplify(total)


# --------------------------------------------------------------------------------------------
MLP_PARAM = Claim(
    id="yang2019/mlp-ntk-parametrization",
    source=f"{SRC}, §2 'Conjugate Kernel', Eq. MLP",
    statement="NTK-parametrized MLP with N(0,1) weights and biases: the first preactivation has "
    "covariance σ_w²⟨x,x'⟩/d + σ_b² at every width.",
)


@MLP_PARAM.check
def test_mlp_ntk_parametrization(check):
    d_sym = 3
    sw, sb = sp.symbols("sigma_w sigma_b", positive=True)
    xs, ys = sp.symbols(f"x0:{d_sym}", real=True), sp.symbols(f"y0:{d_sym}", real=True)
    ws, b = sp.symbols(f"W0:{d_sym}", real=True), sp.Symbol("b", real=True)
    h = lambda v: sw / sp.sqrt(d_sym) * sum(w * vi for w, vi in zip(ws, v, strict=True)) + sb * b  # noqa: E731
    cov = _expect_std_normal(h(xs) * h(ys), (*ws, b))
    target = sw**2 * sum(a * c for a, c in zip(xs, ys, strict=True)) / d_sym + sb**2
    check.agree(
        "E[h¹(x)h¹(x')] − (σ_w²⟨x,x'⟩/d + σ_b²), symbolic d = 3, at x = (1,−2,3), x' = (2,1,−1)",
        theory=sp.Integer(0),
        numeric=sp.simplify(cov - target).subs(
            dict(zip(xs + ys, (1, -2, 3, 2, 1, -1), strict=True)) | {sw: 2, sb: 1}
        ),
        tol=Tol(abs=1e-30, why="exact polynomial moment identity"),
    )
    d = 16
    width = check.size("first-layer width (units averaged per init)", fast=64, paper=64)
    n_inits = check.size("inits", fast=20_000, paper=1_000_000)
    rng = np.random.default_rng(check.seed(16, "inputs"))
    x = jnp.asarray(rng.choice([-1.0, 1.0], size=(2, d)))
    sw2, sb2 = 2.0, 0.5
    ref = sw2 * np.asarray(x @ x.T) / d + sb2
    for param in ("ntk", "standard"):
        mlp = MLP("relu", sw2, sb2, 0, (), parametrization=param, out_dim=width)
        f = sample_outputs(mlp, x, check.seed(1, param), n_inits, chunk=5000)  # (inits, 2, units)
        for i, j in ((0, 0), (0, 1)):
            check.agree_stat(
                f"E[h¹(x_{i})h¹(x_{j})], {param} parametrization",
                theory=float(ref[i, j]),
                empirical=Estimate.of(np.mean(f[:, i, :] * f[:, j, :], axis=1)),
                tol=StatTol(z=4, why="Monte Carlo over independent inits (units averaged); 4 SE"),
            )


# --------------------------------------------------------------------------------------------
LR_EQUIV = Claim(
    id="yang2019/ntk-param-lr-equivalence",
    source=f"{SRC}, §2, footnote 1",
    statement="SGD with learning rate α in the NTK parametrization is roughly SGD with learning "
    "rate α/width in the standard parametrization.",
)


@LR_EQUIV.check
def test_ntk_param_lr_equivalence(check):
    # theory: W_std = σ_w W/√n ⇒ ΔW_std = (σ_w/√n)(−α ∂L/∂W) = −α (σ_w²/n) ∂L/∂W_std
    w, n, alpha, sw, sb = sp.symbols("w n alpha sigma_w sigma_b", positive=True)
    loss = sp.Function("L")
    w_std = sw * w / sp.sqrt(n)
    dw = -alpha * sp.diff(loss(w_std), w)
    u = sp.Symbol("u")
    grad_std = sp.diff(loss(u), u).subs(u, w_std)
    factor_w = sp.simplify(sw / sp.sqrt(n) * dw / (-alpha * grad_std))
    factor_b = sp.simplify(sb * (-alpha * sp.diff(loss(sb * w), w)) / (-alpha * sp.diff(loss(u), u).subs(u, sb * w)))
    check.agree(
        "effective standard-param lr factor of a weight matrix / (σ_w²/fan_in)",
        theory=sp.Integer(1),
        numeric=sp.simplify(factor_w / (sw**2 / n)),
        tol=Tol(abs=1e-30, why="exact chain rule"),
    )
    check.agree(
        "effective standard-param lr factor of a bias / σ_b²",
        theory=sp.Integer(1),
        numeric=sp.simplify(factor_b / sb**2),
        tol=Tol(abs=1e-30, why="exact chain rule"),
    )
    d, depth, sw2, sb2, lr = 8, 2, 2.0, 0.5, 0.1
    width = check.size("width", fast=64, paper=1000)
    x = jnp.asarray(cube(d))
    y = jnp.asarray(np.random.default_rng(check.seed(3, "target")).standard_normal((2**d, 1)))
    ntk = MLP("relu", sw2, sb2, depth, width)
    std = MLP("relu", sw2, sb2, depth, width, parametrization="standard")
    p_ntk = ntk.init(jax.random.PRNGKey(check.seed(4, "init")), d)
    fan_in = std.widths(d)
    p_std = [
        {"W": np.sqrt(sw2 / m) * layer["W"], "b": np.sqrt(sb2) * layer["b"]}
        for layer, m in zip(p_ntk, fan_in, strict=True)
    ]

    def loss_of(model):
        return lambda p: 0.5 * jnp.mean((model.apply(p, x) - y) ** 2)

    g_ntk = jax.grad(loss_of(ntk))(p_ntk)
    g_std = jax.grad(loss_of(std))(p_std)
    new_ntk = jax.tree_util.tree_map(lambda p, g: p - lr * g, p_ntk, g_ntk)
    per_tensor = [
        {"W": layer["W"] - lr * sw2 / m * g["W"], "b": layer["b"] - lr * sb2 * g["b"]}
        for layer, g, m in zip(p_std, g_std, fan_in, strict=True)
    ]
    global_lr = [
        {"W": layer["W"] - lr / width * g["W"], "b": layer["b"] - lr / width * g["b"]}
        for layer, g in zip(p_std, g_std, strict=True)
    ]
    f_ntk = np.asarray(ntk.apply(new_ntk, x))
    scale = float(np.max(np.abs(f_ntk)))
    check.agree(
        "max |f_ntk − f_std| after one step (per-tensor lr σ_w²/fan_in, σ_b²), / max|f|",
        theory=0.0,
        numeric=float(np.max(np.abs(np.asarray(std.apply(per_tensor, x)) - f_ntk))) / scale,
        tol=Tol(abs=1e-12, why="the same function and update up to float64 round-off"),
    )
    f_global = np.asarray(std.apply(global_lr, x))
    move = float(np.max(np.abs(f_ntk - np.asarray(ntk.apply(p_ntk, x)))))
    mismatch = float(np.max(np.abs(f_global - f_ntk)))
    check.within(
        "mismatch of a single global lr α/width, relative to the NTK step's own change",
        mismatch / move,
        lo=1e-3,
        why="'roughly': bias lrs do not scale with width and the first fan-in is d, so the "
        "global rule differs at first order in the step (any nonzero, non-round-off value)",
    )


# --------------------------------------------------------------------------------------------
V_TRANSFORM = Claim(
    id="yang2019/v-transform",
    source=f"{SRC}, §2, Definition (V_φ)",
    statement="V_φ maps a PSD kernel K to the PSD kernel E_{f~GP(0,K)} φ(f(x))φ(f(x')).",
)


@V_TRANSFORM.check
def test_v_transform(check):
    from numeric.duals import dual_quadrature, phi_mpmath

    ident = get_activation("identity").dual
    from theory.activations import q12

    check.agree(
        "V_id(K) − K (symbolic)",
        theory=sp.Integer(0),
        numeric=sp.simplify(ident - q12),
        tol=Tol(abs=1e-30, why="exact"),
    )
    rng = np.random.default_rng(check.seed(30, "wishart"))
    n_mat = check.size("Wishart matrices", fast=20, paper=20)
    acts = {"relu": 1.0, "step": 1.0, "erf": 1.0, "erf_prime": 1.0, "exp(·/2)": 0.25}
    worst = {a: math.inf for a in acts}
    for _ in range(n_mat):
        g = rng.standard_normal((30, 40))
        k = g @ g.T / 40
        q = np.diag(k)
        for a, s in acts.items():
            name = "exp" if a.startswith("exp") else a
            v = dual(name, s * q[:, None], s * q[None, :], s * k)
            lam = np.linalg.eigvalsh(v)
            worst[a] = min(worst[a], lam[0] / np.linalg.norm(v, 2))
    for a in acts:
        check.within(
            f"min over {n_mat} Wishart K of λ_min(V_{a}(K))/‖V‖₂",
            worst[a],
            lo=-1e-10,
            why="PSD (a Gram matrix in L²) up to float64 eigen-solver round-off",
        )
    # entries against independent quadrature: GH for smooth φ, 1-D conditional mpmath for kinks
    k = rng.standard_normal((3, 5))
    k = k @ k.T / 5
    for a in ("erf", "erf_prime"):
        cc = k[0, 1] / np.sqrt(k[0, 0] * k[1, 1])
        check.agree(
            f"V_{a}(K)[0,1] vs 2-D Gauss–Hermite (order 160)",
            numeric=float(dual(a, k[0, 0], k[1, 1], k[0, 1])),
            empirical=None,
            theory=float(dual_quadrature(a, k[0, 0], k[1, 1], cc, order=160)),
            tol=Tol(rel=1e-10, why="catalog: Gauss–Hermite of an entire integrand, ≤ 1e-10"),
        )
    with mpmath.workdps(30):
        qa, qb, qab = (mpmath.mpf(float(v)) for v in (k[0, 0], k[1, 1], k[0, 1]))
        s = mpmath.sqrt(qb - qab**2 / qa)
        relu = phi_mpmath("relu")

        def inner(u):
            m = qab / qa * u
            return m * mpmath.ncdf(m / s) + s * mpmath.npdf(m / s)

        quad_relu = mpmath.quad(lambda u: relu(u) * inner(u) * mpmath.npdf(u, 0, mpmath.sqrt(qa)), [0, mpmath.inf])
        quad_step = mpmath.quad(lambda u: mpmath.ncdf(qab / qa * u / s) * mpmath.npdf(u, 0, mpmath.sqrt(qa)), [0, mpmath.inf])
    check.agree("V_relu(K)[0,1] vs 1-D conditional quadrature", theory=quad_relu,
                numeric=float(dual("relu", k[0, 0], k[1, 1], k[0, 1])),
                tol=Tol(rel=1e-10, why="catalog: mpmath conditional quadrature, ≤ 1e-10"))
    check.agree("V_step(K)[0,1] vs 1-D conditional quadrature", theory=quad_step,
                numeric=float(dual("step", k[0, 0], k[1, 1], k[0, 1])),
                tol=Tol(rel=1e-10, why="catalog: mpmath conditional quadrature, ≤ 1e-10"))
    # the defining expectation over f ~ GP(0, K) on 3 points, by Monte Carlo (JAX)
    n_mc = check.size("GP samples", fast=400_000, paper=4_000_000)
    chol = np.linalg.cholesky(k)
    z = np.asarray(jax.random.normal(jax.random.PRNGKey(check.seed(31, "gp")), (n_mc, 3)))
    f = z @ chol.T
    for a, fn in (("relu", lambda u: np.maximum(u, 0)), ("erf", None)):
        from scipy.special import erf as erf_fn

        vals = fn(f) if fn else erf_fn(f)
        check.agree_stat(
            f"E_{{f~GP(0,K)}} {a}(f(x_0)) {a}(f(x_2))",
            numeric=float(dual(a, k[0, 0], k[2, 2], k[0, 2])),
            empirical=Estimate.of(vals[:, 0] * vals[:, 2]),
            tol=StatTol(z=4, why="Monte Carlo over GP samples; 4 SE"),
        )


# --------------------------------------------------------------------------------------------
CK_RECURSION = Claim(
    id="yang2019/ck-recursion",
    source=f"{SRC}, §2, Eq. CK",
    statement="Σ¹ = σ_w²⟨x,x'⟩/d + σ_b², Σ^l = σ_w² V_φ(Σ^{l−1}) + σ_b²; the CK is Σ^{L+1}.",
)


@CK_RECURSION.check
def test_ck_recursion(check):
    printed = 2 / sp.pi * (sp.sqrt(1 - t**2) + (sp.pi - sp.acos(t)) * t)
    derived = phi("relu", 2, 0, 1, "ck")
    check.agree(
        "Σ²(t) − (2/π)(√(1−t²) + (π − arccos t)t), relu σ_w² = 2, σ_b = 0, L = 1 (symbolic)",
        theory=sp.Integer(0),
        numeric=sp.simplify(derived - printed),
        tol=Tol(abs=1e-30, why="exact symbolic identity"),
    )
    check.agree("Σ²(1)", theory=sp.Integer(2), numeric=sp.simplify(derived.subs(t, 1)),
                tol=Tol(abs=1e-30, why="exact"))
    d = 7
    x = cube(d)
    grid_idx = [2 ** r - 1 for r in range(d + 1)]  # points with r = 0..d minus-ones
    for act, (sw2, sb2) in (("relu", (2.0, 0.5)), ("erf", (2.0, 0.1))):
        for depth in (1, 2, 8):
            seq = kernel_sequence(act, sw2, sb2, depth, x[grid_idx] @ x[grid_idx].T / d, ntk=False)
            k_num = seq[-1][0][0]
            for r in (0, 3, 7):
                theory = kernel_layers(act, sw2, sb2, depth, cos=sp.Rational(d - 2 * r, d),
                                       ntk=False, digits=40)[-1][0]
                check.agree(
                    f"{act} ({sw2}, {sb2}) L = {depth}: Σ^{{L+1}}(t = {d - 2 * r}/{d})",
                    theory=theory,
                    numeric=float(k_num[r]),
                    tol=Tol(rel=1e-13, why="float64 closed-form recursion vs 40-digit SymPy composition"),
                )
            # diagonal: q^l = Σ^l(x, x) equals the iterated length map of numeric.mean_field
            q = sw2 + sb2
            for _ in range(depth):
                q = length_map(act, sw2, sb2, q)
            check.agree(
                f"{act} L = {depth}: Σ^{{L+1}}(x, x) vs iterated length map",
                numeric=float(k_num[0]),
                theory=q,
                tol=Tol(rel=1e-14, why="two float64 routes to the same map"),
            )


# --------------------------------------------------------------------------------------------
CK_GP_LIMIT = Claim(
    id="yang2019/ck-gp-limit",
    source=f"{SRC}, §2 and App. C.1 'Conjugate Kernel'",
    statement="As hidden widths → ∞, the preactivations on a finite set converge to N(0, Σ^l).",
)


def _intercept_fit(widths, means, ses):
    """Weighted LS fit of mean = a + b/width; returns (a, se_a)."""
    w = 1 / np.asarray(ses) ** 2
    design = np.stack([np.ones(len(widths)), 1 / np.asarray(widths, dtype=float)], axis=1)
    cov = np.linalg.inv(design.T @ (w[:, None] * design))
    coef = cov @ design.T @ (w * np.asarray(means))
    return float(coef[0]), float(np.sqrt(cov[0, 0])), float(coef[1])


@CK_GP_LIMIT.check
def test_ck_gp_limit(check, gp_limit_data):
    widths = gp_limit_data["widths"]
    check.size("widths", fast=str(widths), paper=str(widths))
    check.size("inits per width", fast=gp_limit_data["n_inits"], paper=gp_limit_data["n_inits"])
    check.seed(GP_LIMIT_SEED, "base seed (conftest)")
    x = gp_limit_data["x"]
    for act, (sw2, sb2) in GP_LIMIT_SETTINGS.items():
        sigma = nngp(act, sw2, sb2, GP_LIMIT_DEPTH, x @ x.T / x.shape[1])
        kurts = []
        for i, j in ((0, 0), (0, 1), (0, 3)):
            means, ses = [], []
            for n in widths:
                est = Estimate.of(gp_limit_data["kernels"][act][n][:, i, j])
                means.append(est.mean - sigma[i, j])
                ses.append(est.se)
            a, se_a, b = _intercept_fit(widths, means, ses)
            check.within(
                f"{act}: intercept a of (emp − Σ³)[{i},{j}] = a + b/width (fit over widths), in SE",
                a / se_a,
                lo=-1.96 * 1.2,
                hi=1.96 * 1.2,
                why="95% CI of the width→∞ intercept contains 0 (O(1/n) bias modelled by b/n); "
                "×1.2 for the uncertainty of the 2-parameter weighted fit",
            )
        for n in widths:
            # f(x) | hidden layers ~ N(0, v), v = Σ̂(x, x): excess kurtosis of f = 3 Var(v)/E[v]²
            v = gp_limit_data["kernels"][act][n][:, 0, 0]
            kurts.append(3 * np.var(v, ddof=1) / np.mean(v) ** 2)
        slope = np.polyfit(np.log(widths), np.log(kurts), 1)[0]
        check.note(f"{act}: excess kurtosis of f(x_0) at widths {widths}: {np.round(kurts, 5)}")
        check.within(
            f"{act}: log-log slope of the excess kurtosis of f(x_0) vs width",
            slope,
            lo=-1.3,
            hi=-0.7,
            why="Gaussian limit: excess kurtosis 3Var(Σ̂)/Σ̂² = O(1/n) (slope −1); ±0.3 for "
            "the O(1/n²) correction at the smallest widths and MC error",
        )
        check.within(
            f"{act}: excess kurtosis of f(x_0) at width {widths[-1]}, carried to width 1024 by 1/n",
            kurts[-1] * widths[-1] / 1024,
            hi=0.1,
            why="catalog threshold |excess kurtosis| < 0.1 at width 1024; the tier's largest "
            "width is scaled by the O(1/n) law whose slope is asserted above",
        )


# --------------------------------------------------------------------------------------------
NTK_RECURSION = Claim(
    id="yang2019/ntk-recursion",
    source=f"{SRC}, §2, Eq. NTK",
    statement="Θ¹ = Σ¹, Θ^l = Σ^l + σ_w² Θ^{l−1} V_{φ'}(Σ^{l−1}); the network's NTK is Θ^{L+1}.",
)


@NTK_RECURSION.check
def test_ntk_recursion(check):
    # theory: symbolic width-2, d = 2 network, L = 1: the gradient inner product, term by term
    n, d = 2, 2
    sw, sb = sp.symbols("sigma_w sigma_b", positive=True)
    fphi = sp.Function("phi")
    x, y = sp.symbols("x0:2", real=True), sp.symbols("y0:2", real=True)
    w1 = sp.Matrix(n, d, lambda i, j: sp.Symbol(f"W1_{i}{j}", real=True))
    b1 = sp.symbols(f"b1_0:{n}", real=True)
    w2 = sp.symbols(f"W2_0:{n}", real=True)
    b2 = sp.Symbol("b2", real=True)
    params = [*w1, *b1, *w2, b2]

    def net(v):
        h = [sw / sp.sqrt(d) * sum(w1[a, j] * v[j] for j in range(d)) + sb * b1[a] for a in range(n)]
        return sw / sp.sqrt(n) * sum(w2[a] * fphi(h[a]) for a in range(n)) + sb * b2, h

    fx, hx = net(x)
    fy, hy = net(y)
    ntk = sum(sp.diff(fx, p) * sp.diff(fy, p) for p in params)
    sigma1 = sw**2 * (x[0] * y[0] + x[1] * y[1]) / d + sb**2
    dphi = lambda h: sp.Subs(sp.Derivative(fphi(sp.Symbol("s")), sp.Symbol("s")), sp.Symbol("s"), h).doit()  # noqa: E731
    predicted = (
        sw**2 / n * sum(fphi(hx[a]) * fphi(hy[a]) for a in range(n)) + sb**2
        + sw**2 / n * sum(w2[a] ** 2 * dphi(hx[a]) * dphi(hy[a]) for a in range(n)) * sigma1
    )
    check.agree(
        "Σ_p ∂f(x)/∂p ∂f(y)/∂p − [σ_w²/n Σφφ' + σ_b² + σ_w²/n Σ (W²_α)² φ'φ' Σ¹] (symbolic)",
        theory=sp.Integer(0),
        numeric=sp.simplify(sp.expand(ntk - predicted)),
        tol=Tol(abs=1e-30, why="exact symbolic identity at width 2"),
    )
    # E[(W²)²] = 1 and W² ⟂ h ⇒ E = σ_w² V_φ(Σ¹) + σ_b² + σ_w² V_φ'(Σ¹) Σ¹ = Θ² at every width
    for act, (sw2, sb2) in (("relu", (2.0, 0.1)), ("erf", (2.0, 0.1))):
        for depth in (1, 3):
            for cos in (sp.Rational(5, 7), sp.Rational(-3, 7)):
                th = kernel_layers(act, sw2, sb2, depth, cos=cos, digits=40)[-1][1]
                g = np.array([[1.0, float(cos)], [float(cos), 1.0]])
                check.agree(
                    f"{act} ({sw2}, {sb2}) L = {depth}: Θ^{{L+1}}(t = {cos})",
                    theory=th,
                    numeric=float(nngp_ntk(act, sw2, sb2, depth, g)[1][0, 1]),
                    tol=Tol(rel=1e-13, why="float64 recursion vs 40-digit SymPy composition"),
                )
    # empirical: at L = 1 the expected finite-width NTK equals Θ² exactly, at any width
    width = check.size("width (L = 1, exact in expectation)", fast=8, paper=8)
    n_inits = check.size("inits", fast=4000, paper=100_000)
    xs = cube(5)[[0, 3, 12, 31]]
    for act in ("relu", "erf"):
        mlp = MLP(act, 2.0, 0.1, 1, width)
        ntks = sample_empirical_ntks(mlp, xs, check.seed(7, act), n_inits, chunk=1000)
        theta = nngp_ntk(act, 2.0, 0.1, 1, xs @ xs.T / 5)[1]
        for i, j in ((0, 0), (0, 2), (1, 3)):
            check.agree_stat(
                f"{act} width {width}: E[Θ̂(x_{i}, x_{j})] vs Θ²",
                numeric=float(theta[i, j]),
                empirical=Estimate.of(ntks[:, i, j]),
                tol=StatTol(z=4, why="unbiased at every width for L = 1; MC over inits, 4 SE"),
            )


# --------------------------------------------------------------------------------------------
NTK_CONVERGENCE = Claim(
    id="yang2019/ntk-convergence",
    source=f"{SRC}, App. C.1 'Neural Tangent Kernel'",
    statement="At initialization the finite-width NTK converges to Θ^{L+1} as the widths → ∞.",
)


@NTK_CONVERGENCE.check
def test_ntk_convergence(check):
    widths = check.size("widths", fast=(32, 64, 128), paper=(512, 1024, 2048, 4096, 8192))
    n_seeds = check.size("seeds per width", fast=6, paper=32)
    rng = np.random.default_rng(check.seed(11, "points"))
    x = cube(7)[rng.choice(128, size=16, replace=False)]
    boot_rng = np.random.default_rng(check.seed(12, "bootstrap"))
    for act in ("relu", "erf"):
        theta = nngp_ntk(act, 2.0, 0.1, 2, x @ x.T / 7)[1]
        errs = []
        for i, n in enumerate(widths):
            mlp = MLP(act, 2.0, 0.1, 2, n)
            ntks = sample_empirical_ntks(mlp, x, check.seed(100 + i, f"{act} {n}"), n_seeds, chunk=8)
            errs.append(np.linalg.norm(ntks - theta, axis=(1, 2)) / np.linalg.norm(theta))
        errs = np.array(errs)  # (widths, seeds)
        logw = np.log(widths)
        slope = np.polyfit(logw, np.log(np.median(errs, axis=1)), 1)[0]
        boots = []
        for _ in range(400):
            pick = boot_rng.integers(0, n_seeds, size=(len(widths), n_seeds))
            med = np.median(np.take_along_axis(errs, pick, axis=1), axis=1)
            boots.append(np.polyfit(logw, np.log(med), 1)[0])
        lo, hi = np.percentile(boots, [2.5, 97.5])
        check.note(f"{act}: median rel. Frobenius error per width {widths}: {np.round(np.median(errs, 1), 4)}; "
                   f"slope {slope:.3f}, bootstrap 95% CI [{lo:.3f}, {hi:.3f}]")
        check.within(f"{act}: log-log slope of the median relative error vs width", slope,
                     lo=-0.75, hi=-0.25, why="catalog: theory −1/2 (CLT fluctuations O(n^{−1/2}))")
        check.within(f"{act}: bootstrap 95% CI upper end of the slope", hi, hi=0.0,
                     why="the error decreases with width (CI excludes 0)")
        check.within(f"{act}: median relative error at width {widths[-1]}", float(np.median(errs[-1])),
                     hi=0.15 * math.sqrt(512 / widths[-1]),
                     why="catalog: < 0.15 at width 512, scaled by the theory rate √(512/n) to the "
                     "tier's largest width")
