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
            parts.append(one_point_stats(a, b, x, derivs, scale=sc, bias=c))
        out[m] = OnePointStats(
            *(np.concatenate([getattr(p, f) for p in parts]) for f in OnePointStats.__dataclass_fields__)
        )
    return out
