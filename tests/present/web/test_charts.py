"""Server-side SVG charts (present/web/charts.py): bars add up to every article counted, undated ones in a bar of
their own, the unit follows the span, labels never collide, and hostile names come out as text in valid XML."""
from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from narratrace.present.web.charts import CHAR_PX, pick_unit, volume_chart
from narratrace.store.timeline import DatedCounts

NS = {"s": "http://www.w3.org/2000/svg"}


def parse(chart):
    return ET.fromstring(str(chart.svg))


def bars(root):
    return [(r.get("data-label"), int(r.get("data-count")), r.get("class")) for r in root.iterfind(".//s:rect", NS)]


def test_charts_bars_count_every_article_undated_included():
    chart = volume_chart({"2024-03-01": 2, "2024-03-03": 1, None: 2, "": 1})
    root = parse(chart)
    assert chart.unit == "day" and chart.total == 6 and chart.undated == 3
    assert bars(root) == [("2024-03-01", 2, "bar bar-date"), ("2024-03-02", 0, "bar bar-date"),
                          ("2024-03-03", 1, "bar bar-date"), ("undated", 3, "bar bar-undated")]
    assert sum(n for _, n, _ in bars(root)) == chart.total
    labels = [t.text for t in root.iterfind(".//s:g[@class='labels']/s:text", NS)]
    assert "undated" in labels
    # every bar has a tooltip; the chart has an accessible name and a summary
    assert all(r.find("s:title", NS) is not None and r.find("s:title", NS).text for r in root.iterfind(".//s:rect", NS))
    assert root.get("role") == "img" and "3 undated" in root.get("aria-label")
    assert root.find("s:title", NS).text == "articles per day" and "6 articles" in root.find("s:desc", NS).text


def test_charts_only_undated_articles_still_draw_a_bar():
    chart = volume_chart(DatedCounts(undated=3))
    assert chart.unit == "none" and bars(parse(chart)) == [("undated", 3, "bar bar-undated")]
    assert chart.summary == "3 articles; 3 undated."
    empty = volume_chart(DatedCounts())
    assert empty.total == 0 and not bars(parse(empty)) and "no articles" in str(empty.svg)


@pytest.mark.parametrize(("days", "unit"), [(2, "day"), (62, "day"), (63, "week"), (742, "week"), (743, "month")])
def test_charts_unit_follows_the_span(days, unit):
    start = dt.date(2023, 1, 5)
    counts = DatedCounts({start.isoformat(): 1, (start + dt.timedelta(days=days - 1)).isoformat(): 2})
    assert pick_unit(counts) == unit
    chart = volume_chart(counts)
    dated = [b for b in chart.buckets if b.kind == "date"]
    assert sum(b.count for b in dated) == 3 and dated[0].count == 1 and dated[-1].count == 2
    if unit == "week":  # weeks start on Monday
        assert all(dt.date.fromisoformat(b.start).weekday() == 0 for b in dated)
        assert dated[0].start == "2023-01-02"


def test_charts_partial_dates_keep_their_precision():
    counts = DatedCounts({"2024-03-01": 1, "2024-03-09": 1, "2024-03": 2, "2024": 1}, undated=1)
    chart = volume_chart(counts)
    assert chart.unit == "day" and chart.partial == 3
    partial = [b for b in chart.buckets if b.kind == "partial"]
    assert partial[0].count == 3 and "2024-03: 2" in partial[0].title and "2024: 1" in partial[0].title
    assert sum(b.count for b in chart.buckets) == counts.total == 6
    # by month, a month-only date falls in its month and only the year-only one is partial
    monthly = volume_chart(counts, unit="month")
    assert [(b.label, b.count) for b in monthly.buckets] == [("2024-03", 4), ("partial", 1), ("undated", 1)]
    assert volume_chart(DatedCounts({"2021-02": 1, "2021-05": 2})).unit == "month"


def test_charts_unreadable_dates_are_undated():
    c = DatedCounts()
    for value in ["2024-02-30x", "yesterday", "2024-13-01", None, "2024-02-03T23:59:59Z"]:
        c.add(value, 1)
    assert c.dates == {"2024-02-03": 1} and c.undated == 4


def test_charts_escape_hostile_names_and_stay_valid_xml():
    evil = "<script>alert(1)</script> & \"quoted\" \x01 <b onmouseover='x'>RT</b>"
    chart = volume_chart({"2024-03-01": 1, None: 1}, what=f"articles from {evil}")
    text = str(chart.svg)
    assert "<script" not in text and "<b " not in text and "\x01" not in text
    root = parse(chart)  # well-formed
    assert [e.tag.split("}")[1] for e in root.iter()].count("script") == 0
    assert not any(k.startswith("on") for e in root.iter() for k in e.attrib)
    title = root.find(".//s:rect/s:title", NS).text
    assert "<script>alert(1)</script>" in title and "\x01" not in title  # shown literally, as text
    assert "<b onmouseover='x'>RT</b>" in root.get("aria-label")


def test_charts_axis_labels_do_not_collide():
    start = dt.date(2024, 1, 1)
    counts = DatedCounts({(start + dt.timedelta(days=i)).isoformat(): i % 7 + 1 for i in range(62)}, undated=4)
    counts.add("2024-02", 2)
    root = parse(volume_chart(counts))
    spans = []
    for t in root.iterfind(".//s:g[@class='labels']/s:text", NS):
        x, w = float(t.get("x")), len(t.text) * CHAR_PX
        anchor = t.get("text-anchor")
        left = x - w / 2 if anchor == "middle" else x if anchor == "start" else x - w
        spans.append((left, left + w, t.text))
        assert left >= 0 and left + w <= 640, t.text
    spans.sort()
    assert len(spans) >= 6 and {"undated", "partial"} <= {s[2] for s in spans}
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), spans
