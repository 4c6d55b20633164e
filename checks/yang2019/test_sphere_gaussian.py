"""Yang & Salman 2019, §3.2–3.5: sphere (Gegenbauer) and Gaussian spectra, and their agreement
with the boolean cube in high dimension."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp
from scipy.stats import kstest

from checks.harness import Claim, Estimate, StatTol, Tol
from empirical.boolean_sampling import sample_readout_kernels
from empirical.mlp import MLP
from numeric import dual
from numeric.boolean_cube import boolean_cube_eigenvalues, boolean_cube_kernel_values
from numeric.cube_eigen_algorithms import exact_on_grid, two_step
from numeric.sphere_spectrum import (
    gaussian_radial_eigenvalues,
    gegenbauer_nodes,
    legendre_d,
    multiplicity,
    neural_phi,
    sphere_eigenvalues,
)
from theory.activations import get_activation, q1, q2
from theory.dot_product_kernel import kernel_layers

SRC = "000_2c13c77332d87a04.txt"


def _sphere_mu_exact(d, k):
    """μ_k^sph of Φ = t^k by exact integration against the Gegenbauer weight (SymPy)."""
    tt = sp.Symbol("t", real=True)
    alpha = sp.Rational(d - 2, 2)
    pk = sp.gegenbauer(k, alpha, tt) / sp.gegenbauer(k, alpha, 1)
    w = (1 - tt**2) ** sp.Rational(d - 3, 2)
    return sp.simplify(sp.integrate(tt**k * pk * w, (tt, -1, 1)) / sp.integrate(w, (tt, -1, 1)))


# --------------------------------------------------------------------------------------------
SPHERE = Claim(
    id="yang2019/sphere-gegenbauer-eigenvalues",
    source=f"{SRC}, §3.2; App. E.2 (missing from the seed)",
    statement="On the √d-sphere, K = Φ(⟨x,y⟩/d) is diagonalised by spherical harmonics; the degree-l "
    "eigenvalue is the Funk–Hecke coefficient of Φ against the normalised Gegenbauer polynomial.",
)


@SPHERE.check
def test_sphere_gegenbauer_eigenvalues(check):
    for d in (3, 5, 7, 9):  # odd d: polynomial weights, exact and fast in SymPy
        for k in (1, 2, 3):
            printed = sp.factorial(k) / sp.prod([d + 2 * j for j in range(k)])
            check.agree(f"d = {d}: μ_{k}^sph of Φ = t^{k} vs k!/(d(d+2)…(d+2k−2))", theory=printed,
                        numeric=_sphere_mu_exact(d, k), tol=Tol(abs=1e-30, why="exact integrals"))
    # Funk–Hecke for Y = ŷ₁ŷ₂ on S^{d−1} by sphere moments E[ŷ₁²ŷ₂²] = 1/(d(d+2)), Φ = t²
    d = sp.Symbol("d", positive=True)
    lam = 2 / (d * (d + 2))  # E_ŷ[(x̂·ŷ)² ŷ₁ŷ₂] = 2 x̂₁x̂₂ E[ŷ₁²ŷ₂²]
    check.agree("Funk–Hecke coefficient of t² on degree 2 (moments, symbolic d) − 2/(d(d+2))",
                theory=sp.Integer(0), numeric=sp.simplify(lam - sp.factorial(2) / (d * (d + 2))),
                tol=Tol(abs=1e-30, why="exact"))
    # numeric (i): Monte Carlo eigen-relation at d = 16, relu CK (2, 0), L = 1 (closed-form dual)
    d = 16
    n = check.size("uniform sphere points", fast=400_000, paper=1_000_000)
    rng = np.random.default_rng(check.seed(91, "sphere points"))
    y = rng.standard_normal((n, d))
    y *= np.sqrt(d) / np.linalg.norm(y, axis=1, keepdims=True)
    x = np.sqrt(d) * np.eye(d)[0] * 0.6 + np.sqrt(d) * np.eye(d)[1] * 0.8  # on the sphere
    tv = y @ x / d
    phi_t = 2.0 * dual("relu", 2.0, 2.0, 2.0 * tv)  # Σ²(t) = σ_w² V_relu(σ_w², σ_w², σ_w² t)
    phi = neural_phi("ck", "relu", 1, 2.0, 0.0)
    mu = sphere_eigenvalues(phi, d, 2, n_nodes=100)
    for name, yv, xv, l in (("Y = y₁", y[:, 0], x[0], 1), ("Y = y₁y₂", y[:, 0] * y[:, 1], x[0] * x[1], 2)):
        check.agree_stat(f"d = 16: E_y Φ(⟨x,y⟩/d) Y(y) / Y(x), {name} (degree {l})", numeric=float(mu[l]),
                         empirical=Estimate.of(phi_t * yv / xv),
                         tol=StatTol(z=4, why="MC over uniform sphere points; 4 SE"))
    # numeric (ii): trace Σ_l N(d,l) μ_l = Φ(1) at d = 5, erf CK (2, 0.1), L = 2
    phi = neural_phi("ck", "erf", 2, 2.0, 0.1)
    mu = sphere_eigenvalues(phi, 5, 60, n_nodes=200)
    total = sum(multiplicity(5, l) * mu[l] for l in range(61))
    check.agree("d = 5, erf CK (2, 0.1) L = 2: Σ_{l ≤ 60} N(5,l) μ_l vs Φ(1)", theory=float(phi([1.0])[0]),
                numeric=float(total), tol=Tol(rel=1e-6, why="catalog: truncation at l = 60 of a "
                                              "geometrically decaying series"))


# --------------------------------------------------------------------------------------------
GAUSS = Claim(
    id="yang2019/gaussian-partial-diagonalization",
    source=f"{SRC}, §3.3; App. E.3 (missing)",
    statement="For x ~ N(0, I_d) a neural kernel is partially diagonalised: eigenfunctions "
    "g(‖x‖)Y_lm(x̂), g an eigenfunction of the radial Funk–Hecke kernel κ_l on the law of ‖x‖.",
)


@GAUSS.check
def test_gaussian_partial_diagonalization(check):
    d = 16
    act, sw2, sb2, depth = "erf", 2.0, 0.5, 1
    degrees = (1, 2, 3)
    rad = gaussian_radial_eigenvalues("ck", act, depth, sw2, sb2, d, max(degrees), n_radial=20, n_nodes=48)
    # Rayleigh quotient of f(x) = Y(x̂) (g ≡ 1) from the quadrature: E_{r,r'} κ_l(r, r')
    s_, wr = __import__("scipy.special", fromlist=["roots_genlaguerre"]).roots_genlaguerre(20, d / 2 - 1)
    wr = wr / wr.sum()
    a = 2 * s_ / d
    t, wt = gegenbauer_nodes(d, 48)
    cosv, av, bv = sp.symbols("cosv av bv", positive=True)
    expr = kernel_layers(act, sw2, sb2, depth, cos=cosv, a=av, b=bv, ntk=False)[-1][0]
    kfun = sp.lambdify((cosv, av, bv), expr, modules=["scipy", "numpy"])
    aa, bb, tt = np.meshgrid(a, a, t, indexing="ij")
    kappa = {l: np.einsum("ijm,m->ij", kfun(tt, aa, bb), wt * legendre_d(l, d, t)) for l in degrees}
    rq_quad = {l: float(wr @ kappa[l] @ wr) for l in degrees}
    for l in degrees:
        check.agree(f"degree {l}: E_{{r,r'}} κ_l from the theory-level Φ(t, a, b) vs the numeric radial "
                    "operator's √w-quadratic form", theory=rq_quad[l],
                    numeric=float(wr @ _radial_matrix(act, depth, sw2, sb2, d, l) @ wr),
                    tol=Tol(rel=1e-10, why="same quadrature, SymPy-lambdified vs numeric.kernels Φ"))
        check.within(f"degree {l}: top radial eigenvalue ≥ Rayleigh quotient of Y_l (g ≡ 1)",
                     rad[l][0] - rq_quad[l], lo=-1e-12 * rad[l][0], why="variational principle")
    n = check.size("Gaussian pairs", fast=300_000, paper=1_000_000)
    rng = np.random.default_rng(check.seed(92, "gaussian pairs"))
    x, y = rng.standard_normal((2, n, d))
    nx, ny = np.linalg.norm(x, axis=1), np.linalg.norm(y, axis=1)
    cos_xy, ax_, by_ = np.sum(x * y, 1) / (nx * ny), nx**2 / d, ny**2 / d
    kxy = kfun(cos_xy, ax_, by_)
    # Control variate: the Taylor polynomial T_{l−1}(t) = Σ_{j<l} ∂_t^jΦ(0, a, b) t^j/j! of the kernel in
    # t = x̂·ŷ. For j < l, E[t^j Y_l(x̂) Y_l(ŷ) | ‖x‖, ‖y‖] = 0 exactly (Funk–Hecke: t^j has no degree-l
    # component), so K − T_{l−1} has the same expectation against Y_l ⊗ Y_l whatever the derivatives are;
    # it removes the low-degree part of K that dominates the plain estimator's variance (plain SE ≈ 1.4e-3
    # at 3e5 pairs exceeds μ_2 ≈ 3.7e-4 and μ_3 ≈ 7.8e-5).
    taylor_terms = [sp.lambdify((av, bv), sp.diff(expr, cosv, j).subs(cosv, 0), modules=["scipy", "numpy"])
                    for j in range(max(degrees))]
    harmonics = {  # Y_l (harmonic polynomials of x̂) and E[Y_l²] on the unit sphere
        1: (x[:, 0] / nx, y[:, 0] / ny, 1 / d),
        2: (x[:, 0] * x[:, 1] / nx**2, y[:, 0] * y[:, 1] / ny**2, 1 / (d * (d + 2))),
        3: (np.prod(x[:, :3], 1) / nx**3, np.prod(y[:, :3], 1) / ny**3, 1 / (d * (d + 2) * (d + 4))),
    }
    for l in degrees:
        fx, fy, norm2 = harmonics[l]
        cv = sum(np.broadcast_to(taylor_terms[j](ax_, by_), cos_xy.shape) * cos_xy**j / math.factorial(j)
                 for j in range(l))
        plain = Estimate.of(kxy * fx * fy / norm2)
        est = Estimate.of((kxy - cv) * fx * fy / norm2)
        check.note(f"degree {l} (Y = {('x̂₁', 'x̂₁x̂₂', 'x̂₁x̂₂x̂₃')[l - 1]}): plain MC {plain}; with the "
                   f"control variate {est}; quadrature {rq_quad[l]:.6g}; estimate/SE = {est.mean / est.se:.1f}")
        check.agree_stat(f"degree {l}: MC E[(K − T_{l - 1}) Y(x̂) Y(ŷ)] / E[Y²] vs E_{{r,r'}} κ_l (quadrature)",
                         numeric=rq_quad[l], empirical=est,
                         tol=StatTol(z=4, why="MC over independent Gaussian pairs, 4 SE; the control variate "
                                     "has exactly zero mean (Funk–Hecke), so no bias term"))
    cross = Estimate.of(kxy * (x[:, 0] / nx) * (y[:, 0] * y[:, 1] / ny**2) / math.sqrt(1 / (d * d * (d + 2))))
    check.agree_stat("E[K(x,y) Y₁(x̂) Y₂(ŷ)] (different degrees) / norms", theory=0.0, empirical=cross,
                     tol=StatTol(z=4, why="orthogonality of different degrees; MC 4 SE"))


def _radial_matrix(act, depth, sw2, sb2, d, l, n_radial=20, n_nodes=48):
    """κ_l on the radial nodes, rebuilt from numeric.sphere_spectrum's Gram (for the comparison)."""
    from scipy.special import roots_genlaguerre

    from numeric.kernels import kernel_sequence

    s_, _ = roots_genlaguerre(n_radial, d / 2 - 1)
    a = 2 * s_ / d
    t, wt = gegenbauer_nodes(d, n_nodes)
    st = np.sqrt(1 - t * t)
    xs = np.stack([np.sqrt(a), np.zeros_like(a)], axis=1)
    ys = (np.sqrt(a)[:, None, None] * np.stack([t, st], axis=1)[None]).reshape(-1, 2)
    vec = np.concatenate([xs, ys])
    full = kernel_sequence(act, sw2, sb2, depth, vec @ vec.T, ntk=False)[-1][0]
    block = np.asarray(full[:n_radial, n_radial:]).reshape(n_radial, n_radial, n_nodes)
    return np.einsum("ijm,m->ij", block, wt * legendre_d(l, d, t))


