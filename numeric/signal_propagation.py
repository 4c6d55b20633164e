r"""Forward *and backward* mean-field propagation of a standard-parametrization MLP.

Network (Seleznova & Kutyniok 2021, §2, with the fan-in reading of their eq. (1)):
:math:`h^l = W^l x^{l-1} + b^l` for l = 1..L (L = number of *weight* layers, the paper's L),
:math:`x^l = \phi(h^l)` for l < L, :math:`x^0 = x \in R^{M_0}`, scalar output
:math:`f = h^L` (:math:`M_L = 1`), :math:`W^l_{ij} \sim N(0, \sigma_w^2/M_{l-1})`,
:math:`b^l_i \sim N(0, \sigma_b^2)`. The suite's ``depth`` (hidden layers) is L − 1.

On a set of inputs with Gram matrix :math:`\hat Q^0 = X X^T / M_0` (matrices hold the
diagonal q^l and the off-diagonal q^l_sr at once):

* forward, eqs. (5)–(7): :math:`Q^1 = \sigma_w^2 \hat Q^0 + \sigma_b^2`,
  :math:`\hat Q^l = V_\phi(Q^l)`, :math:`Q^{l+1} = \sigma_w^2 \hat Q^l + \sigma_b^2` — exactly
  the NNGP recursion of :func:`numeric.kernel_sequence` (reused, not re-written);
* backward, eqs. (8)–(9) with the width factor removed (``p-width-ratio``):
  :math:`P^L = 1`, :math:`P^l = \sigma_w^2 V_{\phi'}(Q^l) \odot P^{l+1}`, where
  :math:`p^l = E\sum_i (\delta^l_i)^2`, :math:`\delta^l = \partial f/\partial h^l`;
  :math:`\chi_1^l = \sigma_w^2 V_{\phi'}(q^l, q^l, q^l)`;
* NTK, Lemma 5.2 / App. A with q̂ (``appa-qhat-not-q``):
  :math:`\Theta^*(X) = \sum_l (M_{l-1}\hat Q^{l-1} + 1)\odot P^l` and
  :math:`\Lambda = \sum_l (\alpha_{l-1}/\alpha)\hat Q^{l-1}\odot P^l` (widths
  :math:`M_l = \alpha_l M`; α cancels in :math:`\alpha M \Lambda`).

The duals :math:`V_\phi, V_{\phi'}` come from the registry (:func:`numeric.dual`).

References: Seleznova & Kutyniok (2021), §2, Lemma 5.2, App. A, E; Poole et al. (2016);
Schoenholz et al. (2017); Karakida et al. (2018), Thm. 3.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from numeric.duals import dual
from numeric.kernels import kernel_sequence
from theory.activations import derivative_of, get_activation
from theory.validation import check_bias_variance, check_gram, check_positive, check_variance


def check_n_layers(n_layers: Any) -> int:
    """The paper's L (number of weight layers) must be an integer ≥ 1."""
    if isinstance(n_layers, bool) or not isinstance(n_layers, int | np.integer) or n_layers < 1:
        raise ValueError(f"n_layers (the paper's L, weight layers) must be an integer >= 1, got {n_layers!r}")
    return int(n_layers)


@dataclass(frozen=True)
class Propagation:
    """Mean-field quantities of one network on one input set (lists indexed as documented).

    Attributes:
        q: ``q[l-1]`` = :math:`Q^l` for l = 1..L (pre-activation second moments).
        qhat: ``qhat[l]`` = :math:`\\hat Q^l` for l = 0..L−1 (``qhat[0]`` = input Gram).
        p: ``p[l-1]`` = :math:`P^l` for l = 1..L (``p[L-1]`` = all ones).
        widths: (M_0, M_1, …, M_{L-1}, 1).
    """

    activation: str
    sigma_w2: float
    sigma_b2: float
    q: list[np.ndarray]
    qhat: list[np.ndarray]
    p: list[np.ndarray]
    widths: tuple[int, ...]

    @property
    def n_layers(self) -> int:
        return len(self.q)

    def chi1(self) -> np.ndarray:
        """χ₁^l = σ_w² V_φ'(q^l, q^l, q^l) for l = 1..L−1, per input (shape (L−1, S))."""
        der = derivative_of(self.activation)
        out = []
        for ql in self.q[:-1]:
            d = np.diag(ql)
            out.append(self.sigma_w2 * dual(der, d, d, d))
        return np.array(out)

    def ntk_terms(self) -> tuple[np.ndarray, np.ndarray]:
        """(weights part Σ_l M_{l-1} Q̂^{l-1}⊙P^l, bias part Σ_l P^l) of Θ*(X)."""
        w = sum(self.widths[l - 1] * self.qhat[l - 1] * self.p[l - 1] for l in range(1, self.n_layers + 1))
        b = sum(self.p)
        return np.asarray(w), np.asarray(b)

    def ntk(self) -> np.ndarray:
        """Θ*(X) = Σ_l (M_{l-1} Q̂^{l-1} + 1) ⊙ P^l (expected NTK of the finite-width network)."""
        w, b = self.ntk_terms()
        return w + b

    def kappa(self, alpha: float | None = None, width_scale: float | None = None) -> np.ndarray:
        """Λ of Lemma 5.2: Σ_l (α_{l-1}/α) Q̂^{l-1} ⊙ P^l (diagonal κ₁, off-diagonal κ₂).

        ``width_scale`` is M (α_l = M_l/M; default M = M_1); ``alpha`` the normalisation α > 0
        (default 1). αMΛ does not depend on α (``lemma52-alpha-normalization``).
        """
        m = float(self.widths[1] if len(self.widths) > 2 else self.widths[0]) if width_scale is None else float(width_scale)
        m = check_positive("width_scale", m)
        a = 1.0 if alpha is None else check_positive("alpha", alpha)
        return np.asarray(
            sum((self.widths[l - 1] / m / a) * self.qhat[l - 1] * self.p[l - 1] for l in range(1, self.n_layers + 1))
        )


