"""Seleznova & Kutyniok 2021, §2 and App. C: the ordered/chaotic border χ₁ = 1.

Two numeric routes to the critical line: numeric.critical_sigma_w2 (bisection on σw² with an
iterated fixed point q*, registry duals in float64) and numeric.signal_propagation.eoc_by_elimination
(σw² eliminated through χ₁ = 1, then a 1-D mpmath root at 30 digits). The empirical transition
locations come from the S1 σb² scans (test_ntk_dispersion.sigma_b_scans).
"""

import mpmath
import numpy as np
import sympy as sp
from scipy.optimize import brentq
from scipy.stats import spearmanr

from checks.harness import Claim, Tol
from checks.seleznova2021.sweeps import eoc
from checks.seleznova2021.test_ntk_dispersion import sigma_b_scans
from numeric import chi_1, critical_sigma_w2, dual, q_star
from numeric.conditional_quadrature import diagonal_expectation
from numeric.signal_propagation import eoc_by_elimination, propagate
from theory.activations import c, get_activation, q1, q2

SRC = "002_c883f155af612830.txt"
qs = sp.Symbol("q", positive=True)
w = sp.Symbol("sigma_w2", positive=True)
b2 = sp.Symbol("sigma_b2", nonnegative=True)


def _diag(name):
    return get_activation(name).dual_c.subs({q1: qs, q2: qs, c: 1})


def transition_location(s1, act, sb, sws, L, M, n, s_eoc):
    """σw² where log r crosses the midpoint between the smallest-σw² value and the value at EOC + 0.5."""
    lr = np.array([np.log(s1.cell(act, float(sw), sb, L, M, n).r) for sw in sws])
    top = np.interp(s_eoc + 0.5, sws, lr)
    mid = (lr[0] + top) / 2
    i = int(np.nonzero(lr >= mid)[0][0])
    return float(np.interp(mid, lr[i - 1:i + 1], sws[i - 1:i + 1])) if i > 0 else float(sws[0])


PHASE = Claim(
    id="seleznova2021/phase-boundary-chi1",
    source=f"{SRC}, §2 (ordered χ1 < 1, chaotic χ1 > 1, EOC χ1 = 1); Figs. 1, 3, 4, 7 (dashed line)",
    statement="The ordered and chaotic phases are separated by the edge of chaos χ1 = 1, evaluated at the fixed "
    "point q* of the variance map.",
)


@PHASE.check
def test_phase_boundary_chi1(check):
    relu_chi = w * _diag("step")
    check.holds("ReLU: χ₁ = σw²·V_step(q,q,q) = σw²/2", bool(sp.simplify(relu_chi - w / 2) == 0),
                evidence=str(sp.simplify(relu_chi)), criterion="SymPy simplify", why="exact", level="theory")
    erf_chi = w * _diag("erf_prime")
    diff = sp.simplify(erf_chi - 2 * w / sp.pi / sp.sqrt(qs + sp.Rational(1, 4)))
    check.holds("erf: χ₁ = (2/π)σw²/√(q*+1/4)", bool(diff == 0), evidence=f"difference → {diff}",
                criterion="SymPy simplify == 0", why="exact", level="theory")
    # eliminate σw² = (π/2)√(q+1/4): the fixed point becomes q = √(q+1/4)·arcsin(2q/(1+2q)) + σb²
    fixed = (w * _diag("erf") + b2).subs(w, sp.pi / 2 * sp.sqrt(qs + sp.Rational(1, 4)))
    target = sp.sqrt(qs + sp.Rational(1, 4)) * sp.asin(2 * qs / (1 + 2 * qs)) + b2
    dd = sp.simplify(fixed - target)
    check.holds("erf EOC: eliminated fixed-point equation", bool(dd == 0), evidence=f"difference → {dd}",
                criterion="SymPy simplify == 0", why="exact", level="theory")
    for sb in (0.05, 1.0):
        q_e, w_e = eoc_by_elimination("erf", sb)
        check.agree(f"erf σb² = {sb}: σw²_EOC, elimination (mpmath) vs bisection with iterated q* (float64)",
                    theory=w_e, numeric=critical_sigma_w2("erf", sb),
                    tol=Tol(rel=1e-12, why="closed-form duals; brentq to 4 ulp"))
        check.agree(f"erf σb² = {sb}: q* at the EOC, elimination vs numeric.q_star", theory=q_e,
                    numeric=q_star("erf", float(w_e), sb), tol=Tol(rel=1e-10, why="brentq on a smooth map"))
    # tanh: elimination root (1-D quadrature at 30 digits), residuals of both equations, and the core's χ₁ there
    q_t, w_t = eoc_by_elimination("tanh", 1.0)
    with mpmath.workdps(30):
        res_q = w_t * diagonal_expectation("tanh", q_t) + 1 - q_t
        res_c = w_t * diagonal_expectation("tanh_prime", q_t) - 1
    check.agree("tanh σb² = 1: residual of q* = σw²E[tanh²] + σb² at the root", theory=mpmath.mpf(0),
                numeric=res_q, tol=Tol(abs=1e-20, why="30-digit quadrature and root"))
    check.agree("tanh σb² = 1: residual of χ₁ = 1 at the root", theory=mpmath.mpf(0), numeric=res_c,
                tol=Tol(abs=1e-20, why="30-digit quadrature and root"))
    check.agree("tanh σb² = 1: numeric.chi_1 (GH-256 float64) at the elimination root", theory=mpmath.mpf(1),
                numeric=chi_1("tanh", float(w_t), 1.0),
                tol=Tol(rel=1e-7, why="numeric.duals documents GH-256 error for tanh of 6e-11 at q = 4 and "
                        "2e-7 at q = 10; tanh' = sech² is less smooth (q* ≈ 3.04)"))
    check.note(f"tanh σb² = 1: q* = {mpmath.nstr(q_t, 12)}, σw²_EOC = {mpmath.nstr(w_t, 12)}; "
               f"erf σb² = 1: σw²_EOC = {mpmath.nstr(eoc_by_elimination('erf', 1.0)[1], 12)}")
    # the finite-depth line χ₁^L = 1 (q^L reached from q^1 = σw² + σb²), for information
    lines = {}
    for L in (3, 10, 30):
        def f(sw, L=L):
            qL = propagate("erf", sw, 1.0, L, np.array([[1.0]])).q[-2][0, 0]
            return sw * float(dual("erf_prime", qL, qL, qL)) - 1
        lines[L] = brentq(f, 1.0, 6.0, xtol=1e-12)
    check.note(f"erf σb² = 1: σw² with χ₁^(L−1) = 1 at the actual q^(L−1): {lines} (q* line: 2.71838)")


