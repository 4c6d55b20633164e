"""Seleznova & Kutyniok 2021, §5 eq. (10), Theorem 5.3, App. B: the output variance after training.

Algebra: theory.equicorrelated (SymPy). Numbers: numeric.ntk_output_variance (eq. (10), exact variance,
Theorem 5.3) on kernels from numeric.signal_propagation (Θ*, K = Q^L). Monte Carlo: Gaussian-process
samples (NumPy) and real networks (checks/seleznova2021/sweeps.layerwise_mc).
"""

import mpmath
import numpy as np
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.harness import Claim, Estimate, StatTol, Tol
from checks.seleznova2021.sweeps import s3_profile
from empirical.digits_mnist import digits
from numeric.ntk_output_variance import (
    equicorrelated_condition_number,
    kernel_regression_mean,
    kernel_regression_variance,
    theorem53_variance,
)
from numeric.signal_propagation import kappa_by_depth_mp, pair_gram, propagate
from theory.equicorrelated import (
    A,
    S,
    a_of_ratio,
    equicorrelated,
    qbar,
    qsr,
    r,
    variance_expanded,
    variance_theorem,
    woodbury_inverse,
)
from theory.equicorrelated import (
    kernel_regression_variance as kr_var_sym,
)

SRC = "002_c883f155af612830.txt"
ERF_EOC = 2.718381352
DEPTHS = (5, 10, 20, 50, 100)


def _thm_from_profile(prof, L, n_train, j=0):
    """(Var_thm, q̄, q̄_sr, r) at depth L for the pair (0, j+1) of a DepthProfile (weights-part κ, α_l = 1)."""
    k = prof.kappa[L - 1]
    q = prof.q[L - 1]
    ratio = k[0, 0] / k[0, j + 1]
    return theorem53_variance(float(ratio), n_train, float(q[0, 0]), float(q[0, j + 1])), float(q[0, 0]), \
        float(q[0, j + 1]), float(ratio)


WOODBURY = Claim(
    id="seleznova2021/woodbury-inverse",
    source=f"{SRC}, App. B (Θ̄*^(-1) = (1/(αM(κ̄1 − κ̄2)))(I_S − κ̄2/(κ̄1 + (S−1)κ̄2)·11ᵀ))",
    statement="The inverse of αM((κ̄1 − κ̄2)I + κ̄2 11ᵀ) has the printed Sherman–Morrison/Woodbury form.",
)


@WOODBURY.check
def test_woodbury_inverse(check):
    a, b = sp.symbols("a b", positive=True)
    Jc = sp.Symbol("Jcoef")
    # (xI + yJ)(uI + vJ) = xuI + (xv + yu + yvS)J with J² = SJ; inverse iff xu = 1 and the J-coefficient vanishes
    x_, y_, u_, v_ = a - b, b, 1 / (a - b), -b / ((a - b) * (a + (S - 1) * b))
    coef = sp.simplify(x_ * v_ + y_ * u_ + y_ * v_ * S)
    check.holds("J-coefficient of the product with the printed inverse (J² = SJ, symbolic S)", bool(coef == 0),
                evidence=f"{coef}", criterion="SymPy simplify == 0", why="exact", level="theory")
    del Jc
    prod = sp.simplify(equicorrelated(a, b, 5) * woodbury_inverse(a, b, 5))
    check.holds("explicit S = 5: matrix × printed inverse = I", prod == sp.eye(5), evidence=str(prod[0, :2]),
                criterion="exact identity matrix", why="exact", level="theory")
    rng = np.random.default_rng(check.seed(5))
    for Sv in (2, 10, 128):
        bv = rng.uniform(0.1, 1.0)
        av = bv + rng.uniform(0.01, 2.0)
        m = (av - bv) * np.eye(Sv) + bv * np.ones((Sv, Sv))
        inv = (np.eye(Sv) - bv / (av + (Sv - 1) * bv) * np.ones((Sv, Sv))) / (av - bv)
        err = float(np.max(np.abs(m @ inv - np.eye(Sv))))
        check.within(f"S = {Sv}: max|M·M_inv − I| / cond(M)", err / np.linalg.cond(m), hi=1e-12,
                     why="catalog: ≤ 1e-12·cond (float64 round-off)")


