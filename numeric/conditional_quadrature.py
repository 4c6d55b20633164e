r"""Independent high-precision route to Gaussian pair expectations E[φ(u)φ(v)].

For :math:`(u, v)` centred Gaussian with variances :math:`q_1, q_2` and covariance :math:`q_{12}`,
condition on u: :math:`v \mid u \sim N(m, s^2)`, :math:`m = (q_{12}/q_1)u`,
:math:`s^2 = q_2 - q_{12}^2/q_1`. The inner expectation has a closed form for

* relu: :math:`E\,\mathrm{relu}(N(m,s^2)) = m\Phi(m/s) + s\varphi(m/s)`;
* step (relu'): :math:`\Phi(m/s)`;
* erf: :math:`\mathrm{erf}(m/\sqrt{1+2s^2})` (Gaussian–erf convolution);
* erf': :math:`\tfrac{2}{\sqrt\pi}e^{-m^2/(1+2s^2)}/\sqrt{1+2s^2}`;

so :math:`E[\phi(u)\phi(v)] = \int \phi(u)\,E[\phi(v)\mid u]\,N(u; 0, q_1)\,du` is a 1-D
``mpmath.quad`` (split at 0, where relu/step have their kink). Other activations fall back
to a 2-D ``mpmath.quad``. None of this uses the closed-form duals of the registry, so it is
an independent check of them.

References: Price (1958); Cho & Saul (2009); Williams (1997).
"""

from __future__ import annotations

import mpmath

from numeric.duals import phi_mpmath
from theory.activations import get_activation

_INNER = ("relu", "step", "erf", "erf_prime")


def _inner(name: str, m, s):
    if s == 0:
        return phi_mpmath(name)(m)
    if name == "relu":
        t = m / s
        return m * mpmath.ncdf(t) + s * mpmath.npdf(t)
    if name == "step":
        return mpmath.ncdf(m / s)
    den = mpmath.sqrt(1 + 2 * s * s)
    if name == "erf":
        return mpmath.erf(m / den)
    return 2 / mpmath.sqrt(mpmath.pi) * mpmath.exp(-(m * m) / (den * den)) / den


def pair_expectation(activation: str, q1, q2, q12, dps: int = 30) -> mpmath.mpf:
    """E[φ(u)φ(v)] at ``dps`` digits by conditional 1-D quadrature (2-D for other φ)."""
    name = get_activation(activation).name
    with mpmath.workdps(dps):
        q1, q2, q12 = mpmath.mpf(q1), mpmath.mpf(q2), mpmath.mpf(q12)
        if q1 <= 0:
            raise ValueError(f"q1 must be > 0, got {q1}")
        if q2 <= 0:
            raise ValueError(f"q2 must be > 0, got {q2}")
        if q12 * q12 > q1 * q2 * (1 + mpmath.mpf(10) ** (-dps + 5)):
            raise ValueError(f"q12 must satisfy |q12| <= sqrt(q1*q2), got q12={q12}")
        phi = phi_mpmath(name)
        sd1 = mpmath.sqrt(q1)
        s = mpmath.sqrt(max(q2 - q12 * q12 / q1, mpmath.mpf(0)))
        if name in _INNER:
            beta = q12 / q1
            lo = 0 if name in ("relu", "step") else -mpmath.inf

            def f(u):
                return phi(u) * _inner(name, beta * u, s) * mpmath.npdf(u, 0, sd1)

            pts = [lo, mpmath.inf] if lo == 0 else [-mpmath.inf, 0, mpmath.inf]
            return +mpmath.quad(f, pts)
        cc = q12 / mpmath.sqrt(q1 * q2)
        sc = mpmath.sqrt(max(1 - cc * cc, mpmath.mpf(0)))
        r2 = mpmath.sqrt(q2)

        def g(z1, z2):
            return phi(sd1 * z1) * phi(r2 * (cc * z1 + sc * z2)) * mpmath.npdf(z1) * mpmath.npdf(z2)

        return +mpmath.quad(g, [-mpmath.inf, 0, mpmath.inf], [-mpmath.inf, 0, mpmath.inf])


def diagonal_expectation(activation: str, q, dps: int = 30) -> mpmath.mpf:
    """E[φ(√q z)²] by 1-D quadrature (any registered activation)."""
    name = get_activation(activation).name
    with mpmath.workdps(dps):
        q = mpmath.mpf(q)
        if q <= 0:
            raise ValueError(f"q must be > 0, got {q}")
        phi = phi_mpmath(name)
        sd = mpmath.sqrt(q)
        return +mpmath.quad(lambda u: phi(u) ** 2 * mpmath.npdf(u, 0, sd), [-mpmath.inf, 0, mpmath.inf])
