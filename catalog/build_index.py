"""Rebuild ``catalog/claims.json`` — the project's own index of every claim of the five documents.

The index is the denominator of the report: a claim with no check is listed as
*pending*, never as passing. Source of truth: the shared claim catalog
(``../shared/claims/*.md``, one ``## <paper>/<slug>`` heading per claim).

    python catalog/build_index.py [path/to/shared/claims]
"""

from __future__ import annotations

import json
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
HEADING = re.compile(r"^##\s+([a-z0-9]+/[a-z0-9][a-z0-9\-./]*)\s*$")
FIELD = re.compile(r"^-\s+(source|statement|kind):\s*(.*)$")

PAPERS = {
    "yang2019": "Yang & Salman 2019, A Fine-Grained Spectral Perspective on Neural Networks",
    "xiao2020": "Xiao, Pennington & Schoenholz 2020, Disentangling Trainability and Generalization in Deep Learning",
    "seleznova2021": "Seleznova & Kutyniok 2021, Analyzing Finite Neural Networks: Can We Trust NTK Theory?",
    "ortizjimenez2021": "Ortiz-Jiménez, Moosavi-Dezfooli & Frossard 2021, What can linearized neural networks actually say about generalization?",
    "ntkblog": "Dwaraknath 2019, Understanding the Neural Tangent Kernel (blog)",
}


def parse(md: pathlib.Path) -> list[dict[str, str]]:
    claims: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    last: str | None = None
    for line in md.read_text(encoding="utf-8").splitlines():
        m = HEADING.match(line.strip())
        if m:
            current = {"id": m.group(1), "source": "", "statement": "", "kind": ""}
            claims.append(current)
            continue
        if line.startswith("## "):
            current = None
            continue
        f = FIELD.match(line.strip())
        if current is not None and f and not current[f.group(1)]:
            current[f.group(1)] = f.group(2).strip()
            last = f.group(1) if not f.group(2).strip() else None
            continue
        # a field whose text sits on the following indented bullet lines
        if current is not None and last and line.startswith("  - ") and not current[last]:
            current[last] = line.strip()[2:].strip()
            last = None
    return claims


def main(argv: list[str]) -> int:
    src = pathlib.Path(argv[1]) if len(argv) > 1 else HERE.parent.parent / "shared" / "claims"
    claims: list[dict[str, str]] = []
    for md in sorted(src.glob("*.md")):
        if md.name == "README.md":
            continue
        claims.extend(parse(md))
    ids = [c["id"] for c in claims]
    if len(ids) != len(set(ids)):
        raise SystemExit("duplicate claim IDs in the catalog")
    out = {"papers": PAPERS, "claims": claims}
    (HERE / "claims.json").write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"indexed {len(claims)} claims from {src}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