EXACT = Claim(
    id="seleznova2021/thm53-exact-terms",
    source=f"{SRC}, App. B (E_w0[f^(t=∞)] = Θ*(x,X)Θ*(X)^(-1)Y; the variance terms)",
    statement="With a deterministic NTK and f^0 ~ GP(0, K), the mean of f^(t=∞) is the kernel-regression predictor and "
    "its initialization variance is K(x,x) − 2Θ(x,X)Θ^(-1)K(X,x) + Θ(x,X)Θ^(-1)K(X)Θ^(-1)Θ(X,x).",
)


@EXACT.check
def test_thm53_exact_terms(check):
    # SymPy, S = 2: f∞(x) = m + aᵀ f0_joint with a = (1, −w), w = Θ(x,X)Θ^{-1}: Var = aᵀ K_joint a
    t11, t12, t22, tx1, tx2 = sp.symbols("t11 t12 t22 tx1 tx2", real=True)
    k = sp.symbols("k00 k01 k02 k11 k12 k22", real=True)
    K = sp.Matrix([[k[0], k[1], k[2]], [k[1], k[3], k[4]], [k[2], k[4], k[5]]])  # (x, x1, x2)
    T = sp.Matrix([[t11, t12], [t12, t22]])
    w = sp.Matrix([[tx1, tx2]]) * T.inv()
    avec = sp.Matrix([[1, -w[0], -w[1]]])
    var_direct = (avec * K * avec.T)[0, 0]
    var_formula = kr_var_sym(k[0], sp.Matrix([[k[1], k[2]]]), K[1:, 1:], sp.Matrix([[tx1, tx2]]), T)
    d = sp.simplify(var_direct - var_formula)
    check.holds("S = 2: E[f²] − (Ef)² of eq. (10) equals the App. B formula", bool(d == 0), evidence=f"difference → {d}",
                criterion="SymPy simplify == 0", why="exact", level="theory")
    # Monte Carlo over GP draws of f0 on S + 1 points, kernels from S3 on digits (ReLU (2,1), L = 5)
    x, y, _ = digits(9)
    pr = propagate("relu", 2.0, 1.0, 5, x @ x.T / 64, input_dim=64, width=256)
    Kf, Tf = pr.q[-1], pr.ntk()
    train, test = np.arange(1, 9), np.array([0])
    n = check.size("GP samples", fast=100_000, paper=1_000_000)
    rng = np.random.default_rng(check.seed(53))
    f0 = rng.multivariate_normal(np.zeros(9), Kf, size=n)
    w = np.linalg.solve(Tf[np.ix_(train, train)], Tf[np.ix_(test, train)].T).T
    fin = f0[:, test] + (y[train] - f0[:, train]) @ w.T
    samples = fin[:, 0]
    est = Estimate.of((samples - samples.mean()) ** 2 * n / (n - 1))
    check.agree_stat("Var over GP draws of eq. (10) vs exact formula", empirical=est,
                     numeric=float(kernel_regression_variance(Kf, Tf, train, test)[0]),
                     tol=StatTol(z=4, why="4 SE of the sample variance"))
    check.agree_stat("mean over GP draws vs Θ(x,X)Θ^(-1)Y", empirical=Estimate.of(samples),
                     numeric=float(kernel_regression_mean(Tf, y[train], train, test)[0]), tol=StatTol(z=4, why="4 SE"))


def _equicorrelated_case(act, sw, sb, L, n_train, c0=0.5, M=256):
    """Kernels of S + 1 inputs with all cosines c0 (the test point included)."""
    g = (1 - c0) * np.eye(n_train + 1) + c0 * np.ones((n_train + 1, n_train + 1))
    pr = propagate(act, sw, sb, L, g, input_dim=64, width=M)
    return pr.q[-1], pr.ntk(), pr


APPROX = Claim(
    id="seleznova2021/thm53-data-independent-approx",
    source=f"{SRC}, §5 Theorem 5.3; App. B (approximation steps with A and ⟨q_sr⟩)",
    statement="Replacing the NTK by its data-independent part and averaging q over the data turns the exact variance "
    "into a formula in κ̄1/κ̄2, S, q̄^L and q̄^L_sr.",
)


