"""One reader, one encoder, one store and one exporter defined here, outside the package, registered as a
plugin's would be, keep their contracts and are used end to end: ``narratrace ingest`` reads the reader's
files, ``[encoder] backend`` selects the encoder, ``open_store`` (so ``--db``) opens the store, and
``narratrace export --format`` writes the exporter's format."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from narratrace import Narratrace, registry
from narratrace.embed import make_encoder
from narratrace.embed.base import Encoder
from narratrace.errors import InputError
from narratrace.ingest.decode import decode
from narratrace.model import RawArticle
from narratrace.present.cli.app import app
from narratrace.settings import Settings
from narratrace.store import SQLiteStore, open_store
from narratrace.testing import registered
from narratrace.testing.contracts import ReaderSample, encoder_checks, exporter_checks, reader_checks, store_checks

HASHING = '[encoder]\nbackend = "hashing"\n'


# ------------------------------------------------------------------ the plugins
def read_md(path: Path, data: bytes) -> Iterator[RawArticle | InputError]:
    """Markdown: the first "# " line is the title, the rest the text; one article per file."""
    try:
        text, _ = decode(data, path)
    except InputError as err:
        yield err
        return
    lines = text.strip().splitlines()
    if not lines or not lines[0].startswith("# "):
        yield InputError(str(path), "a Markdown article starts with a '# Title' line")
        return
    yield RawArticle(text="\n".join(lines[1:]).strip(), id=path.stem, title=lines[0][2:].strip(), origin=str(path))


class ByteEncoder(Encoder):
    """Byte-bigram feature hashing: deterministic, no model; queries get a prefix as E5's do."""

    name = "bytes"
    dim = 128

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            raw = (("q " if is_query else "p ") + text.casefold()).encode("utf-8")
            for a, b in zip(raw, raw[1:]):
                out[row, (a * 31 + b) % self.dim] += 1.0
        return out


class MyStore(SQLiteStore):
    """An SQLite store behind its own URL scheme: ``mystore:///path/to/file.db``."""

    def __init__(self, target: str, **params: Any) -> None:
        super().__init__(target.removeprefix("mystore://"), **params)


def export_dot(graph: Any) -> str:
    """Graphviz DOT: one line per node and per edge."""
    lines = ["digraph story {"]
    lines += [f'  "{n.id}" [label={json.dumps(n.label, ensure_ascii=False)}];' for n in graph.nodes.values()]
    lines += [f'  "{e.source}" -> "{e.target}" [label="{e.kind}"];' for e in graph.edges]
    return "\n".join(lines + ["}"]) + "\n"


@pytest.fixture
def plugins() -> Iterator[None]:
    with registered("readers", "md", read_md), registered("encoders", "bytes", ByteEncoder), \
            registered("stores", "mystore", MyStore), registered("exporters", "dot", export_dot):
        yield


# ------------------------------------------------------------- their contracts
@pytest.mark.parametrize("check", reader_checks())
def test_plugin_reader_keeps_the_reader_contract(check, tmp_path):
    sample = ReaderSample("note.md", b"# Gold prices\n\nGold rose on Monday.\n",
                          [{"id": "note", "title": "Gold prices", "text": "Gold rose on Monday."}],
                          bad=b"no title line\n")
    check(read_md, sample, tmp_path)


@pytest.mark.parametrize("check", encoder_checks(asymmetric=True))
def test_plugin_encoder_keeps_the_encoder_contract(check):
    check(ByteEncoder())


@pytest.mark.parametrize("check", store_checks())
def test_plugin_store_keeps_the_store_contract(check, plugins, tmp_path):
    check(lambda: open_store(f"mystore://{tmp_path / 'c.db'}"))


@pytest.mark.parametrize("check", exporter_checks())
def test_plugin_exporter_keeps_the_exporter_contract(check):
    check(export_dot)


# ------------------------------------------------------------------ end to end
def test_plugin_reader_used_by_narratrace_ingest(plugins, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "gold.md").write_text("# Gold prices\n\nGold rose sharply on Monday in Jakarta.\n", "utf-8")
    (tmp_path / "cfg.toml").write_text(HASHING, "utf-8")
    db = str(tmp_path / "md.db")
    res = CliRunner().invoke(app, ["ingest", str(tmp_path / "in"), "--db", db, "--config", str(tmp_path / "cfg.toml"),
                                   "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["ingested"] == 1
    with Narratrace(db=db, settings=Settings.load(tmp_path / "cfg.toml")) as nt:
        art = nt.article("gold")
    assert (art.title, art.origin) == ("Gold prices", str(tmp_path / "in" / "gold.md"))


def test_plugin_encoder_selected_by_encoder_backend(plugins, tmp_path):
    assert isinstance(make_encoder("bytes"), ByteEncoder)
    settings = Settings.load(encoder={"backend": "bytes"})
    with Narratrace(db=tmp_path / "b.db", settings=settings) as nt:
        assert isinstance(nt.encoder, ByteEncoder)
        nt.add([RawArticle(text="Gold rose sharply on Monday in Jakarta.", id="g1")])
        assert nt.store.get_meta("encoder") == ByteEncoder().vector_space
        assert nt.store.passage_vectors("g1").vectors.shape[1] == ByteEncoder.dim


def test_plugin_store_opened_by_open_store_and_narratrace(plugins, tmp_path):
    target = f"mystore://{tmp_path / 'my.db'}"
    store = open_store(target)
    assert type(store) is MyStore and store.path == str(tmp_path / "my.db")
    store.close()
    with Narratrace(db=target, settings=Settings.load(encoder={"backend": "hashing"})) as nt:
        assert type(nt.store) is MyStore
        nt.add([RawArticle(text="Gold rose sharply on Monday in Jakarta.", id="g1")])
    with Narratrace(db=target, settings=Settings.load(encoder={"backend": "hashing"})) as nt:
        assert nt.article("g1").text.startswith("Gold rose")


def test_plugin_exporter_used_by_narratrace_export(plugins, tmp_path, samples_dir):
    (tmp_path / "cfg.toml").write_text(HASHING, "utf-8")
    db = str(tmp_path / "e.db")
    with Narratrace(db=db, settings=Settings.load(tmp_path / "cfg.toml")) as nt:
        nt.ingest([samples_dir])
        art = nt.articles()[0]
    runner = CliRunner()
    res = runner.invoke(app, ["export", art.id, "--format", "dot", "--db", db, "--config", str(tmp_path / "cfg.toml")])
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("digraph story {") and f'"article:{art.id}"' in res.stdout
    bad = runner.invoke(app, ["export", art.id, "--format", "graphml", "--db", db])
    assert bad.exit_code == 2 and "dot" in bad.output  # the message lists the registered formats, plugins too


def test_plugins_leave_the_registries_as_they_were():
    """The fixture above unregistered them: other tests see the built-ins only."""
    assert {"md", "bytes", "mystore", "dot"}.isdisjoint(
        registry.readers.names() + registry.encoders.names() + registry.stores.names() + registry.exporters.names())
