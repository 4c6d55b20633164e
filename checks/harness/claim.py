"""A claim, declared once, and the tolerances that judge it.

A check file reads like its paper::

    CLAIM = Claim(
        id="yang2019/relu-arccos-dual",
        source="000_2c13c77332d87a04.txt, App. C, eq. (arc-cosine)",
        statement="V_relu is the arc-cosine kernel of degree 1.",
    )

    @CLAIM.check
    def test_relu_arccos_dual(check):
        check.agree("V_relu(1, 1, 0.3)", theory=..., numeric=..., tol=Tol(rel=1e-12, why="..."))

``expect`` records the verdict the suite currently stands by:

* ``"confirmed"`` — every comparison must hold;
* ``"erratum"`` — the printed form must fail and the corrected form must hold
  (``role="printed"`` / ``role="corrected"`` comparisons, both required);
* ``"not_reproduced"`` — the test is a strict xfail: a comparison must fail
  (and only a failed comparison counts — a crash stays a defect); if the claim
  starts to hold, the run goes red and the claim is re-examined;
* ``"citation"`` — the document only cites it; recorded as skipped with the reason.

``expect_paper`` is the verdict the suite stands by at the **paper** tier when it differs
from the fast tier's (default: the same as ``expect``). Its extra value ``"open"`` is for a
claim not reproduced at the fast tier's reduced scale whose paper-scale run is still to be
done: at the paper tier a passing run is recorded as confirmed and a failed comparison as
not reproduced — both are results; a crash is still a defect. Once a paper-tier run has
been made, replace ``"open"`` by the verdict it gave (CHANGELOG).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import pytest

Expect = Literal["confirmed", "erratum", "not_reproduced", "citation"]
EXPECTATIONS: tuple[str, ...] = ("confirmed", "erratum", "not_reproduced", "citation")
PaperExpect = Literal["confirmed", "erratum", "not_reproduced", "citation", "open"]
PAPER_EXPECTATIONS: tuple[str, ...] = (*EXPECTATIONS, "open")
_ID = re.compile(r"^[a-z0-9]+/[a-z0-9][a-z0-9\-./]*$")


class ComparisonFailed(AssertionError):
    """A comparison that must hold did not (the only failure a not-reproduced xfail accepts)."""


class ErratumStartedToHold(Exception):
    """A printed form asserted to be wrong now agrees: the erratum must be re-examined."""


class HarnessMisuse(Exception):
    """The check did not follow the harness contract (asserted nothing, wrong roles, ...)."""


@dataclass(frozen=True)
class Claim:
    """One catalog claim: stable ID, where it is in the document, what it says, how it stands."""

    id: str
    source: str
    statement: str
    expect: Expect = "confirmed"
    reason: str = ""
    expect_paper: PaperExpect | None = None

    def __post_init__(self) -> None:
        if not _ID.match(self.id):
            raise ValueError(f"claim id must look like 'paper/slug', got {self.id!r}")
        if self.expect not in EXPECTATIONS:
            raise ValueError(f"expect must be one of {list(EXPECTATIONS)}, got {self.expect!r}")
        if not self.source.strip() or not self.statement.strip():
            raise ValueError(f"claim {self.id}: source and statement must be non-empty")
        if self.expect in ("not_reproduced", "citation", "erratum") and not self.reason.strip():
            raise ValueError(f"claim {self.id}: expect={self.expect!r} needs a reason (the evidence)")
        if self.expect_paper is not None:
            if self.expect_paper not in PAPER_EXPECTATIONS:
                raise ValueError(
                    f"expect_paper must be one of {list(PAPER_EXPECTATIONS)} or None, got {self.expect_paper!r}"
                )
            if (self.expect == "citation") != (self.expect_paper == "citation"):
                raise ValueError(f"claim {self.id}: a citation is a citation at every tier")
            if self.expect_paper != "confirmed" and not self.reason.strip():
                raise ValueError(f"claim {self.id}: expect_paper={self.expect_paper!r} needs a reason")

    def expect_at(self, tier: str) -> str:
        """The verdict the suite stands by at ``tier`` ("fast" or "paper")."""
        if tier == "paper" and self.expect_paper is not None:
            return self.expect_paper
        return self.expect

    @property
    def paper(self) -> str:
        return self.id.split("/", 1)[0]

    def check(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Decorator: tie a test function to this claim (the tier-dependent xfail / skip marks
        are added at collection by the plugin, see :func:`outcome_marks`)."""
        return pytest.mark.claim(self)(fn)

    def outcome_marks(self, tier: str) -> list[Any]:
        """pytest marks that turn the expectation at ``tier`` into an outcome contract."""
        expect = self.expect_at(tier)
        if expect == "not_reproduced":  # strict: only a failed comparison satisfies it
            return [pytest.mark.xfail(strict=True, raises=ComparisonFailed, reason=self.reason)]
        if expect == "open":  # either outcome is a result; a crash is still a defect
            return [pytest.mark.xfail(strict=False, raises=ComparisonFailed, reason=f"open at this tier: {self.reason}")]
        if expect == "citation":
            return [pytest.mark.skip(reason=f"citation only: {self.reason}")]
        return []


