r"""Certified eigenvalues of CK / NTK dot-product kernels on the boolean cube {±1}^d.

Math (Yang & Salman 2019, §3.1, Thm 3.1 and Lemma 3.2; O'Donnell 2014 for the Fourier basis).
On the uniform cube a kernel K(x, y) = Φ(⟨x, y⟩/d) is diagonalised by the parities
χ_S(x) = Π_{i∈S} x_i, with an eigenvalue that depends only on k = |S| (multiplicity C(d, k)):

.. math::
    \mu_k = 2^{-d} \sum_{r=0}^{d} K_k(r)\, \Phi(1 - 2r/d)
          = 2^{-d} (I - T_\Delta)^k (I + T_\Delta)^{d-k} \Phi(1),

where T_Δ Φ(t) = Φ(t − Δ), Δ = 2/d, and the Krawtchouk number K_k(r) is the coefficient of
x^r in (1 − x)^k (1 + x)^{d−k}. Σ_k C(d, k) μ_k = Φ(1) (trace), and the degree-k fractional
variance is FV_k = C(d, k) μ_k / Φ(1); as d → ∞ it tends to Φ^{(k)}(0)/(k! Φ(1)) (Thm 5.1).

Φ is the output-layer CK Σ^{L+1} or NTK Θ^{L+1} of ``numeric.kernels`` (NTK parametrisation,
``depth`` = L hidden layers, Σ¹(t) = σ_w² t + σ_b², unit diagonal t = 1 so q_l = Σ^l(1)).

Why a certified engine. μ_k is an alternating sum: relative to Φ(1) it is ≈ FV_k / C(d, k), down
to ~1e-60 at d = 128 (smaller for smooth, deep kernels), so float64 grid values (relative error
~1e-16, worse where arccos is evaluated near c = 1) lose every digit by k ≈ 12.

Method (all degrees at once):

1. Φ is evaluated on the d + 1 grid points in **ball arithmetic** (FLINT/Arb through
   ``python-flint``): every value is an interval that provably contains the exact Φ(t_r) for
   the given float64 σ's (the closed-form duals of ``theory.activations`` are printed to Arb).
   The diagonal t = 1 is carried separately with the correlation exactly 1.
2. μ = 2^{-d} K Φ with the exact integer Krawtchouk matrix K (cached per d), again in balls, so
   each μ_k comes with a rigorous error radius that includes all cancellation.
3. Precision is adaptive: start at 64 + 1.5·d bits, and raise it from the observed radius until
   every μ_k either has radius ≤ ``rtol``·|μ_k| (certified) or is a ball around 0 at the
   ``max_dps`` ceiling (reported as zero with its bound; status ``"unresolved"``). Successive
   precisions must give overlapping balls (a self-check; failure raises ``RuntimeError``).
4. Exact zeros by symmetry are exact: for an odd activation (φ(−z) = −φ(z), from the SymPy
   registry) with σ_b² = 0, Φ is odd in t for CK and NTK (V_φ odd, V_φ′ even), so μ_k = 0 for
   even k; only half the grid is evaluated.

Sweeps. :func:`boolean_cube_depth_sweep` certifies chosen degrees at every depth 0 … L from
one recursion (one Krawtchouk product per precision); :func:`erf_depth_sweep` is a fast,
non-certified double-double NumPy sweep over many (σ_w², σ_b²) for erf (see its section).

Limits. Nonzero eigenvalues with |μ_k| ≳ 10^{-(max_dps − 20)}·Φ(1) are certified to ``rtol``;
smaller ones are indistinguishable from zero at the ceiling and flagged ``"unresolved"`` (this
is how exact zeros that are not parity zeros — depth 0, relu depth 1 with σ_b² = 0 — come out).
float64 outputs underflow below ~1e-308 (use :attr:`CubeSpectrum.balls`). Only activations with
closed-form duals (relu, erf, identity, exp; step for the CK) are supported. The Krawtchouk
matrix costs O(d²) big integers; d = 128 takes 0.005–0.8 s per kernel (depth 128 included).

References: Yang & Salman, "A Fine-Grained Spectral Perspective on Neural Networks" (2019);
O'Donnell, "Analysis of Boolean Functions" (2014); Johansson, "Arb" (IEEE TC 2017).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from flint import arb, arb_mat, arb_series, ctx, fmpz_mat
from sympy.printing.lambdarepr import LambdaPrinter

from theory.activations import Activation, c, derivative_of, get_activation, q1, q2, z
from theory.validation import check_bias_variance, check_choice, check_depth, check_variance

KERNELS = ("ck", "ntk")

#: default relative accuracy certified for every nonzero eigenvalue
RTOL = 1e-10
#: default precision ceiling (decimal digits) of the adaptive loop
MAX_DPS = 1000


# --------------------------------------------------------------------------- validation


def _check_dim(dim: Any) -> int:
    if isinstance(dim, bool) or not isinstance(dim, int | np.integer) or dim < 1:
        raise ValueError(f"dim must be an integer >= 1, got {dim!r}")
    return int(dim)


def _check_k(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0:
        raise ValueError(f"k must be an integer >= 0, got {k!r}")
    return int(k)


def _setting(kernel, activation, depth, sigma_w2, sigma_b2):
    kernel = check_choice("kernel", kernel, KERNELS)
    act = get_activation(activation)
    depth = check_depth(depth)
    sigma_w2 = check_variance("sigma_w2", sigma_w2)
    sigma_b2 = check_bias_variance("sigma_b2", sigma_b2)
    der = derivative_of(act) if kernel == "ntk" else None
    for a in (act, der):
        if a is not None and a.dual_c is None:
            raise ValueError(
                f"activation={act.name!r}: the certified engine needs a closed-form dual for "
                f"{a.name!r} (registry dual_c is None); use numeric.nngp_ntk(dps=...) instead"
            )
    return kernel, act, der, depth, sigma_w2, sigma_b2


# --------------------------------------------------------------------------- Arb duals


class _ArbPrinter(LambdaPrinter):
    """Print SymPy to Arb: exact rationals, π at the working precision, method calls."""

    def _print_Rational(self, e):
        return f"_rat({e.p}, {e.q})"

    def _print_Half(self, e):
        return "_rat(1, 2)"

    def _print_Pi(self, e):
        return "_pi()"

    def _print_Pow(self, e, rational=False):
        # python-flint's ``x ** n`` is NaN for a ball containing 0: multiply instead
        base, ex = self._print(e.base), e.exp
        if ex.is_Integer:
            n = int(ex)
            return f"_ipow({base}, {n})" if n > 0 else f"(1/_ipow({base}, {-n}))"
        if ex.is_Rational and ex.q == 2:  # half-integer: b^{p/2} = b^{(p-1)/2} sqrt(b)
            p = abs(int(ex.p))
            out = f"sqrt({base})" if p == 1 else f"(_ipow({base}, {(p - 1) // 2})*sqrt({base}))"
            return out if ex > 0 else f"(1/{out})"
        raise NotImplementedError(f"power {e} has no Arb printing")


def _rat(p: int, q: int):
    return arb(p) / q


def _ipow(x, n: int):
    out = x
    for _ in range(n - 1):
        out = out * x
    return out


_ARB_FUNCS = {
    "sqrt": lambda x: x.sqrt(),
    "acos": lambda x: x.acos(),
    "asin": lambda x: x.asin(),
    "exp": lambda x: x.exp(),
}
# LambdaPrinter writes ``math.acos(...)``: the namespace's ``math`` is this shim
_ARB_NS = {"_rat": _rat, "_ipow": _ipow, "_pi": arb.pi, "math": SimpleNamespace(**_ARB_FUNCS), **_ARB_FUNCS}

_Q = sp.Symbol("Q", positive=True)


def _arb_lambdify(exprs: list) -> Callable:
    return sp.lambdify((_Q, c), tuple(exprs), modules=[_ARB_NS], printer=_ArbPrinter, cse=True)


@functools.cache
def _layer_fn(name: str, der_name: str | None) -> Callable:
    """(Q, c) ↦ (V_φ(Q, Q, cQ) [, V_φ′(Q, Q, cQ)]) as Arb balls.

    A ball c = m ± ρ is evaluated in the centred (mean-value) form F(m) + F′(c)·[±ρ]: direct
    ball evaluation of e.g. c(π − arccos c) + √(1 − c²) adds the two large, cancelling
    slopes ±c/√(1 − c²) and makes the radius explode over deep recursions near c = 1.
    F′ = ∂F/∂c is differentiated symbolically (SymPy) from the same registry closed form.
    """
    exprs = [get_activation(name).dual_c]
    if der_name is not None:
        exprs.append(get_activation(der_name).dual_c)
    exprs = [sp.sympify(e).subs({q1: _Q, q2: _Q}) for e in exprs]
    value = _arb_lambdify(exprs)
    slope = _arb_lambdify([sp.simplify(sp.diff(e, c)) for e in exprs])

    def centred(q, cc):
        if cc.rad() == 0:
            return value(q, cc)
        mid = arb(cc.mid())
        dev = cc - mid
        return tuple(v + g * dev for v, g in zip(value(q, mid), slope(q, cc), strict=True))

    return centred


@functools.cache
def _series_fn(name: str, der_name: str | None) -> Callable:
    """Plain (non-centred) version of :func:`_layer_fn`, for Arb power series."""
    exprs = [get_activation(name).dual_c]
    if der_name is not None:
        exprs.append(get_activation(der_name).dual_c)
    return _arb_lambdify([sp.sympify(e).subs({q1: _Q, q2: _Q}) for e in exprs])


@functools.cache
def _is_odd(name: str) -> bool:
    """φ(−z) = −φ(z) symbolically (then Φ is odd in t when σ_b² = 0, for CK and NTK)."""
    phi = get_activation(name).phi
    return bool(sp.simplify(phi.subs(z, -z) + phi) == 0)


def _as_arb(x: float):
    return arb(float(x))  # a binary float is exact in Arb: the σ's are the float64 given


def _layers_arb(act: Activation, der: Activation | None, kernel: str, depth: int,
                sw2: float, sb2: float, dim: int, n_points: int):
    """Yield (Σ^l, Θ^l) on t_r = 1 − 2r/d, r = 0 … n_points−1, for l = 1 … depth+1, as lists
    of Arb balls at the current ``ctx.prec`` (Θ^l is ``None`` for ``kernel="ck"``).

    r = 0 (the diagonal, correlation exactly 1) is propagated on its own so that the
    correlation ball of the off-diagonal points never has to be clipped to [−1, 1].
    """
    f = _layer_fn(act.name, der.name if der is not None else None)
    w, b = _as_arb(sw2), _as_arb(sb2)
    sig = [w * (arb(dim - 2 * r) / dim) + b for r in range(1, n_points)]
    q = w + b
    ntk = kernel == "ntk"
    th = list(sig) if ntk else []
    th_diag = q
    one = arb(1)
    yield [q, *sig], ([th_diag, *th] if ntk else None)
    for _ in range(depth):
        inv_q = 1 / q
        diag = f(q, one)
        if ntk:
            new_sig, new_th = [], []
            for s, t in zip(sig, th, strict=True):
                v, vp = f(q, s * inv_q)
                ns = w * v + b
                new_sig.append(ns)
                new_th.append(ns + w * vp * t)
            q_new = w * diag[0] + b
            th_diag = q_new + w * diag[1] * th_diag
            sig, th = new_sig, new_th
        else:
            sig = [w * f(q, s * inv_q)[0] + b for s in sig]
            q_new = w * diag[0] + b
        q = q_new
        yield [q, *sig], ([th_diag, *th] if ntk else None)


def _grid_arb(act, der, kernel, depth, sw2, sb2, dim, n_points) -> list:
    """Φ(1 − 2r/d) at the output layer (see :func:`_layers_arb`)."""
    *_, last = _layers_arb(act, der, kernel, depth, sw2, sb2, dim, n_points)
    return last[1] if kernel == "ntk" else last[0]


# --------------------------------------------------------------------------- Krawtchouk


@functools.lru_cache(maxsize=16)
def krawtchouk_matrix(dim: int) -> tuple[tuple[int, ...], ...]:
    """Exact integers K[k][r] = [x^r] (1 − x)^k (1 + x)^{d−k}, k, r = 0 … d.

    Built column-free by the exact division P_{k+1} = P_k (1 − x)/(1 + x):
    c'_r = c_r − c_{r−1} − c'_{r−1}.
    """
    dim = _check_dim(dim)
    row = [math.comb(dim, r) for r in range(dim + 1)]
    rows = [tuple(row)]
    for _ in range(dim):
        new = [0] * (dim + 1)
        prev_c, prev_new = 0, 0
        for r in range(dim + 1):
            new[r] = row[r] - prev_c - prev_new
            prev_c, prev_new = row[r], new[r]
        row = new
        rows.append(tuple(row))
    return tuple(rows)


@functools.lru_cache(maxsize=16)
def _krawtchouk_arb(dim: int, odd_only: bool):
    """The Krawtchouk matrix as an exact ``arb_mat`` (odd rows × r < d/2 when ``odd_only``)."""
    k_mat = krawtchouk_matrix(dim)
    if odd_only:
        rows = [k_mat[k][: (dim + 1) // 2] for k in range(1, dim + 1, 2)]
    else:
        rows = list(k_mat)
    with ctx.workprec(dim + 16):  # entries < 2^d: exact at this precision
        return arb_mat(fmpz_mat([list(r) for r in rows]))


# --------------------------------------------------------------------------- spectrum


@dataclass(frozen=True)
class CubeSpectrum:
    """Eigenvalues μ_0 … μ_d with certified error bounds.

    Attributes:
        mu: float64 midpoints (not normalised).
        abs_err: rigorous bound |μ_k − mu[k]| (ball radius + float64 rounding of the midpoint).
        status: per degree ``"certified"`` (abs_err ≤ rtol·|μ_k|), ``"zero"`` (exactly 0 by
            the parity of Φ) or ``"unresolved"`` (a ball around 0 at the precision ceiling:
            |μ_k| ≤ abs_err, below the certified range).
        balls: the Arb balls (exact zeros as ``arb(0)``), for sign checks beyond float64.
        phi1: Φ(1) (float64).
        prec_bits: final working precision.
    """

    mu: np.ndarray
    abs_err: np.ndarray
    status: tuple[str, ...]
    balls: tuple
    phi1: float
    prec_bits: int

    @property
    def certified(self) -> bool:
        return all(s in ("certified", "zero") for s in self.status)


def _to_float(x) -> float:
    return float(x.mid())


def _ball_ok(x, rtol: float) -> bool:
    return x.is_finite() and not x.contains(0) and float(x.rad()) <= rtol * abs(float(x.mid()))


def _needed_prec(prec: int, balls: list, rtol: float) -> int:
    """Precision that should certify every ball: from the observed radius/|mid| ratio, or
    doubled where a ball is not finite or contains 0 (possibly an exact zero)."""
    need = prec
    for x in balls:
        if _ball_ok(x, rtol):
            continue
        if not x.is_finite() or x.contains(0):
            need = max(need, 2 * prec)
        else:
            ratio = float(x.rad()) / (rtol * abs(float(x.mid())))
            need = max(need, prec + int(math.log2(ratio)) + 24)
    return need


def _mu_balls(kernel, act, der, depth, sw2, sb2, dim, odd):
    n_points = (dim + 1) // 2 if odd else dim + 1
    grid = _grid_arb(act, der, kernel, depth, sw2, sb2, dim, n_points)
    col = arb_mat([[g] for g in grid])
    prod = _krawtchouk_arb(dim, odd) * col
    scale = arb(2) ** (1 - dim if odd else -dim)
    vals = [prod[i, 0] * scale for i in range(prod.nrows())]
    if not odd:
        return grid[0], vals
    mu = [arb(0)] * (dim + 1)
    for i, k in enumerate(range(1, dim + 1, 2)):
        mu[k] = vals[i]
    return grid[0], mu


def boolean_cube_spectrum(
    kernel: str,
    activation: str | Activation,
    depth: int,
    sigma_w2: float,
    sigma_b2: float,
    dim: int,
    *,
    rtol: float = RTOL,
    max_dps: int = MAX_DPS,
) -> CubeSpectrum:
    """All eigenvalues μ_0 … μ_d of the CK/NTK on {±1}^dim, each certified to ``rtol``.

    See the module docstring for the method. Raises ``ValueError`` naming a bad parameter.
    """
    kernel, act, der, depth, sw2, sb2 = _setting(kernel, activation, depth, sigma_w2, sigma_b2)
    dim = _check_dim(dim)
    if not (0 < rtol < 1):
        raise ValueError(f"rtol must lie in (0, 1), got {rtol!r}")
    if not isinstance(max_dps, int) or max_dps < 30:
        raise ValueError(f"max_dps must be an integer >= 30, got {max_dps!r}")
    odd = sb2 == 0 and _is_odd(act.name)
    max_prec = int(max_dps * 3.33) + 16
    prec = min(64 + (3 * dim) // 2, max_prec)
    previous = None
    while True:
        with ctx.workprec(prec):
            phi1, mu = _mu_balls(kernel, act, der, depth, sw2, sb2, dim, odd)
        if previous is not None:
            bad = [k for k, (a, b_) in enumerate(zip(mu, previous, strict=True))
                   if a.is_finite() and b_.is_finite() and not a.overlaps(b_)]
            if bad:
                raise RuntimeError(f"ball arithmetic self-check failed at degrees {bad}")
        previous = mu
        need = _needed_prec(prec, [x for k, x in enumerate(mu) if not (odd and k % 2 == 0)], rtol)
        if need == prec or prec >= max_prec:
            break
        prec = min(need, max_prec)
    status, mids, errs = [], [], []
    for k, x in enumerate(mu):
        m = _to_float(x)
        if odd and k % 2 == 0:
            status.append("zero")
            errs.append(0.0)
        else:
            if not x.is_finite():
                raise RuntimeError(
                    f"degree {k}: no finite enclosure at {max_dps} digits (raise max_dps)"
                )
            status.append("certified" if _ball_ok(x, rtol) else "unresolved")
            errs.append(float(x.rad()) + abs(m) * 2.0**-53)
        mids.append(m)
    return CubeSpectrum(
        mu=np.array(mids, dtype=np.float64),
        abs_err=np.array(errs, dtype=np.float64),
        status=tuple(status),
        balls=tuple(mu),
        phi1=_to_float(phi1),
        prec_bits=prec,
    )


def boolean_cube_eigenvalues(
    kernel: str,
    activation: str | Activation,
    depth: int,
    sigma_w2: float,
    sigma_b2: float,
    dim: int,
    *,
    rtol: float = RTOL,
    max_dps: int = MAX_DPS,
) -> np.ndarray:
    """μ_0 … μ_dim (float64, not normalised) of the CK (``"ck"``) or NTK (``"ntk"``) on {±1}^dim.

    Every nonzero eigenvalue is certified to relative accuracy ``rtol`` (Arb ball arithmetic
    with adaptive precision); exact zeros by parity are 0.0. See :func:`boolean_cube_spectrum`
    for the error bounds and per-degree status.

    >>> mu = boolean_cube_eigenvalues("ck", "relu", 0, 2.0, 1.0, 4)
    >>> [float(round(m, 12)) for m in mu]
    [1.0, 0.5, 0.0, 0.0, 0.0]
    """
    return boolean_cube_spectrum(
        kernel, activation, depth, sigma_w2, sigma_b2, dim, rtol=rtol, max_dps=max_dps
    ).mu


def boolean_cube_kernel_values(
    kernel: str,
    activation: str | Activation,
    depth: int,
    sigma_w2: float,
    sigma_b2: float,
    dim: int,
    *,
    dps: int | None = None,
) -> Any:
    """Φ(1 − 2r/d), r = 0 … d: float64 (correctly rounded up to ~1 ulp) or, with ``dps``, a
    list of ``mpmath.mpf`` accurate to ``dps`` digits (returned under ``mpmath.workdps(dps)``).
    """
    kernel, act, der, depth, sw2, sb2 = _setting(kernel, activation, depth, sigma_w2, sigma_b2)
    dim = _check_dim(dim)
    if dps is not None and (not isinstance(dps, int) or dps < 15):
        raise ValueError(f"dps must be an integer >= 15, got {dps!r}")
    digits = 17 if dps is None else dps
    prec = int(digits * 3.33) + 64
    for _ in range(8):
        with ctx.workprec(prec):
            grid = _grid_arb(act, der, kernel, depth, sw2, sb2, dim, dim + 1)
        scale = abs(float(grid[0].mid()))
        if all(g.is_finite() and (float(g.rad()) <= 10.0 ** -(digits + 1) * abs(float(g.mid()))
                                  or float(g.rad()) <= 10.0 ** -(digits + 10) * scale)
               for g in grid):
            break
        prec *= 2
    else:
        raise RuntimeError("kernel values did not reach the requested accuracy")
    if dps is None:
        return np.array([_to_float(g) for g in grid], dtype=np.float64)
    with mpmath.workdps(dps):
        return [mpmath.mpf(g.mid()) for g in grid]


# --------------------------------------------------------------------------- derived


def _weights(dim: int) -> list[int]:
    return [math.comb(dim, k) for k in range(dim + 1)]


def _as_mu(mu: Any, dim: int | None = None) -> np.ndarray:
    arr = np.asarray(mu, dtype=np.float64)
    if arr.ndim != 1 or arr.size < 2:
        raise ValueError(f"mu must be a 1-D array of length dim + 1 >= 2, got shape {arr.shape}")
    if dim is not None and arr.size != _check_dim(dim) + 1:
        raise ValueError(f"mu must have length dim + 1 = {dim + 1}, got {arr.size}")
    return arr


def fractional_variances(mu: Any, dim: int) -> np.ndarray:
    """FV_k = C(d, k) μ_k / Φ(1), with Φ(1) = Σ_k C(d, k) μ_k (trace identity)."""
    arr = _as_mu(mu, dim)
    with mpmath.workdps(30):
        terms = [mpmath.mpf(w) * mpmath.mpf(float(m)) for w, m in zip(_weights(dim), arr, strict=True)]
        total = mpmath.fsum(terms)
        if total <= 0:
            raise ValueError("mu must have a positive trace Σ C(d,k) μ_k")
        return np.array([float(t / total) for t in terms], dtype=np.float64)


def normalized_eigenvalues(mu: Any) -> np.ndarray:
    """μ_k / Φ(1), with Φ(1) = Σ_k C(d, k) μ_k and d = len(mu) − 1."""
    arr = _as_mu(mu)
    dim = arr.size - 1
    with mpmath.workdps(30):
        total = mpmath.fsum(mpmath.mpf(w) * mpmath.mpf(float(m))
                            for w, m in zip(_weights(dim), arr, strict=True))
        if total <= 0:
            raise ValueError("mu must have a positive trace Σ C(d,k) μ_k")
        return np.array([float(mpmath.mpf(float(m)) / total) for m in arr], dtype=np.float64)


def maclaurin_coefficients(
    kernel: str,
    activation: str | Activation,
    depth: int,
    sigma_w2: float,
    sigma_b2: float,
    order: int,
    *,
    prec: int = 256,
) -> list:
    """Arb balls a_0 … a_order of Φ(t) = Σ a_n t^n (power-series arithmetic through the
    recursion: Σ¹(t) = σ_b² + σ_w² t, then the closed-form duals composed as series)."""
    kernel, act, der, depth, sw2, sb2 = _setting(kernel, activation, depth, sigma_w2, sigma_b2)
    order = _check_k(order)
    n = order + 1
    f = _series_fn(act.name, der.name if der is not None else None)
    with ctx.workprec(prec):
        w, b = _as_arb(sw2), _as_arb(sb2)
        sig = arb_series([b, w], prec=n)
        th = sig
        q = w + b
        one = arb(1)
        for _ in range(depth):
            diag = f(q, one)
            out = f(q, sig / q)
            new_sig = w * out[0] + b
            if kernel == "ntk":
                th = new_sig + w * out[1] * th
            sig = new_sig
            q = w * diag[0] + b
        phi = th if kernel == "ntk" else sig
        coeffs = list(phi.coeffs()) + [arb(0)] * n
        return coeffs[:n]


def asymptotic_fractional_variance(
    kernel: str,
    activation: str | Activation,
    depth: int,
    sigma_w2: float,
    sigma_b2: float,
    k: int,
) -> float:
    """lim_{d→∞} FV_k = Φ^{(k)}(0) / (k! Φ(1)) (Thm 5.1), certified to ~1e-15 relative.

    The Maclaurin coefficient is computed by Arb power-series arithmetic (rigorous), with the
    precision doubled until the ball is tight (or, for an exactly vanishing coefficient, tiny).
    """
    kernel, act, _, depth, sw2, sb2 = _setting(kernel, activation, depth, sigma_w2, sigma_b2)
    k = _check_k(k)
    prec = 128
    while True:
        with ctx.workprec(prec):
            a_k = maclaurin_coefficients(kernel, act, depth, sw2, sb2, k, prec=prec)[k]
            phi1 = _grid_arb(act, derivative_of(act) if kernel == "ntk" else None, kernel,
                             depth, sw2, sb2, 1, 1)[0]
            fv = a_k / phi1
        if fv.is_finite() and (float(fv.rad()) <= 1e-16 * abs(float(fv.mid()))
                               or (prec >= 2048 and float(fv.rad()) < 1e-100)):
            return _to_float(fv)
        if prec >= 8192:
            raise RuntimeError(f"Maclaurin coefficient {k} did not converge (ball {fv})")
        prec *= 2


# --------------------------------------------------------------------------- depth sweep


@functools.lru_cache(maxsize=16)
def _krawtchouk_rows_arb(dim: int, degrees: tuple[int, ...]):
    k_mat = krawtchouk_matrix(dim)
    with ctx.workprec(dim + 16):
        return arb_mat(fmpz_mat([list(k_mat[k]) for k in degrees]))


def boolean_cube_depth_sweep(
    activation: str | Activation,
    sigma_w2: float,
    sigma_b2: float,
    max_depth: int,
    dim: int,
    degrees: Any = range(9),
    *,
    rtol: float = RTOL,
    max_dps: int = 300,
) -> np.ndarray:
    """Certified μ_k for CK and NTK at every depth 0 … max_depth in one layer recursion.

    Returns float64 ``mu[kernel, depth, i]`` (kernel 0 = CK, 1 = NTK; ``i`` indexes
    ``degrees``). Φ at depth l+1 reuses depth l; all depths' grids go through one exact
    Krawtchouk product per precision. Each nonzero μ is certified to ``rtol`` (Arb balls,
    precision doubled until it is; a ball around 0 at ``max_dps`` is returned as its midpoint,
    and zeros by parity are exact). Raises ``ValueError`` for bad parameters.
    """
    _, act, der, max_depth, sw2, sb2 = _setting("ntk", activation, max_depth, sigma_w2, sigma_b2)
    dim = _check_dim(dim)
    degrees = tuple(_check_k(k) for k in degrees)
    if any(k > dim for k in degrees):
        raise ValueError(f"degrees must lie in 0 … dim = {dim}, got {degrees}")
    odd = sb2 == 0 and _is_odd(act.name)
    prec, max_prec = 128 + dim // 2, int(max_dps * 3.33) + 16
    while True:
        with ctx.workprec(prec):
            cols: list = []
            for sig, th in _layers_arb(act, der, "ntk", max_depth, sw2, sb2, dim, dim + 1):
                cols.extend((sig, th))
            prod = _krawtchouk_rows_arb(dim, degrees) * arb_mat(
                [[cols[j][r] for j in range(2, len(cols))] for r in range(dim + 1)]
            )
            scale = arb(2) ** (-dim)
            balls = [[prod[i, j] * scale for j in range(prod.ncols())]
                     for i in range(prod.nrows())]
        need = _needed_prec(
            prec, [x for k, row in zip(degrees, balls, strict=True) for x in row
                   if not (odd and k % 2 == 0)], rtol)
        if need == prec or prec >= max_prec:
            break
        prec = min(need, max_prec)
    out = np.empty((2, max_depth + 1, len(degrees)))
    # depth 0: Φ(t) = σ_w² t + σ_b² exactly, so μ_0 = σ_b², μ_1 = σ_w²/d, μ_k = 0 for k ≥ 2
    out[:, 0, :] = [sb2 if k == 0 else (sw2 / dim if k == 1 else 0.0) for k in degrees]
    for i, k in enumerate(degrees):
        for j, x in enumerate(balls[i]):
            out[j % 2, 1 + j // 2, i] = 0.0 if (odd and k % 2 == 0) else _to_float(x)
    return out


# --------------------------------------------------------------------------- fast erf sweep
#
# Double-double ("dd", ~32 digits; Dekker 1971, Hida–Li–Bailey 2001) NumPy arithmetic for the
# 41 × 41 × depth sweeps of Fig. 2: float64 grids are useless there (the k = 8 eigenvalue is
# ~1e-15·Φ(1) and, in the ordered / chaotic phases at depth ~100, Φ varies by < 1e-39·Φ(1) over
# the grid), and Arb costs ~5 µs per point and layer. Two devices make dd sufficient:
#   * the grid is carried as differences E_r = Φ(t_r) − Φ(0) from the t = 0 point, updated by
#     cancellation-free difference formulas (asin y − asin y₀ = asin[δ(2y₀+δ)/(y s₀ + y₀ s)]);
#     Φ(0), Φ(1) and the layer scalars come from Arb;
#   * μ_k (k ≥ 1) = 4^{-k} Σ_r Bin(d−2k, ½)(r) [(I − T_{2Δ})^k E](t_r) (two-step algorithm):
#     the differences in dd, the positive-weight sum in float64.
# Not a proof: accuracy is established by sampling against the certified engine (tests,
# benchmarks/bench_boolean_cube.py).

_SPLIT = 134217729.0  # 2^27 + 1


def _two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _quick_two_sum(a, b):
    s = a + b
    return s, b - (s - a)


def _two_prod(a, b):
    p = a * b
    t = _SPLIT * a
    ah = t - (t - a)
    al = a - ah
    t = _SPLIT * b
    bh = t - (t - b)
    bl = b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _dd_add(x, y):
    # "sloppy" dd addition: error ≤ ~2^-104 (|x| + |y|), i.e. no worse than the inputs'
    # own representation error; that is all the difference recursion needs
    s, e = _two_sum(x[0], y[0])
    return _quick_two_sum(s, e + (x[1] + y[1]))


def _dd_neg(x):
    return -x[0], -x[1]


def _dd_sub(x, y):
    return _dd_add(x, _dd_neg(y))


def _dd_mul(x, y):
    p, e = _two_prod(x[0], y[0])
    return _quick_two_sum(p, e + (x[0] * y[1] + x[1] * y[0]))


def _dd_div(x, y):
    q1 = x[0] / y[0]
    r = _dd_sub(x, _dd_mul(y, (q1, 0.0 * q1)))
    q2 = r[0] / y[0]
    r = _dd_sub(r, _dd_mul(y, (q2, 0.0 * q2)))
    s, e = _quick_two_sum(q1, q2)
    return _dd_add((s, e), (r[0] / y[0], 0.0 * q1))


def _dd_sqrt(x):
    h = np.sqrt(x[0])
    p, e = _two_prod(h, h)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.where(h > 0, ((x[0] - p) - e + x[1]) / (2 * h), 0.0)
    return _quick_two_sum(h, corr)


def _dd_of(x) -> tuple[float, float]:
    """An Arb ball's midpoint as a (hi, lo) pair."""
    hi = float(x.mid())
    return hi, float((x - hi).mid())


