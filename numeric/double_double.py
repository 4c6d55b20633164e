r"""Double-double ("dd") arithmetic on NumPy arrays: unevaluated sums hi + lo, ~32 digits.

A dd number is a pair (hi, lo) of float64 arrays with |lo| ≤ ½ ulp(hi). Everything rests on
the error-free transformations of float64 (round to nearest, no overflow):

.. math::
    a + b = s + e\ (\text{TwoSum}),\qquad a \cdot b = p + e\ (\text{TwoProd, Veltkamp split by } 2^{27} + 1),

then renormalisation (QuickTwoSum, valid for |a| ≥ |b|). Addition is the "sloppy" variant
(error ≤ ~2^{-104}(|x| + |y|)); division takes three quotient digits; the square root is one
Newton correction of the float64 root; sin/cos reduce to a 45-digit table at j/1024 plus a
Taylor polynomial (|b| ≤ 2^{-11}); arcsin is one Newton step from the float64 arcsin
(|x| ≤ 0.999). :func:`acc_sum` sums rows of float64 products to ~2^{-100} relative to the
largest term by two error-free extractions (AccSum). Not a proof: no rounding-error bounds
are carried — callers that need certainty use Arb balls instead.

References: Dekker, "A floating-point technique for extending the available precision"
(Numer. Math. 1971); Hida, Li & Bailey, "Algorithms for quad-double precision floating point
arithmetic" (ARITH 2001); Ogita, Rump & Oishi, "Accurate sum and dot product" (SIAM J. Sci.
Comput. 2005); Rump, Ogita & Oishi, "Accurate floating-point summation part I" (SIAM J. Sci.
Comput. 2008).
"""

from __future__ import annotations

import functools
import math

import mpmath
import numpy as np

_SPLIT = 134217729.0  # 2^27 + 1


def two_sum(a, b):
    """a + b = s + e exactly (Knuth's TwoSum, no ordering assumption)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def quick_two_sum(a, b):
    """a + b = s + e exactly, for |a| ≥ |b| (Dekker's FastTwoSum)."""
    s = a + b
    return s, b - (s - a)


def two_prod(a, b):
    """a·b = p + e exactly (Dekker's TwoProduct with the Veltkamp split)."""
    p = a * b
    t = _SPLIT * a
    ah = t - (t - a)
    al = a - ah
    t = _SPLIT * b
    bh = t - (t - b)
    bl = b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def dd_add(x, y):
    """x + y in dd."""
    # "sloppy" dd addition: error ≤ ~2^-104 (|x| + |y|), i.e. no worse than the inputs'
    # own representation error; that is all a difference recursion needs
    s, e = two_sum(x[0], y[0])
    return quick_two_sum(s, e + (x[1] + y[1]))


def dd_neg(x):
    """−x."""
    return -x[0], -x[1]


def dd_sub(x, y):
    """x − y (sloppy dd addition of −y)."""
    return dd_add(x, dd_neg(y))


def dd_mul(x, y):
    """x·y in dd."""
    p, e = two_prod(x[0], y[0])
    return quick_two_sum(p, e + (x[0] * y[1] + x[1] * y[0]))


def dd_div(x, y):
    """x / y in dd (three quotient digits)."""
    q1 = x[0] / y[0]
    r = dd_sub(x, dd_mul(y, (q1, 0.0 * q1)))
    q2 = r[0] / y[0]
    r = dd_sub(r, dd_mul(y, (q2, 0.0 * q2)))
    s, e = quick_two_sum(q1, q2)
    return dd_add((s, e), (r[0] / y[0], 0.0 * q1))


def dd_sqrt(x):
    """√x in dd (one correction of the float64 root; 0 at x = 0)."""
    h = np.sqrt(x[0])
    p, e = two_prod(h, h)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.where(h > 0, ((x[0] - p) - e + x[1]) / (2 * h), 0.0)
    return quick_two_sum(h, corr)


def dd_of_ball(x) -> tuple[float, float]:
    """An Arb ball's midpoint as a (hi, lo) pair."""
    hi = float(x.mid())
    return hi, float((x - hi).mid())


@functools.lru_cache(maxsize=1)
def _sincos_table():
    """sin and cos of j/1024, j = 0 … 1699, as dd pairs (45-digit mpmath)."""
    with mpmath.workdps(45):
        ang = [mpmath.mpf(j) / 1024 for j in range(1700)]
        out = []
        for fn in (mpmath.sin, mpmath.cos):
            v = [fn(a) for a in ang]
            hi = np.array([float(x) for x in v])
            lo = np.array([float(x - mpmath.mpf(float(x))) for x in v])
            out.append((hi, lo))
    return out


def dd_sincos(y):
    """dd sin and cos of a float64 array y, |y| ≤ 1.6 (table at j/1024 + Taylor)."""
    (sh, sl), (ch, cl) = _sincos_table()
    sgn = np.where(y < 0, -1.0, 1.0)
    a = np.abs(y)
    j = np.rint(a * 1024).astype(np.int64)
    b = a - j / 1024.0  # exact
    b2 = two_prod(b, b)
    b3 = dd_mul(b2, (b, 0.0 * b))
    # sin b = b − b³/6 + b⁵/120 − b⁷/5040 (|b| ≤ 2^-11: b⁹/9! < 1e-35); −1/6 is no float
    sin_b = dd_add((b, 0.0 * b), dd_neg(dd_div(b3, (6.0, 0.0 * b))))
    sin_b = dd_add(sin_b, (b3[0] * b2[0] / 120.0 - b3[0] * b2[0] * b2[0] / 5040.0, 0.0 * b))
    b4 = dd_mul(b2, b2)
    cos_b = dd_add((1.0 + 0.0 * b, 0.0 * b), (-0.5 * b2[0], -0.5 * b2[1]))
    cos_b = dd_add(cos_b, dd_div(b4, (24.0, 0.0 * b)))
    cos_b = dd_add(cos_b, (-b4[0] * b2[0] / 720.0 + b4[0] * b4[0] / 40320.0, 0.0 * b))
    sa, ca = (sh[j], sl[j]), (ch[j], cl[j])
    s = dd_add(dd_mul(sa, cos_b), dd_mul(ca, sin_b))
    c_ = dd_sub(dd_mul(ca, cos_b), dd_mul(sa, sin_b))
    return (sgn * s[0], sgn * s[1]), c_


def dd_asin(x):
    """dd arcsin for |x| ≤ 0.999 (one Newton step from the float64 arcsin)."""
    y0 = np.arcsin(np.clip(x[0], -1.0, 1.0))
    s, c_ = dd_sincos(y0)
    r = dd_sub(x, s)
    return quick_two_sum(y0, (r[0] + r[1]) / c_[0])


def acc_sum(p: np.ndarray) -> np.ndarray:
    """Row sums with ~2^-100 relative-to-max error (two error-free extractions, Rump–Ogita–Oishi
    AccSum): q = (σ + p) − σ is exact and Σq is exact when σ ≥ 2^⌈log2 n⌉·max|p|."""
    n = p.shape[1]
    grow = 2.0 ** (math.ceil(math.log2(n + 2)) + 1)
    total = np.zeros(p.shape[0])
    rest = p
    for _ in range(2):
        m = np.max(np.abs(rest), axis=1)
        sig = grow * 2.0 ** np.ceil(np.log2(np.where(m > 0, m, 1.0)))
        q = (sig[:, None] + rest) - sig[:, None]
        rest = rest - q
        total = total + q.sum(axis=1)  # exact partial sums, added largest first
    return total + rest.sum(axis=1)
