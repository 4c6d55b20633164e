"""The claim harness: verdict mapping, erratum and xfail contracts, reports.

Each scenario runs a tiny check file in an isolated pytest session (``pytester``)
with the real plugin, then reads the verdicts from the written results.json.
"""

import json
import pathlib

import jax  # noqa: F401  imported here so pytester's sys.modules snapshot keeps it: jaxlib
import pytest  # aborts if its extension is imported a second time in one process

import checks.harness.plugin  # noqa: F401  (same reason: the inner sessions load it)
import reports.render  # noqa: F401
from checks.harness import Claim, Estimate, HarnessMisuse, StatTol, Tol
from checks.harness.recorder import Check

ID = "yang2019/v-transform"  # any indexed ID

HEADER = f'''
from checks.harness import Claim, Tol, Estimate, StatTol

def claim(expect="confirmed", reason="", expect_paper=None):
    return Claim(id="{ID}", source="seed, §2", statement="s", expect=expect, reason=reason,
                 expect_paper=expect_paper)
'''


def run(pytester: pytest.Pytester, body: str, *args: str) -> dict:
    pytester.makeconftest("from checks.harness.plugin import *  # noqa\n")
    pytester.makepyfile(test_case=HEADER + body)
    report_dir = pytester.path / "rep"
    pytester.runpytest_inprocess("-p", "no:randomly", "--report-dir", str(report_dir), *args)
    return json.loads((report_dir / "results.json").read_text())


def verdicts(results: dict) -> dict[str, str]:
    return {r["nodeid"].split("::")[-1]: r["verdict"] for r in results["rows"]}


def test_failing_comparison_is_never_confirmed(pytester):
    res = run(pytester, '''
C = claim()
@C.check
def test_bad(check):
    check.agree("x", theory=1.0, numeric=1.1, tol=Tol(rel=1e-3, why="w"))
@C.check
def test_good(check):
    check.agree("x", theory=1.0, numeric=1.0 + 1e-9, tol=Tol(rel=1e-6, why="w"))
''')
    assert verdicts(res) == {"test_bad": "failed", "test_good": "confirmed"}
    bad = next(r for r in res["rows"] if r["nodeid"].endswith("test_bad"))
    assert bad["comparisons"][0]["passed"] is False  # evidence recorded before judging


def test_erratum_fails_when_printed_form_starts_to_hold(pytester):
    res = run(pytester, '''
E = claim("erratum", "printed a/2π, correct a²/2π")
@E.check
def test_printed_now_holds(check):
    check.agree("printed", theory=2.0, numeric=2.0, tol=Tol(rel=1e-9, why="w"), role="printed")
    check.agree("corrected", theory=2.0, numeric=2.0, tol=Tol(rel=1e-9, why="w"), role="corrected")
@E.check
def test_proper_erratum(check):
    check.agree("printed", theory=1.0, numeric=2.0, tol=Tol(rel=1e-9, why="w"), role="printed")
    check.agree("corrected", theory=2.0, numeric=2.0, tol=Tol(rel=1e-9, why="w"), role="corrected")
@E.check
def test_erratum_without_printed_side(check):
    check.agree("corrected", theory=2.0, numeric=2.0, tol=Tol(rel=1e-9, why="w"), role="corrected")
@E.check
def test_corrected_fails(check):
    check.agree("printed", theory=1.0, numeric=2.0, tol=Tol(rel=1e-9, why="w"), role="printed")
    check.agree("corrected", theory=1.0, numeric=2.0, tol=Tol(rel=1e-9, why="w"), role="corrected")
''')
    assert verdicts(res) == {
        "test_printed_now_holds": "failed",
        "test_proper_erratum": "erratum",
        "test_erratum_without_printed_side": "failed",
        "test_corrected_fails": "failed",
    }


def test_not_reproduced_is_strict_and_only_accepts_failed_comparisons(pytester):
    res = run(pytester, '''
N = claim("not_reproduced", "measured 0.3 vs claimed 0.8")
@N.check
def test_fails_as_measured(check):
    check.within("acc", 0.3, lo=0.8, why="document says > 0.8")
@N.check
def test_starts_to_hold(check):
    check.within("acc", 0.9, lo=0.8, why="document says > 0.8")
@N.check
def test_crashes(check):
    raise TypeError("a bug is not a result")
''')
    assert verdicts(res) == {
        "test_fails_as_measured": "not reproduced",
        "test_starts_to_hold": "failed",
        "test_crashes": "failed",
    }


OPEN_AT_PAPER = '''
N = claim("not_reproduced", "fast tier too small", expect_paper="open")
@N.check
def test_fails(check):
    check.within("acc", 0.3, lo=0.8, why="document says > 0.8")
@N.check
def test_holds(check):
    check.within("acc", 0.9, lo=0.8, why="document says > 0.8")
@N.check
def test_crashes(check):
    raise TypeError("a bug is not a result")
'''


def test_open_paper_expectation_records_either_outcome_at_the_paper_tier(pytester):
    res = run(pytester, OPEN_AT_PAPER, "--tier", "paper")
    assert verdicts(res) == {"test_fails": "not reproduced", "test_holds": "confirmed", "test_crashes": "failed"}
    assert {r["expect"] for r in res["rows"]} == {"open"}


