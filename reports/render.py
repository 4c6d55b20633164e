"""Pure Markdown rendering of ``results.json`` (no I/O; snapshot-tested in tests/).

``render_all(results, index)`` returns ``{filename: markdown}``: ``README.md``
(per paper: counts by verdict, errata and not-reproduced claims with one line
of evidence each, total runtime) and one page per paper (every indexed claim:
ID, source, statement, the levels side by side, tolerance and why, verdict,
figures). Claims of the index without a check are listed as **pending**.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

VERDICTS = ("confirmed", "erratum", "not reproduced", "skipped", "failed", "pending")
_SEVERITY = {"failed": 5, "not reproduced": 4, "erratum": 3, "confirmed": 2, "skipped": 1}
_BADGE = {
    "confirmed": "✅ confirmed",
    "erratum": "📝 erratum",
    "not reproduced": "❌ not reproduced",
    "skipped": "⏭ skipped",
    "failed": "🛑 FAILED",
    "pending": "… pending",
}


def claim_verdict(rows: list[dict[str, Any]]) -> str:
    """One verdict per claim from its rows: the most severe outcome wins; none → pending."""
    if not rows:
        return "pending"
    return max((r["verdict"] for r in rows), key=lambda v: _SEVERITY.get(v, 6))


def _cell(text: Any) -> str:
    if text is None or text == "":
        return "—"
    s = str(text).replace("|", "\\|").replace("\n", " ")
    return s if len(s) <= 160 else s[:157] + "…"


def evidence_line(rows: list[dict[str, Any]]) -> str:
    """One line of evidence: the first comparison that decided the verdict, else the detail."""
    for r in rows:
        for c in r.get("comparisons", []):
            decisive = (c["role"] == "printed") or (not c["passed"])
            if decisive:
                lv = "; ".join(f"{k} {v}" for k, v in c["levels"].items() if v)
                return f"{c['quantity']}: {lv} — {c['criterion']}"
    for r in rows:
        if r.get("detail"):
            return str(r["detail"])
        if r.get("reason"):
            return str(r["reason"])
    return ""


def _group(results: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    by_claim: dict[str, list[dict[str, Any]]] = {}
    for row in results.get("rows", []):
        by_claim.setdefault(row["claim"], []).append(row)
    return by_claim


def render_readme(results: dict[str, Any], index: dict[str, Any]) -> str:
    prov = results.get("provenance", {})
    by_claim = _group(results)
    papers = index["papers"]
    lines = [
        "# Verification report",
        "",
        f"Tier **{prov.get('tier', '?')}** · commit `{(prov.get('commit') or '?')[:12]}`"
        + (" (uncommitted changes)" if prov.get("dirty") else "")
        + f" · {prov.get('date', '?')} · total runtime **{prov.get('runtime_s', '?')} s**"
        f" on {prov.get('cpu_count', '?')} CPU cores ({', '.join(prov.get('devices', []))})",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in prov.get("versions", {}).items() if v)
        + f", python {prov.get('python', '?')}",
        "",
        "| paper | claims | " + " | ".join(VERDICTS) + " |",
        "|---|---:|" + "---:|" * len(VERDICTS),
    ]
    totals: Counter[str] = Counter()
    notable: list[str] = []
    for prefix, title in papers.items():
        ids = [c["id"] for c in index["claims"] if c["id"].split("/")[0] == prefix]
        counts: Counter[str] = Counter(claim_verdict(by_claim.get(i, [])) for i in ids)
        totals.update(counts)
        lines.append(
            f"| [{prefix}]({prefix}.md) — {title} | {len(ids)} | "
            + " | ".join(str(counts.get(v, 0)) for v in VERDICTS)
            + " |"
        )
        for i in ids:
            v = claim_verdict(by_claim.get(i, []))
            if v in ("erratum", "not reproduced", "failed"):
                notable.append(f"- **{v}** `{i}` — {_cell(evidence_line(by_claim[i]))}")
    lines.append(
        f"| **all** | {sum(totals.values())} | "
        + " | ".join(f"**{totals.get(v, 0)}**" for v in VERDICTS)
        + " |"
    )
    unknown = sorted(set(by_claim) - {c["id"] for c in index["claims"]})
    lines += ["", "## Errata, not reproduced and failures", ""]
    lines += notable or ["None."]
    if unknown:
        lines += ["", "## Checks whose ID is not in the index", ""] + [f"- `{u}`" for u in unknown]
    lines += [
        "",
        "Verdicts: **confirmed** (all levels agree within the stated tolerance); **erratum** "
        "(the printed form fails, a corrected form holds — both asserted); **not reproduced** "
        "(strict xfail with the measured evidence); **skipped** (paper tier, hardware, or a "
        "citation — with the reason); **failed** (a defect); **pending** (no check yet).",
        "",
    ]
    return "\n".join(lines)


def render_paper(prefix: str, results: dict[str, Any], index: dict[str, Any]) -> str:
    by_claim = _group(results)
    claims = [c for c in index["claims"] if c["id"].split("/")[0] == prefix]
    counts = Counter(claim_verdict(by_claim.get(c["id"], [])) for c in claims)
    lines = [
        f"# {prefix} — {index['papers'].get(prefix, '')}",
        "",
        " · ".join(f"{v}: {counts.get(v, 0)}" for v in VERDICTS),
        "",
    ]
    for c in claims:
        rows = by_claim.get(c["id"], [])
        v = claim_verdict(rows)
        lines += [f"## `{c['id']}` — {_BADGE[v]}", "", f"*Source:* {c['source']}", "", f"*Statement:* {c['statement']}", ""]
        if not rows:
            lines += ["No check yet.", ""]
            continue
        for r in rows:
            lines.append(
                f"**{r['nodeid'].split('::')[-1]}** — {_BADGE.get(r['verdict'], r['verdict'])}"
                f" · tier {r['tier']} · {r['runtime_s']} s"
            )
            if r.get("sizes"):
                lines.append("sizes: " + ", ".join(f"{k}={v}" for k, v in r["sizes"].items()))
            if r.get("seeds"):
                lines.append("seeds: " + ", ".join(f"{k}={v}" for k, v in r["seeds"].items()))
            lines.append("")
            if r.get("comparisons"):
                lines += [
                    "| quantity | theory | numeric | empirical | criterion | why | role | ok |",
                    "|---|---|---|---|---|---|---|---|",
                ]
                for cmp in r["comparisons"]:
                    lv = cmp["levels"]
                    lines.append(
                        f"| {_cell(cmp['quantity'])} | {_cell(lv.get('theory'))} | "
                        f"{_cell(lv.get('numeric'))} | {_cell(lv.get('empirical'))} | "
                        f"{_cell(cmp['criterion'])} | {_cell(cmp['why'])} | {cmp['role']} | "
                        f"{'yes' if cmp['passed'] else 'no'} |"
                    )
                lines.append("")
            if r.get("reason") and r["verdict"] in ("erratum", "not reproduced", "skipped"):
                lines += [f"*Evidence / reason:* {r['reason']}", ""]
            if r.get("detail") and r["verdict"] in ("skipped", "failed", "not reproduced"):
                lines += [f"*Detail:* {_cell(r['detail'])}", ""]
            for note in r.get("notes", []):
                lines.append(f"> {note}")
            if r.get("notes"):
                lines.append("")
            for fig in r.get("figures", []):
                lines += [f"![{c['id']}]({fig})", ""]
    return "\n".join(lines)


def render_all(results: dict[str, Any], index: dict[str, Any]) -> dict[str, str]:
    pages = {"README.md": render_readme(results, index)}
    for prefix in index["papers"]:
        pages[f"{prefix}.md"] = render_paper(prefix, results, index)
    return pages


def render_benchmarks(rows: list[dict[str, Any]]) -> str:
    """``reports/benchmarks.md`` from the rows of ``reports/benchmarks.json``."""
    lines = [
        "# Benchmarks",
        "",
        "Each row was measured in one run, ours and the peer side by side (best of repeats).",
        "ratio = peer time / our time (> 1: we are faster). Errors are relative to a",
        "high-precision reference unless the row says otherwise.",
        "",
        "| what | ours (s) | peer | peer (s) | ratio | max rel. err (ours) | max rel. err (peer) | sizes | machine |",
        "|---|---:|---|---:|---:|---:|---:|---|---|",
    ]

    def num(v: Any) -> str:
        if v is None:
            return "—"
        if isinstance(v, float):
            return f"{v:.2e}" if v != 0 and (abs(v) < 1e-2 or abs(v) >= 1e4) else f"{v:.4g}"
        return str(v)

    for r in rows:
        sizes = ", ".join(f"{k}={v}" for k, v in r.get("sizes", {}).items())
        lines.append(
            f"| {_cell(r['what'])} | {num(r.get('ours_s'))} | {_cell(r.get('peer'))} | "
            f"{num(r.get('peer_s'))} | {num(r.get('ratio'))} | {num(r.get('max_rel_err'))} | "
            f"{num(r.get('peer_max_rel_err'))} | {_cell(sizes)} | {_cell(r.get('machine'))} |"
        )
    return "\n".join(lines) + "\n"