@functools.lru_cache(maxsize=1)
def _sincos_table():
    with mpmath.workdps(45):
        ang = [mpmath.mpf(j) / 1024 for j in range(1700)]
        out = []
        for fn in (mpmath.sin, mpmath.cos):
            v = [fn(a) for a in ang]
            hi = np.array([float(x) for x in v])
            lo = np.array([float(x - mpmath.mpf(float(x))) for x in v])
            out.append((hi, lo))
    return out


def _dd_sincos(y):
    """dd sin and cos of a float64 array y, |y| ≤ 1.6 (table at j/1024 + Taylor)."""
    (sh, sl), (ch, cl) = _sincos_table()
    sgn = np.where(y < 0, -1.0, 1.0)
    a = np.abs(y)
    j = np.rint(a * 1024).astype(np.int64)
    b = a - j / 1024.0  # exact
    b2 = _two_prod(b, b)
    b3 = _dd_mul(b2, (b, 0.0 * b))
    # sin b = b − b³/6 + b⁵/120 − b⁷/5040 (|b| ≤ 2^-11: b⁹/9! < 1e-35); −1/6 is no float
    sin_b = _dd_add((b, 0.0 * b), _dd_neg(_dd_div(b3, (6.0, 0.0 * b))))
    sin_b = _dd_add(sin_b, (b3[0] * b2[0] / 120.0 - b3[0] * b2[0] * b2[0] / 5040.0, 0.0 * b))
    b4 = _dd_mul(b2, b2)
    cos_b = _dd_add((1.0 + 0.0 * b, 0.0 * b), (-0.5 * b2[0], -0.5 * b2[1]))
    cos_b = _dd_add(cos_b, _dd_div(b4, (24.0, 0.0 * b)))
    cos_b = _dd_add(cos_b, (-b4[0] * b2[0] / 720.0 + b4[0] * b4[0] / 40320.0, 0.0 * b))
    sa, ca = (sh[j], sl[j]), (ch[j], cl[j])
    s = _dd_add(_dd_mul(sa, cos_b), _dd_mul(ca, sin_b))
    c_ = _dd_sub(_dd_mul(ca, cos_b), _dd_mul(sa, sin_b))
    return (sgn * s[0], sgn * s[1]), c_


