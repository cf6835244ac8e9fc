"""Walking folders, dispatch by extension, size limits, registry, and errors that never raise."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narratrace import registry
from narratrace.errors import InputError
from narratrace.ingest import EXTENSIONS, iter_records, list_files, read_file
from narratrace.model import RawArticle


def test_list_files_order_hidden_and_unknown(write, tmp_path: Path) -> None:
    for name in ("b.txt", "a.jsonl", "z/y.csv", "z/x.TSV", "m/n.HTM", "notes.md", ".hidden.txt", ".git/x.txt",
                 "y.ndjson"):
        write(name, "text\n")
    files, skipped = list_files([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in files] == [
        "a.jsonl", "b.txt", "y.ndjson", "m/n.HTM", "z/x.TSV", "z/y.csv"]
    assert sorted(p.name for p in skipped) == [".git", ".hidden.txt", "notes.md"]


def test_list_files_named_files_missing_paths_and_duplicates(write, tmp_path: Path) -> None:
    a = write("a.txt", "x")
    hidden = write(".b.txt", "x")  # named explicitly: read
    files, skipped = list_files([a, str(tmp_path), hidden, tmp_path / "missing.txt", write("c.docx", "x")])
    assert files == [a, hidden, tmp_path / "missing.txt"]
    assert [p.name for p in skipped] == ["c.docx"]


def test_iter_records_missing_path_has_hint(tmp_path: Path, read_all) -> None:
    _, (error,) = read_all(tmp_path / "nope")
    assert "no such file or folder" in error.message and error.hint and error.path.endswith("nope")


def test_iter_records_on_file_and_mixed_formats(write, tmp_path: Path, read_all) -> None:
    write("1.txt", "plain")
    write("2.json", '[{"text": "j"}]')
    write("3.csv", "text\nc\n")
    write("4.jsonl", '{"text": "l"}\n')
    write("5.html", "<html><body><p>h</p></body></html>")
    write("6.txt", "")
    seen: list[str] = []
    articles, errors = read_all(tmp_path, on_file=lambda p: seen.append(p.name))
    assert seen == ["1.txt", "2.json", "3.csv", "4.jsonl", "5.html", "6.txt"]
    assert [a.text for a in articles] == ["plain", "j", "c", "l", "h"]
    assert [e.path for e in errors] == [str(tmp_path / "6.txt")]


def test_single_line_file_over_the_limit(write, read_all) -> None:
    path = write("huge.txt", "x" * 5000)
    articles, (error,) = read_all(path, max_file_bytes=4096)
    assert articles == []
    assert "file is 4.9 KiB (5000 bytes), over the limit of 4.0 KiB (4096 bytes)" in error.message
    assert "[ingest] max_file_bytes" in error.hint


def test_extensions_are_registered_readers() -> None:
    assert set(EXTENSIONS.values()) <= set(registry.readers.names())
    assert {"txt", "html", "jsonl", "json", "csv"} <= set(registry.readers.names())
    for name in set(EXTENSIONS.values()):
        assert callable(registry.readers.get(name))


def test_plugin_reader_by_extension_and_failures_do_not_stop_the_batch(write, tmp_path: Path, read_all) -> None:
    def read_xyz(path: Path, data: bytes):
        yield RawArticle(text=data.decode().upper(), id=path.stem, origin=str(path))

    def read_boom(path: Path, data: bytes):
        yield RawArticle(text="before", origin=str(path))
        raise RuntimeError("reader bug")

    registry.readers.register("xyz")(read_xyz)
    registry.readers.register("boom")(read_boom)
    try:
        write("a.boom", "x")
        write("b.xyz", "hello")
        articles, (error,) = read_all(tmp_path)
    finally:
        registry.readers._objects.pop("xyz")
        registry.readers._objects.pop("boom")
    assert [a.text for a in articles] == ["before", "HELLO"]
    assert "reader 'boom' failed: RuntimeError: reader bug" in error.message


def test_read_file_unknown_type_and_folder(write, tmp_path: Path) -> None:
    (e1,) = read_file(write("a.docx", "x"))
    assert "unknown file type '.docx'" in e1.message and ".jsonl" in e1.hint
    (e2,) = read_file(tmp_path)
    assert isinstance(e2, InputError)


def test_unreadable_file(write, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write("locked.txt", "secret")

    def deny(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", deny)
    (error,) = read_file(path)
    assert "cannot read the file: Permission denied" in error.message


def test_symlink_loop_terminates(tmp_path: Path, write) -> None:
    write("d/a.txt", "x")
    (tmp_path / "d" / "loop").symlink_to(tmp_path / "d")
    files, _ = list_files([tmp_path])
    assert [p.name for p in files] == ["a.txt"]


READERS = sorted({*EXTENSIONS.values()})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(
    st.binary(max_size=2048),
    st.text(max_size=512).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.sampled_from([b"\xff\xfe", b"\xef\xbb\xbf", b"\x00\x00\xfe\xff", b'{"text":', b"text\n\"", b"<html"]).flatmap(
        lambda prefix: st.binary(max_size=256).map(lambda tail: prefix + tail)),
))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    for name in READERS:
        reader = registry.readers.get(name)
        suffix = {"csv": ".csv", "html": ".html"}.get(name, f".{name}")
        for item in reader(Path(f"fuzz{suffix}"), data):
            assert isinstance(item, (RawArticle, InputError))
            if isinstance(item, RawArticle):
                assert isinstance(item.text, str) and item.text.strip()
                assert "\x00" not in item.text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=1024))
def test_arbitrary_files_never_raise(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    for ext in ("txt", "html", "jsonl", "json", "csv", "tsv"):
        (folder / f"f.{ext}").write_bytes(data)
    for item in iter_records([folder], max_file_bytes=512):
        assert isinstance(item, (RawArticle, InputError))