# --------------------------------------------------------------------------------------------
HOMOG = Claim(
    id="yang2019/gaussian-homogeneous-complete",
    source=f"{SRC}, §3.3 ('complete eigendecompositions … when Φ is positive homogeneous')",
    statement="For positively homogeneous kernels (relu CK/NTK with σ_b² = 0) the Gaussian "
    "eigendecomposition is complete: eigenfunctions ‖x‖Y_lm(x̂) with eigenvalue μ_l^sph, all others 0.",
)


@HOMOG.check
def test_gaussian_homogeneous_complete(check):
    s = sp.Symbol("s", positive=True)
    relu = get_activation("relu").dual_c
    step = get_activation("step").dual_c
    check.agree("V_relu(s·K) − s·V_relu(K) (symbolic)", theory=sp.Integer(0),
                numeric=sp.simplify(relu.subs({q1: s * q1, q2: s * q2}, simultaneous=True) - s * relu),
                tol=Tol(abs=1e-30, why="exact 1-homogeneity"))
    check.agree("V_step(s·K) − V_step(K) (symbolic)", theory=sp.Integer(0),
                numeric=sp.simplify(step.subs({q1: s * q1, q2: s * q2}) - step), tol=Tol(abs=1e-30, why="exact"))
    for d in check.size("dimensions", fast=(16, 128), paper=(16, 64, 128)):
        for kernel in ("ck", "ntk"):
            rad = gaussian_radial_eigenvalues(kernel, "relu", 2, 2.0, 0.0, d, 3, n_radial=10, n_nodes=24)
            mu = sphere_eigenvalues(neural_phi(kernel, "relu", 2, 2.0, 0.0), d, 3, n_nodes=24)
            for l in range(4):
                check.agree(f"d = {d} {kernel}: top radial eigenvalue / μ_{l}^sph", theory=1.0,
                            numeric=float(rad[l][0] / mu[l]),
                            tol=Tol(rel=1e-10, why="catalog: E‖x‖²/d = 1 by Gauss–Laguerre exactness"))
                check.within(f"d = {d} {kernel}, l = {l}: second / top radial eigenvalue", float(abs(rad[l][1]) / rad[l][0]),
                             hi=1e-12, why="catalog: rank-1 radial kernel (float64 eigen-solver noise)")
    rad = gaussian_radial_eigenvalues("ck", "relu", 2, 2.0, 1.0, 128, 1, n_radial=10, n_nodes=24)
    check.note(f"with σ_b² = 1 (not homogeneous), d = 128: second/top radial eigenvalue = {rad[1][1] / rad[1][0]:.3g}")


