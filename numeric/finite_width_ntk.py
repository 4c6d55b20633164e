r"""Exact finite-width moments of the NTK diagonal of a one-hidden-layer network (L = 2 weight layers).

Network as in :mod:`empirical.ntk_init_sampler` (standard parametrization, fan-in weights, scalar
readout): :math:`h = W^1x + b^1 \in \mathbb R^M`, :math:`f = W^2\phi(h) + b^2`,
:math:`W^1_{ij} \sim N(0, \sigma_w^2/M_0)`, :math:`W^2_i = \sqrt{\sigma_w^2/M}\,g_i`, biases
:math:`N(0, \sigma_b^2)`. For one input with :math:`\lVert x\rVert^2 = M_0 s`,

.. math:: \Theta(x, x) = 1 + \sum_{i=1}^{M} Z_i,\qquad
          Z_i = \phi(h_i)^2 + \kappa\, g_i^2\,\phi'(h_i)^2,\qquad \kappa = \frac{\sigma_w^2 (M_0 s + 1)}{M},

with :math:`(h_i, g_i)` i.i.d., :math:`h_i \sim N(0, q^1)`, :math:`q^1 = \sigma_w^2 s + \sigma_b^2`,
:math:`g_i \sim N(0, 1)` independent of :math:`h_i`. Hence, exactly,

.. math:: r(M) = \frac{E[\Theta^2]}{E[\Theta]^2} = 1 + \frac{M\,\mathrm{Var}(Z)}{(1 + M\,E Z)^2},
          \qquad \lim_{M\to\infty} M\,(r(M) - 1) = \frac{\mathrm{Var}(\phi(h)^2)}{(E\phi(h)^2)^2},

so the fluctuation decays exactly like 1/M asymptotically, while at M ≲ M_0 the M-independent
first-layer term :math:`\kappa M` and the :math:`\kappa^2` variance term make the local slope of
log(r − 1) against log M steeper than −1 (pre-asymptotic regime).

References: Seleznova & Kutyniok (2021), §3 (E[Θ²]/E[Θ]²); Hanin & Nica (2019) (1/M fluctuations at fixed depth).
"""

from __future__ import annotations

import numpy as np
from scipy import integrate

from numeric.duals import phi_numpy
from theory.activations import NETWORK_ACTIVATIONS, derivative_of, get_activation
from theory.validation import check_bias_variance, check_choice, check_positive, check_variance


def _gauss_moment(f, q: float) -> float:
    """E f(h), h ~ N(0, q), by adaptive quadrature split at 0 (kinks of ReLU-type activations)."""
    s = np.sqrt(q)

    def g(z):
        return float(f(s * z)) * np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)

    lo = integrate.quad(g, -np.inf, 0.0, epsabs=0.0, epsrel=1e-12, limit=200)[0]
    hi = integrate.quad(g, 0.0, np.inf, epsabs=0.0, epsrel=1e-12, limit=200)[0]
    return lo + hi


def one_hidden_layer_unit_moments(activation: str, sigma_w2: float, sigma_b2: float,
                                  input_mean_sq: float = 1.0) -> dict[str, float]:
    """E over h ~ N(0, q¹) of φ², φ⁴, φ'², φ'⁴ and φ²φ'² (the per-unit moments of Θ at L = 2)."""
    name = check_choice("activation", get_activation(activation).name, NETWORK_ACTIVATIONS)
    sw2 = check_variance("sigma_w2", sigma_w2)
    sb2 = check_bias_variance("sigma_b2", sigma_b2)
    s = check_positive("input_mean_sq", input_mean_sq)
    phi, dphi = phi_numpy(name), phi_numpy(derivative_of(name).name)
    q1 = sw2 * s + sb2
    if q1 <= 0:
        raise ValueError(f"q¹ = sigma_w2·input_mean_sq + sigma_b2 must be > 0, got {q1!r}")
    return {
        "p2": _gauss_moment(lambda h: phi(h) ** 2, q1),
        "p4": _gauss_moment(lambda h: phi(h) ** 4, q1),
        "d2": _gauss_moment(lambda h: dphi(h) ** 2, q1),
        "d4": _gauss_moment(lambda h: dphi(h) ** 4, q1),
        "p2d2": _gauss_moment(lambda h: phi(h) ** 2 * dphi(h) ** 2, q1),
    }


def one_hidden_layer_ntk_ratio(activation: str, sigma_w2: float, sigma_b2: float, width, *, input_dim: int,
                               input_mean_sq: float = 1.0, moments: dict[str, float] | None = None) -> np.ndarray:
    """Exact r(M) = E[Θ(x,x)²]/E[Θ(x,x)]² at L = 2 for every width in ``width`` (scalar or array)."""
    m0 = check_positive("input_dim", input_dim)
    s = check_positive("input_mean_sq", input_mean_sq)
    M = np.asarray(width, dtype=float)
    if np.any(~np.isfinite(M)) or np.any(M < 1):
        raise ValueError(f"width must be >= 1, got {width!r}")
    mo = moments or one_hidden_layer_unit_moments(activation, sigma_w2, sigma_b2, input_mean_sq)
    kappa = float(sigma_w2) * (m0 * s + 1.0) / M
    ez = mo["p2"] + kappa * mo["d2"]
    ez2 = mo["p4"] + 2 * kappa * mo["p2d2"] + 3 * kappa**2 * mo["d4"]
    return 1.0 + M * (ez2 - ez**2) / (1.0 + M * ez) ** 2


def one_hidden_layer_ratio_limit(activation: str, sigma_w2: float, sigma_b2: float,
                                 input_mean_sq: float = 1.0) -> float:
    """lim_{M→∞} M (r(M) − 1) = Var(φ(h)²)/(E φ(h)²)² (the coefficient of the 1/M law)."""
    mo = one_hidden_layer_unit_moments(activation, sigma_w2, sigma_b2, input_mean_sq)
    return (mo["p4"] - mo["p2"] ** 2) / mo["p2"] ** 2
