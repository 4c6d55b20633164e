"""Checks for Xiao, Pennington & Schoenholz (2020), "Disentangling Trainability and Generalization"."""