def _dd_asin(x):
    """dd arcsin for |x| ≤ 0.999 (one Newton step from the float64 arcsin)."""
    y0 = np.arcsin(np.clip(x[0], -1.0, 1.0))
    s, c_ = _dd_sincos(y0)
    r = _dd_sub(x, s)
    return _quick_two_sum(y0, (r[0] + r[1]) / c_[0])


@functools.lru_cache(maxsize=16)
def _binom_weights(dim: int, degrees: tuple[int, ...]) -> list[tuple[np.ndarray, np.ndarray]]:
    """4^{-k} Bin(d − 2k, ½)(r) as dd pairs (exact rationals rounded once to ~32 digits)."""
    out = []
    for k in degrees:
        n = dim - 2 * k
        with mpmath.workdps(40):
            v = [mpmath.mpf(math.comb(n, r)) / mpmath.mpf(2) ** (n + 2 * k) for r in range(n + 1)]
            hi = np.array([float(x) for x in v])
            lo = np.array([float(x - mpmath.mpf(float(x))) for x in v])
        out.append((hi, lo))
    return out


def _weighted_sum(x, w) -> np.ndarray:
    """Σ_r w_r x_r per row of the dd array x (S × n), for dd weights w (n).

    float64 where its error bound n·2^-53·Σ|w x| is below 1e-14·|Σ w x|; the other rows are
    summed in dd (exact products by TwoProd, then Ogita–Rump–Oishi Sum2 over r).
    """
    val = (x[0] + x[1]) @ w[0]
    absum = np.abs(x[0]) @ w[0]
    bad = np.nonzero(x[0].shape[1] * 2.0**-53 * absum > 1e-14 * np.abs(val))[0]
    if bad.size:
        xh, xl = x[0][bad], x[1][bad]
        p, err = _two_prod(xh, w[0][None, :])
        err = err + xh * w[1][None, :] + xl * w[0][None, :]
        val[bad] = _acc_sum(p) + err.sum(axis=1)
    return val


