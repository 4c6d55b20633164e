"""pytest plugin: tiers, the ``check`` fixture, verdicts, and the JSON + Markdown reports.

Loaded by ``checks/conftest.py``. Works under pytest-xdist: rows travel from the
workers to the controller in ``report.user_properties``.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import pathlib
import platform
import subprocess
import time
from typing import Any

import pytest

from catalog import claim_ids, load_index
from checks.harness.claim import Claim
from checks.harness.recorder import TIERS, Check

ROW_KEY = "claim_row"
_state_key = pytest.StashKey[dict]()
_check_key = pytest.StashKey[Check]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("claims", "theory verification suite")
    group.addoption(
        "--tier",
        choices=TIERS,
        default=os.environ.get("NNK_TIER", "fast"),
        help="fast (default; reduced sizes, 2 CPU cores) or paper (documents' settings; GPU)",
    )
    group.addoption(
        "--report-dir",
        default=None,
        help="where results.json and the Markdown pages go (default: <rootdir>/reports)",
    )
    group.addoption("--no-report", action="store_true", help="do not write reports")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "claim(claim): the catalog claim a check verifies")
    report_dir = config.getoption("--report-dir")
    root = pathlib.Path(str(config.rootpath))
    config.stash[_state_key] = {
        "rows": {},
        "start": time.time(),
        "report_dir": pathlib.Path(report_dir) if report_dir else root / "reports",
    }
    config.pluginmanager.register(RowCollector(config.stash[_state_key]["rows"]), "claim-rows")


def _claim_of(item: pytest.Item) -> Claim | None:
    m = item.get_closest_marker("claim")
    return m.args[0] if m else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every collected check must name an indexed claim and use the ``check`` fixture."""
    known = claim_ids()
    problems = []
    for item in items:
        claim = _claim_of(item)
        if claim is None:
            problems.append(f"{item.nodeid}: no claim (decorate with @CLAIM.check)")
        elif claim.id not in known:
            problems.append(f"{item.nodeid}: claim id {claim.id!r} is not in catalog/claims.json")
        elif "check" not in getattr(item, "fixturenames", ()):
            problems.append(f"{item.nodeid}: a check must use the 'check' fixture")
        else:  # `pytest checks -k <claim-id>` (or any part of it) selects the claim's checks
            item.extra_keyword_matches.add(claim.id)
            for mark in claim.outcome_marks(config.getoption("--tier")):
                item.add_marker(mark)
    if problems:
        raise pytest.UsageError("invalid checks:\n  " + "\n  ".join(problems))


@pytest.fixture(scope="session")
def tier(request: pytest.FixtureRequest) -> str:
    """The active tier: ``"fast"`` or ``"paper"``."""
    return str(request.config.getoption("--tier"))


@pytest.fixture
def check(request: pytest.FixtureRequest, tier: str) -> Check:
    claim = _claim_of(request.node)
    if claim is None:  # pragma: no cover - rejected at collection
        raise pytest.UsageError(f"{request.node.nodeid}: check fixture without a claim")
    state = request.config.stash[_state_key]
    no_report = request.config.getoption("--no-report")
    chk = Check(claim=claim, tier=tier, figure_dir=None if no_report else state["report_dir"] / "figures")
    request.node.stash[_check_key] = chk
    return chk


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function):
    result = yield
    chk = pyfuncitem.stash.get(_check_key, None)
    if chk is not None:
        chk.finish()  # a check that asserted nothing, or an erratum missing a side, fails here
    return result


