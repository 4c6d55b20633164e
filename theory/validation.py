"""Argument checks shared by every level: errors name the parameter and the valid range.

Nothing is clipped silently. The one tolerance band is documented in
:func:`check_correlation`: a correlation within ``CORRELATION_ROUNDOFF`` of ±1 is
treated as round-off of an exact ±1 (a diagonal entry compared with itself).
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

#: |c| ≤ 1 + CORRELATION_ROUNDOFF is accepted as round-off and evaluated at ±1.
#: 1e-12 is ~4500 ulp of 1.0: larger than any round-off of q12/sqrt(q1 q2) from a
#: depth-10^4 float64 recursion we measured, far smaller than any real violation.
CORRELATION_ROUNDOFF = 1e-12


def check_positive(name: str, value: Any, *, allow_zero: bool = False) -> float:
    """A finite real scalar > 0 (or ≥ 0)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number, got {value!r}") from None
    bound = ">= 0" if allow_zero else "> 0"
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise ValueError(f"{name} must be finite and {bound}, got {value!r}")
    return v


def check_variance(name: str, value: Any) -> float:
    """A variance such as sigma_w2 (> 0) — use :func:`check_bias_variance` for sigma_b2 (≥ 0)."""
    return check_positive(name, value)


def check_bias_variance(name: str, value: Any) -> float:
    return check_positive(name, value, allow_zero=True)


def check_depth(value: Any, name: str = "depth") -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
    return int(value)


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return str(value)


def check_gram(gram: Any, name: str = "gram", *, psd_rtol: float = 1e-10) -> np.ndarray:
    """A real, square, symmetric, positive-semidefinite matrix with a positive diagonal.

    PSD is tested as λ_min ≥ −psd_rtol·λ_max (float64 eigen-solvers return
    negatives of size ~1e-16·λ_max for exactly singular PSD matrices).
    """
    g, sym = _gram_before_psd(gram, name, psd_rtol)
    _raise_unless_psd(sym, name, psd_rtol)
    return g


#: below this size :func:`check_gram_deferred` tests PSD at once (a thread costs more)
DEFER_PSD_MIN_SIZE = 256


def check_gram_deferred(
    gram: Any, name: str = "gram", *, psd_rtol: float = 1e-10
) -> tuple[np.ndarray, Callable[[], None]]:
    """:func:`check_gram` whose PSD test (the O(n³) part) runs in a background thread.

    Every other check is done before returning ``(g, join)``; ``join()`` waits for the PSD
    test and raises its ``ValueError``. The caller may compute with ``g`` meanwhile but must
    call ``join()`` before it returns or raises anything (the same errors, in the same order
    of precedence, as :func:`check_gram`). Unlike :func:`check_gram`, ``g`` is the input
    itself when that is a float64 array (no copy): read it, do not modify it.
    """
    g, sym = _gram_before_psd(gram, name, psd_rtol, copy=False)
    if sym.shape[0] < DEFER_PSD_MIN_SIZE:
        _raise_unless_psd(sym, name, psd_rtol)
        return g, lambda: None
    result: list[BaseException | None] = []

    def run() -> None:
        try:
            _raise_unless_psd(sym, name, psd_rtol)
            result.append(None)
        except BaseException as exc:  # handed to join()
            result.append(exc)

    thread = threading.Thread(target=run, name="check_gram-psd", daemon=True)
    thread.start()

    def join() -> None:
        thread.join()
        if result[0] is not None:
            raise result[0]

    return g, join


