"""The project's own index of every claim of the five documents (``claims.json``)."""

from __future__ import annotations

import functools
import json
import pathlib

INDEX_PATH = pathlib.Path(__file__).resolve().parent / "claims.json"


@functools.lru_cache(maxsize=1)
def load_index() -> dict:
    """``{"papers": {prefix: title}, "claims": [{id, source, statement, kind}, ...]}``."""
    return json.loads(INDEX_PATH.read_text(encoding="utf-8"))


def claim_ids() -> frozenset[str]:
    return frozenset(c["id"] for c in load_index()["claims"])