def verdict_of(report: pytest.TestReport, claim: Claim, tier: str) -> str:
    """Map a pytest outcome onto the suite's verdicts (pure; unit-tested)."""
    expect = claim.expect_at(tier)
    if report.failed:
        return "failed"
    if report.skipped:
        return "not reproduced" if hasattr(report, "wasxfail") else "skipped"
    if hasattr(report, "wasxfail"):  # a non-strict xpass: only an "open" expectation allows it
        return "confirmed" if expect == "open" else "failed"
    return {"confirmed": "confirmed", "erratum": "erratum"}.get(expect, "failed")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    claim = _claim_of(item)
    if claim is None:
        return report
    relevant = report.when == "call" or report.failed or (report.when == "setup" and report.skipped)
    if not relevant:
        return report
    chk = item.stash.get(_check_key, None)
    row: dict[str, Any] = (
        chk.row()
        if chk is not None
        else {
            "claim": claim.id,
            "paper": claim.paper,
            "source": claim.source,
            "statement": claim.statement,
            "expect": claim.expect_at(item.config.getoption("--tier")),
            "reason": claim.reason,
            "tier": item.config.getoption("--tier"),
            "sizes": {},
            "seeds": {},
            "notes": [],
            "figures": [],
            "comparisons": [],
        }
    )
    row["nodeid"] = report.nodeid
    row["phase"] = report.when
    row["verdict"] = verdict_of(report, claim, item.config.getoption("--tier"))
    row["runtime_s"] = round(float(getattr(report, "duration", 0.0)), 3)
    if report.skipped and not hasattr(report, "wasxfail"):
        longrepr = report.longrepr
        row["detail"] = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    elif report.failed or hasattr(report, "wasxfail"):
        text = report.longreprtext or ""
        lines = [ln for ln in text.splitlines() if ln.startswith("E ")]
        row["detail"] = (lines[-1][1:].strip() if lines else text.strip().splitlines()[-1:] or [""])
        if isinstance(row["detail"], list):
            row["detail"] = row["detail"][0] if row["detail"] else ""
    else:
        row["detail"] = ""
    report.user_properties.append((ROW_KEY, json.dumps(row, default=str)))
    return report


class RowCollector:
    """Gathers rows on the controller (from this process or from xdist workers)."""

    def __init__(self, rows: dict[str, dict[str, Any]]) -> None:
        self.rows = rows

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for key, value in report.user_properties:
            if key != ROW_KEY:
                continue
            row = json.loads(value)
            prev = self.rows.get(report.nodeid)
            if prev is not None and prev["verdict"] != "failed" and row["verdict"] == "failed":
                prev.update(verdict="failed", detail=row.get("detail", ""), phase=row["phase"])
            elif prev is None or row["phase"] == "call":
                self.rows[report.nodeid] = row


def provenance(tier: str, runtime_s: float, root: pathlib.Path) -> dict[str, Any]:
    """Versions, commit, machine and time of this run."""
    from importlib import metadata

    def version(pkg: str) -> str | None:
        try:
            return metadata.version(pkg)
        except metadata.PackageNotFoundError:
            return None

    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        ).stdout.strip() or None
        dirty = bool(
            subprocess.run(
                # the generated reports/ are rewritten by this very run: not a code change
                ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)reports"],
                cwd=root, capture_output=True, text=True, timeout=10,
            ).stdout.strip()
        )
    except (OSError, subprocess.SubprocessError):
        commit, dirty = None, None
    try:
        import jax

        devices = [f"{d.platform}:{getattr(d, 'device_kind', '')}" for d in jax.devices()]
    except Exception:  # pragma: no cover - jax missing or broken: say so in the report
        devices = ["unknown"]
    return {
        "commit": commit,
        "dirty": dirty,
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "tier": tier,
        "runtime_s": round(runtime_s, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "devices": devices,
        "versions": {
            p: version(p)
            for p in ("jax", "jaxlib", "sympy", "mpmath", "numpy", "scipy", "neural-tangents", "optax")
        },
    }


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if hasattr(config, "workerinput") or config.getoption("--no-report"):
        return
    if config.getoption("collectonly", False):
        return
    state = config.stash[_state_key]
    rows = list(state["rows"].values())
    if not rows:
        return
    from reports.render import render_all

    out_dir: pathlib.Path = state["report_dir"]
    out_dir.mkdir(parents=True, exist_ok=True)
    results = {
        "provenance": provenance(
            config.getoption("--tier"), time.time() - state["start"], pathlib.Path(str(config.rootpath))
        ),
        "rows": sorted(rows, key=lambda r: (r["claim"], r["nodeid"])),
    }
    (out_dir / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    for name, text in render_all(results, load_index()).items():
        (out_dir / name).write_text(text, encoding="utf-8")
