"""Telegram Desktop exports: one message one article, channel and date kept, forwards -> forwarded_from links."""
from __future__ import annotations

import json

from narratrace import Narratrace
from narratrace.ingest.collect import Collector, CollectState, Source, read_telegram, state_path


def _export(path):
    msgs = [
        {"id": 1, "type": "service", "date": "2022-01-27T08:00:00", "action": "create_channel"},
        {"id": 2, "type": "message", "date": "2022-01-27T09:00:00", "date_unixtime": "1643274000",
         "from": "Akhbar Now", "from_id": "channel1500000001",
         "text": "US forces moved 750 ISIS members out of al-Sinaa prison in al-Hasakah, sources told Sputnik."},
        {"id": 3, "type": "message", "date": "2022-01-27T10:00:00", "date_unixtime": "1643277600",
         "from": "Akhbar Now", "forwarded_from": "Sputnik Arabic", "forwarded_from_id": "channel1200000002",
         "text": ["نقلت القوات الأمريكية ", {"type": "bold", "text": "750"},
                  " من أفراد داعش من سجن الصناعة في الحسكة."]},
        {"id": 4, "type": "message", "date": "2022-01-27T11:00:00", "date_unixtime": "1643281200",
         "from": "Akhbar Now", "text": "", "photo": "photos/photo_1.jpg"},
        {"id": 5, "type": "message", "date": "2022-01-27T12:00:00", "date_unixtime": "1643284800",
         "from": "Akhbar Now", "forwarded_from": "Defa Press",
         "text": "منابع ویژه از انتقال ۷۵۰ تروریست داعش از زندان الصناعه توسط نیروهای آمریکایی خبر دادند."},
    ]
    path.write_text(json.dumps({"name": "Akhbar Now", "type": "public_channel", "id": 1500000001,
                                "messages": msgs}, ensure_ascii=False), "utf-8")
    return path


def test_telegram_reader_one_message_one_article(tmp_path):
    recs = list(read_telegram(_export(tmp_path / "result.json")))
    assert [r.id for r in recs] == ["tg-1500000001-2", "tg-1500000001-3", "tg-1500000001-5"]
    assert recs[0].outlet == "Akhbar Now" and recs[0].published == "2022-01-27T09:00:00Z"
    assert recs[1].text == "نقلت القوات الأمريكية 750 من أفراد داعش من سجن الصناعة في الحسكة."
    assert recs[1].meta["forwarded_from"] == "Sputnik Arabic" and recs[1].meta["channel"] == "Akhbar Now"


def test_telegram_forwards_become_forwarded_from_links(new_db, tmp_path, hashing_settings):
    export = _export(tmp_path / "result.json")
    with Narratrace(db=new_db("t"), settings=hashing_settings) as nt:
        state = CollectState(state_path(nt.db_path))
        batch = Collector(state).poll([Source(str(export), "telegram")])
        nt.add(batch.records)
        assert nt.add_links(batch.links()) == 2
        batch.commit()
        fwd = {lk.source: lk for lk in nt.links() if lk.kind == "forwarded_from"}
        assert set(fwd) == {"tg-1500000001-3", "tg-1500000001-5"}
        sp = fwd["tg-1500000001-3"]
        assert sp.target == {"id": "telegram:1200000002", "name": "Sputnik Arabic", "kind": "telegram_channel"}
        assert sp.evidence["channel"] == "Sputnik Arabic" and sp.evidence["forwarded_by"] == "Akhbar Now"
        assert fwd["tg-1500000001-5"].target["id"] == "telegram:defa-press"
        story = nt.article("tg-1500000001-3").story_id
        assert any(lk.kind == "forwarded_from" for lk in nt.links(story_id=story))
        # the graph shows the original channel as a source node
        assert "source:telegram:1200000002" in nt.graph(story).nodes
        # importing the same export again adds nothing
        again = Collector(state).poll([Source(str(export), "telegram")])
        assert not again.records and again.already == 3
        state.close()
