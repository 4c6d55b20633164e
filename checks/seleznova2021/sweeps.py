"""Shared, disk-cached sweeps of the Seleznova & Kutyniok (2021) checks.

* S1 — NTK diagonal at initialisation, per (activation, σw², σb², L, M) cell:
  :func:`ntk_diagonal_cell` (exact sampler :mod:`empirical.ntk_init_sampler`).
* S2 — gradient-descent training with NTK snapshots: :func:`training_group`.

Each cell has its own seed, derived from its parameters (``cell_seed``), so cells are
independent and adding a cell never changes another one.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np

from checks.harness.cache import disk_cache
from empirical.ntk_init_sampler import sample_ntk_diagonal
from numeric import critical_sigma_w2
from numeric.dispersion_stats import bootstrap_ratio_and_logvar, log_variance, moment_ratio
from numeric.signal_propagation import eoc_by_elimination

INPUT_DIM_FAST = 64  # digits


def cell_seed(*parts) -> int:
    """A stable 32-bit seed from a cell's parameters."""
    return zlib.crc32(repr(tuple(round(p, 6) if isinstance(p, float) else p for p in parts)).encode())


@disk_cache(depends_on=("empirical.ntk_init_sampler", "numeric.signal_propagation", "numeric.duals"))
def ntk_diagonal_cell(activation: str, sigma_w2: float, sigma_b2: float, n_layers: int, width: int,
                      n_inits: int, input_dim: int = INPUT_DIM_FAST) -> np.ndarray:
    """Θ(x, x) samples of ``n_inits`` initialisations (input with ‖x‖²/M_0 = 1)."""
    seed = cell_seed("S1", activation, float(sigma_w2), float(sigma_b2), n_layers, width, n_inits, input_dim)
    return sample_ntk_diagonal(activation, sigma_w2, sigma_b2, n_layers, width, input_dim=input_dim,
                               n_inits=n_inits, seed=seed).theta


_EOC: dict = {}


@disk_cache(depends_on=("numeric.signal_propagation", "numeric.conditional_quadrature", "theory.activations"))
def _eoc_cached(activation: str, sigma_b2: float) -> float:
    if activation == "relu":
        return critical_sigma_w2(activation, sigma_b2)
    return float(eoc_by_elimination(activation, sigma_b2, dps=20)[1])


def eoc(activation: str, sigma_b2: float) -> float:
    """σw² on χ₁ = 1, memoised (elimination route; test_phase_boundary cross-checks it)."""
    key = (activation, round(float(sigma_b2), 9))
    if key not in _EOC:
        _EOC[key] = _eoc_cached(activation, float(sigma_b2))
    return _EOC[key]


@dataclass
class CellStats:
    """r = E[Θ²]/E[Θ]² and V = Var(log Θ) of one S1 cell, with 95 % percentile-bootstrap CIs."""

    theta: np.ndarray
    r: float
    V: float
    _ci: dict = field(default_factory=dict)

    def ci(self, stat: str) -> tuple[float, float]:
        """95 % percentile-bootstrap CI (2000 resamples) of ``"r"`` or ``"V"``."""
        if not self._ci:
            self._ci.update(bootstrap_ratio_and_logvar(self.theta, n_boot=2000, seed=cell_seed("boot", self.r)))
        return self._ci[stat]

    @property
    def log_r(self) -> float:
        return float(np.log(self.r))

    def log_r_ci(self) -> tuple[float, float]:
        lo, hi = self.ci("r")
        return float(np.log(lo)), float(np.log(hi))


class DispersionSweep:
    """Lazily computed, memoised S1 cells (session-wide)."""

    def __init__(self, input_dim: int = INPUT_DIM_FAST) -> None:
        self.input_dim = input_dim
        self._cells: dict = {}

    def cell(self, activation: str, sigma_w2: float, sigma_b2: float, n_layers: int, width: int,
             n_inits: int) -> CellStats:
        key = (activation, round(float(sigma_w2), 6), round(float(sigma_b2), 6), n_layers, width, n_inits)
        if key not in self._cells:
            theta = ntk_diagonal_cell(activation, float(sigma_w2), float(sigma_b2), n_layers, width, n_inits,
                                      self.input_dim)
            self._cells[key] = CellStats(theta, moment_ratio(theta), log_variance(theta))
        return self._cells[key]