@dataclass(frozen=True)
class Tol:
    """Deterministic tolerance |a − b| ≤ abs + rel·|b|, with its written justification."""

    rel: float = 0.0
    abs: float = 0.0
    why: str = ""

    def __post_init__(self) -> None:
        if self.rel < 0 or self.abs < 0 or (self.rel == 0 and self.abs == 0):
            raise ValueError("Tol needs rel >= 0 and abs >= 0, not both zero")
        if not self.why.strip():
            raise ValueError("Tol needs a written justification (why=...)")

    def accepts(self, value: Any, reference: Any) -> bool:
        """Works for floats and for mpmath numbers (compared at their working precision)."""
        import mpmath

        if not (mpmath.isfinite(value) and mpmath.isfinite(reference)):
            return False
        return bool(abs(value - reference) <= self.abs + self.rel * abs(reference))

    def describe(self) -> str:
        parts = []
        if self.rel:
            parts.append(f"rel {self.rel:.1e}")
        if self.abs:
            parts.append(f"abs {self.abs:.1e}")
        return " + ".join(parts)


@dataclass(frozen=True)
class Estimate:
    """An empirical estimate: mean, its standard error and the number of samples behind it."""

    mean: float
    se: float
    n: int

    def __post_init__(self) -> None:
        if not (self.se >= 0) or self.n < 2:
            raise ValueError(f"Estimate needs se >= 0 and n >= 2, got se={self.se}, n={self.n}")

    @classmethod
    def of(cls, samples: Any, axis: int = 0) -> Estimate:
        """Mean and standard error of i.i.d. samples (ddof=1)."""
        import numpy as np

        x = np.asarray(samples, dtype=float)
        n = x.shape[axis]
        return cls(float(np.mean(x)), float(np.std(x, ddof=1) / np.sqrt(n)), int(n))

    def __str__(self) -> str:
        return f"{self.mean:.6g} ± {self.se:.2g} (SE, n={self.n})"


@dataclass(frozen=True)
class StatTol:
    """Statistical tolerance: |mean − reference| ≤ z·SE + bias, with the reason for z and bias."""

    z: float = 4.0
    bias: float = 0.0
    why: str = ""

    def __post_init__(self) -> None:
        if self.z <= 0 or self.bias < 0:
            raise ValueError("StatTol needs z > 0 and bias >= 0")
        if not self.why.strip():
            raise ValueError("StatTol needs a written justification (why=...)")

    def accepts(self, est: Estimate, reference: float) -> bool:
        if not (math.isfinite(est.mean) and math.isfinite(reference)):
            return False
        return abs(est.mean - reference) <= self.z * est.se + self.bias

    def describe(self) -> str:
        s = f"|mean − ref| ≤ {self.z:g}·SE"
        return s + (f" + {self.bias:.3g} (bias allowance)" if self.bias else "")