# --------------------------------------------------------------------------------------------
CONC = Claim(
    id="yang2019/high-dim-measure-concentration",
    source=f"{SRC}, §3.4 (intuition paragraph)",
    statement="A uniform vector on a high-dimensional cube behaves like a standard Gaussian (CLT); "
    "Gaussian mass concentrates in a thin shell of radius √d.",
)


@CONC.check
def test_high_dim_measure_concentration(check):
    d = sp.Symbol("d", positive=True, integer=True)
    z = sp.Symbol("z", real=True)
    pdf = sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi)
    ez2 = sp.integrate(z**2 * pdf, (z, -sp.oo, sp.oo))
    ez4 = sp.integrate(z**4 * pdf, (z, -sp.oo, sp.oo))
    var = d * (ez4 - ez2**2) / d**2
    check.agree("Var(‖x‖²/d) − 2/d (symbolic)", theory=sp.Integer(0), numeric=sp.simplify(var - 2 / d),
                tol=Tol(abs=1e-30, why="exact"))
    n = check.size("samples", fast=100_000, paper=1_000_000)
    rng = np.random.default_rng(check.seed(93, "samples"))
    dd = 128
    sq = np.sum(rng.standard_normal((n, dd)) ** 2, axis=1) / dd
    check.within("sd(‖x‖²/d) / √(2/d) at d = 128", float(np.std(sq, ddof=1) / math.sqrt(2 / dd)),
                 lo=0.98, hi=1.02, level="empirical", why="catalog: 0.125 ± 2%")
    cubev = rng.choice([-1.0, 1.0], size=(n, dd))
    ks = kstest(cubev.sum(axis=1) / math.sqrt(dd), "norm").statistic
    check.within("KS distance of ⟨x, 1⟩/√d (x uniform on {±1}^128) from N(0, 1)", float(ks), hi=0.05,
                 level="empirical", why="catalog threshold (lattice CLT: the KS distance is ≈ the "
                 "largest atom ≈ 0.035)")


