"""Does a change to the ingest pipeline keep its results? Stories and links on a fixed corpus, before vs after.

The corpus: the five bundled seeds plus 150 SemEval-2022 Task 8 articles (the first 75 pairs with
original ids, in file order, each text cut to 3,000 characters). It is ingested with the packaged
defaults through the real CLI, in 3 files (so batches, file order and cross-file ids are exercised),
then ``stories --json`` and ``links --json`` are compared with the snapshot in
``eval/snapshots/pipeline-seeds-semeval150.json``.

    python eval/pipeline_unchanged.py            # compare; exit 1 and print the differences if any
    python eval/pipeline_unchanged.py --write    # record the snapshot (do this on the code before a change)

Scores are stored rounded to 3 decimals and compared within 0.002 (float16 storage, BLAS order and the
encoder's SIMD path move the 4th); everything else must be equal.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NARRATRACE_SHARED", REPO.parent / "shared"))
SNAPSHOT = REPO / "eval" / "snapshots" / "pipeline-seeds-semeval150.json"
CLI = [sys.executable, "-m", "narratrace.present.cli.app"]


def corpus() -> list[list[dict[str, Any]]]:
    """Three files' records: seeds + 50 SemEval, 50 SemEval, 50 SemEval."""
    seeds = [{"id": f.stem, "text": f.read_text("utf-8")}
             for f in sorted((REPO / "narratrace" / "data" / "samples").glob("*.txt"))]
    csv.field_size_limit(1 << 30)
    with (SHARED / "eval" / "semeval2022-task8" / "pairs.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    sem: list[dict[str, Any]] = []
    seen: set[str] = set()
    for r in rows:
        if not re.fullmatch(r"\d+_\d+", r["pair_id"]) or not r["text1"].strip() or not r["text2"].strip():
            continue
        for aid, text in zip(r["pair_id"].split("_"), (r["text1"], r["text2"])):
            if aid not in seen:
                seen.add(aid)
                sem.append({"id": f"semeval-{aid}", "text": text[:3000]})
        if len(sem) >= 150:
            break
    sem = sem[:150]
    return [seeds + sem[:50], sem[50:100], sem[100:150]]


def run(cmd: list[str], env: dict[str, str]) -> str:
    out = subprocess.run(CLI + cmd, env=env, capture_output=True, text=True)
    if out.returncode not in (0, 2):
        sys.exit(f"narratrace {' '.join(cmd)} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return out.stdout


def _round(x: Any) -> Any:
    if isinstance(x, float):
        return round(x, 3)
    if isinstance(x, dict):
        return {k: _round(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_round(v) for v in x]
    return x


def results(batch_size: int | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for k, recs in enumerate(corpus()):
            p = Path(tmp) / f"part{k}.jsonl"
            p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), "utf-8")
            files.append(str(p))
        db = str(Path(tmp) / "unchanged.db")
        env = {**os.environ, "NARRATRACE_DB": db, "PYTHONHASHSEED": "0"}
        env.pop("NARRATRACE_CONFIG", None)
        if batch_size:
            cfg = Path(tmp) / "batch.toml"
            cfg.write_text(f"[ingest]\nbatch_size = {batch_size}\n", "utf-8")
            env["NARRATRACE_CONFIG"] = str(cfg)
        run(["ingest", *files], env)
        stories = json.loads(run(["stories", "--json"], env))
        links = json.loads(run(["links", "--json"], env))
    stories = sorted(stories, key=lambda s: s["id"])
    links = sorted((_round(lk) for lk in links), key=lambda lk: (lk["source"], json.dumps(lk["target"]), lk["kind"]))
    return {"stories": stories, "links": links}


def same(a: Any, b: Any, tol: float = 0.002) -> bool:
    """Equal, numbers within ``tol``."""
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) <= tol
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], tol) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y, tol) for x, y in zip(a, b))
    return bool(a == b)


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    out = []
    bs = {s["id"]: s for s in before["stories"]}
    as_ = {s["id"]: s for s in after["stories"]}
    for sid in sorted(set(bs) | set(as_)):
        if bs.get(sid) != as_.get(sid):
            out.append(f"story {sid}: {bs.get(sid)} -> {as_.get(sid)}")

    def key(lk: dict[str, Any]) -> str:
        return f"{lk['source']} {lk['kind']} {json.dumps(lk['target'], ensure_ascii=False)}"

    bl = {key(lk): lk for lk in before["links"]}
    al = {key(lk): lk for lk in after["links"]}
    for k in sorted(set(bl) | set(al)):
        if not same(bl.get(k), al.get(k)):
            b, a = bl.get(k), al.get(k)
            if b and a:
                changed = sorted(f for f in set(b) | set(a) if not same(b.get(f), a.get(f)))
                out.append(f"link {k}: fields {changed} differ")
                for f in changed:
                    out.append(f"    {f}: {json.dumps(b.get(f), ensure_ascii=False)[:300]}")
                    out.append(f"     -> {json.dumps(a.get(f), ensure_ascii=False)[:300]}")
            else:
                out.append(f"link {k}: {'added' if a else 'removed'}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write", action="store_true", help="record the snapshot instead of comparing")
    ap.add_argument("--batch-size", type=int, help="[ingest] batch_size for this run (default: defaults.toml's)")
    ap.add_argument("--snapshot", type=Path, default=SNAPSHOT, help="the snapshot file to write or compare with")
    args = ap.parse_args()
    got = results(args.batch_size)
    if args.write:
        args.snapshot.parent.mkdir(parents=True, exist_ok=True)
        args.snapshot.write_text(json.dumps(got, ensure_ascii=False, indent=1, sort_keys=True) + "\n", "utf-8")
        print(f"wrote {args.snapshot}: {len(got['stories'])} stories, {len(got['links'])} links")
        return
    want = json.loads(args.snapshot.read_text("utf-8"))
    problems = diff(want, got)
    print(f"{len(got['stories'])} stories, {len(got['links'])} links; snapshot: {len(want['stories'])} stories, "
          f"{len(want['links'])} links")
    if problems:
        print("DIFFERENT:\n" + "\n".join(problems))
        sys.exit(1)
    print("identical (stories exactly, links with scores to 3 decimals)")


if __name__ == "__main__":
    main()
