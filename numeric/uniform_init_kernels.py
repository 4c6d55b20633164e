r"""Infinite-width kernels of the 2-hidden-layer ReLU net under PyTorch's default (uniform) init.

Net (catalog C2): h¹ = W¹x + c¹, h² = W²relu(h¹) + c², f = W³relu(h²) + c³ with every weight and
bias ~ U(−1/√fan_in, 1/√fan_in) (variance 1/(3·fan_in)), fan_in = 1 for the first layer.

* First layer (not Gaussian): K¹(x, x') = E_{w,c ~ U(−1,1)}[relu(wx + c) relu(wx' + c)], the inner
  c-integral in closed form (antiderivative of (c + s)(c + t) above max(−1, −s, −t)), the outer
  w-integral by adaptive quadrature split at the kinks w = ±1/x, ±1/x'.
* Second layer: h² is a sum of m independent terms, Gaussian as m → ∞ with covariance
  K² = K¹/3 + 1/(3m) (the bias c² adds 1/(3m)).
* NNGP of the output: K_out = (1/3)V_relu(K²) + 1/(3m) (c³ adds 1/(3m)); m = ∞ drops the bias terms.
* NTK in the standard parametrisation grows ∝ m; H/m → K∞ = V_relu(K²) + (1/3)K¹ ⊙ V_step(K²)
  (the W³ and W² blocks; first-layer and bias blocks are O(1/m)).

V_relu and V_step are the registry's arc-cosine duals (``numeric.dual``).

References: R. V. Dwaraknath, "Understanding the Neural Tangent Kernel" (blog, 2019) and its code
(``utils.simple_net``: torch.nn.Linear defaults); Cho & Saul (2009); Jacot et al. (2018).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.integrate import quad

from numeric.duals import dual


def _inner(s: float, t: float) -> float:
    """½∫_{−1}^{1} relu(c + s) relu(c + t) dc."""
    lo = max(-1.0, -s, -t)
    if lo >= 1.0:
        return 0.0

    def anti(c: float) -> float:
        return c**3 / 3 + (s + t) * c**2 / 2 + s * t * c

    return 0.5 * (anti(1.0) - anti(lo))


def first_layer_kernel(xs: Any) -> np.ndarray:
    """K¹(x_i, x_j) for scalar inputs ``xs`` (1-D), w, c ~ U(−1, 1) independent."""
    x = np.asarray(xs, dtype=float).ravel()
    if x.size == 0 or not np.all(np.isfinite(x)):
        raise ValueError("xs must be a non-empty 1-D array of finite inputs")
    k = np.empty((x.size, x.size))
    for i in range(x.size):
        for j in range(i, x.size):
            pts = sorted({p for v in (x[i], x[j]) if v != 0 for p in (1 / v, -1 / v) if -1 < p < 1})
            val, _ = quad(lambda w, a=x[i], b=x[j]: _inner(w * a, w * b), -1.0, 1.0, points=pts or None,
                          epsabs=1e-14, epsrel=1e-12, limit=200)
            k[i, j] = k[j, i] = 0.5 * val
    return k


def _duals(name: str, k: np.ndarray) -> np.ndarray:
    d = np.diag(k)
    return dual(name, d[:, None], d[None, :], k)


def nngp_output(xs: Any, width: float = np.inf) -> np.ndarray:
    """K_out(x, x') = (1/3)V_relu(K²) + 1/(3m), K² = K¹/3 + 1/(3m) (m = ∞: no bias terms)."""
    if not width > 0:
        raise ValueError(f"width must be > 0 (or inf), got {width!r}")
    b = 0.0 if np.isinf(width) else 1.0 / (3.0 * width)
    k2 = first_layer_kernel(xs) / 3.0 + b
    return _duals("relu", k2) / 3.0 + b


def ntk_limit(xs: Any) -> np.ndarray:
    """lim H/m = V_relu(K²) + (1/3)K¹ ⊙ V_step(K²), K² = K¹/3."""
    k1 = first_layer_kernel(xs)
    k2 = k1 / 3.0
    return _duals("relu", k2) + k1 * _duals("step", k2) / 3.0
