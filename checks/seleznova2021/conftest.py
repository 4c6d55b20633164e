"""Session-wide sweeps shared by the Seleznova & Kutyniok (2021) checks (see sweeps.py)."""

import pytest

from checks.seleznova2021.sweeps import DispersionSweep


@pytest.fixture(scope="session")
def s1() -> DispersionSweep:
    """S1: NTK diagonal at initialisation (cells computed on first use, cached on disk)."""
    return DispersionSweep()