@APPROX.check
def test_thm53_data_independent_approx(check):
    a, b, qv, qs = sp.symbols("a b q q_s", positive=True)
    Sv = 4
    T = equicorrelated(a, b, Sv)
    K = equicorrelated(qv, qs, Sv)
    exact = kr_var_sym(qv, sp.ones(1, Sv) * qs, K, sp.ones(1, Sv) * b, T)
    thm = variance_theorem(a_of_ratio(a / b, Sv), Sv).subs({qbar: qv, qsr: qs})
    d = sp.simplify(exact - thm)
    check.holds("equicorrelated data (S = 4): exact variance = Theorem 5.3", bool(d == 0), evidence=f"difference → {d}",
                criterion="SymPy simplify == 0", why="exact", level="theory")
    for Sv in (2, 10, 128):
        K, T, pr = _equicorrelated_case("relu", 1.5, 1.0, 10, Sv)
        train, test = np.arange(1, Sv + 1), np.array([0])
        ex = float(kernel_regression_variance(K, T, train, test)[0])
        thm_full = float(theorem53_variance(T[1, 1] / T[1, 2], Sv, K[0, 0], K[0, 1]))
        check.agree(f"S = {Sv}: Theorem 5.3 with κ̄ from the full Θ* (biases included) vs exact", theory=ex,
                    numeric=thm_full, tol=Tol(rel=1e-10, why="catalog: 1e-10 (float64 solves)"))
        kw = pr.kappa(width_scale=256)
        thm_w = float(theorem53_variance(kw[1, 1] / kw[1, 2], Sv, K[0, 0], K[0, 1]))
        check.note(f"S = {Sv}: weights-only κ (Lemma 5.2 without the O(1/M) bias term) gives relative error "
                   f"{abs(thm_w / ex - 1):.2e}")
    # descriptive: real data, 32 train + 32 test digits
    x, _, _ = digits(64)
    g = x @ x.T / 64
    train, test = np.arange(32), np.arange(32, 64)
    rows = []
    for act, cells in (("relu", [(1.5, 1.0), (2.0, 1.0), (3.0, 1.0)]), ("erf", [(1.5, 1.0), (ERF_EOC, 1.0), (4.0, 1.0)])):
        for sw, sb in cells:
            errs = []
            for L in (2, 5, 10, 20, 50):
                pr = propagate(act, sw, sb, L, g, input_dim=64, width=256)
                K, T = pr.q[-1], pr.ntk()
                ex = kernel_regression_variance(K, T, train, test)
                Ttr = T[np.ix_(train, train)]
                ratio = np.mean(np.diag(Ttr)) / np.mean(Ttr[~np.eye(32, dtype=bool)])
                Ktr = K[np.ix_(train, train)]
                thm = theorem53_variance(ratio, 32, np.mean(np.diag(K)), np.mean(Ktr[~np.eye(32, dtype=bool)]))
                errs.append(float(abs(thm / np.mean(ex) - 1)))
            rows.append(f"{act} ({sw:.4g},{sb}): " + "/".join(f"{e:.2g}" for e in errs))
    check.note("digits (32 train, 32 test, M = 256): relative error |Thm 5.3 / mean exact − 1| at L = 2/5/10/20/50 — "
               + "; ".join(rows) + " (descriptive, no criterion)")


ALGEBRA = Claim(
    id="seleznova2021/thm53-algebraic-form",
    source=f"{SRC}, §5 Theorem 5.3; App. B (final rewriting)",
    statement="q̄ − 2Aq̄_sr + A²(q̄/S + (1 − 1/S)q̄_sr) = (1 + A²/S)(q̄ − q̄_sr) + (A − 1)²q̄_sr.",
)


@ALGEBRA.check
def test_thm53_algebraic_form(check):
    d = sp.simplify(variance_expanded() - variance_theorem())
    check.holds("expanded − printed form", bool(d == 0), evidence=f"{d}", criterion="SymPy simplify == 0", why="exact",
                level="theory")
    lim1 = sp.simplify(sp.limit(variance_theorem(a_of_ratio()), r, 1))
    check.holds("κ̄1/κ̄2 → 1: A → 1, Var → (1 + 1/S)(q̄ − q̄_sr)", bool(sp.simplify(lim1 - (1 + 1 / S) * (qbar - qsr)) == 0),
                evidence=str(lim1), criterion="SymPy limit", why="exact", level="theory")
    lim0 = sp.limit(variance_theorem(a_of_ratio()), r, sp.oo)
    check.holds("κ̄1/κ̄2 → ∞: A → 0, Var → q̄", bool(sp.simplify(lim0 - qbar) == 0), evidence=str(lim0),
                criterion="SymPy limit", why="exact", level="theory")
    bad = []

    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(st.floats(0.01, 100), st.floats(0.0, 1.0), st.integers(1, 500), st.floats(1.0, 1e4))
    def prop(q, frac, s, rr):
        qs_ = frac * q
        av = s / (rr + s - 1)
        e = q - 2 * av * qs_ + av**2 * (q / s + (1 - 1 / s) * qs_)
        t = float(theorem53_variance(rr, s, q, qs_))
        if not (abs(e - t) <= 1e-12 * max(abs(t), q) and t >= -1e-12 * q):
            bad.append((q, frac, s, rr, e, t))

    prop()
    check.holds("hypothesis: both forms agree (1e-12) and Var ≥ 0", not bad, evidence=f"{len(bad)} counterexamples / 300",
                criterion="no counterexample", why="float64 round-off", level="numeric")


