"""Issue 16, input values (H1, H2, L3, L9): impossible dates and lone surrogates through the real command.

A value that cannot be trusted is repaired or dropped where it enters, named in a W100 warning
(file:line, field) and recorded in the article's ``meta["input_warnings"]``; nothing downstream crashes,
and a bad date already in a store (written by an older narratrace) is no poison pill for later ingests,
``compare`` or the web app. The classes themselves are tested with Hypothesis in tests/fuzz/test_boundary.py.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from narratrace import Narratrace
from narratrace.model import RawArticle
from narratrace.present.cli.app import app
from narratrace.settings import Settings

from .conftest import REPO, ingest_json, news_text, run_cli, write_config

runner = CliRunner()
SAMPLES = REPO / "narratrace" / "data" / "samples"
BAD_DATES = ["2021-02-30", "0000-00-00", "2099-13-45", "9999-12"]
PIPELINE = ("The regional council met on Tuesday to discuss the new water pipeline for the valley towns. "
            "Officials said construction would take two years and cost 40 million.")


def _jsonl(path: Path, records: list[dict[str, object] | str]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records)
                    + "\n", "utf-8")
    return path


def _invoke(*args: str):
    return runner.invoke(app, list(args), env={"NARRATRACE_DB": "", "NARRATRACE_CONFIG": ""})


@pytest.mark.slow
@pytest.mark.sqlite_only("runs the installed command on a file database")
def test_attack_seeds_with_impossible_dates_and_a_lone_surrogate_in_one_file(tmp_path):
    """The issue's demonstration: seeds + 2021-02-30, 0000-00-00, 2099-13-45, 9999-12 + a lone \\ud83d."""
    records: list[dict[str, object] | str] = [{"id": p.stem, "text": p.read_text("utf-8")}
                                              for p in sorted(SAMPLES.glob("*.txt"))]
    records += [{"id": f"date{i}", "text": f"{PIPELINE} Report {i}.", "published": d} for i, d in enumerate(BAD_DATES)]
    records.append('{"id": "cut-emoji", "text": "A post about the council \\ud83d and its water pipeline plan."}')
    data = _jsonl(tmp_path / "mix.jsonl", records)
    db = str(tmp_path / "mix.db")
    first = run_cli("ingest", str(data), "--db", db, "--json", timeout=600)
    assert first.returncode == 0 and "Traceback" not in first.stderr, first.stderr
    out = ingest_json(first)
    assert out["ingested"] == 10 and out["errors"] == 0 and out["warnings"] == 5
    for line, value in zip(range(6, 10), BAD_DATES):  # each bad value named with file, line and field
        assert any(m.startswith(f"[W100] {data}:{line}: published {value!r} dropped") for m in out["warning_messages"])
    assert any(f"{data}:10: text repaired: lone UTF-16 surrogates" in m for m in out["warning_messages"])

    stories = json.loads(run_cli("stories", "--db", db, "--json").stdout)
    groups = {frozenset(s["article_ids"]) for s in stories}
    seeds = [p.stem for p in sorted(SAMPLES.glob("*.txt"))]
    assert frozenset(seeds[:3]) in groups and frozenset(seeds[3:4]) in groups and frozenset(seeds[4:]) in groups

    again = run_cli("ingest", str(data), "--db", db, "--json", timeout=600)
    assert again.returncode == 0 and "Traceback" not in again.stderr, again.stderr
    assert ingest_json(again)["unchanged"] == 10
    compared = run_cli("compare", "date0", seeds[0], "--db", db, "--json")
    assert compared.returncode == 0 and "Traceback" not in compared.stderr, compared.stderr
    shown = json.loads(run_cli("show", "date0", "--db", db, "--json").stdout)
    assert shown["published"] is None
    assert shown["meta"]["input_warnings"][0] == {"field": "published", "action": "dropped", "value": "2021-02-30",
                                                  "reason": "February 2021 has no day 30 (it has 28)"}