RELU_EOC = Claim(
    id="seleznova2021/relu-eoc-sigma-b-independent",
    source=f"{SRC}, App. C, Fig. 7 caption; App. E.1",
    statement="For ReLU, χ1 = σw²/2 for every q, so the phase boundary is σw² = 2 whatever σb² is.",
)


@RELU_EOC.check
def test_relu_eoc_sigma_b_independent(check, s1):
    z = sp.Symbol("z", real=True)
    integral = sp.integrate(sp.Heaviside(sp.sqrt(qs) * z) ** 2 * sp.exp(-z**2 / 2) / sp.sqrt(2 * sp.pi), (z, -sp.oo, sp.oo))
    check.holds("∫Dz H(√q z)² = 1/2 for symbolic q > 0", bool(sp.simplify(integral - sp.Rational(1, 2)) == 0),
                evidence=str(integral), criterion="SymPy integrate == 1/2", why="exact", level="theory")
    for sb in (0.0, 0.01, 0.1, 1.0, 10.0):
        # the actual layer-5 variance at σw² = 2 (ReLU: q grows linearly when σb² > 0)
        qv = float(propagate("relu", 2.0, sb, 6, np.array([[1.0]])).q[4][0, 0])
        root = brentq(lambda sw, qv=qv: sw * float(dual("step", qv, qv, qv)) - 1, 0.5, 8.0, xtol=1e-15)
        check.agree(f"σb² = {sb}: root of σw²·E[H(√q z)²] = 1 at q = q^5 = {qv:.4g}", theory=sp.Integer(2),
                    numeric=root, tol=Tol(rel=1e-12, why="brentq to 1e-15 on an exactly linear function"))
    M, L, n, scans = sigma_b_scans(check)
    locs = {sb: transition_location(s1, "relu", sb, sws, L, M, n, s_eoc) for (a, sb), (s_eoc, sws) in scans.items()
            if a == "relu"}
    check.note(f"empirical ReLU transition (log r midpoint crossing), M = {M}, L = {L}: {locs} (theory 2 for all σb²)")


TANH_ERF_EOC = Claim(
    id="seleznova2021/tanh-erf-eoc-depends-on-sigma-b",
    source=f"{SRC}, App. C, Fig. 7 caption; §5 footnote 1",
    statement="For tanh and erf, the EOC σw² depends on σb², and it increases with σb².",
)