SCOPE = Claim(
    id="seleznova2021/thm53-variance-scope",
    source=f"{SRC}, §5 (Var defined as E_w0,D[(f − E_w0,D f)²]); App. B (Y-terms cancel; expectation over D)",
    statement="Theorem 5.3 defines the variance over initialization and dataset, but App. B computes only "
    "E_D[Var_w0(f|D)]; the term Var_D(E_w0[f|D]) is dropped.",
    expect="erratum",
    reason="Law of total variance: Var_{w0,D} = E_D Var_{w0} + Var_D(Θ(x,X)Θ^(-1)Y). With infinite-width kernels "
    "(M = 256), a pool of 300 digits, S = 10, y = tanh(vᵀx/√d) and 400 random datasets the dropped term is 3.7 % of "
    "the total for ReLU (2,1), L = 5, and 40 % for ReLU (1.5,1), L = 10 (E_D Var_w0 = 0.0138, Var_D E_w0 = 0.0091).",
)


@SCOPE.check
def test_thm53_variance_scope(check):
    m1, m2, v = sp.symbols("m1 m2 v", real=True)  # E_D m, E_D m², E_D v for m = E_w0[f|D], v = Var_w0[f|D]
    total = (v + m2) - m1**2  # E[f²] − (E f)² with E[f²|D] = v + m²
    d = sp.simplify(total - (v + (m2 - m1**2)))
    check.holds("law of total variance: Var = E_D Var_w0 + Var_D E_w0", bool(d == 0), evidence=f"{d}",
                criterion="SymPy simplify == 0", why="exact", level="theory", role="corrected")
    pool_n = check.size("pool", fast=300, paper=1000)
    n_sets = check.size("datasets", fast=400, paper=2000)
    x, _, _ = digits(pool_n)
    rng = np.random.default_rng(check.seed(2021, "datasets"))
    vdir = rng.standard_normal(64)
    y = np.tanh(x @ vdir / np.sqrt(64))
    g = x @ x.T / 64
    fracs = {}
    for act, sw, sb, L in (("relu", 2.0, 1.0, 5), ("relu", 1.5, 1.0, 10)):
        pr = propagate(act, sw, sb, L, g, input_dim=64, width=256)
        K, T = pr.q[-1], pr.ntk()
        test = np.array([0])
        ms, vs = [], []
        for _ in range(n_sets):
            train = rng.choice(np.arange(1, pool_n), size=10, replace=False)
            ms.append(float(kernel_regression_mean(T, y[train], train, test)[0]))
            vs.append(float(kernel_regression_variance(K, T, train, test)[0]))
        ms, vs = np.array(ms), np.array(vs)
        total = np.mean(vs + ms**2) - np.mean(ms) ** 2
        ev, vd = np.mean(vs), np.var(ms)
        check.agree(f"{act} ({sw},{sb}) L={L}: total = E_D Var_w0 + Var_D E_w0 (400 datasets)", theory=float(total),
                    numeric=float(ev + vd), tol=Tol(rel=1e-12, why="identity of sample moments (ddof = 0)"),
                    role="corrected")
        fracs[(act, sw, sb, L)] = (float(ev), float(vd), float(vd / total))
    check.note("E_D Var_w0, Var_D E_w0, dropped fraction: " + "; ".join(f"{k}: {v[0]:.4g}, {v[1]:.4g}, {v[2]:.3f}"
                                                                       for k, v in fracs.items()))
    worst = max(f for _, _, f in fracs.values())
    check.within("printed scope: the dropped Var_D E_w0 is negligible (≤ 5 % of the total) in every cell", worst, hi=0.05,
                 why="catalog's threshold for a non-negligible omission", role="printed")


