"""Shared setup for ``pytest tests``: float64 in JAX (CONTRIBUTING: "Float64 everywhere").

Set before any test module builds a JAX array (neural-tangents' kernels in
``tests/test_kernels.py`` are compared with the float64 recursion at ~1e-12).
"""

import jax

jax.config.update("jax_enable_x64", True)
