"""Shared setup for ``pytest tests``.

* float64 in JAX (CONTRIBUTING: "Float64 everywhere"), set before any test module
  builds a JAX array (neural-tangents' kernels in ``tests/test_kernels.py`` are
  compared with the float64 recursion at ~1e-12).
* Hypothesis profiles: ``repro`` (the default, used by the README / CI command) is
  derandomized, so the same commit always draws the same examples and CI is
  reproducible; ``explore`` draws fresh random examples on every run — run it
  locally (with ``--hypothesis-seed`` to replay a find) to hunt for new counterexamples::

      pytest tests --hypothesis-profile=explore
"""

import jax
from hypothesis import settings

jax.config.update("jax_enable_x64", True)

settings.register_profile("repro", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile("repro")
