"""``POST /api/ingest`` encodes outside the project's lock (``WebService.ingest_upload``): reads and writes of
other requests are answered while an upload's batch is in the encoder, and what is stored equals the same
uploads made one after the other (two uploads of one file store it once)."""
from __future__ import annotations

import json
import threading
import time
from typing import Any

import numpy as np
import pytest
from starlette.testclient import TestClient

from narratrace import Narratrace
from narratrace.embed.hashing import HashingEncoder
from narratrace.present.web.app import create_app
from narratrace.settings import Settings

TOKEN = "concurrency-token-for-the-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/x-ndjson"}
GATE_SECONDS = 10.0
FIRST = [("c1", "Engineers closed the old bridge over the river on Monday after finding cracks in two pillars."),
         ("c2", "The old bridge over the river was closed on Monday: engineers found cracks in two of its pillars."),
         ("c3", "The city council approved a new budget for public libraries and school repairs on Tuesday.")]
SECOND = [("c4", "Engineers said repairs to the cracked pillars of the old river bridge will take three weeks."),
          ("c5", "Heavy rain flooded several streets in the harbour district overnight, the fire service said.")]


def jsonl(records: list[tuple[str, str]]) -> bytes:
    return "".join(json.dumps({"id": i, "text": t, "lang": "en", "outlet": "Wire"}) + "\n"
                   for i, t in records).encode()


class GatedEncoder(HashingEncoder):
    """The hashing encoder, but encoding passages waits at a gate the test opens: a slow encoder whose
    slowness the test controls. Queries are not held."""

    def __init__(self) -> None:
        super().__init__()
        self.cond = threading.Condition()
        self.inside = 0
        self.open = threading.Event()
        self.open.set()
        self.timed_out = False

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        if not is_query:
            with self.cond:
                self.inside += 1
                self.cond.notify_all()
            if not self.open.wait(GATE_SECONDS):
                self.timed_out = True
            with self.cond:
                self.inside -= 1
        return super()._encode(texts, is_query)

    def wait_inside(self, callers: int) -> None:
        with self.cond:
            assert self.cond.wait_for(lambda: self.inside >= callers, timeout=GATE_SECONDS), \
                f"{callers} uploads never reached the encoder"


def project(tmp_path: Any, name: str, encoder: HashingEncoder, slots: int = 1) -> Narratrace:
    return Narratrace(db=tmp_path / f"{name}.db", encoder=encoder,
                      settings=Settings.load(None, web={"search_slots": slots}))


def upload(client: TestClient, data: bytes, name: str = "wire.jsonl") -> dict[str, Any]:
    r = client.post(f"/api/ingest?name={name}", content=data, headers=AUTH)
    assert r.status_code == 200, r.text
    return dict(r.json())


def in_thread(client: TestClient, data: bytes, name: str, into: list[dict[str, Any]]) -> threading.Thread:
    thread = threading.Thread(target=lambda: into.append(upload(client, data, name)), daemon=True)
    thread.start()
    return thread


def stored(nt: Narratrace) -> dict[str, Any]:
    """Everything ingest decides: stories, links, and each article's passages and vectors."""
    ids = sorted(a.id for a in nt.articles())
    vectors = {i: nt.store.passage_vectors(i) for i in ids}
    return {"stories": sorted((s.id, sorted(s.article_ids)) for s in nt.stories()),
            "links": sorted((lk.source, str(lk.target), lk.kind, round(lk.score, 5)) for lk in nt.links()),
            "articles": {i: (nt.article(i).origin, vectors[i].indices, vectors[i].texts,
                             np.round(vectors[i].vectors, 5).tolist()) for i in ids}}


@pytest.fixture
def serial(tmp_path):
    """Both uploads made one after the other with the plain hashing encoder."""
    with project(tmp_path, "serial", HashingEncoder()) as nt, \
            TestClient(create_app(project=nt, write_token=TOKEN), base_url="http://127.0.0.1") as client:
        upload(client, jsonl(FIRST))
        upload(client, jsonl(SECOND), "more.jsonl")
        yield stored(nt)


def test_reads_and_writes_are_answered_while_an_upload_encodes(tmp_path, serial):
    encoder = GatedEncoder()
    with project(tmp_path, "shared", encoder) as nt, \
            TestClient(create_app(project=nt, write_token=TOKEN), base_url="http://127.0.0.1") as client:
        upload(client, jsonl(FIRST))
        story = client.get("/api/stories").json()["stories"][0]["id"]
        encoder.open.clear()
        results: list[dict[str, Any]] = []
        thread = in_thread(client, jsonl(SECOND), "more.jsonl", results)
        encoder.wait_inside(1)
        started = time.monotonic()
        read = client.get(f"/api/stories/{story}")
        tag = client.post("/api/annotations", json={"target_id": story, "tag": "checked"},
                          headers={"Authorization": AUTH["Authorization"]})
        answered_in = time.monotonic() - started
        still_encoding = encoder.inside == 1 and not encoder.timed_out
        encoder.open.set()
        thread.join(GATE_SECONDS)
        assert read.status_code == 200 and tag.status_code == 200, (read.text, tag.text)
        assert still_encoding and answered_in < GATE_SECONDS / 2, answered_in  # not queued behind the encoder
        assert results and results[0]["ingested"] == ["c4", "c5"] and not results[0]["errors"], results
        assert stored(nt) == serial
        assert [(a["kind"], a["value"]) for a in nt.annotations.of("story", story)] == [("tag", "checked")]


def test_two_uploads_of_one_file_encode_at_once_and_store_it_once(tmp_path):
    encoder = GatedEncoder()
    with project(tmp_path, "twice", encoder, slots=2) as nt, \
            TestClient(create_app(project=nt, write_token=TOKEN), base_url="http://127.0.0.1") as client:
        encoder.open.clear()
        results: list[dict[str, Any]] = []
        threads = [in_thread(client, jsonl(FIRST), "wire.jsonl", results) for _ in range(2)]
        encoder.wait_inside(2)  # both in the encoder: neither holds the store while encoding
        encoder.open.set()
        for t in threads:
            t.join(GATE_SECONDS)
        assert not encoder.timed_out and len(results) == 2
        ids = [i for i, _ in FIRST]
        assert sorted((r["ingested"], r["unchanged"]) for r in results) == [([], ids), (ids, [])], results
        twice = stored(nt)
    with project(tmp_path, "once", HashingEncoder()) as nt, \
            TestClient(create_app(project=nt, write_token=TOKEN), base_url="http://127.0.0.1") as client:
        upload(client, jsonl(FIRST))
        assert twice == stored(nt)