def _widths(n_layers: int, m0: int, width: int | Sequence[int] | None) -> tuple[int, ...]:
    if width is None:
        hidden = (m0,) * (n_layers - 1)
    elif isinstance(width, int | np.integer):
        hidden = (int(width),) * (n_layers - 1)
    else:
        hidden = tuple(int(w) for w in width)
    if len(hidden) != n_layers - 1:
        raise ValueError(f"width must be an int or {n_layers - 1} ints (hidden widths M_1..M_{{L-1}}), got {width!r}")
    for i, w in enumerate(hidden):
        if w < 1:
            raise ValueError(f"width[{i}] must be >= 1, got {w}")
    return (int(m0), *hidden, 1)


def propagate(
    activation: str,
    sigma_w2: float,
    sigma_b2: float,
    n_layers: int,
    gram: Any,
    *,
    input_dim: int | None = None,
    width: int | Sequence[int] | None = None,
) -> Propagation:
    """Forward (Q, Q̂) and backward (P) mean-field matrices for the paper's L = ``n_layers``.

    Args:
        gram: :math:`\\hat Q^0 = X X^T / M_0` (S×S, PSD, positive diagonal).
        input_dim: M_0 (only enters Θ*; default S is meaningless, so it defaults to 1 when
            ``width`` is None and is then only used through :meth:`Propagation.ntk`).
        width: hidden widths M_1..M_{L−1} (int: constant), only used by :meth:`ntk`/:meth:`kappa`.
    """
    act = get_activation(activation)
    der = derivative_of(act)
    sigma_w2 = check_variance("sigma_w2", sigma_w2)
    sigma_b2 = check_bias_variance("sigma_b2", sigma_b2)
    n_layers = check_n_layers(n_layers)
    g = check_gram(gram)
    m0 = 1 if input_dim is None else int(check_positive("input_dim", input_dim))
    widths = _widths(n_layers, m0, width)
    seq = kernel_sequence(act, sigma_w2, sigma_b2, n_layers - 1, g, ntk=False)
    q = [np.asarray(s, dtype=float) for s, _ in seq]
    qhat = [g]
    for ql in q[:-1]:
        d = np.diag(ql)
        qhat.append(dual(act, d[:, None], d[None, :], ql))
    p = [np.ones_like(g)]
    for ql in reversed(q[:-1]):
        d = np.diag(ql)
        p.append(sigma_w2 * dual(der, d[:, None], d[None, :], ql) * p[-1])
    p.reverse()
    return Propagation(act.name, sigma_w2, sigma_b2, q, qhat, p, widths)


def pair_gram(c0: float, qhat0: float = 1.0) -> np.ndarray:
    """2×2 input Gram of two inputs with equal mean square ``qhat0`` and cosine ``c0``."""
    qhat0 = check_positive("qhat0", qhat0)
    if not -1.0 <= c0 <= 1.0:
        raise ValueError(f"c0 must lie in [-1, 1], got {c0!r}")
    return qhat0 * np.array([[1.0, c0], [c0, 1.0]])


def kappa_ratio(
    activation: str, sigma_w2: float, sigma_b2: float, n_layers: int, c0: float, qhat0: float = 1.0
) -> float:
    """κ₁/κ₂ for two inputs of equal norm and cosine c0 (weights part of Lemma 5.2)."""
    lam = propagate(activation, sigma_w2, sigma_b2, n_layers, pair_gram(c0, qhat0)).kappa(width_scale=1.0)
    return float(lam[0, 0] / lam[0, 1])


