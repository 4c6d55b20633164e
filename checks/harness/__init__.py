"""The claim harness: declare a claim once, compare levels with one helper, report verdicts."""

from checks.harness.claim import (
    Claim,
    ComparisonFailed,
    ErratumStartedToHold,
    Estimate,
    HarnessMisuse,
    StatTol,
    Tol,
)
from checks.harness.recorder import Check

__all__ = [
    "Check",
    "Claim",
    "ComparisonFailed",
    "ErratumStartedToHold",
    "Estimate",
    "HarnessMisuse",
    "StatTol",
    "Tol",
]
