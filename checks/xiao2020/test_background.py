"""Xiao et al. (2020) §2 and §4 (opening): network, NNGP recursion, fixed points, phases.

Grids over (σ_w², σ_b²) iterate the suite's own maps (the registry erf dual printed by
:func:`numeric.normalized_recursion.pointwise_duals`), vectorized over the grid.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import mpmath
import numpy as np
import sympy as sp
from scipy.special import erf as sp_erf

from checks.harness import Claim, Estimate, StatTol, Tol
from checks.xiao2020.sweeps import (
    CHA,
    CHA2,
    DPS,
    ORD,
    TRAIN,
    eager_nngp_samples,
    fcn_cosines,
    normalized_inputs,
)
from checks.xiao2020.test_ntk_recursion import nt_fcn_kernels
from empirical.mlp import MLP
from numeric import critical_sigma_w2, dual, dual_quadrature, kernel_sequence, q_star
from numeric.normalized_recursion import (
    erf_critical_point,
    erf_fixed_point,
    normalized_k0,
    pinned_recursion,
    pointwise_duals,
)
from theory import kernel_asymptotics as ka

SRC = "003_bba93c00b4c69c6f.txt"
T_NP, TDOT_NP = pointwise_duals("erf", "numpy")


def _slope(xs, ys) -> float:
    return float(np.polyfit(np.asarray(xs, float), np.asarray(ys, float), 1)[0])


def _grid(n_w=58, n_b=41):
    sw, sb = np.meshgrid(np.linspace(0.3, 6.0, n_w), np.linspace(0.0, 2.0, n_b), indexing="ij")
    return sw.ravel(), sb.ravel()


def _grid_fixed_points(sw, sb, iters=3000):
    """Vectorized q* (diagonal map, contracting at rate χ₁/(1+2q*)), χ₁, c* from c = 0.5, χ_c."""
    q = np.ones_like(sw)
    for _ in range(400):
        q = sw * T_NP(q, q) + sb
    ok = q > 1e-8
    qs = np.where(ok, q, 1.0)
    chi1 = sw * TDOT_NP(qs, qs)
    qab = 0.5 * qs
    for _ in range(iters):
        qab = sw * T_NP(qs, qab) + sb
    chic = sw * TDOT_NP(qs, qab)
    return qs, chi1, qab / qs, chic, ok


FCN_PARAM = Claim(
    id="xiao2020/fcn-parametrization",
    source=f"{SRC}, §2, Eq. (1)",
    statement="NTK parametrization: z^{(l+1)} = (σ_w/√N)W φ(z^{(l)}) + σ_b b with W, b ~ N(0, 1); "
    "first layer (σ_w/√n₀)W x + σ_b b.",
)


@FCN_PARAM.check
def test_fcn_parametrization(check):
    fp = erf_fixed_point(*CHA, dps=30)
    qs, sw2, sb2 = float(fp.q_star), float(fp.sigma_w2), float(fp.sigma_b2)
    x = jnp.asarray(normalized_inputs(0, 4, qs, sw2, sb2))
    width = check.size("width", fast=512, paper=4096)
    n_seeds = check.size("seeds", fast=4, paper=4)
    key = jax.random.PRNGKey(check.seed(21))
    for depth in check.size("layers", fast=(1, 3), paper=(1, 2, 3)):
        # depth − 1 hidden layers and N outputs: the outputs are the N neurons of z^{(depth−1)}
        mlp = MLP("erf", sw2, sb2, depth - 1, width, out_dim=width)
        s = eager_nngp_samples(mlp, x, jax.random.fold_in(key, depth), n_seeds)
        diag = np.diagonal(s, axis1=1, axis2=2).mean(axis=1)
        # z^(0), z^(1) are exact in expectation; from z^(2) on, O(l/N) finite-width bias
        check.agree_stat(f"(1/N)Σ_i z_i^({depth - 1})(x)² (mean over 4 inputs), CHA, N = {width}",
                         empirical=Estimate.of(diag), theory=qs,
                         tol=StatTol(z=4, bias=10 * (depth - 1) / width * qs,
                                     why="4 SE over inits (catalog) + the suite's O(l/N) "
                                     "finite-width bias allowance 10·l/N (0 for l ≤ 1: exact)"))
    lin = MLP("identity", 1.3, 0.4, 3, 64)
    p = lin.init(jax.random.PRNGKey(1), 4)
    a, b = jax.random.normal(jax.random.PRNGKey(2), (2, 4))
    lhs = lin.apply(p, (0.3 * a + 0.7 * b)[None])
    rhs = 0.3 * lin.apply(p, a[None]) + 0.7 * lin.apply(p, b[None])
    check.agree("identity network: |f(0.3a + 0.7b) − 0.3f(a) − 0.7f(b)|", theory=0.0,
                numeric=float(jnp.max(jnp.abs(lhs - rhs))),
                tol=Tol(abs=1e-12, why="φ = identity: the network is affine; float64 round-off"))


NNGP_REC = Claim(
    id="xiao2020/nngp-recursion",
    source=f"{SRC}, §2, Eq. (2)",
    statement="K^{(l+1)} = σ_w² E_{N(0, Σ^{(l)})}[φ(z)φ(z')] + σ_b² with T acting on the 2×2 block; "
    "for erf T(Σ) = (2/π) arcsin(2Σ₁₂/√((1+2Σ₁₁)(1+2Σ₂₂))).",
)


@NNGP_REC.check
def test_nngp_recursion(check):
    rng = np.random.default_rng(check.seed(3))
    errs = []
    for _ in range(20):
        a, b = rng.uniform(0.1, 4.0, 2)
        c = rng.uniform(-0.99, 0.99)
        closed = float(dual("erf", a, b, c * math.sqrt(a * b)))
        quad = float(dual_quadrature("erf", a, b, c))
        errs.append(abs(closed - quad) / abs(closed))
    check.agree("max rel. |closed-form erf dual − Gauss–Hermite(256)| at 20 random PSD Σ",
                theory=0.0, numeric=max(errs),
                tol=Tol(abs=1e-8, why="catalog tolerance; the suite's Gauss–Hermite order 256 "
                        "(order 64 is too coarse for variances up to 4, where erf is nearly a step)"))
    # numeric: layer-by-layer Monte Carlo of E[φφ] under N(0, K^{(l)})
    n_mc = check.size("MC samples", fast=100_000, paper=1_000_000)
    for name, pt in (("CHA", CHA), ("ORD", ORD)):
        fp = erf_fixed_point(*pt, dps=30)
        qs, sw2, sb2 = float(fp.q_star), float(fp.sigma_w2), float(fp.sigma_b2)
        x = normalized_inputs(0, 6, qs, sw2, sb2)
        seq = kernel_sequence("erf", sw2, sb2, 10, x @ x.T / x.shape[1], ntk=False)
        for l in (1, 3):
            k_prev = seq[l - 1][0]
            z = rng.multivariate_normal(np.zeros(2), k_prev[:2, :2], size=n_mc, method="cholesky")
            prod = sw2 * sp_erf(z[:, 0]) * sp_erf(z[:, 1]) + sb2
            est = Estimate.of(prod)
            check.agree_stat(f"{name}: K^({l})(x₀, x₁) vs Monte Carlo of σ_w²E[φφ] + σ_b²",
                             empirical=est, numeric=float(seq[l][0][0, 1]),
                             tol=StatTol(z=4, why="4 SE, i.i.d. Gaussian samples (catalog)"))
        for L in (1, 10):
            nngp_nt, _ = nt_fcn_kernels(x, sw2, sb2, L)
            check.agree(f"{name}: max rel. |K_core − K_nt| at l = {L}", theory=0.0,
                        numeric=float(np.max(np.abs(seq[L][0] - nngp_nt) / np.abs(nngp_nt))),
                        tol=Tol(abs=1e-10, why="catalog: two float64 implementations of eq. (2)"))
    # empirical: covariance across neurons of a finite erf FCN
    widths = check.size("widths", fast=(128, 512), paper=(512, 2048, 8192))
    n_seeds = check.size("seeds", fast=8, paper=8)
    fp = erf_fixed_point(*ORD, dps=30)
    qs, sw2, sb2 = float(fp.q_star), float(fp.sigma_w2), float(fp.sigma_b2)
    x = normalized_inputs(1, 4, qs, sw2, sb2)
    ref = kernel_sequence("erf", sw2, sb2, 2, x @ x.T / x.shape[1], ntk=False)[-1][0]
    mae = {}
    for width in widths:
        mlp = MLP("erf", sw2, sb2, 2, width, out_dim=width)
        s = eager_nngp_samples(mlp, jnp.asarray(x), jax.random.PRNGKey(width), n_seeds)
        check.agree_stat(f"K̂^(2)(x₀, x₁) over neurons, N = {width}, ORD",
                         empirical=Estimate.of(s[:, 0, 1]), numeric=float(ref[0, 1]),
                         tol=StatTol(z=4, why="4 SE over inits (catalog)"))
        mae[width] = float(np.mean(np.abs(s - ref)))
    w0, w1 = widths[0], widths[-1]
    check.within(f"mean |K̂ − K| ratio N = {w0} over N = {w1}", mae[w0] / mae[w1], lo=1.5,
                 why="catalog: fluctuations ∝ N^{-1/2}, expected factor 2 for 4× width")


PRICE = Claim(
    id="xiao2020/erf-dual-kernel-and-price",
    source=f"{SRC}, §2–§4, Eqs. (2), (3), (12)",
    statement="T(q_ab) = (2/π) arcsin(2q_ab/(1+2q*)), Ṫ = (4/π)/√((1+2q*)² − 4q_ab²) = dT/dq_ab "
    "(Price), T̈ = (16q_ab/π)((1+2q*)² − 4q_ab²)^{−3/2}.",
)


@PRICE.check
def test_erf_dual_kernel_and_price(check):
    t, tdot, tddot, _ = ka.erf_duals()
    qa, qs = ka.q_ab, ka.q_star
    check.agree("dT/dq_ab − Ṫ (SymPy)", theory=sp.Integer(0),
                numeric=sp.simplify(sp.diff(t, qa) - tdot), tol=Tol(abs=1e-30, why="exact"))
    printed = 16 * qa / sp.pi * ((1 + 2 * qs) ** 2 - 4 * qa**2) ** sp.Rational(-3, 2)
    check.agree("T̈ (derived) − printed form", theory=sp.Integer(0),
                numeric=sp.simplify(tddot - printed), tol=Tol(abs=1e-30, why="exact"))
    rng = np.random.default_rng(check.seed(4))
    worst = {"erf": 0.0, "erf_prime": 0.0}
    for _ in range(50):
        q = rng.uniform(0.05, 3.0)
        c = rng.uniform(-0.98, 0.98)
        for name in worst:
            closed = float(dual(name, q, q, c * q))
            quad = float(dual_quadrature(name, q, q, c))
            worst[name] = max(worst[name], abs(closed - quad) / abs(closed))
    for name, err in worst.items():
        check.agree(f"max rel. |closed − Gauss–Hermite(256)| of E[{name}·{name}], 50 points",
                    theory=0.0, numeric=err, tol=Tol(abs=1e-10, why="catalog; analytic integrand"))


FIXED = Claim(
    id="xiao2020/nngp-fixed-point-structure",
    source=f"{SRC}, §2, text after Eq. (2)",
    statement="Input-independent fixed points K* = q*[δ + c*(1 − δ)]; c = 1 is always a fixed point "
    "(c = 0 too when σ_b = 0); the phase decides which is stable.",
)


@FIXED.check
def test_nngp_fixed_point_structure(check):
    t, _, _, _ = ka.erf_duals()
    qs, sw2, sb2 = ka.q_star, ka.sigma_w2, ka.sigma_b2
    diag_eq = sw2 * t.subs(ka.q_ab, qs) + sb2 - qs  # q* equation
    off_eq = sw2 * t.subs(ka.q_ab, qs) + sb2 - qs  # off-diagonal equation at q_ab = q*
    check.agree("off-diagonal fixed-point equation at q_ab = q* minus the q* equation",
                theory=sp.Integer(0), numeric=sp.simplify(off_eq - diag_eq),
                tol=Tol(abs=1e-30, why="exact: c = 1 is always a fixed point"))
    check.agree("σ_w² T(0) (σ_b = 0 makes q_ab = 0 a fixed point)", theory=sp.Integer(0),
                numeric=sp.simplify(sw2 * t.subs(ka.q_ab, 0)), tol=Tol(abs=1e-30, why="erf is odd"))
    q = sp.Symbol("q", positive=True)
    diag_map = sw2 * t.subs({ka.q_ab: q, qs: q})
    second = sp.simplify(sp.diff(diag_map, q, 2))
    vals = [float(second.subs({sw2: 1, q: v})) for v in np.linspace(0.01, 20, 200)]
    check.within("max of d²/dq² [(2/π)asin(2q/(1+2q))] on q ∈ [0.01, 20] (concave ⇒ unique q*)",
                 max(vals), hi=0.0, why="concavity of the length map")
    for pt in (ORD, CHA, CHA2):
        fp = erf_fixed_point(*pt, dps=50)
        check.agree(f"q*({pt}) at 50 digits vs numeric.q_star (brentq, float64)",
                    theory=float(fp.q_star), numeric=q_star("erf", float(pt[0]), float(pt[1])),
                    tol=Tol(rel=1e-12, why="independent float64 root bracketing"))
    n_starts = check.size("random starts", fast=200, paper=1000)
    rng = np.random.default_rng(check.seed(6))
    for name, pt, depth in (("ORD", ORD, 2000), ("CHA", CHA, 400)):
        fp = erf_fixed_point(*pt, dps=30)
        qsv, sw, sb = float(fp.q_star), float(pt[0]), float(pt[1])
        c = rng.uniform(-0.9, 0.99, size=(n_starts, 10))
        qab = c * qsv
        for _ in range(depth):
            qab = sw * T_NP(qsv, qab) + sb
        check.agree(f"{name}: max over {n_starts}×10 random starts of |c^(l) − c*|", theory=0.0,
                    numeric=float(np.max(np.abs(qab / qsv - float(fp.q_ab_star / fp.q_star)))),
                    tol=Tol(abs=1e-10, why="catalog; linear rate χ_c: χ_c^l ≪ 1e-10 at these depths"))


LIN = Claim(
    id="xiao2020/linearization-depth-scale",
    source=f"{SRC}, §2, Eq. (3) and the text after it; footnote 1",
    statement="Near the fixed point δK^{(l+1)} ≈ σ_w²Ṫ(K*)δK^{(l)}: deviations decay at rate χ_{c*}, "
    "depth scale ξ_{c*} = −1/log χ_{c*}.",
)


@LIN.check
def test_linearization_depth_scale(check, ord_mp, cha_mp):
    t, tdot, _, _ = ka.erf_duals()
    check.agree("d/dq_ab [σ_w²T(q_ab) + σ_b²] − σ_w²Ṫ(q_ab)", theory=sp.Integer(0),
                numeric=sp.simplify(sp.diff(ka.sigma_w2 * t + ka.sigma_b2, ka.q_ab)
                                    - ka.sigma_w2 * tdot), tol=Tol(abs=1e-30, why="exact"))
    iu = np.triu_indices(len(TRAIN), 1)
    for name, (fp, layers), window in (("ORD", ord_mp, (40, 60, 80, 100, 120)),
                                       ("CHA", cha_mp, (30, 50, 70, 100))):
        ys = []
        with mpmath.workdps(DPS):
            for l in window:
                dev = layers[l].nngp[np.ix_(TRAIN, TRAIN)][iu][0] - fp.q_ab_star
                ys.append(float(mpmath.log(abs(dev))))
            rate = float(mpmath.log(fp.chi_c))
        check.agree(f"{name}: fitted slope of log|q_ab − q*_ab| (one pair) over {window[0]}–"
                    f"{window[-1]} vs log χ_c", theory=rate, numeric=_slope(window, ys),
                    tol=Tol(rel=0.005, why="catalog: second-order terms O(ε) negligible for l ≫ ξ"))
        check.note(f"{name}: ξ = {-1 / rate:.5g}")


CHI1 = Claim(
    id="xiao2020/chi1-order-to-chaos",
    source=f"{SRC}, §2 (last paragraph), §4",
    statement="χ₁ = σ_w²Ṫ(q*) = 4σ_w²/(π√(1+4q*)) decides the phase: χ₁ < 1 ordered (c* = 1), "
    "χ₁ > 1 chaotic (c* < 1).",
)


@CHI1.check
def test_chi1_order_to_chaos(check):
    chis = ka.erf_chis()
    check.agree("σ_w²Ṫ(q*) − 4σ_w²/(π√(1+4q*))", theory=sp.Integer(0),
                numeric=sp.simplify(chis["chi_1"] - 4 * ka.sigma_w2 / (sp.pi * sp.sqrt(1 + 4 * ka.q_star))),
                tol=Tol(abs=1e-30, why="exact"))
    sw, sb = _grid()
    qs, chi1, _, _, ok = _grid_fixed_points(sw, sb)
    qab = 0.5 * qs
    snaps = {}
    for l in range(1, 3001):
        qab = sw * T_NP(qs, qab) + sb
        if l in (1500, 3000):
            snaps[l] = qab / qs
    keep = ok & (np.abs(chi1 - 1) > 1e-3)
    o, c_ = keep & (chi1 < 1), keep & (chi1 > 1)
    ordered_ok = np.all((1 - snaps[3000][o] < 1e-3) & (1 - snaps[3000][o] <= 1 - snaps[1500][o]))
    chaotic_ok = np.all(snaps[3000][c_] < 1 - 1e-4)
    check.holds("c = 0.5 → 1 where χ₁ < 1 and → c* < 1 where χ₁ > 1 on the 58×41 grid",
                bool(ordered_ok and chaotic_ok),
                evidence=f"{int(o.sum())} ordered points: max 1 − c^(3000) = "
                f"{np.max(1 - snaps[3000][o]):.2g}; {int(c_.sum())} chaotic points: max c* = "
                f"{np.max(snaps[3000][c_]):.6f}",
                criterion="ordered: 1 − c non-increasing and < 1e-3 at l = 3000; chaotic: c stays "
                "below 1 − 1e-4 (band |χ₁ − 1| ≤ 1e-3 excluded)",
                why="near the line the ordered approach is slow (1/l), the chaotic c* is ≈ "
                "1 − 2(χ₁ − 1)/χ₂ ≤ 1 − 1e-3")


CRIT_LINE = Claim(
    id="xiao2020/erf-critical-line",
    source=f"{SRC}, §4.3 and Fig. 2/3 settings (derived)",
    statement="erf critical line: σ_w²(q*) = π√(1+4q*)/4, σ_b²(q*) = q* − (√(1+4q*)/2)·"
    "arcsin(2q*/(1+2q*)); on it χ₂ = 4q*/(1+4q*).",
)


@CRIT_LINE.check
def test_erf_critical_line(check):
    sw2_e, sb2_e = ka.erf_critical_line()
    check.agree("σ_w²(q*) − π√(1+4q*)/4", theory=sp.Integer(0),
                numeric=sp.simplify(sw2_e - sp.pi * sp.sqrt(1 + 4 * ka.q_star) / 4),
                tol=Tol(abs=1e-30, why="exact"))
    check.agree("χ₂/χ₁ − 4q*/(1+4q*)", theory=sp.Integer(0),
                numeric=sp.simplify(ka.erf_chis()["chi_2"] / ka.erf_chis()["chi_1"]
                                    - 4 * ka.q_star / (1 + 4 * ka.q_star)),
                tol=Tol(abs=1e-30, why="exact"))
    for q in (0.5, 1, 2):
        fp = erf_critical_point(q, dps=50)
        with mpmath.workdps(50):
            check.agree(f"χ₁ at the critical point with q* = {q} (q* re-solved by findroot)",
                        theory=1, numeric=fp.chi_1, tol=Tol(abs=1e-40, why="catalog, 50 digits"))
            check.agree(f"re-solved q* = {q}", theory=q, numeric=fp.q_star,
                        tol=Tol(abs=1e-40, why="50-digit findroot"))
    for sb2 in (0.1849, 0.43):
        f = float(critical_sigma_w2("erf", sb2))
        fp = erf_fixed_point(str(f), str(sb2), dps=30)
        check.agree(f"χ₁ at numeric.critical_sigma_w2(σ_b² = {sb2}) = {f:.6f}", theory=1.0,
                    numeric=float(fp.chi_1), tol=Tol(abs=1e-9, why="float64 brentq on χ₁ − 1"))
        check.note(f"σ_b² = {sb2}: critical σ_w² = {f:.6f}, q* = {float(fp.q_star):.6f}")


CHIC = Claim(
    id="xiao2020/chic-stable-in-chaotic-phase",
    source=f"{SRC}, §4.1 (χ_c always less than 1)",
    statement="In the chaotic phase the off-diagonal fixed point q*_ab < q* is stable: χ_c < 1.",
)


@CHIC.check
def test_chic_stable_in_chaotic_phase(check):
    _, _, tddot, _ = ka.erf_duals()
    vals = [float(tddot.subs({ka.q_star: 1, ka.q_ab: v})) for v in np.linspace(0, 0.99, 50)]
    check.within("min of T̈(q_ab) for q_ab ∈ [0, 0.99q*] at q* = 1 (convexity for q ≥ 0)",
                 min(vals), lo=0.0, why="T̈ = (16q_ab/π)(…)^{−3/2} ≥ 0 for q_ab ≥ 0")
    sw, sb = _grid()
    _, chi1, _, chic, ok = _grid_fixed_points(sw, sb)
    sel = ok & (chi1 > 1.0001)
    check.within(f"max χ_c over the {int(sel.sum())} chaotic grid points (χ₁ > 1.0001)",
                 float(np.max(chic[sel])), hi=1.0, why="stability of q*_ab")


DIVERGE = Claim(
    id="xiao2020/depth-scales-diverge-at-transition",
    source=f"{SRC}, §1, §2, §4",
    statement="ξ₁ (χ₁ → 1⁻), ξ_c and ξ* (χ₁ → 1⁺) diverge at the transition like |σ_w² − σ_{w,c}²|^{−1}; "
    "near it ξ* ≈ ξ_c/2.",
)


@DIVERGE.check
def test_depth_scales_diverge_at_transition(check):
    sb2 = "0.1849"
    with mpmath.workdps(40):
        swc = mpmath.findroot(lambda s: erf_fixed_point(s, sb2, dps=40).chi_1 - 1,
                              mpmath.mpf(critical_sigma_w2("erf", 0.1849)))
    gaps = (1e-1, 3e-2, 1e-2, 3e-3, 1e-3)
    xi1, xic, xis = {}, {}, {}
    for g in gaps:
        with mpmath.workdps(40):
            lo = erf_fixed_point(swc - mpmath.mpf(g), sb2, dps=40)
            hi = erf_fixed_point(swc + mpmath.mpf(g), sb2, dps=40)
            xi1[g] = float(-1 / mpmath.log(lo.chi_1))
            xic[g] = float(-1 / mpmath.log(hi.chi_c))
            xis[g] = float(-1 / (mpmath.log(hi.chi_c) - mpmath.log(hi.chi_1)))
    for name, xi in (("ξ₁ (ordered side)", xi1), ("ξ_c (chaotic side)", xic), ("ξ*", xis)):
        slope = math.log(xi[1e-3] / xi[3e-3]) / math.log(1e-3 / 3e-3)
        check.agree(f"log-log slope of {name} vs |Δσ_w²| over the last two gaps", theory=-1.0,
                    numeric=slope, tol=Tol(rel=0.02, why="catalog: O(Δ) corrections to the pole"))
    check.agree("ξ*/ξ_c at |Δσ_w²| = 1e-3", theory=0.5, numeric=xis[1e-3] / xic[1e-3],
                tol=Tol(rel=0.01, why="catalog: log χ_c ≈ −log χ₁ near the transition"))
    check.note(f"σ_w,c² = {float(swc):.8f}; ξ₁ {xi1}; ξ_c {xic}; ξ* {xis}")


POINTWISE = Claim(
    id="xiao2020/normalized-input-pointwise-recursion",
    source=f"{SRC}, §4, Eqs. (12)–(14)",
    statement="With K^{(0)}(x, x) = q* the diagonal stays at q*, T and Ṫ act entrywise on the "
    "off-diagonals, and p^{(l+1)} = q* + χ₁p^{(l)}.",
)


@POINTWISE.check
def test_normalized_input_pointwise_recursion(check):
    t, _, _, _ = ka.erf_duals()
    check.agree("diagonal map at q = q*: σ_w²T(q*) + σ_b² − q* on the q* equation",
                theory=sp.Integer(0),
                numeric=sp.simplify((ka.sigma_w2 * t.subs(ka.q_ab, ka.q_star) + ka.sigma_b2 - ka.q_star)
                                    .subs(ka.sigma_b2, ka.q_star - ka.sigma_w2 * t.subs(ka.q_ab, ka.q_star))),
                tol=Tol(abs=1e-30, why="exact"))
    cos = fcn_cosines(4)
    depth = check.size("depth", fast=30, paper=50)
    for name, fp in (("ORD", erf_fixed_point(*ORD, dps=60)), ("CRIT(1)", erf_critical_point(1, 60)),
                     ("CHA", erf_fixed_point(*CHA, dps=60))):
        k0 = normalized_k0(cos, fp.q_star, fp.sigma_b2, dps=60)
        pin = pinned_recursion("erf", fp.sigma_w2, fp.sigma_b2, k0, [depth], dps=60)[depth]
        with mpmath.workdps(60):
            gram = k0.copy()
            for i in range(4):
                for j in range(4):
                    gram[i, j] = (k0[i, j] - fp.sigma_b2) / fp.sigma_w2
        biv = kernel_sequence("erf", fp.sigma_w2, fp.sigma_b2, depth,
                              np.asarray(gram, dtype=float), dps=60)
        # kernel_sequence converts the gram to mpf from float; compare relative to its own input
        with mpmath.workdps(60):
            err = max(abs(a - b) / abs(b) for a, b in zip(pin.ntk.reshape(-1), biv[-1][1].reshape(-1),
                                                         strict=True))
        check.agree(f"{name}: max rel. |pinned − bivariate| Θ^({depth})", theory=0.0, numeric=err,
                    tol=Tol(abs=1e-14, why="identical recursions; the bivariate run starts from "
                            "the float64-rounded Gram (1e-16 input difference, amplified by the "
                            "chaotic χ₁^l on the diagonal only through the diagonal, which is pinned)"))
    # pitfall: the pointwise map applied to the diagonal in float64, chaotic σ_w² = 4, σ_b² = 0
    qv = q_star("erf", 4.0, 0.0)
    chi = 4.0 * float(TDOT_NP(qv, qv))
    q = qv
    first = None
    for l in range(1, 400):
        q = 4.0 * float(T_NP(qv, q))
        if not np.isfinite(q) or abs(q - qv) > 1e-3 * qv:
            first = l
            break
    predicted = math.log(1e-3 / 1.1e-16) / math.log(chi)
    check.within("pitfall: depth at which the float64 pointwise diagonal leaves q* by 1e-3, "
                 "divided by the predicted log(1e-3/eps)/log χ₁", (first or 400) / predicted,
                 lo=0.5, hi=2.0, why="round-off grows like χ₁^l on the pointwise diagonal")


DIAG_FAST = Claim(
    id="xiao2020/diagonal-converges-faster",
    source=f"{SRC}, §4, footnote 3",
    statement="For erf the diagonal converges at rate χ₁/(1+2q*), faster than the off-diagonal "
    "(χ₁ ordered, χ_c chaotic).",
)


@DIAG_FAST.check
def test_diagonal_converges_faster(check):
    chis = ka.erf_chis()
    check.agree("rate_diag/χ₁ − 1/(1+2q*) (SymPy)", theory=sp.Integer(0),
                numeric=sp.simplify(chis["diag_rate"] / chis["chi_1"] - 1 / (1 + 2 * ka.q_star)),
                tol=Tol(abs=1e-30, why="exact"))
    sw, sb = _grid()
    qs, chi1, _, chic, ok = _grid_fixed_points(sw, sb)
    rate = chi1 / (1 + 2 * qs)
    off = np.where(chi1 < 1, chi1, chic)
    sel = ok & (np.abs(chi1 - 1) > 1e-3)
    check.holds("rate_diag < off-diagonal rate at every grid point", bool(np.all(rate[sel] < off[sel])),
                evidence=f"max rate_diag/off-rate = {np.max(rate[sel] / off[sel]):.4f} over "
                f"{int(sel.sum())} points", criterion="ratio < 1", why="footnote 3")
    fp = erf_fixed_point(*CHA, dps=30)
    qv, sw2, sb2 = float(fp.q_star), 3.0, 0.2
    x = normalized_inputs(2, 4, qv, sw2, sb2) * np.array([0.6, 1.0, 1.4, 1.8])[:, None]
    seq = kernel_sequence("erf", sw2, sb2, 14, x @ x.T / x.shape[1], ntk=False)
    ls = list(range(3, 12))
    ys = [math.log(abs(seq[l][0][0, 0] - qv)) for l in ls]
    check.agree("fitted slope of log|q^(l) − q*| (input norm ×0.6) vs log(χ₁/(1+2q*)) at CHA",
                theory=math.log(float(fp.chi_1) / (1 + 2 * qv)), numeric=_slope(ls, ys),
                tol=Tol(rel=0.01, why="catalog; second-order terms decay at twice the rate"))