def eoc_by_elimination(activation: str, sigma_b2: float, dps: int = 30) -> tuple[Any, Any]:
    """(q*, σw²) on the edge of chaos by eliminating σw² (an independent route to the critical line).

    χ₁ = 1 gives σw²(q) = 1/E[φ'(√q z)²]; the fixed point then solves the 1-D equation
    q = σw²(q)·E[φ(√q z)²] + σb² (mpmath root, 1-D quadratures of :mod:`numeric.conditional_quadrature`;
    for erf both expectations are the registry's closed forms, evaluated by ``dual_mp``).
    σb² = 0 is the analytic limit q* = 0, σw² = 1/φ'(0)².
    """
    import mpmath

    from numeric.conditional_quadrature import diagonal_expectation
    from numeric.duals import dual_mp, phi_mpmath

    name = get_activation(activation).name
    if name not in ("erf", "tanh"):
        raise ValueError(f"activation must be 'erf' or 'tanh' (relu's line is σw² = 2), got {activation!r}")
    sb2 = check_bias_variance("sigma_b2", sigma_b2)
    der = derivative_of(name).name
    with mpmath.workdps(dps):
        if sb2 == 0:
            d0 = phi_mpmath(der)(mpmath.mpf(0))  # φ'(0) from the registry
            return mpmath.mpf(0), 1 / d0**2
        sb = mpmath.mpf(sb2)

        def expect(act: str, q):
            """E[φ(√q z)²]: the registry's closed form where it has one, else 1-D quadrature."""
            if get_activation(act).dual_c is not None:
                return dual_mp(act, q, q, q, dps)
            return diagonal_expectation(act, q, dps)

        def w_of(q):
            return 1 / expect(der, q)

        def g(q):
            return w_of(q) * expect(name, q) + sb - q

        # bracket: g(σb²) > 0 (σw²(q)E[φ²] > 0) and g → −∞ for large q (E[φ²] ≤ 1 for tanh/erf, σw²(q) = O(√q))
        lo, hi = sb, sb + 1
        while g(hi) > 0:
            lo, hi = hi, 2 * hi
        q = mpmath.findroot(g, (lo, hi), solver="anderson")
        return q, w_of(q)


@dataclass(frozen=True)
class DepthProfile:
    """Quantities of networks of every depth L = 1..L_max on one input set (index L−1).

    ``q[L-1]`` = Q^L (output NNGP of the depth-L network), ``kappa[L-1]`` = Σ_{l≤L} Q̂^{l-1} ⊙ P^l(L)
    (Λ with α_l = 1), ``bias[L-1]`` = Σ_{l≤L} P^l(L), so that Θ* = M·kappa + bias for constant width M = M_0.
    """

    q: np.ndarray
    kappa: np.ndarray
    bias: np.ndarray


def kappa_by_depth(activation: str, sigma_w2: float, sigma_b2: float, max_layers: int, gram: Any) -> DepthProfile:
    """Λ(L) and Q^L for all L ≤ ``max_layers`` from one forward pass.

    With D^k = σw² V_φ'(Q^k), P^l(L) = Π_{k=l}^{L-1} D^k, hence Λ(L+1) = Λ(L) ⊙ D^L + Q̂^L and
    B(L+1) = B(L) ⊙ D^L + 1 (the same recursions as :func:`propagate`, shared across depths).
    """
    prop = propagate(activation, sigma_w2, sigma_b2, check_n_layers(max_layers), gram)
    der = derivative_of(activation)
    g = prop.qhat[0]
    kap, bias = [g.copy()], [np.ones_like(g)]
    for L in range(1, max_layers):
        ql = prop.q[L - 1]
        d = np.diag(ql)
        dk = sigma_w2 * dual(der, d[:, None], d[None, :], ql)
        kap.append(kap[-1] * dk + prop.qhat[L])
        bias.append(bias[-1] * dk + 1.0)
    return DepthProfile(np.array(prop.q), np.array(kap), np.array(bias))


def kappa_by_depth_mp(activation: str, sigma_w2: float, sigma_b2: float, max_layers: int, gram: Any,
                      dps: int = 40) -> DepthProfile:
    """:func:`kappa_by_depth` in mpmath at ``dps`` digits (object arrays of ``mpf``).

    Needed where κ₁/κ₂ − 1 falls below float64 resolution: in the ordered phase c^l → 1 and the
    arc-cosine duals lose about half their digits in float64 (see numeric.duals).
    """
    import mpmath

    from numeric.duals import dual_mp

    act = get_activation(activation)
    der = derivative_of(act)
    n_layers = check_n_layers(max_layers)
    seq = kernel_sequence(act, sigma_w2, sigma_b2, n_layers - 1, gram, ntk=False, dps=dps)
    qs = [s for s, _ in seq]
    with mpmath.workdps(dps):
        sw = mpmath.mpf(sigma_w2)
        g = np.frompyfunc(mpmath.mpf, 1, 1)(np.asarray(gram, dtype=object))

        def duals(name, ql):
            d = np.diagonal(ql)
            a, b = np.broadcast_arrays(d[:, None], d[None, :])
            return np.frompyfunc(lambda x, y, z: dual_mp(name, x, y, z, dps), 3, 1)(a, b, ql)

        kap, bias = [g.copy()], [np.frompyfunc(lambda _: mpmath.mpf(1), 1, 1)(g)]
        for L in range(1, n_layers):
            dk = sw * duals(der, qs[L - 1])
            kap.append(kap[-1] * dk + duals(act, qs[L - 1]))
            bias.append(bias[-1] * dk + 1)
    return DepthProfile(np.array(qs, dtype=object), np.array(kap, dtype=object), np.array(bias, dtype=object))