def test_attack_a_bad_date_already_stored_is_no_poison_pill(tmp_path, new_db):
    """A store written before dates were checked holds 2099-13-45: later related ingests, compare and the web
    pages that score against it work (they raised ValueError: month must be in 1..12, every time)."""
    from starlette.testclient import TestClient

    from narratrace.present.web.app import create_app

    config = write_config(tmp_path)
    db = new_db("poison")
    with Narratrace(db=db, settings=Settings.load(config)) as nt:
        nt.add([RawArticle(text=PIPELINE, id="date0", origin="old.jsonl:1")])
        with nt.store.transaction():
            nt.store._x("UPDATE articles SET published = ? WHERE id = ?", ("2099-13-45", "date0"))
    related = _jsonl(tmp_path / "later.jsonl", [{"id": f"later{i}", "text": f"{PIPELINE} Update {i}.",
                                                  "published": p} for i, p in enumerate(["2021-03-01", "yesterday",
                                                                                         "1-1-1"])])
    res = _invoke("ingest", str(related), "--db", db, "--config", str(config), "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["ingested"] == 3
    res = _invoke("compare", "date0", "later0", "--db", db, "--config", str(config), "--json")
    assert res.exit_code == 0, res.output
    with Narratrace(db=db, settings=Settings.load(config)) as nt, \
            TestClient(create_app(project=nt), base_url="http://127.0.0.1") as client:
        assert client.get("/pair/date0/later0").status_code == 200
        assert client.get("/api/compare", params={"a": "date0", "b": "later1"}).status_code == 200


@pytest.mark.parametrize("field", ["text", "title", "id", "outlet", "extra"])
def test_attack_lone_surrogate_in_any_field_costs_nothing(tmp_path, new_db, field):
    """H2: the record is stored with U+FFFD, the field named; the good records and the next file are stored."""
    config = write_config(tmp_path)
    record = {"id": "bad", "text": news_text(1), "title": "Strike", "outlet": "Daily", "extra": "x"}
    record[field] = (record[field] + " \ud83d cut") if field != "id" else "bad-\ud83d"
    line = json.dumps(record)  # ensure_ascii: the surrogate is written as the \ud83d escape
    first = _jsonl(tmp_path / "s.jsonl", [{"id": "good", "text": news_text(2)}, line])
    other = _jsonl(tmp_path / "other.jsonl", [{"id": "other", "text": news_text(3)}])
    db = new_db("sur")
    res = _invoke("ingest", str(first), str(other), "--db", db, "--config", str(config), "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["ingested"] == 3 and out["errors"] == 0
    name = "meta.extra" if field == "extra" else field
    assert any(m.startswith(f"[W100] {first}:2: {name}") and "surrogate" in m for m in out["warning_messages"])
    with Narratrace(db=db, settings=Settings.load(config)) as nt:
        stored = {a.id: a for a in nt.articles()}
        bad = stored["bad-\ufffd" if field == "id" else "bad"]
        assert "\ufffd" in (bad.meta.get("extra") if field == "extra" else getattr(bad, field))
        assert {"good", "other"} <= set(stored)


def test_attack_control_characters_in_file_names_never_reach_the_terminal(tmp_path, new_db):
    """L3: an id from a file name holding OSC/CSI sequences and a line break is cleaned at ingest, and the
    CLI shows what is left of any control character as an escape (show, stories, messages)."""
    config = write_config(tmp_path)
    folder = tmp_path / "in"
    folder.mkdir()
    evil = folder / "evil\x1b]0;PWNED\x07\x1b[2J\nforged line.txt"
    evil.write_text(news_text(4), "utf-8")
    db = new_db("esc")
    res = _invoke("ingest", str(folder), "--db", db, "--config", str(config), "--json")
    assert res.exit_code == 0, res.output
    with Narratrace(db=db, settings=Settings.load(config)) as nt:
        (art,) = nt.articles()
    assert "\x1b" not in art.id and "\x07" not in art.id and "\n" not in art.id
    for args in (["show", art.id], ["stories"]):
        shown = _invoke(*args, "--db", db, "--config", str(config))
        assert shown.exit_code == 0, shown.output
        assert "\x1b" not in shown.output and "\x07" not in shown.output
    assert not any(line.startswith("forged line") for line in shown.output.splitlines())


def test_attack_show_json_is_strict_json_with_nan_and_infinity_in_metadata(tmp_path, new_db):
    """L9: NaN / Infinity in the input's metadata are stored as null (named) and never printed."""
    config = write_config(tmp_path)
    data = tmp_path / "nan.jsonl"
    text = json.dumps(news_text(5))
    data.write_text(f'{{"id": "n1", "text": {text}, "score": NaN, "views": Infinity, "deep": [-Infinity, 1.5]}}\n',
                    "utf-8")
    db = new_db("nan")
    res = _invoke("ingest", str(data), "--db", db, "--config", str(config), "--json")
    assert res.exit_code == 0, res.output
    assert sum("not a finite number" in m for m in json.loads(res.stdout)["warning_messages"]) == 3
    shown = _invoke("show", "n1", "--db", db, "--config", str(config), "--json")
    assert shown.exit_code == 0
    meta = json.loads(shown.stdout, parse_constant=lambda c: pytest.fail(f"{c} in show --json"))["meta"]
    assert meta["score"] is None and meta["views"] is None and meta["deep"] == [None, 1.5]


def test_attack_telegram_export_with_a_cut_emoji_is_collected_whole(tmp_path, new_db):
    """H2 in collect: the message with a lone surrogate and the valid one after it are both stored."""
    config = write_config(tmp_path)
    export = tmp_path / "result.json"
    export.write_text(json.dumps({"name": "Chan \ud83d", "type": "public_channel", "id": 77, "messages": [
        {"id": 1, "type": "message", "date": "2021-02-30T10:00:00", "text": ["Cut emoji \ud83d ", news_text(1)],
         "forwarded_from": "Origin \udc00 TV"},
        {"id": 2, "type": "message", "date_unixtime": "1643274000", "text": news_text(2)}]}), "utf-8")
    db = new_db("tg")
    res = _invoke("collect", str(export), "--db", db, "--config", str(config), "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["ingest_ingested"] == 2 and not out["errors"], out
    with Narratrace(db=db, settings=Settings.load(config)) as nt:
        first = nt.article("tg-77-1")
        assert "\ufffd" in first.text and first.published is None
        assert first.meta["forwarded_from"] == "Origin \ufffd TV"
        assert nt.article("tg-77-2").published == "2022-01-27T09:00:00Z"
