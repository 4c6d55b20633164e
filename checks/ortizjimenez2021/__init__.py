"""Checks of Ortiz-Jiménez, Moosavi-Dezfooli & Frossard (2021), NeurIPS."""
