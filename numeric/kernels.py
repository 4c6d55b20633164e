r"""Fully connected NNGP (conjugate kernel) and NTK recursions on a Gram matrix.

Conventions (shared by the whole suite; see README "Conventions"):

* ``depth`` = L = number of hidden layers; the returned kernels are the output
  layer's :math:`\Sigma^{L+1}` (CK / NNGP) and :math:`\Theta^{L+1}` (NTK).
* ``gram`` = :math:`\langle x, x'\rangle / d` of the inputs.
* NTK parametrization: :math:`\Sigma^1 = \sigma_w^2\,\mathrm{gram} + \sigma_b^2`,
  :math:`\Theta^1 = \Sigma^1`,
  :math:`\Sigma^{l} = \sigma_w^2 V_\phi(\Sigma^{l-1}) + \sigma_b^2`,
  :math:`\Theta^{l} = \Sigma^{l} + \sigma_w^2 V_{\phi'}(\Sigma^{l-1}) \odot \Theta^{l-1}`.
* Standard parametrization (neural-tangents' convention, Sohl-Dickstein et al. 2020,
  s = 1): the NNGP is the same; the NTK is
  :math:`\Theta^{l} = n_{l-1} V^{l-1} + 1 + \sigma_w^2 V_{\phi'}(\Sigma^{l-1}) \odot \Theta^{l-1}`
  with :math:`V^0 = \mathrm{gram}`, :math:`n_0 = d`, :math:`\Theta^0 = 0`, because the raw
  weights (variance σ_w²/fan_in) are what is trained. It therefore needs ``widths``.

The recursion is written once and runs on float64 arrays or, with ``dps=``, on
object arrays of mpmath numbers at that precision. :func:`nngp_ntk` and :func:`nngp` in
float64 with closed-form duals (relu, erf, identity, exp) take a fused path that evaluates
the same per-entry operations on the upper triangle, block by block through all layers,
on all cores (:func:`_fused_last_layer`; timed in benchmarks/bench_kernels.py), and hand over
to the layer-by-layer recursion wherever that path leaves the float64 range.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import mpmath
import numpy as np

from numeric.duals import closed_pair_numpy, dual, dual_mp
from theory.activations import Activation, derivative_of, get_activation
from theory.validation import (
    CORRELATION_ROUNDOFF,
    check_bias_variance,
    check_choice,
    check_depth,
    check_gram,
    check_gram_deferred,
    check_positive,
    check_variance,
)

PARAMETRIZATIONS = ("ntk", "standard")

#: entries per block of the fused float64 recursion (:func:`_fused_last_layer`): a block and
#: its ~10 temporaries stay in the CPU cache through all layers. Measured (erf, N = 2000,
#: depth 10, idle 2-core machine): 2^15 0.170 s on one thread, 0.114 s on two; 2^17 0.182 s
#: and 0.107 s (longer NumPy calls: less time waiting for the GIL)
BLOCK_ENTRIES = 1 << 17
#: the fused recursion spreads its blocks over this many threads (NumPy releases the GIL in
#: its loops) once the matrix has at least PARALLEL_MIN_ENTRIES entries
THREADS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
PARALLEL_MIN_ENTRIES = 1 << 18
#: the fused recursion runs where every diagonal entry lies in this range (q_i q_j a normal
#: float); elsewhere the layer-by-layer recursion, which handles under/overflow, takes over
_FUSED_MIN_Q, _FUSED_MAX_Q = 1e-150, 1e150


def _layer_duals(act: Activation, der: Activation | None, sigma: Any, dps: int | None):
    """V_φ(Σ) and V_φ'(Σ) for a Gram-type matrix Σ (float64 or mpmath objects)."""
    diag = np.diagonal(sigma)
    a, b = diag[:, None], diag[None, :]
    if dps is None:
        v = dual(act, a, b, sigma)
        vp = None if der is None else dual(der, a, b, sigma)
        return v, vp
    a, b = np.broadcast_arrays(a, b)
    f = np.frompyfunc(lambda x, y, c: dual_mp(act, x, y, c, dps), 3, 1)
    v = f(a, b, sigma)
    vp = None
    if der is not None:
        fp = np.frompyfunc(lambda x, y, c: dual_mp(der, x, y, c, dps), 3, 1)
        vp = fp(a, b, sigma)
    return v, vp