BIASVAR = Claim(
    id="seleznova2021/bias-variance-decomposition",
    source=f"{SRC}, §5 (R(x) = Var + Bias)",
    statement="The expected squared error at a test point splits into variance plus squared bias.",
)


@BIASVAR.check
def test_bias_variance_decomposition(check):
    f, yt = sp.symbols("f y", real=True)
    Ef, Ef2 = sp.symbols("Ef Ef2", real=True)
    risk = Ef2 - 2 * yt * Ef + yt**2  # E[(f − y)²] for deterministic y
    d = sp.simplify(risk - ((Ef2 - Ef**2) + (Ef - yt) ** 2))
    check.holds("E[(f − y)²] = Var + (E f − y)²", bool(d == 0), evidence=str(d), criterion="SymPy simplify == 0",
                why="exact", level="theory")
    del f
    bad = []

    @settings(max_examples=200, deadline=None, derandomize=True)
    @given(st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=40), st.floats(-1e3, 1e3))
    def prop(xs, ytrue):
        a = np.asarray(xs)
        R = np.mean((a - ytrue) ** 2)
        rhs = np.var(a) + (np.mean(a) - ytrue) ** 2
        if abs(R - rhs) > 1e-9 * max(R, 1.0):
            bad.append((xs, ytrue))

    prop()
    check.holds("hypothesis: plug-in R = Var (ddof 0) + Bias", not bad, evidence=f"{len(bad)} counterexamples",
                criterion="≤ 1e-9 relative", why="float64 round-off of sums of up to 40 terms of size 1e6",
                level="numeric")


def _mp_thm(act, sw, sb, n_train, c0=0.5, Lmax=100):
    prof = kappa_by_depth_mp(act, sw, sb, Lmax, pair_gram(c0), dps=40)
    out = {}
    with mpmath.workdps(40):
        for L in DEPTHS:
            k, q = prof.kappa[L - 1], prof.q[L - 1]
            ratio = k[0, 0] / k[0, 1]
            a = n_train / (ratio + n_train - 1)
            var = (1 + a**2 / n_train) * (q[0, 0] - q[0, 1]) + (a - 1) ** 2 * q[0, 1]
            out[L] = (var, q[0, 0], q[0, 1], a)
    return out


ORD_SMALL = Claim(
    id="seleznova2021/var-ordered-small-decreasing",
    source=f"{SRC}, §5 (ordered bullet: \"Var ∝ q̄^L − q̄^L_sr, i.e. the variance is small and decreases with depth\")",
    statement="In the ordered phase A → 1, so the theorem's variance ≈ (1 + 1/S)(q̄^L − q̄^L_sr), small and decreasing "
    "with depth.",
    expect="not_reproduced",
    reason="Var_thm is small and strictly decreasing in every ordered cell (e.g. ReLU (1.5,1), S = 10: 0.16, 0.031, 1.6e-3, "
    "2.7e-7, 1.5e-13 at L = 5…100; 40-digit arithmetic), but the catalog's '≈ (1 + 1/S)(q̄ − q̄_sr) within 1 %' fails "
    "for ReLU at S = 10: the ratio tends to 1.0107 (σw² = 1) and 1.077 (σw² = 1.5) instead of 1, because (A − 1)²q̄_sr "
    "decays at the same rate as q̄ − q̄_sr for ReLU (erf: ratio → 1; S = 128: ≤ 5e-4).",
)


