"""Xiao et al. (2020) App. D, eqs. (86)–(100): 1-D circular CNN kernels, readouts and pooling.

Numerics: :mod:`numeric.conv_kernels` against neural-tangents ``stax.Conv(padding='CIRCULAR')``
+ ``Flatten`` / ``GlobalAvgPool``; finite CNNs from :mod:`empirical.cnn`.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import sympy as sp

from checks.harness import Claim, Estimate, StatTol, Tol
from checks.harness.cache import disk_cache
from checks.xiao2020.sweeps import CHA, CNN_TEST, CNN_TRAIN, CNN_Y, ORD, ord_cnn_deep
from empirical.cnn import CNN1D
from empirical.nt_compat import load_neural_tangents
from empirical.ntk import empirical_ntk
from numeric.conv_kernels import (
    conv_recursion,
    input_kernel,
    normalized_images,
    readout,
    shift_average,
)
from numeric.normalized_recursion import (
    cosine_matrix,
    erf_critical_point,
    erf_fixed_point,
    normalized_k0,
    pinned_recursion,
)
from numeric.ntk_spectrum import mean_predictor, spectrum
from theory import kernel_asymptotics as ka

SRC = "003_bba93c00b4c69c6f.txt"


def nt_cnn_kernels(x, sigma_w2, sigma_b2, k, depth, kind):
    """neural-tangents (nngp, ntk) of [Conv(circular), Erf] × depth, Conv, Flatten|GlobalAvgPool."""
    load_neural_tangents()
    from neural_tangents import stax

    ws, bs = float(np.sqrt(sigma_w2)), float(np.sqrt(sigma_b2))

    def conv():
        return stax.Conv(1, (2 * k + 1,), padding="CIRCULAR", W_std=ws, b_std=bs,
                         parameterization="ntk")

    layers = []
    for _ in range(depth):
        layers += [conv(), stax.Erf()]
    layers += [conv(), stax.Flatten() if kind == "flatten" else stax.GlobalAvgPool()]
    _, _, kfn = stax.serial(*layers)
    out = kfn(np.asarray(x), None, ("nngp", "ntk"))
    return np.asarray(out.nngp), np.asarray(out.ntk)


def _slope(xs, ys) -> float:
    return float(np.polyfit(np.asarray(xs, float), np.asarray(ys, float), 1)[0])


CNN_NNGP = Claim(
    id="xiao2020/cnn-nngp-recursion",
    source=f"{SRC}, App. D, Eqs. (86)–(90)",
    statement="1-D circular CNN: K^{(l+1)} = A∘T(K^{(l)}), [A(K)]_{αα'} = σ_b² + (σ_w²/(2k+1))"
    "Σ_β K_{α+β,α'+β}.",
)


@CNN_NNGP.check
def test_cnn_nngp_recursion(check):
    d, kk = 4, 1
    c = sp.Matrix(d, d, lambda i, j: sp.Symbol(f"C{min(i, j)}{max(i, j)}"))
    # E[z_α z'_α'] for z_α = Σ_{β,j} w_{jβ} y_{j,α+β}, w iid unit variance: Σ_β C_{α+β, α'+β}
    sym = sp.Matrix(d, d, lambda a, b: sum(c[(a + be) % d, (b + be) % d] for be in range(-kk, kk + 1)))
    rng = np.random.default_rng(check.seed(51))
    vals = {s: rng.standard_normal() for s in c.free_symbols}
    cnum = np.array(c.subs(vals), dtype=float)
    num = shift_average(cnum[None, :, None, :], kk)[0, :, 0, :] * (2 * kk + 1)
    check.agree("max |Σ_β C_{α+β,α'+β} (SymPy, d = 4, k = 1) − (2k+1)·Â(C) (numeric)|", theory=0.0,
                numeric=float(np.max(np.abs(np.array(sym.subs(vals), dtype=float) - num))),
                tol=Tol(abs=1e-13, why="same sum, float64"))
    x = rng.standard_normal((4, 8, 3))
    sw2, sb2, k = 1.7, 0.3, 1
    depths = (1, 10)
    lay = conv_recursion("erf", sw2, sb2, k, input_kernel(x, sw2, sb2, k), depths)
    for L in depths:
        for kind in ("flatten", "pool"):
            nn, _ = nt_cnn_kernels(x, sw2, sb2, k, L, kind)
            ours = readout(lay[L].nngp, kind)
            check.agree(f"max rel. |K_{kind} − K_nt| at l = {L} (random images, bivariate T)",
                        theory=0.0, numeric=float(np.max(np.abs(ours - nn) / np.abs(nn))),
                        tol=Tol(abs=1e-10, why="catalog: two float64 implementations"))
    channels = check.size("channels", fast=128, paper=512)
    n_seeds = check.size("seeds", fast=8, paper=8)
    lay3 = conv_recursion("erf", sw2, sb2, k, input_kernel(x, sw2, sb2, k), [3])[3]
    xs = jnp.asarray(x)
    for kind in ("flatten", "pool"):
        net = CNN1D("erf", sw2, sb2, 3, channels, k, kind, out_dim=32)
        ref = readout(lay3.nngp, kind)
        ests = []
        for i in range(n_seeds):
            p = net.init(jax.random.PRNGKey(500 + i), 8, 3)
            f = np.asarray(net.apply(p, xs))
            ests.append(f @ f.T / f.shape[1])
        ests = np.asarray(ests)
        for a, b in ((0, 0), (0, 1)):
            check.agree_stat(f"finite CNN (C = {channels}, depth 3) {kind} NNGP entry ({a}, {b})",
                             empirical=Estimate.of(ests[:, a, b]), numeric=float(ref[a, b]),
                             tol=StatTol(z=4, bias=10 * 3 / channels * abs(float(ref[a, b])),
                                         why="4 SE over inits + O(l/C) finite-width bias (10·l/C)"))


CNN_NTK = Claim(
    id="xiao2020/cnn-ntk-recursion",
    source=f"{SRC}, App. D.1, Eqs. (91)–(92)",
    statement="CNN NTK: Θ^{(l+1)} = K^{(l+1)} + σ_w² Â(Ṫ(K^{(l)}) ⊙ Θ^{(l)}), Â the shift average.",
)


@CNN_NTK.check
def test_cnn_ntk_recursion(check):
    rng = np.random.default_rng(check.seed(52))
    x = rng.standard_normal((4, 8, 3))
    sw2, sb2, k = 1.7, 0.3, 1
    lay = conv_recursion("erf", sw2, sb2, k, input_kernel(x, sw2, sb2, k), (1, 10))
    for L in (1, 10):
        for kind in ("flatten", "pool"):
            _, nk = nt_cnn_kernels(x, sw2, sb2, k, L, kind)
            ours = readout(lay[L].ntk, kind)
            check.agree(f"max rel. |Θ_{kind} − Θ_nt| at l = {L}", theory=0.0,
                        numeric=float(np.max(np.abs(ours - nk) / np.abs(nk))),
                        tol=Tol(abs=1e-9, why="catalog: two float64 implementations"))
    channels = check.size("channels", fast=128, paper=256)
    n_seeds = check.size("seeds", fast=6, paper=8)
    depth = 2
    lay_d = conv_recursion("erf", sw2, sb2, k, input_kernel(x, sw2, sb2, k), [depth])[depth]
    xs = jnp.asarray(x)
    for kind in ("pool", "flatten"):
        ref = readout(lay_d.ntk, kind)
        net = CNN1D("erf", sw2, sb2, depth, channels, k, kind)
        fn = jax.jit(lambda p, net=net: empirical_ntk(net.apply, p, xs, method="jacobian"))
        samples = np.asarray([np.asarray(fn(net.init(jax.random.PRNGKey(600 + i), 8, 3)))
                              for i in range(n_seeds)])
        name = "CNN-P" if kind == "pool" else "CNN-F"
        for a, b in ((0, 0), (0, 1)):
            check.agree_stat(f"finite {name} NTK entry ({a}, {b}) (C = {channels}, depth {depth})",
                             empirical=Estimate.of(samples[:, a, b]), numeric=float(ref[a, b]),
                             tol=StatTol(z=3, bias=10 * depth / channels * abs(float(ref[a, b])),
                                         why="3 SE over inits + O(l/C) finite-width bias (10·l/C)"))


FOURIER = Claim(
    id="xiao2020/cnn-fourier-mode-decoupling",
    source=f"{SRC}, App. D.1, Eqs. (93)–(97)",
    statement="Linearized CNN corrections decouple over the Fourier modes of Â: mode f decays at "
    "rate ρ_f χ_c with ρ_f = (1/(2k+1))Σ_β cos(2πfβ/d); the f = 0 mode follows the FCN law.",
)


@FOURIER.check
def test_cnn_fourier_mode_decoupling(check):
    d, k = 8, 1
    a_hat = sp.zeros(d, d)
    for i in range(d):
        for be in range(-k, k + 1):
            a_hat[i, (i + be) % d] += sp.Rational(1, 2 * k + 1)
    eig = sorted(float(v) for v in a_hat.eigenvals(multiple=True))
    rho = sorted((1 + 2 * math.cos(2 * math.pi * f / d)) / 3 for f in range(d))
    check.agree("max |eigenvalues of the circulant Â (SymPy) − ρ_f|", theory=0.0,
                numeric=float(np.max(np.abs(np.array(eig) - np.array(rho)))),
                tol=Tol(abs=1e-12, why="exact eigenvalues, float comparison"))
    fp = erf_fixed_point(*CHA, dps=30)
    qs, qab, chic = float(fp.q_star), float(fp.q_ab_star), float(fp.chi_c)
    m = 3
    rng = np.random.default_rng(check.seed(53))
    pert = rng.standard_normal((m, d, m, d)) * 1e-6
    pert = (pert + pert.transpose(2, 3, 0, 1)) / 2
    k0 = np.full((m, d, m, d), qab) + pert
    for a in range(m):
        for al in range(d):
            k0[a, al, a, al] = qs
    lay = conv_recursion("erf", 3.0, 0.2, k, k0, range(0, 13), pinned=True)
    ls = list(range(2, 11))
    rates = {}
    for f in (0, 1, 2, 4):
        comp = []
        for l in ls:
            eps = lay[l].nngp[0, :, 1, :] - qab  # one input pair (x ≠ x'), all pixel pairs
            e_hat = np.fft.fft2(eps)
            comp.append(abs(sum(e_hat[f1, (f - f1) % d] for f1 in range(d))))
        rates[f] = _slope(ls, np.log(comp))
        rho_f = (1 + 2 * math.cos(2 * math.pi * f / d)) / 3
        check.agree(f"fitted decay rate of Fourier mode f = {f} (|ρ_f| = {abs(rho_f):.3f})",
                    theory=math.log(abs(rho_f) * chic), numeric=rates[f],
                    tol=Tol(rel=0.02, why="catalog; perturbation 1e-6: nonlinear terms ~1e-12"))
    check.note(f"ρ_f χ_c rates: {rates}; the f = 0 rate is the FCN's log χ_c = {math.log(chic):.6f}")


READOUT = Claim(
    id="xiao2020/cnn-readout-flatten-pool",
    source=f"{SRC}, App. D.2, Eqs. (98)–(100)",
    statement="Flatten reads (1/d)Σ_α Θ_αα, pooling (1/d²)Σ_{αα'}Θ_αα'; with equal off-diagonals "
    "Θ_flatten = p·1_{x=x'} + p_ab·1_{x≠x'} and Θ_pool = ((p − p_ab)/d)·1_{x=x'} + p_ab.",
)


@READOUT.check
def test_cnn_readout_flatten_pool(check, cnn_crit):
    a, b = ka.pooled_kernel(sp.Symbol("p"), sp.Symbol("p_ab"), ka.d)
    check.agree("pooled identity coefficient − (p − p_ab)/d (SymPy)", theory=sp.Integer(0),
                numeric=sp.simplify(a - (sp.Symbol("p") - sp.Symbol("p_ab")) / ka.d),
                tol=Tol(abs=1e-30, why="exact"))
    rng = np.random.default_rng(check.seed(54))
    x = rng.standard_normal((3, 6, 2))
    lay = conv_recursion("erf", 2.0, 0.1, 1, input_kernel(x, 2.0, 0.1, 1), [4])[4]
    for kind in ("flatten", "pool"):
        nn, nk = nt_cnn_kernels(x, 2.0, 0.1, 1, 4, kind)
        check.agree(f"{kind} readout vs neural-tangents (NTK, l = 4, max rel.)", theory=0.0,
                    numeric=float(np.max(np.abs(readout(lay.ntk, kind) - nk) / np.abs(nk))),
                    tol=Tol(abs=1e-10, why="catalog"))
    _, ro = cnn_crit[(8, 8, 1)]
    fl, po = ro[1000][("ntk", "flatten")][:8, :8], ro[1000][("ntk", "pool")][:8, :8]
    iu = np.triu_indices(8, 1)
    gap_f = np.mean(np.diag(fl)) - np.mean(fl[iu])
    gap_p = np.mean(np.diag(po)) - np.mean(po[iu])
    check.agree("(pool diag − off)·d/(p − p̄_ab) at CRIT(1), l = 1000, d = 8", theory=1.0,
                numeric=float(gap_p * 8 / gap_f), tol=Tol(rel=1e-3, why="catalog"))


@disk_cache(depends_on=("numeric.conv_kernels", "numeric.normalized_recursion"))
def _fcn_vs_cnnf(point, depths, d=8, m=12):
    fp = erf_critical_point(1, 30) if point == "crit" else erf_fixed_point(*point, dps=30)
    qs, sw2, sb2 = float(fp.q_star), float(fp.sigma_w2), float(fp.sigma_b2)
    x = normalized_images(m, d, 16, qs, sw2, sb2, 0)
    cnn = conv_recursion("erf", sw2, sb2, 1, input_kernel(x, sw2, sb2, 1), depths, pinned=True)
    fcn = pinned_recursion("erf", sw2, sb2, normalized_k0(cosine_matrix(x.reshape(m, -1)), qs, sb2),
                           depths)
    return {l: (spectrum(cnn[l].readout("flatten")).kappa, spectrum(fcn[l].ntk).kappa)
            for l in depths}


FCN_MATCH = Claim(
    id="xiao2020/cnnf-matches-fcn",
    source=f"{SRC}, §4.4 remark (1); App. D.2 (after Eq. 100); Abstract",
    statement="At large depth the CNN-F NTK has the FCN's spectral properties (sub-dominant Fourier "
    "modes die out faster).",
)


@FCN_MATCH.check
def test_cnnf_matches_fcn(check):
    crit = _fcn_vs_cnnf("crit", (100, 1000))
    rel = {l: abs(float(a) / float(b) - 1) for l, (a, b) in crit.items()}
    check.holds("CRIT(1): |κ_CNN-F/κ_FCN − 1| decreases from l = 100 to 1000", bool(rel[1000] < rel[100]),
                evidence=str(rel), criterion="decreasing", why="sub-dominant modes decay faster")
    check.within("CRIT(1): |κ_CNN-F/κ_FCN − 1| at l = 1000", rel[1000], hi=0.02, why="catalog")
    ordr = _fcn_vs_cnnf(ORD, tuple(range(30, 61, 5)))
    ls = sorted(ordr)
    s_c = _slope(ls, [math.log(float(ordr[l][0])) for l in ls])
    s_f = _slope(ls, [math.log(float(ordr[l][1])) for l in ls])
    check.agree("ORD: fitted log-κ slope over [30, 60], CNN-F vs FCN", theory=s_f, numeric=s_c,
                tol=Tol(rel=0.02, why="catalog: same rate χ₁^{−l}/l"))


TRANSIENT = Claim(
    id="xiao2020/pooling-transient-regimes",
    source=f"{SRC}, App. D.2 (last paragraph); §3 (end); Fig. 3 caption",
    statement="Pooling lengthens the generalizing depth range in the chaotic phase (Δ_pool > Δ_flat) "
    "and shortens it in the ordered phase (ridge Δ_pool < Δ_flat).",
)


@TRANSIENT.check
def test_pooling_transient_regimes(check, cnn_cha):
    tr, te = np.arange(CNN_TRAIN), np.arange(CNN_TRAIN, CNN_TRAIN + CNN_TEST)
    _, ro = cnn_cha[8]

    def cross(ro_, kind, thr, ridge, depths):
        for l in depths:
            if np.linalg.norm(mean_predictor(ro_[l][("ntk", kind)], tr, te, CNN_Y, ridge=ridge)) < thr:
                return l
        return None

    lf, lp = cross(ro, "flatten", 1e-6, 0, range(1, 41)), cross(ro, "pool", 1e-6, 0, range(1, 41))
    check.holds("chaotic (CHA, d = 8): depth where ‖ΔY‖ < 1e-6 is larger for pool than flat",
                bool(lf is not None and (lp is None or lp > lf)), evidence=f"flat {lf}, pool {lp}",
                criterion="l_pool > l_flat", why="pooling slows the chaotic diagonal growth by d")
    _, ro_o = ord_cnn_deep()
    depths = range(2, 101, 2)
    of, op = cross(ro_o, "flatten", 1e-6, 1, depths), cross(ro_o, "pool", 1e-6, 1, depths)
    check.holds("ordered (ORD, d = 8, ridge σ = 1): depth where ‖Δ_σY‖ < 1e-6 is smaller for pool",
                bool(op is not None and (of is None or op < of)), evidence=f"flat {of}, pool {op}",
                criterion="l_pool < l_flat", why="pooling shrinks λ_rest and Δ in the ordered phase")


FIG1E = Claim(
    id="xiao2020/fig1e-pooling-slows-convergence",
    source=f"{SRC}, Fig. 1(e) caption",
    statement="On the critical line |κ_pool − (md+2)/2| ≈ d·|κ_flat − (m+2)/2| at large depth.",
)


@FIG1E.check
def test_fig1e_pooling_slows_convergence(check, cnn_crit):
    for key in ((8, 8, 1), (8, 16, 2)):
        m, d, _ = key
        _, ro = cnn_crit[key]
        for l in (1000, 3000):
            kp = float(spectrum(ro[l][("ntk", "pool")][:m, :m]).kappa)
            kf = float(spectrum(ro[l][("ntk", "flatten")][:m, :m]).kappa)
            ratio = abs(kp - (m * d + 2) / 2) / abs(kf - (m + 2) / 2)
            check.within(f"|κ_pool − κ∞|/|κ_flat − κ∞| at l = {l}, (m, d, k) = {key}", ratio,
                         lo=0.7 * d, hi=1.3 * d, why="catalog window [0.7d, 1.3d]", expected=f"{d}")
    check.note("1-D circular CNN kernels; the 2-D neural-tangents variant (6×6×3, l = 1000) is not run")