# --------------------------------------------------------------------------------------------
AGREE = Claim(
    id="yang2019/spectra-agree-high-dimension",
    source=f"{SRC}, §3.4 and §1 ('behave very similarly in high dimensions'); App. E.4 (missing)",
    statement="For fixed degree k, boolean, sphere and Gaussian eigenvalues of a neural kernel approach "
    "each other as d grows (relative gap O(k²/d)).",
)


@AGREE.check
def test_spectra_agree_high_dimension(check, tier):
    dsym = sp.Symbol("d", positive=True)
    for k in (2, 3):
        sph = sp.factorial(k) / sp.prod([dsym + 2 * j for j in range(k)])
        cube_lead = sp.factorial(k) / dsym**k
        check.agree(f"lim_{{d→∞}} μ_{k}^sph / (k!/d^k) for Φ = t^{k}", theory=sp.Integer(1),
                    numeric=sp.limit(sph / cube_lead, dsym, sp.oo), tol=Tol(abs=1e-30, why="exact"))
    settings = (("ck", "relu", 2, 2.0, 0.0), ("ntk", "relu", 1, 2.0, 1.0), ("ck", "erf", 4, 2.0, 0.1),
                ("ntk", "erf", 4, 2.0, 0.1))
    dims = (16, 32, 64, 128)
    check.size("settings", fast=len(settings), paper=len(settings))
    for setting in settings:
        tag = f"{setting[0]} {setting[1]} ({setting[3]}, {setting[4]}) L = {setting[2]}"
        gaps = np.empty((len(dims), 6))
        for i, d in enumerate(dims):
            cube = boolean_cube_eigenvalues(*setting, d)[:6]
            sph = sphere_eigenvalues(neural_phi(*setting), d, 5, n_nodes=64)
            gaps[i] = np.abs(sph / cube - 1)
        check.note(f"{tag}: |μ^sph/μ^cube − 1| for k = 0..5 at d = {dims}:\n{gaps}")
        check.holds(f"{tag}: gap decreasing in d for every k ≤ 5", bool(np.all(np.diff(gaps, axis=0) < 0)),
                    evidence=str(np.round(gaps, 6).tolist()), criterion="strictly decreasing", why="catalog (i)")
        r23 = gaps[1:-1, 2:4] / gaps[2:, 2:4]  # d = 32 → 64 → 128
        check.within(f"{tag}: gap(d)/gap(2d), k ∈ {{2, 3}}, d ≥ 32 (min)", float(r23.min()), lo=1.7,
                     why="catalog: O(k(k−1)/d) ⇒ ratio 2 (± 0.3)")
        check.within(f"{tag}: gap(d)/gap(2d), k ∈ {{2, 3}}, d ≥ 32 (max)", float(r23.max()), hi=2.3,
                     why="catalog: O(k(k−1)/d) ⇒ ratio 2 (± 0.3)")
        r01 = gaps[1:-1, :2] / gaps[2:, :2]
        check.within(f"{tag}: gap(d)/gap(2d), k ∈ {{0, 1}}, d ≥ 32 (min)", float(r01.min()), lo=3.0,
                     why="catalog: O(1/d²) for k ≤ 1")
        bound = np.array([1.2 * k * (k - 1) / 128 + 1e-3 for k in range(6)])
        check.within(f"{tag}: max_k (gap_k(128) − [1.2k(k−1)/d + 1e-3]) (sphere vs cube)",
                     float(np.max(gaps[-1] - bound)), hi=0.0, why="catalog (ii)")
    # (iii) Gaussian top radial eigenvalue vs cube
    for setting in (("ck", "relu", 2, 2.0, 1.0), ("ntk", "erf", 4, 2.0, 0.1)):
        tag = f"{setting[0]} {setting[1]} ({setting[3]}, {setting[4]}) L = {setting[2]}"
        g_dims = (32, 128)
        ggap = []
        for d in g_dims:
            rad = gaussian_radial_eigenvalues(*setting, d, 3, n_radial=16, n_nodes=40)
            cube = boolean_cube_eigenvalues(*setting, d)[:4]
            ggap.append(np.abs(rad[:, 0] / cube - 1))
        ggap = np.array(ggap)
        check.note(f"{tag}: Gaussian top radial vs cube gap, k = 0..3, d = {g_dims}: {ggap}")
        bound = np.array([1.2 * k * (k - 1) / 128 + 0.01 for k in range(4)])
        check.within(f"{tag}: max_k (Gaussian gap_k(128) − [1.2k(k−1)/d + 0.01])", float(np.max(ggap[-1] - bound)),
                     hi=0.0, why="catalog (iii)")
        check.holds(f"{tag}: Gaussian gap decreasing from d = 32 to 128 for k ≤ 3", bool(np.all(ggap[1] < ggap[0])),
                    evidence=str(ggap), criterion="decreasing", why="catalog (iii)")
    # experiment: empirical CK (width 1024) on Gaussian vs cube inputs, d = 16, top Nyström eigenvalues
    d = 16
    n_pts = check.size("inputs per distribution", fast=800, paper=20_000)
    width = check.size("width", fast=1024, paper=1024)
    rng = np.random.default_rng(check.seed(94, "inputs"))
    mu = boolean_cube_eigenvalues("ck", "relu", 2, 2.0, 0.0, d)
    for name, x in (("Gaussian", rng.standard_normal((n_pts, d))), ("cube", rng.choice([-1.0, 1.0], (n_pts, d)))):
        khat = sample_readout_kernels(MLP("relu", 2.0, 0.0, 2, width), x, check.seed(95, f"net {name}"), 1)[0]
        lam = np.sort(np.linalg.eigvalsh(khat / n_pts))[::-1]
        check.within(f"{name} inputs: mean of the Nyström eigenvalues ranked 2..{d + 1} / μ_1^cube",
                     float(lam[1: d + 1].mean() / mu[1]), lo=0.9, hi=1.1, level="empirical",
                     why="catalog: ≈ μ_1 within 10% (finite n, finite width)")


