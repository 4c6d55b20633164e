r"""NNGP / NTK of the continuum residual ReLU network (Xiao et al. 2020, App. A.4).

Network: :math:`x^{(t+dt)} = x^{(t)} + \sqrt{dt}\,W\phi(x^{(t)})`, φ = ReLU, E[WWᵀ] = 2I
(σ_w² = 2, NTK parametrization), b = 0. Infinite-width recursion for a step dt (derived by
expanding the second moments; the W-gradient of the new block contributes σ_w² T(K) dt):

.. math::
    K^{(t+dt)} = K + 2\,dt\,T(K),\qquad
    \Theta^{(t+dt)} = \Theta + 2\,dt\,\big(T(K) + \dot T(K)\,\Theta\big),

and its continuum limit :math:`\dot K = 2T(K)`, :math:`\dot\Theta = D + 2\dot T(K)\Theta` with
the direct term D = 2T(K) ("derived") or D = K (eq. 51 as printed, ``variant="printed"``).
T, Ṫ are the registry's relu / step duals (:func:`numeric.dual`, bivariate).

The ODE is integrated for the rescaled kernels K̃ = e^{−t}K, Θ̃ = e^{−t}Θ (ReLU duals are
1-homogeneous, Ṫ 0-homogeneous), so t up to 1e4 does not overflow; κ is scale-invariant.
Initial condition: K(0) = input Gram matrix (unit diagonal), Θ(0) = p₀·K(0).

References: Xiao, Pennington & Schoenholz (2020), App. A.4, eqs. (47)–(54).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from scipy.integrate import solve_ivp

from numeric.duals import dual
from theory.validation import check_gram

VARIANTS = ("derived", "printed")


def _duals(k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dg = np.diagonal(k)
    a, b = dg[:, None], dg[None, :]
    return dual("relu", a, b, k), dual("step", a, b, k)


def residual_relu_recursion(gram, t_end: float, dt: float, p0: float = 1.0):
    """(K, Θ) after t_end/dt discrete residual steps (the finite-dt infinite-width recursion)."""
    k = check_gram(gram).copy()
    if not (dt > 0 and t_end > 0):
        raise ValueError(f"dt and t_end must be > 0, got dt={dt!r}, t_end={t_end!r}")
    if p0 < 0:
        raise ValueError(f"p0 must be >= 0, got {p0!r}")
    th = p0 * k
    for _ in range(int(round(t_end / dt))):
        t, td = _duals(k)
        k, th = k + 2 * dt * t, th + 2 * dt * (t + td * th)
    return k, th


def residual_relu_ode(
    gram,
    times: Iterable[float],
    variant: str = "derived",
    p0: float = 1.0,
    *,
    scaled: bool = False,
    rtol: float = 1e-11,
) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """(K(t), Θ(t)) from the continuum ODE at the requested times (DOP853, ``rtol``).

    ``scaled=True`` returns e^{−t}K and e^{−t}Θ (needed beyond t ≈ 700, where e^t overflows).
    """
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {list(VARIANTS)}, got {variant!r}")
    if p0 < 0:
        raise ValueError(f"p0 must be >= 0, got {p0!r}")
    k0 = check_gram(gram)
    n = k0.shape[0]
    times = sorted(float(t) for t in times)
    if not times or times[0] <= 0:
        raise ValueError("times must be a non-empty iterable of positive numbers")
    if not scaled and times[-1] > 700:
        raise ValueError("times beyond 700 overflow e^t: pass scaled=True")

    def rhs(_t, y):
        k, th = y[: n * n].reshape(n, n), y[n * n :].reshape(n, n)
        tk, tdk = _duals(k)
        direct = 2 * tk if variant == "derived" else k
        return np.concatenate([(2 * tk - k).ravel(), (direct + 2 * tdk * th - th).ravel()])

    y0 = np.concatenate([k0.ravel(), (p0 * k0).ravel()])
    # t ∈ [0, 1] directly, then log-time s = log t (the late dynamics are slow: ε ~ 1/t²)
    early = [t for t in times if t <= 1.0]
    sol1 = solve_ivp(rhs, (0.0, 1.0), y0, method="DOP853", t_eval=early or None, rtol=rtol,
                     atol=1e-14, dense_output=False)
    if not sol1.success:  # pragma: no cover
        raise RuntimeError(f"solve_ivp failed: {sol1.message}")
    ys = [sol1.y[:, i] for i in range(len(early))]
    late = [t for t in times if t > 1.0]
    if late:
        sol2 = solve_ivp(lambda s_, y: np.exp(s_) * rhs(np.exp(s_), y), (0.0, np.log(late[-1])),
                         sol1.y[:, -1], method="DOP853", t_eval=np.log(late), rtol=rtol,
                         atol=1e-14)
        if not sol2.success:  # pragma: no cover
            raise RuntimeError(f"solve_ivp failed: {sol2.message}")
        ys += [sol2.y[:, i] for i in range(len(late))]
    out = {}
    for t, yt in zip(times, ys, strict=True):
        y = yt if scaled else yt * np.exp(t)
        out[t] = (y[: n * n].reshape(n, n), y[n * n :].reshape(n, n))
    return out
