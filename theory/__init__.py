"""Symbolic level: SymPy definitions and derivations (activations, duals, mean-field laws)."""

from theory.activations import (
    NETWORK_ACTIVATIONS,
    Activation,
    activation_names,
    derivative_of,
    get_activation,
    register,
)

__all__ = [
    "NETWORK_ACTIVATIONS",
    "Activation",
    "activation_names",
    "derivative_of",
    "get_activation",
    "register",
]
