"""Bring a reused bench/scale.py store up to what a bulk load by the current code writes, without loading it
again (a 1M load takes ~40 minutes).

Grouping clues gained number units (``"u"``, ``passage_clues``) after the stores of 2026-12-01 were loaded:
their candidates would be scored from their texts (``Side.units``), which a store written by the current code
never does. ``complete_clue_units`` adds the units to every stored passage's clues, once per store.
"""
from __future__ import annotations

import json
import sys
import time

from narratrace.group.similarity import _passage_units
from narratrace.store.sqlite import SQLiteStore

#: meta key set once a store's clues carry number units
UNITS_DONE = "bench_clue_units"


def complete_clue_units(store: SQLiteStore, chunk: int = 50_000) -> float:
    """Seconds spent adding ``"u"`` to the stored clues that lack it (0 when the store is marked done).

    One transaction per ``chunk`` passages (by rowid), so the WAL stays bounded and a stopped run resumes."""
    if store.get_meta(UNITS_DONE):
        return 0.0
    t0 = time.perf_counter()
    db = store.db
    top = db.execute("SELECT coalesce(max(rowid), 0) FROM passages").fetchone()[0]
    for lo in range(0, top, chunk):
        rows = db.execute("SELECT rowid, text, clues FROM passages WHERE rowid > ? AND rowid <= ? "
                          "AND clues IS NOT NULL", (lo, lo + chunk)).fetchall()
        updates = []
        for rowid, text, raw in rows:
            clue = json.loads(raw)
            if "u" not in clue:
                clue["u"] = [list(u) for u in sorted(_passage_units(text))]
                updates.append((json.dumps(clue), rowid))
        if updates:
            with store.transaction():
                db.executemany("UPDATE passages SET clues = ? WHERE rowid = ?", updates)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        print(f"[clue units] {min(top, lo + chunk):,}/{top:,} passages", file=sys.stderr, flush=True)
    with store.transaction():
        store._set_meta(UNITS_DONE, "1")
    return time.perf_counter() - t0
