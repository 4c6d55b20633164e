"""The one comparison helper: records every level side by side, then judges.

Every comparison is recorded *before* it is judged, so a failed or not-reproduced
claim still carries its measured evidence into the report. Roles:

* ``"claim"`` — must hold (``ComparisonFailed`` otherwise);
* ``"printed"`` — the document's printed form of an erratum: must FAIL
  (``ErratumStartedToHold`` otherwise — never an xfail);
* ``"corrected"`` — the corrected form of an erratum: must hold.
"""

from __future__ import annotations

import math
import pathlib
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from checks.harness.claim import (
    Claim,
    ComparisonFailed,
    ErratumStartedToHold,
    Estimate,
    HarnessMisuse,
    StatTol,
    Tol,
)

Role = Literal["claim", "printed", "corrected"]
ROLES = ("claim", "printed", "corrected")
TIERS = ("fast", "paper")


def show(value: Any) -> str | None:
    """Text form of a level's value: SymPy expressions, mpmath numbers, arrays, estimates."""
    if value is None:
        return None
    try:
        import sympy

        if isinstance(value, sympy.Basic):
            text = sympy.sstr(value)
            if value.is_number and not value.is_Float:
                try:
                    text += f"  (= {float(value):.12g})"
                except TypeError:
                    pass
            return text
    except ImportError:  # pragma: no cover
        pass
    if isinstance(value, float):
        return f"{value:.12g}"
    if isinstance(value, bool | int | str):
        return str(value)
    try:
        import mpmath

        if isinstance(value, mpmath.mpf):
            return mpmath.nstr(value, 17)
    except ImportError:  # pragma: no cover
        pass
    try:
        import numpy as np

        if isinstance(value, np.ndarray | np.generic):
            arr = np.asarray(value)
            if arr.ndim == 0:
                return show(arr.item())
            return np.array2string(arr, precision=6, threshold=12)
    except ImportError:  # pragma: no cover
        pass
    return str(value)


#: working precision of comparisons that involve mpmath or SymPy numbers
COMPARE_DPS = 60


def _as_float(value: Any) -> Any:
    """A scalar for comparison: ``mpf`` (at COMPARE_DPS) for mpmath / SymPy numbers, else float."""
    import mpmath

    try:
        import sympy

        if isinstance(value, sympy.Basic):
            with mpmath.workdps(COMPARE_DPS):
                return mpmath.mpf(str(sympy.N(value, COMPARE_DPS)))
    except ImportError:  # pragma: no cover
        pass
    if isinstance(value, mpmath.mpf):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        raise HarnessMisuse(f"cannot compare non-scalar value {value!r}; reduce it first") from None


@dataclass
class Comparison:
    quantity: str
    levels: dict[str, str | None]
    criterion: str
    why: str
    role: Role
    passed: bool
    error: float | None = None  # observed discrepancy (relative where meaningful)

    def to_json(self) -> dict[str, Any]:
        return {
            "quantity": self.quantity,
            "levels": self.levels,
            "criterion": self.criterion,
            "why": self.why,
            "role": self.role,
            "passed": self.passed,
            "error": self.error,
        }