def _acc_sum(p: np.ndarray) -> np.ndarray:
    """Row sums with ~2^-100 relative-to-max error (two error-free extractions, Rump–Ogita–Oishi
    AccSum): q = (σ + p) − σ is exact and Σq is exact when σ ≥ 2^⌈log2 n⌉·max|p|."""
    n = p.shape[1]
    grow = 2.0 ** (math.ceil(math.log2(n + 2)) + 1)
    total = np.zeros(p.shape[0])
    rest = p
    for _ in range(2):
        m = np.max(np.abs(rest), axis=1)
        sig = grow * 2.0 ** np.ceil(np.log2(np.where(m > 0, m, 1.0)))
        q = (sig[:, None] + rest) - sig[:, None]
        rest = rest - q
        total = total + q.sum(axis=1)  # exact partial sums, added largest first
    return total + rest.sum(axis=1)


def erf_depth_sweep(
    sigma_w2: Any,
    sigma_b2: Any,
    max_depth: int,
    dim: int,
    degrees: Any = range(9),
) -> np.ndarray:
    """Fast μ_k of the erf CK and NTK for many (σ_w², σ_b²) settings and all depths 0 … max_depth.

    ``sigma_w2``, ``sigma_b2``: 1-D arrays of equal length S (one entry per setting).
    Returns ``mu[s, kernel, depth, i]`` (kernel 0 = CK, 1 = NTK, ``i`` indexes ``degrees``,
    which must satisfy 2k ≤ dim). Double-double difference recursion (see the section comment);
    not certified — accuracy ≤ 1e-10 relative is checked by sampling against
    :func:`boolean_cube_depth_sweep`.
    """
    sw = np.atleast_1d(np.asarray(sigma_w2, dtype=np.float64))
    sb = np.atleast_1d(np.asarray(sigma_b2, dtype=np.float64))
    if sw.shape != sb.shape or sw.ndim != 1:
        raise ValueError("sigma_w2 and sigma_b2 must be 1-D arrays of equal length")
    for x, name in ((sw, "sigma_w2"), (sb, "sigma_b2")):
        for v in x:
            (check_variance if name == "sigma_w2" else check_bias_variance)(name, v)
    max_depth, dim = check_depth(max_depth, "max_depth"), _check_dim(dim)
    degrees = tuple(_check_k(k) for k in degrees)
    if any(2 * k > dim for k in degrees):
        raise ValueError(f"degrees must satisfy 2k <= dim = {dim}, got {degrees}")
    n_set, n_pts = sw.size, dim + 1
    odd_rows = np.nonzero(sb == 0)[0]
    weights = _binom_weights(dim, degrees)
    out = np.zeros((n_set, 2, max_depth + 1, len(degrees)))
    t = np.zeros(n_pts)
    # grid state: E = Σ − Σ(0), F = Θ − Θ(0) (dd, shape S × (d+1)); scalars per setting in Arb
    # Σ¹(t_r) − Σ¹(0) = σ_w² (d − 2r)/d: exact product, then one dd division
    e = _dd_div(_two_prod(sw[:, None] + 0 * t, (dim - 2 * np.arange(n_pts))[None, :] + 0.0 * sw[:, None]),
                (float(dim), 0.0))
    f = e
    with ctx.workprec(192):
        w_a, b_a = [_as_arb(x) for x in sw], [_as_arb(x) for x in sb]
        q = [w + b for w, b in zip(w_a, b_a, strict=True)]  # Σ(1)
        thd = list(q)  # Θ(1)
        sig0 = list(b_a)  # Σ(0)
        th0 = list(b_a)  # Θ(0)
        two_pi = 2 / arb.pi()
        four_pi = 4 / arb.pi()
        for depth in range(max_depth + 1):
            s0 = np.array([[float(x.mid())] for x in sig0])
            t0 = np.array([[float(x.mid())] for x in th0])
            for kern, (grid, base) in enumerate(((e, s0), (f, t0))):
                dk, done = grid, 0
                for i, k in enumerate(degrees):
                    for _ in range(k - done):  # (I − T_{2Δ})^k, incrementally in k
                        dk = _dd_sub((dk[0][:, :-2], dk[1][:, :-2]), (dk[0][:, 2:], dk[1][:, 2:]))
                    done = k
                    val = _weighted_sum(dk, weights[i])
                    out[:, kern, depth, i] = val + base[:, 0] if k == 0 else val
            if depth == max_depth:
                break
            # layer scalars (Arb): a = 2Q/(2Q+1), y0 = a Σ(0)/Q, κ = (4/π)/(2Q+1)
            sc = []
            for j in range(n_set):
                qq = q[j]
                a = 1 - 1 / (2 * qq + 1)  # = 2Q/(2Q+1) with Q once: no ball blow-up
                y0 = a * sig0[j] / qq
                s_0 = (1 - y0 * y0).sqrt()
                kap = four_pi / (2 * qq + 1)
                vp0 = kap / s_0
                as0 = y0.asin()
                new_sig0 = w_a[j] * two_pi * as0 + b_a[j]
                new_q = w_a[j] * two_pi * a.asin() + b_a[j]
                th0[j] = new_sig0 + w_a[j] * vp0 * th0[j]
                thd[j] = new_q + w_a[j] * kap / (1 - a * a).sqrt() * thd[j]
                sig0[j], q[j] = new_sig0, new_q
                sc.append([_dd_of(x) for x in (2 / (2 * qq + 1), y0, s_0, kap, vp0, as0)])
            col = [(np.array([[r[m][0]] for r in sc]), np.array([[r[m][1]] for r in sc]))
                   for m in range(6)]
            a_over_q, y0d, s0d, kapd, vp0d, as0d = col
            w_dd = (sw[:, None], 0.0 * sw[:, None])
            th_old = _dd_add((t0, 0.0 * t0), f)
            delta = _dd_mul(a_over_q, e)
            y = _dd_add(y0d, delta)
            two_y0_d = _dd_add(_dd_add(y0d, y0d), delta)
            num = _dd_mul(delta, two_y0_d)  # y² − y0²
            s_r = _dd_sqrt(_dd_mul(_dd_sub((1.0, 0.0), y), _dd_add((1.0, 0.0), y)))
            same = (y0d[0] * y[0] > 0) | (y0d[0] == 0)
            with np.errstate(invalid="ignore", divide="ignore"):
                den = _dd_add(_dd_mul(y, s0d), _dd_mul(y0d, s_r))
                z = _dd_div(num, den)
                z = (np.where(same, z[0], y[0]), np.where(same, z[1], y[1]))
                z = (np.where(delta[0] == 0, 0.0, z[0]), np.where(delta[0] == 0, 0.0, z[1]))
                diff = _dd_asin(z)
                diff = _dd_sub(diff, (np.where(same, 0.0, as0d[0]), np.where(same, 0.0, as0d[1])))
                dvp = _dd_div(_dd_mul(kapd, num), _dd_mul(_dd_mul(s_r, s0d), _dd_add(s_r, s0d)))
            two_pi_dd = _dd_of(two_pi)
            e_new = _dd_mul(_dd_mul(w_dd, (two_pi_dd[0], two_pi_dd[1])), diff)
            f = _dd_add(e_new, _dd_mul(w_dd, _dd_add(_dd_mul(dvp, th_old), _dd_mul(vp0d, f))))
            e = e_new
            # t = 1 is an unstable fixed point of the correlation map in the chaotic phase
            # (χ₁ > 1): there the r = 0 differences come from Arb, Φ(1) − Φ(0), whenever Arb
            # resolves them to dd accuracy (always, unless Φ(1) ≈ Φ(0) — the ordered phase,
            # where the recursion above is the stable one).
            for j in range(n_set):
                for grid, top, bot in ((e, q[j], sig0[j]), (f, thd[j], th0[j])):
                    gap = top - bot
                    if gap.is_finite() and float(gap.rad()) < 2.0**-110 * abs(float(gap.mid())):
                        grid[0][j, 0], grid[1][j, 0] = _dd_of(gap)
            # σ_b² = 0: Φ is odd (t = −1 is the mirror fixed point); impose E_{d−r} = −E_r
            for grid in (e, f):
                for part in grid:
                    part[odd_rows] = 0.5 * (part[odd_rows] - part[odd_rows][:, ::-1])
    odd = sb == 0
    for i, k in enumerate(degrees):
        if k % 2 == 0:
            out[odd, :, :, i] = 0.0  # Φ odd in t (erf, σ_b² = 0): exact zeros
    return out
