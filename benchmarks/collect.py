"""Merge the benchmark scripts' JSON rows into reports/benchmarks.json and render benchmarks.md.

    python benchmarks/bench_kernels.py        # writes reports/benchmarks_kernels.json
    python benchmarks/bench_boolean_cube.py   # writes reports/benchmarks_boolean_cube.json
    python benchmarks/collect.py
"""

from __future__ import annotations

import json
import pathlib

from reports.render import render_benchmarks

REPORTS = pathlib.Path(__file__).resolve().parents[1] / "reports"


def main() -> None:
    rows = []
    for part in sorted(REPORTS.glob("benchmarks_*.json")):
        rows.extend(json.loads(part.read_text()))
    (REPORTS / "benchmarks.json").write_text(json.dumps(rows, indent=1) + "\n")
    (REPORTS / "benchmarks.md").write_text(render_benchmarks(rows))
    print(f"{len(rows)} rows -> {REPORTS / 'benchmarks.md'}")


if __name__ == "__main__":
    main()