def kernel_sequence(
    activation: str | Activation,
    sigma_w2: float,
    sigma_b2: float,
    depth: int,
    gram: Any,
    parametrization: str = "ntk",
    widths: Sequence[int] | None = None,
    *,
    dps: int | None = None,
    ntk: bool = True,
) -> list[tuple[Any, Any]]:
    """All layers' ``(Σ^l, Θ^l)`` for l = 1 … L+1 (list index l−1).

    ``ntk=False`` skips Θ (and V_φ′, so activations without a function-valued
    derivative, e.g. ``step``, are allowed); Θ is then ``None``.
    """
    return _kernels(activation, sigma_w2, sigma_b2, depth, gram, parametrization, widths,
                    dps=dps, ntk=ntk, last_only=False)


def _kernels(activation, sigma_w2, sigma_b2, depth, gram, parametrization, widths, *,
             dps, ntk, last_only):
    act = get_activation(activation)
    sigma_w2 = check_variance("sigma_w2", sigma_w2)
    sigma_b2 = check_bias_variance("sigma_b2", sigma_b2)
    depth = check_depth(depth)
    parametrization = check_choice("parametrization", parametrization, PARAMETRIZATIONS)
    der = derivative_of(act) if ntk else None
    both = None
    if dps is None and last_only:
        both = closed_pair_numpy(act.name, None if der is None else der.name)
    if both is None:
        g, join_psd = check_gram(gram), None
    else:
        # the fused float64 path: the gram's PSD test (O(n³)) runs in a thread meanwhile
        g, join_psd = check_gram_deferred(gram)
    try:
        widths = _check_widths(widths, depth, parametrization, ntk)
        last = None
        if both is not None:
            last = _fused_last_layer(
                both, der is not None, sigma_w2, sigma_b2, depth, g, parametrization, widths
            )
    except BaseException:
        if join_psd is not None:
            join_psd()  # a gram error takes precedence, as in check_gram's order
        raise
    if join_psd is not None:
        join_psd()
    if last is not None:
        return [last]
    # (fused path: None where it left the float64 range or the correlation band somewhere;
    # the layer-by-layer recursion below finds the layer and raises, or at round-off returns)
    if dps is not None:
        if not isinstance(dps, int) or dps < 15:
            raise ValueError(f"dps must be an integer >= 15, got {dps!r}")
        with mpmath.workdps(dps):
            g = np.frompyfunc(mpmath.mpf, 1, 1)(np.asarray(gram, dtype=object))
            sw2, sb2 = mpmath.mpf(sigma_w2), mpmath.mpf(sigma_b2)
            return _recurse(act, der, sw2, sb2, depth, g, parametrization, widths, dps)
    with np.errstate(over="ignore", invalid="ignore"):  # the range is checked layer by layer
        out = _recurse(act, der, sigma_w2, sigma_b2, depth, g, parametrization, widths, None)
    return out[-1:] if last_only else out


def _check_widths(widths, depth, parametrization, ntk):
    if parametrization != "standard" or not ntk:
        return widths
    try:
        n_widths = None if widths is None or isinstance(widths, str) else len(widths)
    except TypeError:  # not a sequence
        n_widths = None
    if n_widths != depth + 1:
        raise ValueError(
            "widths must be given for parametrization='standard' as (d, n_1, ..., n_L) "
            f"of length depth + 1 = {depth + 1}, got {widths!r}"
        )
    return [check_positive(f"widths[{i}]", n) for i, n in enumerate(widths or ())]  # type: ignore[misc]


