"""Adaptive precision for Arb balls: when a ball certifies a relative accuracy, and what
working precision to retry at when it does not.

A ball x = m ± ρ is *certified* to ``rtol`` when it is finite, excludes 0 and ρ ≤ rtol·|m|.
For a fixed computation a ball's radius scales roughly like 2^{-prec}, so a ball with
ratio ρ/(rtol·|m|) = 2^e needs about e more bits: the retry precision is prec + ⌊e⌋ + 24
(a guard of 24 bits), and double the precision where the ball is not finite or contains 0
(it may be an exact zero, only bounded by the precision ceiling). The callers raise the
precision until nothing more is needed or the ceiling ``max_dps`` is reached.

References: Johansson, "Arb: efficient arbitrary-precision midpoint-radius interval
arithmetic" (IEEE Trans. Computers, 2017).
"""

from __future__ import annotations

import math

#: default relative accuracy certified for every nonzero eigenvalue
RTOL = 1e-10
#: default precision ceiling (decimal digits) of the adaptive loop
MAX_DPS = 1000


def ball_mid(x) -> float:
    """The midpoint of an Arb ball as float64."""
    return float(x.mid())


def ball_certified(x, rtol: float) -> bool:
    """Finite, excludes 0 and radius ≤ rtol·|midpoint|."""
    return x.is_finite() and not x.contains(0) and float(x.rad()) <= rtol * abs(float(x.mid()))


def needed_precision(prec: int, balls: list, rtol: float) -> int:
    """Precision that should certify every ball: from the observed radius/|mid| ratio, or
    doubled where a ball is not finite or contains 0 (possibly an exact zero)."""
    need = prec
    for x in balls:
        if ball_certified(x, rtol):
            continue
        if not x.is_finite() or x.contains(0):
            need = max(need, 2 * prec)
        else:
            ratio = float(x.rad()) / (rtol * abs(float(x.mid())))
            need = max(need, prec + int(math.log2(ratio)) + 24)
    return need
