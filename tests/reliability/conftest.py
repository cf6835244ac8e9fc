"""Helpers for the reliability tests: configs, the real ``narratrace`` command, corpora, store checks."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]

#: the hashing encoder keeps plumbing tests fast (never used where grouping is tested)
HASHING = '[encoder]\nbackend = "hashing"\n'

TOPICS = [
    ("harbour", "dock workers", "the northern port", "grain ships"),
    ("railway", "train drivers", "the capital", "commuter lines"),
    ("hospital", "nurses", "the coastal province", "emergency wards"),
    ("school", "teachers", "the mountain districts", "exam halls"),
    ("airport", "air traffic controllers", "the southern city", "cargo flights"),
    ("mine", "miners", "the eastern valley", "copper shafts"),
]


def write_config(folder: Path, extra: str = "", name: str = "config.toml") -> Path:
    """A config file using the hashing encoder, plus ``extra`` TOML (other sections or [ingest] keys)."""
    path = folder / name
    text = HASHING
    if extra.startswith("[encoder]"):
        text = extra
    elif extra:
        text += extra
    path.write_text(text, "utf-8")
    return path


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("NARRATRACE_DB", None)
    env.pop("NARRATRACE_CONFIG", None)
    env["OMP_NUM_THREADS"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def cli_command(*args: str) -> list[str]:
    """The ``narratrace`` console script, run by this interpreter."""
    return [sys.executable, "-m", "narratrace.present.cli.app", *args]


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cli_command(*args), capture_output=True, text=True, env=cli_env(), timeout=timeout,
                          cwd=str(REPO))


def ingest_json(result: Any) -> dict[str, Any]:
    """The ``ingest --json`` summary printed on stdout."""
    out = result.stdout
    return json.loads(out[out.index("{"):])


def news_text(i: int, paragraphs: int = 3) -> str:
    """A small, distinct English news article (each paragraph unique to article ``i``)."""
    place, who, where, what = TOPICS[i % len(TOPICS)]
    lines = [f"Strike number {i} closes the {place} in {where}"]
    for k in range(paragraphs):
        lines.append(f"On day {k + 1} of dispute {i}, {who} in {where} said the {what} would stay shut "
                     f"until talks resume; officials counted {i * 37 + k * 11} workers at the gates "
                     f"and {i * 5 + k} union leaders signed report {i}-{k}.")
    return "\n\n".join(lines)


def write_corpus(folder: Path, n: int, start: int = 0) -> list[str]:
    """``n`` one-article text files; returns their ids (file stems)."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = []
    for i in range(start, start + n):
        aid = f"art{i:03d}"
        (folder / f"{aid}.txt").write_text(news_text(i), "utf-8")
        ids.append(aid)
    return ids


def integrity(db: Path) -> str:
    con = sqlite3.connect(str(db))
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def check_store(db: Path, config: Path, sources: dict[str, Path] | None = None) -> dict[str, Any]:
    """Every invariant a crash must not break; returns counts. Opens the store like a user would.

    * the database passes ``PRAGMA integrity_check`` and its foreign keys hold;
    * no article is half-stored: each has passages 0..n-1, every matchable passage has a vector,
      and (given ``sources``) exactly the passages the pipeline makes of its file;
    * nothing is duplicated (ids, content hashes);
    * the ANN index agrees with the database (size == live vectors + tombstones) and finds each
      passage vector's own passage.
    """
    from narratrace import Narratrace
    from narratrace.ingest import read_file
    from narratrace.model import RawArticle
    from narratrace.settings import Settings

    assert integrity(db) == "ok"
    con = sqlite3.connect(str(db))
    try:
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        # the lexical index is written in the articles' transaction: every text passage, and only those
        con.execute("INSERT INTO passage_terms_fts(passage_terms_fts) VALUES('integrity-check')")
        assert con.execute("SELECT count(*) FROM passages WHERE kind IN ('title', 'body') AND reason IS NULL AND "
                           "rowid NOT IN (SELECT rowid FROM passage_terms)").fetchone()[0] == 0
        assert con.execute("SELECT id FROM articles GROUP BY id HAVING count(*) > 1").fetchall() == []
        dup = "SELECT content_hash FROM articles GROUP BY content_hash HAVING count(*) > 1"
        assert con.execute(dup).fetchall() == []
        assert con.execute("SELECT count(*) FROM articles WHERE story_id IS NULL OR story_id NOT IN "
                           "(SELECT id FROM stories)").fetchone()[0] == 0
        dangling = con.execute("SELECT count(*) FROM links WHERE source NOT IN (SELECT id FROM articles) OR "
                               "(target NOT LIKE '{%' AND target NOT IN (SELECT id FROM articles))").fetchone()[0]
        assert dangling == 0
        rows = con.execute("SELECT a.id, p.idx, p.kind, p.vector IS NOT NULL FROM articles a "
                           "LEFT JOIN passages p ON p.article_rowid = a.rowid ORDER BY a.rowid, p.idx").fetchall()
    finally:
        con.close()
    by_article: dict[str, list[tuple[int, str, bool]]] = {}
    for aid, idx, kind, has_vec in rows:
        by_article.setdefault(aid, [])
        if idx is not None:
            by_article[aid].append((idx, kind, bool(has_vec)))
    settings = Settings.load(config)
    with Narratrace(db=db, settings=settings) as nt:
        for aid, ps in by_article.items():
            assert ps, f"{aid} has no passages"
            assert [i for i, _, _ in ps] == list(range(len(ps))), f"{aid}: passages {ps}"
            matchable = [v for _, kind, v in ps if kind in ("title", "body")]
            limit = settings.text.max_passages
            assert all(matchable[:limit]) and sum(matchable) == min(len(matchable), limit), f"{aid}: vectors {ps}"
            if sources and aid in sources:
                (raw,) = [r for r in read_file(sources[aid]) if isinstance(r, RawArticle)]
                expected = nt.pipeline.analyse.text.transform(raw)
                assert [(p.index, p.kind) for p in expected.passages] == [(i, k) for i, k, _ in ps], aid
        live = nt.store.count_passages(with_vectors=True)
        tombstones = int(nt.store.get_meta("ann_tombstones") or 0)
        result = {"articles": len(by_article), "vectors": live, "tombstones": tombstones}
        if live:
            index = nt.store.index()
            assert index.size == live + tombstones, (index.size, live, tombstones)
            con = nt.store.db
            pairs = con.execute("SELECT rowid, vector FROM passages WHERE vector IS NOT NULL").fetchall()
            ids = np.array([r for r, _ in pairs])
            vecs = np.stack([np.frombuffer(v, dtype=nt.store.vector_dtype) for _, v in pairs]).astype(np.float32)
            _, found = index.search(vecs, 5)
            missing = [int(r) for r, hits in zip(ids, found) if r not in hits]
            assert not missing, f"the ANN index does not find passages {missing[:10]}"
            result["index"] = index.size
    return result


@pytest.fixture
def corpus(tmp_path: Path):
    """corpus(n) -> (folder, ids): ``n`` small distinct articles as .txt files."""

    def make(n: int, name: str = "in") -> tuple[Path, list[str]]:
        folder = tmp_path / name
        return folder, write_corpus(folder, n)

    return make