@dataclass
class Check:
    """Per-test recorder handed to checks as the ``check`` fixture."""

    claim: Claim
    tier: str
    figure_dir: pathlib.Path | None = None
    comparisons: list[Comparison] = field(default_factory=list)
    sizes: dict[str, Any] = field(default_factory=dict)
    seeds: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    # -- settings -----------------------------------------------------------------------------
    def size(self, name: str, *, fast: Any, paper: Any) -> Any:
        """Pick a size for the active tier and record it (same code path for both tiers)."""
        value = fast if self.tier == "fast" else paper
        self.sizes[name] = value
        return value

    def seed(self, value: int, name: str = "seed") -> int:
        self.seeds[name] = value
        return value

    def note(self, text: str) -> None:
        self.notes.append(text)

    def paper_only(self, reason: str) -> None:
        """Skip in the fast tier: the claim needs paper-scale sizes or hardware."""
        import pytest

        if self.tier != "paper":
            pytest.skip(f"paper tier only: {reason}")

    def figure(self, fig: Any, name: str) -> pathlib.Path | None:
        """Save a matplotlib figure as a PNG next to the paper's report page."""
        if self.figure_dir is None:
            return None
        slug = self.claim.id.split("/", 1)[1].replace("/", "-")
        path = self.figure_dir / self.claim.paper / f"{slug}-{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110, bbox_inches="tight")
        try:
            import matplotlib.pyplot as plt

            plt.close(fig)
        except ImportError:  # pragma: no cover
            pass
        self.figures.append(str(path.relative_to(self.figure_dir.parent)))
        return path

    # -- comparisons --------------------------------------------------------------------------
    def _judge(self, comp: Comparison) -> None:
        if comp.role not in ROLES:
            raise HarnessMisuse(f"role must be one of {list(ROLES)}, got {comp.role!r}")
        if comp.role == "printed" and self.claim.expect_at(self.tier) != "erratum":
            raise HarnessMisuse(f"{self.claim.id}: role='printed' needs Claim(expect='erratum')")
        self.comparisons.append(comp)
        if comp.role == "printed":
            if comp.passed:
                raise ErratumStartedToHold(
                    f"{self.claim.id}: the printed form '{comp.quantity}' now satisfies "
                    f"{comp.criterion}; re-examine the erratum"
                )
        elif not comp.passed:
            lv = ", ".join(f"{k}={v}" for k, v in comp.levels.items() if v is not None)
            raise ComparisonFailed(
                f"{self.claim.id}: {comp.quantity}: {lv} fails {comp.criterion} ({comp.why})"
            )

    def agree(
        self,
        quantity: str,
        *,
        theory: Any = None,
        numeric: Any = None,
        empirical: Any = None,
        tol: Tol,
        role: Role = "claim",
        reference: str | None = None,
    ) -> None:
        """Deterministic agreement of two or three levels within ``tol``.

        Every present level is compared with the reference level (``theory`` if
        given, else ``numeric``; override with ``reference=``).
        """
        levels = {"theory": theory, "numeric": numeric, "empirical": empirical}
        present = [k for k, v in levels.items() if v is not None]
        if len(present) < 2:
            raise HarnessMisuse(f"{quantity}: agree() needs at least two levels, got {present}")
        ref_name = reference or present[0]
        if ref_name not in present:
            raise HarnessMisuse(f"{quantity}: reference level {ref_name!r} is missing")
        import mpmath

        ok, worst = True, 0.0
        with mpmath.workdps(COMPARE_DPS):
            ref = _as_float(levels[ref_name])
            for name in present:
                if name == ref_name:
                    continue
                val = _as_float(levels[name])
                ok &= tol.accepts(val, ref)
                err = float(abs(val - ref) / abs(ref) if ref != 0 else abs(val - ref))
                worst = max(worst, err if math.isfinite(err) else math.inf)
        self._judge(
            Comparison(
                quantity,
                {k: show(v) for k, v in levels.items()},
                f"{tol.describe()} vs {ref_name}",
                tol.why,
                role,
                bool(ok),
                worst,
            )
        )

    def agree_stat(
        self,
        quantity: str,
        *,
        empirical: Estimate,
        theory: Any = None,
        numeric: Any = None,
        tol: StatTol,
        role: Role = "claim",
    ) -> None:
        """An empirical estimate agrees with a theory/numeric reference within z·SE (+ bias)."""
        if not isinstance(empirical, Estimate):
            raise HarnessMisuse(f"{quantity}: empirical must be an Estimate")
        if theory is None and numeric is None:
            raise HarnessMisuse(f"{quantity}: agree_stat() needs a theory or numeric reference")
        ref = _as_float(theory if theory is not None else numeric)
        ok = tol.accepts(empirical, ref)
        zscore = abs(empirical.mean - ref) / empirical.se if empirical.se > 0 else math.inf
        self._judge(
            Comparison(
                quantity,
                {"theory": show(theory), "numeric": show(numeric), "empirical": str(empirical)},
                tol.describe(),
                tol.why,
                role,
                bool(ok),
                zscore,
            )
        )

    def within(
        self,
        quantity: str,
        value: Any,
        *,
        lo: float = -math.inf,
        hi: float = math.inf,
        why: str,
        level: str = "numeric",
        role: Role = "claim",
        expected: str | None = None,
    ) -> None:
        """A measured value lies in [lo, hi] (a slope, a ratio, a bound from the document)."""
        if not why.strip():
            raise HarnessMisuse(f"{quantity}: within() needs why=")
        if lo == -math.inf and hi == math.inf:
            raise HarnessMisuse(f"{quantity}: within() with no bound cannot fail")
        v = _as_float(value)
        ok = math.isfinite(v) and lo <= v <= hi
        levels: dict[str, str | None] = {"theory": expected, "numeric": None, "empirical": None}
        levels[level] = show(value)
        self._judge(Comparison(quantity, levels, f"in [{lo:.6g}, {hi:.6g}]", why, role, ok, None))

    def holds(
        self,
        quantity: str,
        ok: bool,
        *,
        evidence: str,
        criterion: str,
        why: str,
        level: str = "numeric",
        role: Role = "claim",
        expected: str | None = None,
    ) -> None:
        """A boolean property with its evidence (an inequality over a grid, a sign pattern, ...)."""
        if not isinstance(ok, bool):
            try:
                import numpy as np

                if isinstance(ok, np.bool_):
                    ok = bool(ok)
            except ImportError:  # pragma: no cover
                pass
        if not isinstance(ok, bool):
            raise HarnessMisuse(f"{quantity}: holds() needs a bool, got {type(ok).__name__}")
        if not why.strip() or not criterion.strip():
            raise HarnessMisuse(f"{quantity}: holds() needs criterion= and why=")
        levels: dict[str, str | None] = {"theory": expected, "numeric": None, "empirical": None}
        levels[level] = evidence
        self._judge(Comparison(quantity, levels, criterion, why, role, ok, None))

    # -- end of test --------------------------------------------------------------------------
    def finish(self) -> None:
        """Contract checks after the test body ran to completion."""
        if not self.comparisons:
            raise HarnessMisuse(f"{self.claim.id}: the check recorded no comparison")
        roles = {c.role for c in self.comparisons}
        if self.claim.expect_at(self.tier) == "erratum" and not {"printed", "corrected"} <= roles:
            raise HarnessMisuse(
                f"{self.claim.id}: an erratum check must assert both a printed form (fails) and "
                f"a corrected form (holds); got roles {sorted(roles)}"
            )

    def row(self) -> dict[str, Any]:
        return {
            "claim": self.claim.id,
            "paper": self.claim.paper,
            "source": self.claim.source,
            "statement": self.claim.statement,
            "expect": self.claim.expect_at(self.tier),
            "reason": self.claim.reason,
            "tier": self.tier,
            "sizes": {k: show(v) for k, v in self.sizes.items()},
            "seeds": self.seeds,
            "notes": self.notes,
            "figures": self.figures,
            "comparisons": [c.to_json() for c in self.comparisons],
        }