def test_open_paper_expectation_leaves_the_fast_tier_strict(pytester):
    res = run(pytester, OPEN_AT_PAPER)
    assert verdicts(res) == {"test_fails": "not reproduced", "test_holds": "failed", "test_crashes": "failed"}
    assert {r["expect"] for r in res["rows"]} == {"not_reproduced"}


def test_check_that_asserts_nothing_is_a_defect(pytester):
    res = run(pytester, '''
C = claim()
@C.check
def test_empty(check):
    check.size("n", fast=1, paper=2)
''')
    assert verdicts(res) == {"test_empty": "failed"}


def test_citation_and_paper_only_are_skipped_with_reason(pytester):
    res = run(pytester, '''
@claim("citation", "cites Lee et al. 2018").check
def test_cited(check):
    check.holds("x", True, evidence="e", criterion="c", why="w")
@claim().check
def test_big(check):
    check.paper_only("needs width 4096")
    check.holds("x", True, evidence="e", criterion="c", why="w")
''')
    assert verdicts(res) == {"test_cited": "skipped", "test_big": "skipped"}
    details = {r["nodeid"].split("::")[-1]: r["detail"] for r in res["rows"]}
    assert "Lee et al." in details["test_cited"] and "width 4096" in details["test_big"]


def test_paper_tier_picks_paper_sizes(pytester):
    res = run(pytester, '''
@claim().check
def test_sizes(check):
    n = check.size("width", fast=8, paper=4096)
    check.within("width", n, lo=4096, hi=4096, why="paper tier must use paper sizes")
''', "--tier", "paper")
    assert verdicts(res) == {"test_sizes": "confirmed"}
    assert res["rows"][0]["sizes"] == {"width": "4096"} and res["provenance"]["tier"] == "paper"


def test_unindexed_or_unmarked_checks_are_rejected(pytester):
    pytester.makeconftest("from checks.harness.plugin import *  # noqa\n")
    pytester.makepyfile(test_case='''
from checks.harness import Claim, Tol
C = Claim(id="yang2019/not-a-real-claim", source="s", statement="s")
@C.check
def test_x(check):
    check.agree("x", theory=1.0, numeric=1.0, tol=Tol(rel=1e-9, why="w"))
def test_unmarked():
    pass
''')
    result = pytester.runpytest_inprocess("--no-report")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    text = "\n".join(result.errlines + result.outlines)
    assert "not-a-real-claim" in text and "test_unmarked" in text


def test_statistical_tolerance_uses_standard_error():
    est = Estimate.of([1.0, 1.2, 0.8, 1.1, 0.9])
    assert StatTol(z=4, why="w").accepts(est, 1.0)
    assert not StatTol(z=1, why="w").accepts(est, 1.2)
    assert StatTol(z=1, bias=0.2, why="finite width").accepts(est, 1.2)


def test_open_is_only_a_paper_tier_expectation():
    with pytest.raises(ValueError, match="expect must be one of"):
        Claim(id=ID, source="s", statement="s", expect="open", reason="r")
    with pytest.raises(ValueError, match="expect_paper must be one of"):
        Claim(id=ID, source="s", statement="s", expect="not_reproduced", reason="r", expect_paper="maybe")
    with pytest.raises(ValueError, match="citation"):
        Claim(id=ID, source="s", statement="s", expect="citation", reason="r", expect_paper="confirmed")
    c = Claim(id=ID, source="s", statement="s", expect="not_reproduced", reason="r", expect_paper="open")
    assert (c.expect_at("fast"), c.expect_at("paper")) == ("not_reproduced", "open")


@pytest.mark.parametrize(
    "make",
    [
        lambda: Tol(rel=1e-3),  # no reason
        lambda: Tol(why="w"),  # no bound
        lambda: StatTol(z=0, why="w"),
        lambda: Claim(id="bad id", source="s", statement="s"),
        lambda: Claim(id=ID, source="s", statement="s", expect="erratum"),  # no evidence
        lambda: Claim(id=ID, source="s", statement="s", expect="maybe"),
    ],
)
def test_invalid_declarations_are_rejected(make):
    with pytest.raises(ValueError):
        make()


def test_within_without_bounds_cannot_be_declared():
    chk = Check(claim=Claim(id=ID, source="s", statement="s"), tier="fast")
    with pytest.raises(HarnessMisuse):
        chk.within("x", 1.0, why="no bound cannot fail")


def test_every_check_id_is_indexed():
    """Static scan: each Claim(id=...) under checks/ names an ID of catalog/claims.json."""
    import re

    from catalog import claim_ids

    known = claim_ids()
    root = pathlib.Path(__file__).resolve().parents[1] / "checks"
    pattern = re.compile(r'id="([a-z0-9]+/[a-z0-9][a-z0-9\-./]*)"')
    found = {m for f in root.rglob("*.py") for m in pattern.findall(f.read_text())}
    assert found, "no checks found"
    assert sorted(found - known) == []