def _fused_last_layer(both, with_theta, sw2, sb2, depth, g, parametrization, widths):
    r"""Output layer's ``(Σ, Θ)`` in float64 for closed-form duals, or ``None``.

    The recursion is entrywise except for the diagonal (entry (i, j) of layer l + 1 needs
    Σ^l_ij, Θ^l_ij, Σ^l_ii, Σ^l_jj). So the diagonal's sequence is computed first (1-D), and
    then the upper triangle in row blocks of ~BLOCK_ENTRIES entries, each block through all
    layers while it is in cache, the blocks spread over THREADS threads; the lower triangle
    is the upper one's mirror (Σ and Θ are symmetric). The operations per entry are those
    of :func:`_recurse` (the registry's closed forms, one arccos/arcsin shared by V_φ and
    V_φ′ via :func:`numeric.duals.closed_pair_numpy`), with c = Σ_ij/√(Σ_ii Σ_jj) and
    c = 1 exactly on the diagonal. Returns ``None`` (the caller then reruns layer by layer,
    which names the layer or accepts round-off) where a diagonal entry leaves the normal
    float64 range, a correlation leaves the round-off band, or a result is not finite.
    """
    g = np.asarray(g, dtype=np.float64)  # an object-dtype gram (mpmath numbers) at float64
    n = g.shape[0]
    ntk_par = parametrization == "ntk"

    def in_range(q):  # q_i·q_j a normal float (see numeric.duals.correlation)
        return bool(np.all(q >= _FUSED_MIN_Q) and np.all(q <= _FUSED_MAX_Q))

    with np.errstate(all="ignore"):
        diag = [sw2 * np.diagonal(g) + sb2]
        ones = np.ones(n)
        for _ in range(depth):
            if not in_range(diag[-1]):
                return None
            q = diag[-1]
            diag.append(sw2 * np.asarray(both(q, q, ones)[0], dtype=np.float64) + sb2)
        if not in_range(diag[-1]):
            return None
    sigma = np.empty((n, n))
    theta = np.empty((n, n)) if with_theta else None

    def block(r0: int, r1: int) -> bool:
        with np.errstate(all="ignore"):  # errstate is per thread; checked explicitly
            rows = r1 - r0
            shape = (rows, n - r0)
            s = sw2 * g[r0:r1, r0:] + sb2
            t = None
            if with_theta:
                t = s.copy() if ntk_par else widths[0] * g[r0:r1, r0:] + 1
            dg = np.arange(rows) * (n - r0 + 1)  # flat indices of the diagonal entries
            for layer in range(depth):
                q = diag[layer]
                # c = Σ_ij/√(Σ_ii Σ_jj) as in numeric.duals.correlation: exactly 1 for duplicated
                # inputs (√(q·q) = q), where √q·√q would round and arccos turn 1 ulp into 1e-8
                root = np.multiply.outer(q[r0:r1], q[r0:])
                cc = np.divide(s, np.sqrt(root, out=root), out=s)
                cc.flat[dg] = 1.0
                lo, hi = float(cc.min()), float(cc.max())
                if not (lo >= -1 - CORRELATION_ROUNDOFF and hi <= 1 + CORRELATION_ROUNDOFF):
                    return False  # also NaN
                if lo < -1 or hi > 1:
                    np.clip(cc, -1.0, 1.0, out=cc)
                duals = both(q[r0:r1, None], q[None, r0:], cc)
                v = np.broadcast_to(duals[0], shape)
                s = sw2 * v
                s += sb2
                s.flat[dg] = diag[layer + 1][r0:r1]
                if t is not None:
                    vp = np.broadcast_to(duals[1], shape)
                    t = t * vp
                    t *= sw2
                    if ntk_par:
                        t += s
                    else:
                        t += widths[layer + 1] * v + 1
            if not np.all(np.isfinite(s)) or (t is not None and not np.all(np.isfinite(t))):
                return False
            for out, m in ((sigma, s), (theta, t)):
                if m is None:
                    continue
                out[r0:, r0:r1] = m.T  # the mirror of the block, the lower part first
                sq = m[:, :rows]  # the diagonal square: its upper triangle wins
                il = np.tril_indices(rows, -1)
                sq[il] = sq.T[il]
                out[r0:r1, r0:] = m
        return True

    bounds, r0 = [], 0
    while r0 < n:
        r1 = min(n, r0 + max(1, BLOCK_ENTRIES // (n - r0)))
        bounds.append((r0, r1))
        r0 = r1
    if THREADS > 1 and n * n >= PARALLEL_MIN_ENTRIES:
        with ThreadPoolExecutor(THREADS) as pool:
            ok = all(pool.map(lambda b: block(*b), bounds))
    else:
        ok = all(block(*b) for b in bounds)
    return (sigma, theta) if ok else None


def _check_range(layer, sigma, theta, act, sw2, sb2, depth) -> None:
    """float64 only: Σ^l and Θ^l finite, diag Σ^l a normal float (V_φ needs q > 0)."""
    sigma = np.asarray(sigma, dtype=np.float64)  # an object-dtype gram enters layer 1 as is
    ok = np.all(np.isfinite(sigma)) and np.all(np.diagonal(sigma) >= np.finfo(np.float64).tiny)
    if ok and (theta is None or np.all(np.isfinite(np.asarray(theta, dtype=np.float64)))):
        return
    what = "Σ" if not ok else "Θ"
    raise ValueError(
        f"{what}^{layer} leaves the float64 range (over- or underflow) for activation="
        f"{act.name!r}, sigma_w2={sw2!r}, sigma_b2={sb2!r}, depth={depth}: "
        "the kernel grows or decays geometrically with depth here; use dps= (mpmath)"
    )


def _recurse(act, der, sw2, sb2, depth, g, parametrization, widths, dps):
    sigma = sw2 * g + sb2
    if der is None:
        theta = None
    elif parametrization == "ntk":
        theta = sigma.copy()
    else:
        theta = widths[0] * g + 1
    out = [(sigma, theta)]
    if dps is None:
        _check_range(1, sigma, theta, act, sw2, sb2, depth)
    for layer in range(1, depth + 1):
        if dps is not None:
            with mpmath.workdps(dps):
                v, vp = _layer_duals(act, der, sigma, dps)
                new_sigma = sw2 * v + sb2
        else:
            v, vp = _layer_duals(act, der, sigma, dps)
            new_sigma = sw2 * v + sb2
        if theta is not None:
            if parametrization == "ntk":
                theta = new_sigma + sw2 * vp * theta
            else:
                theta = widths[layer] * v + 1 + sw2 * vp * theta
        sigma = new_sigma
        if dps is None:
            _check_range(layer + 1, sigma, theta, act, sw2, sb2, depth)
        out.append((sigma, theta))
    return out


def nngp_ntk(
    activation: str | Activation,
    sigma_w2: float,
    sigma_b2: float,
    depth: int,
    gram: Any,
    parametrization: str = "ntk",
    widths: Sequence[int] | None = None,
    *,
    dps: int | None = None,
) -> tuple[Any, Any]:
    """Output-layer CK :math:`\\Sigma^{L+1}` and NTK :math:`\\Theta^{L+1}` of an MLP.

    Args:
        activation: registry name (``"relu"``, ``"erf"``, ``"tanh"``, ``"gelu"``, ...).
        sigma_w2: weight variance σ_w² > 0.
        sigma_b2: bias variance σ_b² ≥ 0.
        depth: number of hidden layers L ≥ 0.
        gram: first-layer input Gram matrix ⟨x, x'⟩/d (symmetric PSD, positive diagonal).
        parametrization: ``"ntk"`` or ``"standard"`` (then ``widths`` = (d, n_1, …, n_L)).
        dps: ``None`` for float64; an integer ≥ 15 for mpmath at that many digits.

    >>> import numpy as np
    >>> K, T = nngp_ntk("relu", 2.0, 0.0, 1, np.array([[1.0]]))
    >>> float(K[0, 0]), float(T[0, 0])
    (2.0, 4.0)
    """
    return tuple(_kernels(activation, sigma_w2, sigma_b2, depth, gram, parametrization, widths,
                          dps=dps, ntk=True, last_only=True)[-1])


def nngp(
    activation: str | Activation,
    sigma_w2: float,
    sigma_b2: float,
    depth: int,
    gram: Any,
    *,
    dps: int | None = None,
) -> Any:
    """Output-layer CK only (works for activations without a derivative, e.g. ``step``)."""
    return _kernels(activation, sigma_w2, sigma_b2, depth, gram, "ntk", None,
                    dps=dps, ntk=False, last_only=True)[-1][0]