def _gram_before_psd(
    gram: Any, name: str, psd_rtol: float, copy: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Every check of :func:`check_gram` but PSD: (the matrix to return, its float64 symmetric
    part). ``copy=False``: a float64 input comes back as itself."""
    try:
        g = np.asarray(gram)
    except ValueError:  # ragged nested sequences
        raise ValueError(f"{name} must be a non-empty square 2-D matrix") from None
    if g.dtype == object:  # e.g. mpmath numbers: returned as they are, checked in float64
        if g.ndim != 2 or g.shape[0] != g.shape[1] or g.shape[0] == 0:
            raise ValueError(f"{name} must be a non-empty square 2-D matrix, got shape {g.shape}")
        try:
            g64 = g.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be real, got entries of types "
                             f"{sorted({type(v).__name__ for v in g.flat})}") from None
        return g, _gram_before_psd(g64, name, psd_rtol)[1]
    if g.ndim != 2 or g.shape[0] != g.shape[1] or g.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty square 2-D matrix, got shape {g.shape}")
    if not np.issubdtype(g.dtype, np.number) or np.iscomplexobj(g):
        raise ValueError(f"{name} must be real, got dtype {g.dtype}")
    g = g.astype(np.float64, copy=copy)
    if not np.all(np.isfinite(g)):
        raise ValueError(f"{name} must be finite")
    if np.array_equal(g, g.T):  # the common case, without a temporary
        asym = scale = 0.0
    else:
        scale = max(float(np.max(np.abs(g))), 1e-300)
        with np.errstate(over="ignore"):  # an overflowing difference is an asymmetry
            asym = float(np.max(np.abs(g - g.T)))
    if not asym <= 1e-12 * scale:
        raise ValueError(f"{name} must be symmetric (max |G - G^T| = {asym:.3g})")
    if np.any(np.diag(g) <= 0):
        raise ValueError(f"{name} must have a strictly positive diagonal (inputs must be nonzero)")
    return g, (g if asym == 0 else (g + g.T) / 2)


def _raise_unless_psd(sym: np.ndarray, name: str, psd_rtol: float) -> None:
    if _psd_certified(sym, psd_rtol):
        return
    lam = np.linalg.eigvalsh(sym)
    if lam[0] < -psd_rtol * max(lam[-1], 0.0):
        raise ValueError(
            f"{name} must be positive semidefinite: min eigenvalue {lam[0]:.3g} < "
            f"-{psd_rtol:g}·max eigenvalue {lam[-1]:.3g}"
        )


def _psd_certified(sym: np.ndarray, psd_rtol: float) -> bool:
    """Cheap sufficient test of λ_min ≥ −psd_rtol·λ_max: Cholesky of G + s·I succeeds.

    s = psd_rtol/2 · ℓ with ℓ ≤ λ_max a lower bound (Rayleigh quotients: the largest diagonal
    entry, and 1ᵀG1/n and one power-iteration step from the all-ones vector). A successful
    factorization shows G + s·I positive definite up to Cholesky's backward error (~n·u·λ_max,
    ≪ s at the sizes used here), so λ_min(G) ≥ −psd_rtol·λ_max/2. O(n³/3) instead of
    eigvalsh's ~O(4n³): at n = 2000 0.05 s (one thread) instead of 0.25 s. A failure proves nothing
    (G may be PSD but singular beyond the shift's reach): the caller then decides by eigvalsh,
    so the accepted set is the eigvalsh test's, up to float64 round-off.
    """
    # One BLAS thread: on 2 cores a second OpenBLAS thread gained little and, when the other
    # core was busy, spun: 0.3–0.8 s instead of 0.07 s at n = 2000 (measured).
    # (the lock: two overlapping limit()s could restore each other's limit out of order)
    with _BLAS_LIMIT_LOCK, _blas_controller().limit(limits=1, user_api="blas"):
        n = sym.shape[0]
        with np.errstate(all="ignore"):  # an overflow here only means: no certificate
            lower = float(np.max(np.diagonal(sym)))
            w = sym.sum(axis=1)
            lower = max(lower, float(w.sum()) / n)
            ww = float(w @ w)
            if ww > 0 and np.isfinite(ww):
                lower = max(lower, float(w @ (sym @ w)) / ww)
        if not np.isfinite(lower) or lower <= 0:
            return False
        a = sym.copy()
        a.flat[:: n + 1] += 0.5 * psd_rtol * lower
        # NumPy's cholesky releases the GIL (SciPy's dpotrf wrapper held it, which stalled the
        # kernel recursion running meanwhile, see check_gram_deferred: 0.185 s vs 0.161 s)
        try:
            np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            return False
    return True


_BLAS_LIMIT_LOCK = threading.Lock()


@functools.cache
def _blas_controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def check_correlation(c: Any, name: str = "correlation") -> Any:
    """Correlations must lie in [-1, 1] (round-off band documented in the module)."""
    arr = np.asarray(c, dtype=float)
    if np.any(~np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    if np.any(np.abs(arr) > 1 + CORRELATION_ROUNDOFF):
        bad = float(arr.flat[int(np.argmax(np.abs(arr)))])
        raise ValueError(f"{name} must lie in [-1, 1], got {bad!r}")
    return c
