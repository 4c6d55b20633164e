"""Loads the claim harness for ``pytest checks`` (tiers, ``check`` fixture, reports)."""

import jax

jax.config.update("jax_enable_x64", True)  # float64 everywhere unless a check says otherwise

from checks.harness.plugin import *  # noqa: E402,F403  (hooks and fixtures of the harness)
