"""The dev corpora of the evaluation harness (eval/run_all.py): records as the pipeline reads them, and truth.

Each corpus is what ``../shared/eval/README.md`` describes; the records come through the real readers
(``narratrace.ingest.iter_records``) wherever the data is a file the CLI could ingest, so the harness
measures what ``narratrace ingest`` would do:

- ``seeds``: the five bundled samples; 000, 001, 002 are one story, 003 and 004 each stand alone.
- ``semeval-test``: every article of the *test* half of SemEval-2022 Task 8 (``split_of``; the fit half
  tuned the model). Gold stories are the connected components of Overall <= 1.5 pairs, an article and the
  redistributor's machine translation of it (``1498601317`` / ``1498601317zh``) counting as one; BCubed is
  taken over the articles of the clear pairs (Overall <= 1.5 or >= 3.5), as ``evaluate_stories.py`` does,
  while every article of the half is ingested (the pairs in between are scored for Pearson).
- ``ntrex-dev``: 671 translations of 61 English docs plus the 19 partial translations; gold is the
  event label of ``truth.json`` (BCubed over the 671), ``docs`` and ``partials`` give the translation truth.
- ``ecbplus-dev``: 471 English articles; gold is the event label (two events of one kind per topic).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from common import EVAL, semeval_rows, split_of

from narratrace.errors import InputError
from narratrace.ingest import iter_records
from narratrace.model import RawArticle
from narratrace.paths import PACKAGE_DIR

SAMPLES = PACKAGE_DIR / "data" / "samples"
NTREX = EVAL / "ntrex-dev"
ECBPLUS = EVAL / "ecbplus-dev"
#: every corpus the harness knows, in the order of its table
CORPORA = ("seeds", "semeval-test", "ntrex-dev", "ecbplus-dev")
#: corpora scored but never fitted on: the seeds are 5 articles, a check of the expected stories; weighed
#: like a corpus of hundreds they would pick every threshold
CHECK_ONLY = frozenset({"seeds"})
#: the seeds' stories by file-name prefix (narratrace/data/samples/README.md)
SEED_STORIES = {"000": "A", "001": "A", "002": "A", "003": "B", "004": "C"}


@dataclass
class Corpus:
    """Records to ingest in this order, and the truth they are scored against."""

    name: str
    records: list[RawArticle]
    #: evaluated article id -> gold story (BCubed is taken over these ids only)
    gold: dict[str, str]
    #: ntrex: record id -> the doc it translates (every record of one doc is a translation of the others)
    docs: dict[str, str] = field(default_factory=dict)
    #: ntrex: partial translation id -> the doc most of its sentences come from
    partials: dict[str, str] = field(default_factory=dict)
    #: semeval: (article a, article b, human Overall 1..4) for every pair of the half
    pairs: list[tuple[str, str, float]] = field(default_factory=list)

    @property
    def n_gold_stories(self) -> int:
        return len(set(self.gold.values()))


def _read(paths: list[Path]) -> list[RawArticle]:
    """Records through the real readers; a corpus file that cannot be read is an error here, not a gap."""
    out: list[RawArticle] = []
    for rec in iter_records(paths):
        if isinstance(rec, InputError):
            raise rec
        out.append(rec)
    return out


def _need(path: Path) -> Path:
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: the dev corpora live in ../shared/eval "
                                "(or set NARRATRACE_SHARED to the folder that holds eval/)")
    return path


def seeds() -> Corpus:
    records = _read([SAMPLES])
    gold = {r.id: SEED_STORIES[r.id[:3]] for r in records if r.id}
    return Corpus("seeds", records, gold)


def semeval_test(limit: int | None = None, half: str = "test") -> Corpus:
    """The test half; ``limit``: only the first ``limit`` articles in file order (and the pairs among them).
    ``half="fit"``: the same of the fit half (what eval/fit_story_model.py fits on, never scored here)."""
    _need(EVAL / "semeval2022-task8")
    rows = [r for r in semeval_rows() if split_of(r["pair_id"]) == half]
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    records: list[RawArticle] = []
    seen: set[str] = set()
    pairs: list[tuple[str, str, float]] = []
    clear: set[str] = set()
    for r in rows:
        ids = r["pair_id"].split("_")
        for aid, key, lang in ((ids[0], "text1", r["lang1"]), (ids[-1], "text2", r["lang2"])):
            find(aid)
            if aid not in seen:  # an article in several pairs is one record (its first text)
                seen.add(aid)
                records.append(RawArticle(text=r[key], id=aid, lang=lang, origin=f"semeval:{r['pair_id']}"))
        overall = float(r["Overall"])
        pairs.append((ids[0], ids[-1], overall))
        if overall <= 1.5 or overall >= 3.5:
            clear.update((ids[0], ids[-1]))
        if overall <= 1.5:
            parent[find(ids[0])] = find(ids[-1])
    for rec in records:  # "1498601317zh" is the redistributor's machine translation of 1498601317
        aid = rec.id or ""
        base = aid.rstrip("abcdefghijklmnopqrstuvwxyz")
        if base != aid and base:
            parent[find(aid)] = find(base)
    if limit is not None:
        records = records[:limit]
    kept = {rec.id for rec in records}
    gold = {aid: find(aid) for aid in kept if aid in clear}
    pairs = [(a, b, o) for a, b, o in pairs if a in kept and b in kept and a != b]
    return Corpus(f"semeval-{half}", records, gold, pairs=pairs)


def ntrex_dev() -> Corpus:
    truth = json.loads(_need(NTREX / "truth.json").read_text("utf-8"))
    partial_truth = json.loads((NTREX / "partial_truth.json").read_text("utf-8"))
    records = _read([NTREX / "articles.jsonl", NTREX / "partial.jsonl"])
    gold = {aid: t["event"] for aid, t in truth.items()}
    docs = {aid: t["doc"] for aid, t in truth.items()}
    partials = {aid: t["derived_from_doc"] for aid, t in partial_truth.items()}
    return Corpus("ntrex-dev", records, gold, docs=docs, partials=partials)


def ecbplus_dev() -> Corpus:
    truth = json.loads(_need(ECBPLUS / "truth.json").read_text("utf-8"))
    records = _read([ECBPLUS / "articles.jsonl"])
    return Corpus("ecbplus-dev", records, {aid: t["event"] for aid, t in truth.items()})


def semeval_fit() -> Corpus:
    """The fit half, built as the test half is (a training corpus of eval/fit_story_model.py)."""
    return semeval_test(half="fit")


def load(name: str) -> Corpus:
    loaders = {"seeds": seeds, "semeval-test": semeval_test, "ntrex-dev": ntrex_dev, "ecbplus-dev": ecbplus_dev,
               "semeval-fit": semeval_fit}
    if name not in loaders:
        raise SystemExit(f"unknown corpus {name!r}: choose from {', '.join(CORPORA)}")
    return loaders[name]()
