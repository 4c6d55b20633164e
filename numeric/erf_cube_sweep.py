"""Fast, uncertified boolean-cube eigenvalues of the erf CK / NTK (compatibility module).

The double-double sweep now lives in ``numeric.dd_cube_sweep`` (erf and relu, one driver with
per-activation difference formulas); :func:`erf_depth_sweep` is re-exported here unchanged
(bit-identical results).
"""

from __future__ import annotations

from numeric.dd_cube_sweep import erf_depth_sweep

__all__ = ["erf_depth_sweep"]
