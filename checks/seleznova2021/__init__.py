"""Checks for Seleznova & Kutyniok (2021), "Analyzing Finite Neural Networks: Can We Trust NTK Theory?"."""