@TANH_ERF_EOC.check
def test_tanh_erf_eoc_depends_on_sigma_b(check, s1):
    # implicit differentiation for erf along G = σw²V(q) + σb² − q = 0, H = σw²V'(q) − 1 = 0
    V, Vp = _diag("erf"), _diag("erf_prime")
    G, H = w * V + b2 - qs, w * Vp - 1
    J = sp.Matrix([[sp.diff(G, qs), sp.diff(G, w)], [sp.diff(H, qs), sp.diff(H, w)]])
    dq_dw = -J.inv() * sp.Matrix([sp.diff(G, b2), sp.diff(H, b2)])
    dw_db = sp.simplify(dq_dw[1])
    signs = []
    for sb in (0.05, 0.25, 1.0, 2.0, 5.0):
        q_e, w_e = eoc_by_elimination("erf", sb)
        signs.append(float(dw_db.subs({qs: sp.Float(str(q_e), 30), w: sp.Float(str(w_e), 30)})))
    check.holds("erf: dσw²_EOC/dσb² > 0 at σb² ∈ {0.05, 0.25, 1, 2, 5} (implicit differentiation)",
                all(s > 0 for s in signs), evidence=str([f"{s:.4g}" for s in signs]), criterion="all > 0",
                why="sign of an exact derivative", level="theory")
    grid = (0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0)
    curves = {a: [float(eoc(a, sb)) if sb > 0 else float(eoc_by_elimination(a, 0.0)[1]) for sb in grid]
              for a in ("tanh", "erf")}  # sweeps.eoc: the memoised elimination route (20 digits)
    check.note(f"σw²_EOC(σb²) on σb² = {grid}: {curves}")
    for a, vals in curves.items():
        check.holds(f"{a}: σw²_EOC strictly increasing in σb²", bool(np.all(np.diff(vals) > 0)), evidence=str(vals),
                    criterion="strictly increasing", why="exact roots", level="numeric")
        check.holds(f"{a}: curve differs from ReLU's constant 2", bool(np.ptp(vals) > 0.5), evidence=f"range {np.ptp(vals):.3f}",
                    criterion="range > 0.5", why="not constant", level="numeric")
    for a, w0 in (("tanh", sp.Integer(1)), ("erf", sp.pi / 4)):
        check.agree(f"{a} σb² = 0: numeric.chi_1 (q* = 0 branch) at the analytic σw²_EOC = 1/φ'(0)²",
                    theory=sp.Integer(1), numeric=chi_1(a, float(w0), 0.0),
                    tol=Tol(rel=1e-12, why="χ₁ = σw²φ'(0)² exactly at q* = 0; float64"))
        check.agree(f"{a}: σw²_EOC(σb² = 0) from the elimination route equals 1/φ'(0)²", theory=w0,
                    numeric=curves[a][0], tol=Tol(rel=1e-12, why="analytic branch, float64"))
    M, L, n, scans = sigma_b_scans(check)
    locs = [(sb, transition_location(s1, "tanh", sb, sws, L, M, n, s_eoc)) for (a, sb), (s_eoc, sws) in scans.items()
            if a == "tanh"]
    check.note(f"empirical tanh transition locations (M = {M}, L = {L}): {locs}")
    rho = spearmanr([s for s, _ in locs], [x for _, x in locs])[0]
    check.within("tanh: Spearman ρ(σb², empirical transition location)", rho, lo=0.999,
                 why="locations increase with σb²", level="empirical")


TANH_RIGHT = Claim(
    id="seleznova2021/tanh-border-right-of-relu",
    source=f"{SRC}, §3 paragraph 2 (\"the theoretical boundary … is located at larger σw² values for sigmoid networks\")",
    statement="In the Fig. 1 setting (σb² = 1), the tanh phase boundary lies at larger σw² than the ReLU boundary σw² = 2.",
)


@TANH_RIGHT.check
def test_tanh_border_right_of_relu(check):
    w1 = float(eoc("tanh", 1.0))
    check.within("tanh σw²_EOC(σb² = 1) − 2", w1 - 2.0, lo=0.0, why="strictly right of ReLU's boundary",
                 level="numeric", expected=f"σw²_EOC = {w1:.9f}")
    flip = brentq(lambda sb: float(eoc_by_elimination("tanh", sb, dps=15)[1]) - 2.0, 0.1, 0.11, xtol=1e-4)
    check.note(f"the tanh boundary falls below 2 for σb² < {flip:.4f} (σb² = 0.1: "
               f"{float(eoc_by_elimination('tanh', 0.1, dps=15)[1]):.4f}); the statement is specific to σb² = 1. "
               f"erf (σb² = 1): {float(eoc('erf', 1.0)):.6f} > 2 as well.")
