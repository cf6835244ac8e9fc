"""Issue 16, files and settings (M2, L1, L2, L4, L7, L12) through the real command.

Unexpected file types are a class: whatever is named on the command line is read or reported (exit 2,
the rest stored), never skipped in silence nor waited on; unchecked settings are a class: every value
is checked where the file is read (exit 3, nothing written), never met as a traceback deep in a run.
"""
from __future__ import annotations

import gzip
import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from narratrace import Narratrace
from narratrace.errors import ConfigError
from narratrace.present.cli.app import app
from narratrace.settings import POSITIVE, UNIT_INTERVAL, Settings

from .conftest import news_text, run_cli, write_config

runner = CliRunner()


def _invoke(*args: str):
    return runner.invoke(app, list(args), env={"NARRATRACE_DB": "", "NARRATRACE_CONFIG": ""})


def test_attack_csv_with_a_repeated_header_keeps_every_column(tmp_path, new_db):
    """M2: ``id,title,text,title``: the second title is kept (as title_2) and the repeat named."""
    config = write_config(tmp_path)
    data = tmp_path / "dup.csv"
    data.write_text('id,title,text,title,meta,meta\nx1,First title,"The minister said the bridge opens in March.",'
                    'Second title,m1,m2\n', "utf-8")
    db = new_db("dup")
    res = _invoke("ingest", str(data), "--db", db, "--config", str(config), "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["ingested"] == 1 and out["warnings"] == 2
    assert any("column 4 repeats the name 'title'" in w for w in out["warning_messages"])
    with Narratrace(db=db, settings=Settings.load(config)) as nt:
        art = nt.article("x1")
    assert art.title == "First title" and art.meta["title_2"] == "Second title"
    assert art.meta["meta"] == "m1" and art.meta["meta_2"] == "m2"


@pytest.mark.sqlite_only("FIFOs on the local file system")
def test_attack_fifo_named_on_the_command_line_is_reported_not_waited_on(tmp_path):
    """L1: ``mkfifo p.txt; narratrace ingest p.txt good.txt`` hung forever; now p.txt is refused at once."""
    config = write_config(tmp_path)
    fifo = tmp_path / "p.txt"
    os.mkfifo(fifo)
    good = tmp_path / "good.txt"
    good.write_text(news_text(1), "utf-8")
    res = run_cli("ingest", str(fifo), str(good), "--db", str(tmp_path / "f.db"), "--config", str(config),
                  "--json", timeout=60)
    assert res.returncode == 2, res.stderr
    assert f"{fifo}: not a regular file (a named pipe (FIFO))" in res.stderr
    assert json.loads(res.stdout)["ingested"] == 1


@pytest.mark.parametrize("name, hint", [("dump.jsonl.gz", "gunzip dump.jsonl.gz"), ("notes.md", "readable:"),
                                        ("README", "readable:")])
def test_attack_unsupported_file_named_explicitly_is_an_error_not_a_silent_skip(tmp_path, new_db, name, hint):
    """L2: it printed ``skipped_files: 1 · errors: 0`` and exit 0. In a folder walk such files are still skipped."""
    config = write_config(tmp_path)
    path = tmp_path / name
    path.write_bytes(gzip.compress(b'{"id": "a", "text": "x"}\n') if name.endswith(".gz") else b"some text")
    good = tmp_path / "good.txt"
    good.write_text(news_text(2), "utf-8")
    res = _invoke("ingest", str(path), str(good), "--db", new_db("l2"), "--config", str(config), "--json")
    assert res.exit_code == 2, res.output
    out = json.loads(res.stdout)
    (message,) = out["error_messages"]
    assert message.startswith(f"[E100] {path}: unknown file type") and hint in message
    assert out["ingested"] == 1 and out["skipped_files"] == 0
    walked = _invoke("ingest", str(tmp_path), "--db", new_db("walk"), "--config", str(config), "--json")
    assert walked.exit_code == 0 and json.loads(walked.stdout)["skipped_files"] >= 1, walked.output
    assert str(path) in json.loads(walked.stdout)["skipped_file_names"]
    shown = _invoke("ingest", str(tmp_path), "--db", new_db("walk2"), "--config", str(config))
    assert f"skipped {path}" in " ".join(shown.output.split()), shown.output  # the summary names the file


def test_attack_unreadable_file_named_explicitly_costs_that_file_only(tmp_path, new_db, monkeypatch):
    """L12: click's ``readable`` check answered exit 2 *before reading anything*; now the reader says why
    and every other path is read. (Root reads every file, so the permission is taken away by os.access and
    by the read itself, as for a user without read rights.)"""
    config = write_config(tmp_path)
    locked = tmp_path / "locked.txt"
    locked.write_text(news_text(3), "utf-8")
    good = tmp_path / "good.txt"
    good.write_text(news_text(4), "utf-8")
    real_access, real_read = os.access, type(locked).read_bytes

    def access(path, mode, *args, **kwargs):
        return False if os.fspath(path) == str(locked) else real_access(path, mode, *args, **kwargs)

    def read_bytes(self):
        if str(self) == str(locked):
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    monkeypatch.setattr(os, "access", access)
    monkeypatch.setattr(type(locked), "read_bytes", read_bytes)
    res = _invoke("ingest", str(locked), str(good), "--db", new_db("l12"), "--config", str(config), "--json")
    assert res.exit_code == 2, res.output
    out = json.loads(res.stdout)
    assert out["error_messages"] == [f"[E100] {locked}: cannot read the file: Permission denied"]
    assert out["ingested"] == 1


@pytest.mark.sqlite_only("runs the installed command")
def test_attack_compare_reads_files_as_ingest_does_and_names_a_missing_one(tmp_path):
    """L7: Windows-1252 / -1256 files were refused by compare (strict UTF-8) although ingest reads them; a
    missing path was looked up as a stored id and reported as "no narratrace database"."""
    config = write_config(tmp_path)
    french = "Le ministre a déclaré que le café coûte désormais 3 € à Zürich, selon les habitants de la ville."
    arabic = "قال وزير الخارجية إن المحادثات ستستأنف الأسبوع المقبل في العاصمة بعد توقف دام شهرين."
    a, b = tmp_path / "fr.txt", tmp_path / "ar.txt"
    a.write_bytes(french.encode("cp1252"))
    b.write_bytes(arabic.encode("cp1256"))
    res = run_cli("compare", str(a), str(b), "--config", str(config), "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["relation"]
    missing = tmp_path / "nope.txt"
    res = run_cli("compare", str(a), str(missing), "--config", str(config))
    assert res.returncode == 2 and f"{missing}: no such file" in res.stderr, res.stderr
    res = run_cli("compare", str(missing), str(tmp_path / "other.txt"), "--config", str(config),
                  "--db", str(tmp_path / "none.db"))
    assert res.returncode == 2 and "no such file, and no database" in res.stderr, res.stderr


# ----------------------------------------------------------------------------------------------- settings
BAD_SETTINGS = [
    ("stories", "ann_k", 0), ("stories", "ann_k", -5), ("stories", "max_candidates", 0),
    ("stories", "trace_members", -1), ("encoder", "threads", -3), ("store", "ann_nprobe", 0),
    ("stories", "join_threshold", float("nan")), ("stories", "join_threshold", float("inf")),
    ("stories", "join_threshold", 1.5), ("narratives", "join_threshold", -0.1),
    ("store", "vector_dtype", "foo"), ("store", "vector_dtype", "int8"), ("store", "synchronous", "always"),
    ("collect", "allowed_hosts", "127.0.0.1"), ("web", "search_slots", 0),
]


def _toml(value: object) -> str:
    if isinstance(value, float) and value != value:
        return "nan"
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    return json.dumps(value)


@pytest.mark.parametrize("section, key, value", BAD_SETTINGS)
def test_attack_bad_setting_is_refused_with_its_name_before_anything_runs(tmp_path, section, key, value):
    """L4: each of these was accepted (nan silently disabled grouping) or crashed with a traceback."""
    path = tmp_path / "bad.toml"
    path.write_text(f"[{section}]\n{key} = {_toml(value)}\n", "utf-8")
    with pytest.raises(ConfigError, match=rf"\[{section}\] {key} = "):
        Settings.load(path)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(sorted(POSITIVE | UNIT_INTERVAL)),
       st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**6, 10**6)))
