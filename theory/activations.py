r"""Activation functions and their dual kernels, defined once in SymPy.

Every level of the suite (SymPy, mpmath, NumPy, JAX) reaches an activation
through this registry, so the levels cannot drift apart.

The dual of an activation :math:`\phi` is the Gaussian expectation

.. math::
    V_\phi(q_1, q_2, q_{12}) = \mathbb{E}[\phi(u)\phi(v)],\quad
    (u, v) \sim \mathcal N\!\left(0, \begin{pmatrix} q_1 & q_{12}\\ q_{12} & q_2\end{pmatrix}\right).

Closed forms are stored where they exist (arc-cosine for relu and its
derivative ``step``, arcsine for ``erf`` and the erf derivative, the
log-normal moment for ``exp``); ``tanh`` and ``gelu`` go through quadrature.
The derivative of an activation is itself a registered activation, so the NTK
factor :math:`V_{\phi'}` is "the dual of the derivative". Price's theorem,
:math:`\partial V_\phi / \partial q_{12} = V_{\phi'}`, links the two and is
verified symbolically in ``theory.price``.

References: Cho & Saul (2009) for the arc-cosine kernels; Williams (1997) for
the arcsine kernel; Lee et al. (2018), Jacot et al. (2018) for the recursions.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

z = sp.Symbol("z", real=True)
q1, q2 = sp.symbols("q1 q2", positive=True)
q12 = sp.Symbol("q12", real=True)
#: correlation q12 / sqrt(q1 q2); closed forms are stored in (q1, q2, c) so that numerics
#: compute c once (exactly 1 on the diagonal) instead of a rounded sqrt(q1)*sqrt(q2)
c = sp.Symbol("c", real=True)

_theta = sp.acos(c)


@dataclass(frozen=True)
class Activation:
    """One activation, with its symbolic form and (optionally) closed-form dual.

    Attributes:
        name: registry key, as used in every public function (``"relu"``, ``"erf"``, ...).
        phi: SymPy expression in :data:`z`.
        dual_c: closed form of :math:`V_\\phi` in :data:`q1`, :data:`q2` and the correlation
            :data:`c`, or ``None`` (then numerics use Gaussian quadrature of ``phi``).
            :attr:`dual` gives it in (q1, q2, q12).
        derivative: registry name of :math:`\\phi'`, or ``None`` if :math:`\\phi'` is not a
            function (``step``: its derivative is a Dirac delta).
        bounded: ``sup |phi| < inf`` (used to bracket fixed points).
        sup_phi2: an upper bound of :math:`\\phi^2` when bounded.
        positively_homogeneous: φ(a z) = a φ(z) for a > 0 (relu, identity): the length
            map is linear and χ₁ does not depend on q*.
    """

    name: str
    phi: sp.Expr
    dual_c: sp.Expr | None
    derivative: str | None
    bounded: bool = False
    sup_phi2: float | None = None
    positively_homogeneous: bool = False

    def __post_init__(self) -> None:
        if not self.name or not self.name.replace("_", "").isalnum():
            raise ValueError(f"activation name must be a non-empty identifier, got {self.name!r}")
        if self.bounded and (self.sup_phi2 is None or self.sup_phi2 <= 0):
            raise ValueError(f"bounded activation {self.name!r} needs sup_phi2 > 0")

    @property
    def dual(self) -> sp.Expr | None:
        """:math:`V_\\phi(q_1, q_2, q_{12})` with c = q12/sqrt(q1 q2) substituted."""
        if self.dual_c is None:
            return None
        return self.dual_c.subs(c, q12 / sp.sqrt(q1 * q2))


_relu_dual = sp.sqrt(q1 * q2) / (2 * sp.pi) * (sp.sqrt(1 - c**2) + (sp.pi - _theta) * c)
_step_dual = (sp.pi - _theta) / (2 * sp.pi)
_erf_dual = 2 / sp.pi * sp.asin(2 * c * sp.sqrt(q1 * q2) / sp.sqrt((1 + 2 * q1) * (1 + 2 * q2)))
# (1 + 2q1)(1 + 2q2) − 4c²q1q2 written without the cancellation (float64 lost ~log10(q) digits,
# and returned 4/(π·0) = inf for q ≳ 1e16)
_erf_prime_dual = 4 / sp.pi / sp.sqrt(1 + 2 * q1 + 2 * q2 + 4 * q1 * q2 * (1 - c**2))

_REGISTRY: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("relu", sp.Max(0, z), _relu_dual, "step", positively_homogeneous=True),
        Activation("step", sp.Heaviside(z, sp.Rational(1, 2)), _step_dual, None, True, 1.0),
        Activation("erf", sp.erf(z), _erf_dual, "erf_prime", True, 1.0),
        Activation("erf_prime", 2 / sp.sqrt(sp.pi) * sp.exp(-(z**2)), _erf_prime_dual, None,
                   True, 4 / float(sp.pi)),
        Activation("tanh", sp.tanh(z), None, "tanh_prime", True, 1.0),
        Activation("tanh_prime", 1 - sp.tanh(z) ** 2, None, None, True, 1.0),
        Activation("gelu", z * (1 + sp.erf(z / sp.sqrt(2))) / 2, None, "gelu_prime"),
        Activation(
            "gelu_prime",
            (1 + sp.erf(z / sp.sqrt(2))) / 2 + z * sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi),
            None,
            None,
        ),
        Activation("identity", z, c * sp.sqrt(q1 * q2), "one", positively_homogeneous=True),
        Activation("one", sp.Integer(1), sp.Integer(1), None, True, 1.0),
        Activation("exp", sp.exp(z), sp.exp((q1 + q2) / 2 + c * sp.sqrt(q1 * q2)), "exp"),
    )
}

#: activations a user can build a network from (the rest exist as derivatives)
NETWORK_ACTIVATIONS: tuple[str, ...] = ("relu", "erf", "tanh", "gelu", "identity", "step", "exp")


def activation_names() -> tuple[str, ...]:
    """All registered activation names, derivatives included."""
    return tuple(_REGISTRY)


def get_activation(name: str | Activation) -> Activation:
    """Look an activation up by name; an :class:`Activation` passes through.

    >>> get_activation("relu").derivative
    'step'
    """
    if isinstance(name, Activation):
        return name
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"activation must be one of {sorted(_REGISTRY)}, got {name!r}"
        ) from None


def derivative_of(name: str | Activation) -> Activation:
    """The registered derivative :math:`\\phi'`; a clear error where it is not a function."""
    act = get_activation(name)
    if act.derivative is None:
        raise ValueError(
            f"activation {act.name!r} has no function-valued derivative registered "
            "(its NTK factor is undefined); use one of "
            f"{sorted(n for n, a in _REGISTRY.items() if a.derivative)}"
        )
    return _REGISTRY[act.derivative]


def register(activation: Activation) -> None:
    """Add a user activation (see CONTRIBUTING: "I'm adding an activation")."""
    if activation.name in _REGISTRY:
        raise ValueError(f"activation {activation.name!r} is already registered")
    if activation.derivative is not None and activation.derivative not in _REGISTRY:
        raise ValueError(
            f"derivative {activation.derivative!r} of {activation.name!r} must be registered first"
        )
    _REGISTRY[activation.name] = activation
