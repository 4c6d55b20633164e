"""Shared sizes and sweeps of the NTK-blog checks (computed once per session in ``conftest``).

Every size is a :class:`Tiered` pair: the fixture picks the active tier's value, and the check
records the same pair with :func:`record` (``check.size``), so both tiers run one code path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from numeric.one_hidden_layer import OnePointStats, derivatives, one_point_stats, sample_init


@dataclass(frozen=True)
class Tiered:
    fast: Any
    paper: Any

    def pick(self, tier: str) -> Any:
        return self.fast if tier == "fast" else self.paper


def record(check, name: str, value: Tiered) -> Any:
    """check.size(name, fast=…, paper=…) for a shared size."""
    return check.size(name, fast=value.fast, paper=value.paper)


# -- one hidden layer, closed forms (numeric level) -----------------------------------------
#: the blog's fixed input and the catalog's target (x = 1, ȳ = 1), tanh
X1, YBAR1 = 1.0, 1.0
OHL_WIDTHS = Tiered((10, 100, 1000, 10_000), (10, 100, 1000, 10_000, 100_000))
OHL_INITS = Tiered(400, 1000)
OHL_SEED = 20191110  # the post's date


def one_hidden_sweep(
    tier: str,
    *,
    activation: str = "tanh",
    derivs=None,
    x: float = X1,
    a_var: Any = 1.0,
    b_var: Any = None,
    scale: Any = 1.0,
    law: str = "gaussian",
    n_inits: int | None = None,
    widths: tuple[int, ...] | None = None,
    seed: int = OHL_SEED,
    bias: bool = False,
) -> dict[int, OnePointStats]:
    """m → exact per-init statistics; ``a_var``/``b_var``/``scale`` may be callables of m."""
    derivs = derivatives(activation) if derivs is None else derivs
    widths = OHL_WIDTHS.pick(tier) if widths is None else widths
    n_inits = OHL_INITS.pick(tier) if n_inits is None else n_inits
    out = {}
    for m in widths:
        av = a_var(m) if callable(a_var) else a_var
        bv = b_var(m) if callable(b_var) else b_var
        sc = scale(m) if callable(scale) else scale
        parts = []
        chunk = max(1, 2_000_000 // m)
        for start in range(0, n_inits, chunk):
            n = min(chunk, n_inits - start)
            a, b = sample_init(seed + start, n, m, a_var=av, b_var=bv, law=law)
            c = None
            if bias:
                c = np.random.default_rng([seed + start, m, 7]).standard_normal((n, m))
            parts.append(one_point_stats(a, b, x, derivs, scale=sc, bias=c, output_bias=bias))
        out[m] = OnePointStats(
            *(np.concatenate([getattr(p, f) for p in parts]) for f in OnePointStats.__dataclass_fields__)
        )
    return out


# -- two hidden layers, HVP + Lanczos (empirical level) ------------------------------------
TWO_LAYER_WIDTHS = Tiered((16, 32, 64, 128, 256), (16, 32, 64, 128, 256, 512, 1024, 2048, 4096))
TWO_LAYER_INITS = Tiered(6, 16)
#: ARPACK tolerance for width sweeps: eigenvalue error ≤ residual ≤ 1e-6 relative (symmetric
#: operator), far below the seed-to-seed spread of the norms (≥ 1%)
LANCZOS_TOL_SWEEP = 1e-6


def two_layer_kappa(tier: str, *, seed: int = 11) -> dict[str, dict[int, np.ndarray]]:
    """variant → m → array (inits, 3) of (κ, ‖∇²y‖, ‖∇y‖), bias-free 2-hidden-layer tanh, SP.

    ``"lecun"``: a ~ N(0, 1), W2 ~ N(0, 1/m), b ~ N(0, 1/m); ``"small"``: W2 and b ~ N(0, 1/m²)
    (the same draws scaled by 1/√m). Input x = 1, target ȳ = 1.
    """
    import jax.numpy as jnp

    from empirical.hessian import HessianProbe, kappa_parts
    from empirical.lazy_training import bias_free, flat_outputs
    from empirical.mlp import MLP

    out: dict[str, dict[int, np.ndarray]] = {"lecun": {}, "small": {}}
    for m in TWO_LAYER_WIDTHS.pick(tier):
        mlp = MLP("tanh", 1.0, 0.0, 2, m, parametrization="standard")
        shapes = [(1, m), (m, m), (m, 1)]
        _, fn = flat_outputs(bias_free(mlp), [jnp.zeros(sh) for sh in shapes], jnp.array([[X1]]))
        probe = HessianProbe(fn)
        rows: dict[str, list] = {"lecun": [], "small": []}
        for s in range(TWO_LAYER_INITS.pick(tier)):
            rng = np.random.default_rng([seed, m, s])
            a = rng.standard_normal(m)
            w2 = rng.standard_normal(m * m) / np.sqrt(m)
            b = rng.standard_normal(m) / np.sqrt(m)
            for variant, extra in (("lecun", 1.0), ("small", 1.0 / np.sqrt(m))):
                w0 = jnp.asarray(np.concatenate([a, w2 * extra, b * extra]))
                kp = kappa_parts(probe, w0, np.array([YBAR1]), tol=LANCZOS_TOL_SWEEP)
                rows[variant].append((kp.kappa, kp.hess_norm, kp.grad_norm))
        for variant in out:
            out[variant][m] = np.array(rows[variant])
    return out


# -- higher-dimensional one-hidden-layer net (per-neuron autodiff Hessian blocks) -------------
HD_WIDTHS = Tiered((10, 100, 1000), (10, 32, 100, 316, 1000, 3162, 10_000))
HD_INITS = Tiered(10, 40)
HD_D, HD_K, HD_N = 3, 2, 5


def higher_dim_kappa(tier: str, seed: int = 5) -> dict[int, np.ndarray]:
    """m → (inits, 3) of (κ, tensor ‖∇²y‖, ‖∇y‖) for f(x) = Σ_i B_i tanh(a_i·x), x ∈ R³, f ∈ R².

    LeCun: a_i ~ N(0, I/3), B ~ N(0, I/m), no biases; 5 fixed inputs and targets. The Hessian
    is block-diagonal over neurons; each (d+k)×(d+k) block comes from ``jax.hessian`` of the
    width-1 network, and the tensor norm from ``block_tensor_norm``.
    """
    import jax
    import jax.numpy as jnp

    from empirical.hessian import block_tensor_norm
    from empirical.lazy_training import bias_free
    from empirical.mlp import MLP

    d, k, n = HD_D, HD_K, HD_N
    rng = np.random.default_rng(seed)
    xs = jnp.asarray(rng.standard_normal((n, d)))
    ybar = rng.standard_normal((n, k))
    neuron = bias_free(MLP("tanh", 1.0, 0.0, 1, 1, parametrization="standard", out_dim=k))
    blocks_fn = jax.jit(jax.vmap(jax.hessian(lambda u: neuron([u[:d, None], u[None, d:]], xs))))
    out = {}
    for m in HD_WIDTHS.pick(tier):
        full = bias_free(MLP("tanh", 1.0, 0.0, 1, m, parametrization="standard", out_dim=k))
        def outputs(w, full=full, m=m):
            return full([w[: d * m].reshape(d, m), w[d * m:].reshape(m, k)], xs).reshape(-1)

        fj = jax.jit(lambda w, outputs=outputs: (outputs(w), jax.jacrev(outputs)(w)))
        rows = []
        for s in range(HD_INITS.pick(tier)):
            r = np.random.default_rng([seed, m, s])
            a = r.standard_normal((d, m)) / np.sqrt(d)
            b = r.standard_normal((m, k)) / np.sqrt(m)
            y0, jac = fj(jnp.asarray(np.concatenate([a.ravel(), b.ravel()])))
            blocks = np.asarray(blocks_fn(jnp.asarray(np.concatenate([a.T, b], axis=1))))
            hn = block_tensor_norm(blocks.reshape(m, n * k, d + k, d + k))
            gn = float(np.linalg.norm(np.asarray(jac), 2))
            res = float(np.linalg.norm(np.asarray(y0) - ybar.reshape(-1)))
            rows.append((res * hn / gn**2, hn, gn))
        out[m] = np.array(rows)
    return out
