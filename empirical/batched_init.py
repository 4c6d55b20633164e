r"""Many independent initialisations of an :class:`empirical.mlp.MLP` at once, drawn with NumPy.

Same distribution and pytree layout as ``MLP.init`` (per layer ``{"W": (n_in, n_out), "b": (n_out,)}``,
stacked along a leading axis of length n): every entry of W and b is an independent
N(0, 1) draw, scaled in the standard parametrization by :math:`\sqrt{\sigma_w^2/n_{in}}` and
:math:`\sqrt{\sigma_b^2}` (fan-in, as ``MLP.init``). Drawing with NumPy avoids compiling
JAX's counter-based normal sampler once per network shape (≈1–3 s of CPU each on the
fast tier's 2 cores), which dominates small Monte Carlo runs; the checks assert that the
two samplers agree in distribution.

References: Seleznova & Kutyniok (2021), eq. (1) read with fan-in (catalog C2).
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from empirical.mlp import MLP, Params


def init_batch(mlp: MLP, d: int, n: int, seed: int) -> Params:
    """``n`` stacked initialisations of ``mlp`` for input dimension ``d`` (float64)."""
    if not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    if not isinstance(d, int | np.integer) or d < 1:
        raise ValueError(f"d must be an integer >= 1, got {d!r}")
    rng = np.random.default_rng(seed)
    fan_in = mlp.widths(d)
    fan_out = (*mlp.hidden_widths, mlp.out_dim)
    params: Params = []
    for n_in, n_out in zip(fan_in, fan_out, strict=True):
        w = rng.standard_normal((n, n_in, n_out))
        b = rng.standard_normal((n, n_out))
        if mlp.parametrization == "standard":
            w *= np.sqrt(mlp.sigma_w2 / n_in)
            b *= np.sqrt(mlp.sigma_b2)
        params.append({"W": jnp.asarray(w), "b": jnp.asarray(b)})
    return params
