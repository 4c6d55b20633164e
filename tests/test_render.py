"""The Markdown renderer is a pure function of results.json: snapshot-tested on a tiny fixture."""

import json
import os
import pathlib

from reports.render import claim_verdict, render_all

HERE = pathlib.Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "results_small.json"
SNAPSHOTS = HERE / "snapshots"
INDEX = {
    "papers": {"yang2019": "Yang & Salman 2019", "ntkblog": "Dwaraknath 2019"},
    "claims": [
        {"id": "yang2019/a", "source": "§1", "statement": "A holds.", "kind": "identity"},
        {"id": "yang2019/b", "source": "§2", "statement": "B is printed wrong.", "kind": "identity"},
        {"id": "yang2019/c", "source": "§3", "statement": "C has no check.", "kind": "identity"},
        {"id": "ntkblog/d", "source": "§4", "statement": "D fails to reproduce.", "kind": "empirical-finding"},
    ],
}


def test_snapshot():
    results = json.loads(FIXTURE.read_text())
    pages = render_all(results, INDEX)
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":  # regenerate deliberately, then review the diff
        SNAPSHOTS.mkdir(exist_ok=True)
        for name, text in pages.items():
            (SNAPSHOTS / name).write_text(text)
    for name, text in pages.items():
        assert text == (SNAPSHOTS / name).read_text(), name


def test_pending_is_never_counted_as_passing():
    assert claim_verdict([]) == "pending"
    pages = render_all(json.loads(FIXTURE.read_text()), INDEX)
    assert "`yang2019/c` — … pending" in pages["yang2019.md"]
    row = "| [yang2019](yang2019.md) — Yang & Salman 2019 | 3 | 1 | 1 | 0 | 0 | 0 | 1 |"
    assert row in pages["README.md"]


def test_most_severe_row_wins():
    rows = [{"verdict": "confirmed"}, {"verdict": "skipped"}, {"verdict": "failed"}]
    assert claim_verdict(rows) == "failed"
    assert claim_verdict(rows[:2]) == "confirmed"


def test_benchmark_table_has_every_row_and_ratio():
    from reports.render import render_benchmarks

    rows = [
        {"what": "FC relu", "ours_s": 0.5, "peer": "nt", "peer_s": 1.5, "ratio": 3.0,
         "max_rel_err": 1e-15, "peer_max_rel_err": 2e-15, "sizes": {"N": 2000}, "machine": "cpu"},
    ]
    text = render_benchmarks(rows)
    assert "| FC relu | 0.5 | nt | 1.5 | 3 | 1.00e-15 | 2.00e-15 | N=2000 | cpu |" in text