@ORD_SMALL.check
def test_var_ordered_small_decreasing(check):
    rows = []
    for act, sw, sb in (("relu", 1.0, 1.0), ("relu", 1.5, 1.0), ("erf", 1.5, 1.0)):
        for n_train in (10, 128):
            vals = _mp_thm(act, sw, sb, n_train)
            dev = {L: abs(vals[L][0] / ((1 + mpmath.mpf(1) / n_train) * (vals[L][1] - vals[L][2])) - 1) for L in (20, 50, 100)}
            rows.append((act, sw, sb, n_train, [vals[L][0] for L in DEPTHS], dev))
    check.note("Var_thm at L = 5/10/20/50/100 and |Var/((1+1/S)(q̄−q̄_sr)) − 1| at L = 20/50/100 (40 digits): " + "; ".join(
        f"{a} ({w},{b}) S={s_}: " + "/".join(mpmath.nstr(v, 3) for v in seq) + " | "
        + "/".join(mpmath.nstr(d, 3) for d in dev.values()) for a, w, b, s_, seq, dev in rows))
    for act, sw, sb, n_train, seq, _dev in rows:
        check.holds(f"{act} ({sw},{sb}) S={n_train}: Var_thm strictly decreasing over L = {DEPTHS}",
                    all(b < a for a, b in zip(seq, seq[1:], strict=False)),
                    evidence=" > ".join(mpmath.nstr(v, 3) for v in seq), criterion="strictly decreasing",
                    why="40-digit arithmetic (q̄ − q̄_sr ~ 1e-13 at L = 100)")
    for act, sw, sb, n_train, _seq, dev in rows:
        for L, d in dev.items():
            check.within(f"{act} ({sw},{sb}) S={n_train} L={L}: |Var_thm/((1+1/S)(q̄−q̄_sr)) − 1|", d, hi=1e-2,
                         why="catalog: < 1e-2")


def _thm_profile(check, act, sw, sb, n_train, L):
    c0s = (0.0, 0.5, 0.9) if act == "tanh" else tuple(round(0.1 * k, 1) for k in range(10))
    prof = s3_profile(act, sw, sb, c0s, 100)
    return _thm_from_profile(prof, L, n_train, j=list(c0s).index(0.5))


CHAOS_Q = Claim(
    id="seleznova2021/var-chaotic-prop-ql",
    source=f"{SRC}, §5 (chaotic bullet: \"A decreases, and q̄^L is much larger than q̄^L_st … Var ∝ q̄^L\")",
    statement="In the chaotic phase A → 0 and q̄^L ≫ q̄^L_sr, so the theorem's variance approaches q̄^L.",
    expect="not_reproduced",
    reason="Holds for erf (4,1) and tanh (6,1) (Var/q̄^L → 1 at L = 100), but not for ReLU: for σw² = 2.5 and 3 "
    "(σb² = 1, c0 = 0.5) q̄_sr/q̄ → 1 (no chaotic fixed point c* < 1) and Var_thm/q̄^L → 0; also for erf q̄_sr/q̄ → c* ≈ 0.79, "
    "'much larger' is an overstatement.",
)


@CHAOS_Q.check
def test_var_chaotic_prop_ql(check):
    lim = sp.limit(variance_theorem(A), A, 0)
    check.holds("A → 0: Var → q̄", bool(sp.simplify(lim - qbar) == 0), evidence=str(lim), criterion="SymPy limit",
                why="exact", level="theory")
    rows = []
    for act, sw, sb in (("erf", 4.0, 1.0), ("tanh", 6.0, 1.0), ("relu", 2.5, 1.0), ("relu", 3.0, 1.0)):
        for n_train in (10, 128):
            var, q, qs_, _ = _thm_profile(check, act, sw, sb, n_train, 100)
            rows.append((act, sw, sb, n_train, var / q, qs_ / q))
    check.note("L = 100, c0 = 0.5: Var_thm/q̄, q̄_sr/q̄ — " + "; ".join(
        f"{a} ({w},{b}) S={s}: {v:.3g}, {c:.3g}" for a, w, b, s, v, c in rows))
    for act, sw, sb, n_train, vq, cq in rows:
        check.within(f"{act} ({sw},{sb}) S={n_train}: Var_thm/q̄^L at L = 100", vq, lo=0.9, why="catalog: > 0.9")
        check.within(f"{act} ({sw},{sb}) S={n_train}: q̄_sr/q̄ at L = 100", cq, hi=0.9, why="catalog: < 0.9")


EOC_SMALLER = Claim(
    id="seleznova2021/var-eoc-smaller-than-chaotic",
    source=f"{SRC}, §5 (EOC bullet: \"κ̄1/κ̄2 grows with depth … at EOC q̄^L is smaller than in the chaotic phase\")",
    statement="At the EOC the NTK is well-conditioned like in the chaotic phase, but q̄^L, and with it the theorem's "
    "variance, is smaller than in the chaotic phase.",
)