# --------------------------------------------------------------------------------------------
HARD = Claim(
    id="yang2019/sphere-eigenvalues-numerically-hard",
    source=f"{SRC}, §3.5 (first paragraph); Fig. 10 (missing)",
    statement="Sphere and Gaussian eigenvalues need integration against wildly oscillating Gegenbauer "
    "polynomials in high d and are hard to compute stably; boolean ones are cheap and stable.",
)


@HARD.check
def test_sphere_eigenvalues_numerically_hard(check):
    d = 128
    setting = ("ck", "relu", 2, 2.0, 0.0)
    ref = sphere_eigenvalues(neural_phi(*setting, dps=50), d, 16, n_nodes=100, dps=50)
    ref2 = sphere_eigenvalues(neural_phi(*setting, dps=50), d, 16, n_nodes=130, dps=50)
    with mpmath.workdps(50):
        conv = max(abs(a / b - 1) for a, b in zip(ref, ref2, strict=True))
    check.within("50-digit reference: n = 100 vs 130 nodes, max relative change (k ≤ 16)", float(conv),
                 hi=1e-20, why="the stable reference is converged in the node count")
    f64 = {n: sphere_eigenvalues(neural_phi(*setting), d, 16, n_nodes=n) for n in (100, 400)}
    errs = {n: [abs(f64[n][k] / float(ref[k]) - 1) for k in range(17)] for n in f64}
    check.note(f"float64 Gauss–Gegenbauer relative errors at k = 4, 8, 12, 16: "
               f"n = 100: {np.array(errs[100])[[4, 8, 12, 16]]}; n = 400: {np.array(errs[400])[[4, 8, 12, 16]]}")
    for n in (100, 400):
        growth = max(errs[n][16], 1e-300) / max(errs[n][4], 1e-17)
        check.within(f"n = {n}: float64 error growth from k = 4 to k = 16", growth, lo=1e6,
                     why="catalog: > 10^6 (error ≈ ε·‖Φ‖/μ_k grows like d^k/k!); k = 4 error floored "
                     "at 1e-17")
    grid = boolean_cube_kernel_values(*setting, d)
    two = max(abs(two_step(grid, k) / float(exact_on_grid(grid, k)) - 1) for k in (4, 8, 12, 16))
    check.within("boolean two-step algorithm: max relative error at k = 4, 8, 12, 16", two, hi=1e-12,
                 why="catalog: the cube eigenvalues stay accurate (same float64 arithmetic)")