def test_attack_any_number_for_a_bounded_setting_is_checked(tmp_path, where, value):
    """The class: every bounded key refuses out-of-range, NaN and infinite values, and keeps the valid ones."""
    section, key = where
    default = getattr(Settings(), section).__dict__[key]
    if isinstance(default, int) and not isinstance(default, bool) and isinstance(value, float):
        value = int(value) if value == value and abs(value) != float("inf") else value
    try:
        loaded = Settings().merged({section: {key: value}}, origin="t")
    except ConfigError as exc:
        assert f"[{section}] {key}" in exc.message
        return
    got = getattr(getattr(loaded, section), key)
    assert got == got and abs(got) != float("inf")
    assert got >= 1 if (section, key) in POSITIVE else 0 <= got <= 1


@pytest.mark.parametrize("kind", ["not UTF-8", "a folder"])
def test_attack_config_that_cannot_be_read_is_e200_exit_3(tmp_path, kind):
    """L4: a Latin-1 config gave a UnicodeDecodeError traceback, a folder an IsADirectoryError."""
    if kind == "a folder":
        path = tmp_path / "conf.d"
        path.mkdir()
    else:
        path = tmp_path / "latin.toml"
        path.write_bytes('[ingest]\n# réglages\nbatch_size = 8\n'.encode("latin-1"))
    res = run_cli("stories", "--db", str(tmp_path / "x.db"), "--config", str(path))
    assert res.returncode == 3 and "[E200]" in res.stderr and "Traceback" not in res.stderr, res.stderr
    assert ("is a folder" if kind == "a folder" else "not UTF-8") in res.stderr


def test_attack_settings_checks_do_not_refuse_the_defaults():
    """Every packaged default passes its own checks (a bound that refused one would stop every run)."""
    defaults = Settings()
    for section in ("store", "encoder", "ingest", "text", "stories", "narratives", "factchecks", "collect", "web"):
        values = dict(getattr(defaults, section).__dict__)
        assert Settings().merged({section: values}, origin="defaults") == defaults
