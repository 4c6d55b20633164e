"""Empirical (finite-width / neural_tangents) checks."""