@EOC_SMALLER.check
def test_var_eoc_smaller_than_chaotic(check):
    from theory.activations import c as c_
    from theory.activations import get_activation, q1, q2

    qs_, w, b = sp.symbols("q sigma_w2 sigma_b2", positive=True)
    V = get_activation("erf").dual_c.subs({q1: qs_, q2: qs_, c_: 1})
    dq_dw = V / (1 - w * sp.diff(V, qs_))  # implicit differentiation of q = σw²V(q) + σb²
    signs = []
    from numeric import q_star
    for sw, sb in ((1.5, 1.0), (ERF_EOC, 1.0), (4.0, 1.0)):
        qv = q_star("erf", sw, sb)
        signs.append(float(dq_dw.subs({qs_: qv, w: sw})))
    check.holds("erf: ∂q*/∂σw² > 0 at σw² ∈ {1.5, EOC, 4} (σb² = 1)", all(s > 0 for s in signs), evidence=str(signs),
                criterion="all > 0", why="stable fixed point: σw²V'(q*) < 1", level="theory")
    S_ = 128
    for (a1, w1, b1), (a2, w2, b2) in ((("relu", 2.0, 1.0), ("relu", 3.0, 1.0)), (("erf", ERF_EOC, 1.0), ("erf", 4.0, 1.0))):
        for L in DEPTHS:
            v1, q1v, _, _ = _thm_profile(check, a1, w1, b1, S_, L)
            v2, q2v, _, _ = _thm_profile(check, a2, w2, b2, S_, L)
            check.holds(f"{a1} L={L}: q̄^L(EOC) < q̄^L(chaotic) and Var_thm(EOC) < Var_thm(chaotic)", bool(q1v < q2v and v1 < v2),
                        evidence=f"q̄ {q1v:.4g} < {q2v:.4g}; Var {v1:.4g} < {v2:.4g}", criterion="both inequalities",
                        why="exact recursions (S = 128)")
    for act, sw in (("relu", 2.0), ("erf", ERF_EOC)):
        r20 = _thm_profile(check, act, sw, 1.0, S_, 20)[3]
        r100 = _thm_profile(check, act, sw, 1.0, S_, 100)[3]
        c20, c100 = (float(equicorrelated_condition_number(rr, S_)) for rr in (r20, r100))
        check.within(f"{act} EOC: cond(Θ̄) at L = 100 minus at L = 20", c100 - c20, hi=0.0, why="does not increase",
                     expected=f"{c20:.4g} → {c100:.4g}")
        ro = _thm_profile(check, act, 1.5, 1.0, S_, 50)[3]
        check.within(f"{act}: cond(Θ̄) ordered (1.5,1) at L = 50 / EOC at L = 50",
                     float(equicorrelated_condition_number(ro, S_)) / float(
                         equicorrelated_condition_number(_thm_profile(check, act, sw, 1.0, S_, 50)[3], S_)),
                     lo=100.0, why="catalog: ≥ 100× better conditioned at the EOC")
    check.note("'Generalize better' is not checked beyond the variance comparison.")


PROP_Q = Claim(
    id="seleznova2021/var-prop-ql-conclusion",
    source=f"{SRC}, §6 (\"the data-independent variance … is proportional to the output variance at initialization "
    "q^L in the chaotic phase and at EOC\")",
    statement="The data-independent variance is proportional to q^L both in the chaotic phase and at the EOC.",
    expect="not_reproduced",
    reason="Var_thm/q̄^L decays with depth at the EOC and for chaotic ReLU (c0 = 0.5): L = 20 → 100, S = 128: ReLU (2,1) "
    "0.0117 → 0.00077, (2,0) 0.0485 → 0.0039, erf σw² = 2.7184 0.044 → 0.0086, ReLU (3,1) 0.0375 → 0.0036 (S = 10: "
    "ReLU (2,1) 0.0149 → 0.0040). Only erf (4,1) and tanh (6,1) keep Var/q̄ → 1.",
)


@PROP_Q.check
def test_var_prop_ql_conclusion(check):
    rows = []
    for act, sw, sb in (("relu", 2.0, 1.0), ("relu", 2.0, 0.0), ("erf", ERF_EOC, 1.0), ("erf", 4.0, 1.0), ("tanh", 6.0, 1.0),
                        ("relu", 2.5, 1.0), ("relu", 3.0, 1.0)):
        for n_train in (10, 128):
            v20, q20, _, _ = _thm_profile(check, act, sw, sb, n_train, 20)
            v100, q100, _, _ = _thm_profile(check, act, sw, sb, n_train, 100)
            rows.append((act, sw, sb, n_train, v20 / q20, v100 / q100))
    check.note("Var_thm/q̄^L at L = 20 → 100 (c0 = 0.5): " + "; ".join(
        f"{a} ({w:.4g},{b}) S={s}: {x:.3g} → {y:.3g}" for a, w, b, s, x, y in rows))
    for act, sw, sb, n_train, x20, x100 in rows:
        check.within(f"{act} ({sw:.4g},{sb}) S={n_train}: (Var/q̄)(L=100) / (Var/q̄)(L=20)", x100 / x20, lo=0.5,
                     why="catalog: no decay to 0 (≥ half)")


TRAINABILITY_THEORY = Claim(
    id="seleznova2021/ill-conditioning-trainability",
    source=f"{SRC}, §5 (\"Ill-conditioned NTK also implies that the maximum learning rate … is small … untrainable\")",
    statement="An ill-conditioned NTK means that at any stable learning rate the slowest modes converge very slowly.",
)


@TRAINABILITY_THEORY.check
def test_ill_conditioning_trainability(check):
    th, cnd = sp.symbols("theta cond", positive=True)
    # steps to shrink the slowest mode by e at η = θη_c: t = −1/log(1 − 2θ/cond) ≥ cond/(2θ) − 1 for cond > 2θ
    t = -1 / sp.log(1 - 2 * th / cnd)
    u = sp.Symbol("u", positive=True)  # u = 2θ/cond ∈ (0, 1): −1/log(1−u) ≥ 1/u − 1 ⟺ −log(1−u) ≤ u/(1−u)
    g = u / (1 - u) + sp.log(1 - u)
    check.holds("−log(1−u) ≤ u/(1−u) on (0, 1) (so steps_e ≥ cond/(2θ) − 1)",
                bool(sp.simplify(sp.diff(g, u) - u / (1 - u) ** 2) == 0 and g.subs(u, 0) == 0),
                evidence=f"g(0) = 0, g'(u) = {sp.simplify(sp.diff(g, u))} ≥ 0", criterion="monotone from 0", why="exact",
                level="theory")
    check.agree("θ = 1, cond = 100: −1/log(1 − 2/cond) vs cond/2 − 1 (lower bound)", theory=sp.N(t.subs({th: 1, cnd: 100}), 30),
                numeric=49.0, tol=Tol(rel=0.02, why="the bound is tight to O(1/cond) relative"))
    x, _, _ = digits(32)
    g2 = x @ x.T / 64
    eta = 1e-5  # the paper's learning rate (Figs. 3, 4)
    rows = []
    cells = [("relu", 1.0, 1.0), ("relu", 1.5, 1.0), ("relu", 2.0, 1.0), ("relu", 3.0, 1.0), ("erf", 1.5, 1.0),
             ("erf", ERF_EOC, 1.0), ("erf", 4.0, 1.0)]
    for act, sw, sb in cells:
        for L in (6, 12, 20):
            lam = np.linalg.eigvalsh(propagate(act, sw, sb, L, g2, input_dim=64, width=256).ntk())
            eta_c = 2 * 32 / lam[-1]
            rows.append((act, sw, sb, L, 32 / (eta * lam[0]), lam[-1] / lam[0] / 2, eta_c))
    check.note("T_fit = S/(η λ_min) at η = 1e-5, cond/2, η_c (M = 256, 32 digits): " + "; ".join(
        f"{a} ({w:.4g},{b}) L={L}: {t:.3g}, {c:.3g}, {e:.2g}" for a, w, b, L, t, c, e in rows))
    for act, sw, sb, L, tfit, _, eta_c in rows:
        if L != 20:
            continue
        if (act, sw) in (("relu", 1.0), ("erf", 1.5)):
            check.within(f"{act} ({sw},{sb}) L=20 (ordered): T_fit at η = 1e-5", tfit, lo=1e5, why="beyond the paper's 1e5-step cap")
        elif (act, sw) in (("relu", 2.0), ("relu", 3.0), ("erf", ERF_EOC), ("erf", 4.0)) and eta_c >= eta:
            check.within(f"{act} ({sw:.4g},{sb}) L=20: T_fit at η = 1e-5", tfit, hi=1e5, why="trainable within the cap")
