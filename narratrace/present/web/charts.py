"""Volume-over-time charts drawn on the server as SVG: no script, no library, nothing from the network.

``volume_chart(counts)`` turns dated counts (``store.timeline.DatedCounts``, or its JSON form) into a
``VolumeChart``: articles per day, week or month, the unit picked from the span, with the undated articles
in a bar of their own (and dates known only to the month or year in another), so the bars add up to
every article counted. ``chart.svg`` is markup built with ElementTree (every label escaped, characters
XML forbids dropped), with axis labels, a ``<title>`` tooltip per bar and a text summary for screen
readers. Templates show it with the ``volume`` macro of ``_charts.html``:

    {% from "_charts.html" import volume %}
    {{ volume(chart) }}

A route builds the chart from a SQL count (``charts.volume_of(project, article_ids=...)``).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from ...store.timeline import DatedCounts, Timeline

SVG_NS = "http://www.w3.org/2000/svg"
#: the unit is the finest whose number of bars stays readable: a day up to two months, a week up to two years
MAX_DAYS, MAX_WEEKS = 62, 106
WIDTH, HEIGHT = 640, 190
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 22, 36
MAX_BAR_PX = 48  # a lone bar stays a bar, not a slab
CHAR_PX = 6.2  # width of one character of an axis label (10px sans-serif), to keep labels apart
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class Bucket:
    """One bar: ``label`` on the axis, ``title`` its tooltip; ``kind`` is "date", "partial" or "undated"."""

    label: str
    count: int
    title: str
    kind: str = "date"
    start: str | None = None


@dataclass
class VolumeChart:
    """Bars of one scope's articles over time, and the SVG that draws them."""

    unit: str  # day | week | month | year | none
    buckets: list[Bucket] = field(default_factory=list)
    total: int = 0
    undated: int = 0
    partial: int = 0
    summary: str = ""
    what: str = "articles"
    svg: Markup = Markup("")

    @property
    def dated(self) -> list[Bucket]:
        return [b for b in self.buckets if b.kind == "date"]


def volume_of(project: Any, *, what: str = "articles", lock: Any = None, height: int = HEIGHT,
              **scope: Any) -> VolumeChart:
    """The chart of one scope of a project's store (``story_id``, ``outlet``, ``narrative_id`` or
    ``article_ids``: ``Timeline.counts``), counted in SQL under ``lock`` (the ``WebService``'s).
    For entity and source pages: ``volume_of(svc.nt, lock=svc.lock, article_ids=ids, what="articles
    citing Sputnik")``."""
    with lock if lock is not None else contextlib.nullcontext():
        counts = Timeline(project.store).counts(**scope)
    return volume_chart(counts, what=what, height=height)


def _as_counts(counts: DatedCounts | Mapping[str, Any]) -> DatedCounts:
    if isinstance(counts, DatedCounts):
        return counts
    out = DatedCounts()
    if "dates" in counts:  # DatedCounts.to_dict()
        for date, n in dict(counts["dates"]).items():
            out.add(date, n)
        out.undated += int(counts.get("undated", 0))
        return out
    for date, n in counts.items():  # {date or None: count}
        out.add(date, n)
    return out


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def _next_month(d: dt.date) -> dt.date:
    return d.replace(year=d.year + 1, month=1) if d.month == 12 else d.replace(month=d.month + 1)


def pick_unit(counts: DatedCounts) -> str:
    """day, week or month by the span of the day-dated articles; month or year when none has a day."""
    days = sorted(_day(d) for d in counts.dates if len(d) == 10)
    if days:
        span = (days[-1] - days[0]).days + 1
        return "day" if span <= MAX_DAYS else "week" if span <= MAX_WEEKS * 7 else "month"
    if any(len(d) == 7 for d in counts.dates):
        return "month"
    return "year" if counts.dates else "none"


def _bucket_key(date: str, unit: str) -> dt.date | None:
    """The first day of the bucket ``date`` falls in, None when ``date`` is coarser than the unit."""
    if unit == "year":
        return dt.date(int(date[:4]), 1, 1)
    if unit == "month":
        return _day(date[:7] + "-01") if len(date) >= 7 else None
    if len(date) < 10:
        return None
    d = _day(date)
    return d - dt.timedelta(days=d.weekday()) if unit == "week" else d


def _step(d: dt.date, unit: str) -> dt.date:
    if unit == "day":
        return d + dt.timedelta(days=1)
    if unit == "week":
        return d + dt.timedelta(days=7)
    if unit == "month":
        return _next_month(d)
    return d.replace(year=d.year + 1)


def _label(d: dt.date, unit: str) -> tuple[str, str]:
    """(axis label, tooltip prefix) of the bucket starting on ``d``."""
    if unit == "week":
        end = d + dt.timedelta(days=6)
        return d.isoformat(), f"week of {d.isoformat()} to {end.isoformat()}"
    if unit == "month":
        return d.strftime("%Y-%m"), d.strftime("%B %Y")
    if unit == "year":
        return str(d.year), str(d.year)
    return d.isoformat(), d.strftime("%a %Y-%m-%d")


def _n(count: int, what: str) -> str:
    """``3 articles from RT``, ``1 article from RT``."""
    first, _, rest = what.partition(" ")
    if count == 1 and first.endswith("s"):
        return f"1 {first[:-1]}" + (f" {rest}" if rest else "")
    return f"{count} {what}"


def bins(counts: DatedCounts | Mapping[str, Any], unit: str | None = None, what: str = "articles"
         ) -> tuple[str, list[Bucket], int]:
    """(unit, buckets, articles dated coarser than the unit): every bucket from the first to the last
    (empty ones included, so the axis is time), then a "partial date" bar and an "undated" bar when needed."""
    c = _as_counts(counts)
    unit = unit or pick_unit(c)
    by_start: dict[dt.date, int] = {}
    partial: dict[str, int] = {}
    for date, n in c.dates.items():
        key = _bucket_key(date, unit) if unit != "none" else None
        if key is None:
            partial[date] = partial.get(date, 0) + n
        else:
            by_start[key] = by_start.get(key, 0) + n
    buckets: list[Bucket] = []
    if by_start:
        d, last = min(by_start), max(by_start)
        while d <= last:
            label, when = _label(d, unit)
            n = by_start.get(d, 0)
            buckets.append(Bucket(label, n, f"{when}: {_n(n, what)}", "date", d.isoformat()))
            d = _step(d, unit)
    n_partial = sum(partial.values())
    if n_partial:
        parts = ", ".join(f"{k}: {v}" for k, v in sorted(partial.items()))
        buckets.append(Bucket("partial", n_partial, f"dated only to the month or year: {_n(n_partial, what)} "
                                                         f"({parts})", "partial"))
    if c.undated:
        buckets.append(Bucket("undated", c.undated, f"undated: {_n(c.undated, what)} (no publication date known)",
                              "undated"))
    return unit, buckets, n_partial


def _nice_max(value: int) -> int:
    """The axis top: ``value`` rounded up to 1, 2 or 5 times a power of ten."""
    if value <= 5:
        return max(value, 1)
    magnitude = 10 ** (len(str(value)) - 1)
    for m in (1, 2, 5, 10):
        if value <= m * magnitude:
            return m * magnitude
    return 10 * magnitude


def _text(s: Any) -> str:
    return _XML_BAD.sub("", str(s))


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: Any) -> ET.Element:
    node = ET.SubElement(parent, tag, {k.rstrip("_").replace("_", "-"): _text(v) for k, v in attrs.items()})
    if text is not None:
        node.text = _text(text)
    return node


def summary_of(unit: str, buckets: list[Bucket], total: int, what: str) -> str:
    """One sentence a screen reader says for the chart."""
    dated = [b for b in buckets if b.kind == "date"]
    if not total:
        return f"No {what}."
    parts = [f"{_n(total, what)}"]
    if dated:
        peak = max(dated, key=lambda b: b.count)
        if len(dated) == 1:
            parts.append(f"{dated[0].count} {'on' if unit == 'day' else 'in'} {dated[0].title.split(':')[0]}")
        else:
            parts.append(f"per {unit} from {dated[0].label} to {dated[-1].label}, at most {peak.count} "
                         f"({peak.title.split(':')[0]})")
    parts += [f"{b.count} " + ("with a partial date" if b.kind == "partial" else "undated")
              for b in buckets if b.kind != "date"]
    return "; ".join(parts) + "."


def volume_chart(counts: DatedCounts | Mapping[str, Any], what: str = "articles", unit: str | None = None,
                 width: int = WIDTH, height: int = HEIGHT) -> VolumeChart:
    """The chart of ``counts`` (``DatedCounts``, its ``to_dict()``, or {date or None: count}).

    ``what`` names what is counted (tooltips and summary, e.g. "articles from RT"); ``unit`` forces
    day, week, month or year."""
    c = _as_counts(counts)
    unit, buckets, n_partial = bins(c, unit, what)
    chart = VolumeChart(unit=unit, buckets=buckets, total=c.total, undated=c.undated, partial=n_partial, what=what)
    chart.summary = summary_of(unit, buckets, c.total, what)
    chart.svg = Markup(ET.tostring(_draw(chart, width, height), encoding="unicode"))
    return chart


def _draw(chart: VolumeChart, width: int, height: int) -> ET.Element:
    svg = ET.Element("svg", {"xmlns": SVG_NS, "viewBox": f"0 0 {width} {height}", "class": "chart-svg",
                             "role": "img", "aria-label": _text(chart.summary), "data-unit": chart.unit,
                             "data-total": str(chart.total), "data-undated": str(chart.undated),
                             "preserveAspectRatio": "xMidYMid meet"})
    _el(svg, "title", f"{chart.what} per {chart.unit}" if chart.unit != "none" else chart.what)
    _el(svg, "desc", chart.summary)
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    base = TOP + plot_h
    if not chart.buckets:
        _el(svg, "text", f"no {chart.what}", x=width / 2, y=height / 2, class_="chart-empty", text_anchor="middle")
        return svg
    dated, extra = chart.dated, [b for b in chart.buckets if b.kind != "date"]
    longest = max((len(b.label) for b in dated), default=0) * CHAR_PX
    extra_slot = min(plot_w / max(len(extra), 1), 120) if not dated else 64
    gap = longest / 2 + 8 if dated and extra else 0  # the last date's label clears the first extra bar
    date_w = plot_w - len(extra) * extra_slot - gap if dated else 0.0
    slot = date_w / len(dated) if dated else 0
    top = _nice_max(max(b.count for b in chart.buckets))
    axis = _el(svg, "g", class_="axis")
    for value in sorted({0, top // 2 if top >= 2 else 0, top}):
        y = base - plot_h * value / top
        _el(axis, "line", x1=LEFT, x2=width - RIGHT, y1=f"{y:.1f}", y2=f"{y:.1f}",
            class_="grid" if value else "baseline")
        _el(axis, "text", str(value), x=LEFT - 6, y=f"{y + 3.5:.1f}", text_anchor="end", class_="tick")
    _el(axis, "text", chart.what, x=LEFT, y=TOP - 2, class_="axis-title")
    every = max(1, int((longest + 8) // slot) + 1) if dated else 1  # labels at least 8px apart
    bars = _el(svg, "g", class_="bars")
    labels = _el(svg, "g", class_="labels")
    for i, b in enumerate(chart.buckets):
        if b.kind == "date":
            x, w = LEFT + i * slot, slot
        else:
            lead = date_w + gap if dated else (plot_w - len(extra) * extra_slot) / 2  # alone: centred
            x, w = LEFT + lead + (i - len(dated)) * extra_slot, extra_slot
        h = plot_h * b.count / top
        bw = max(min(w * 0.8, MAX_BAR_PX), 1)
        bar = _el(bars, "rect", x=f"{x + (w - bw) / 2:.2f}", y=f"{base - h:.2f}", width=f"{bw:.2f}",
                  height=f"{h:.2f}", class_=f"bar bar-{b.kind}", data_count=b.count, data_label=b.label)
        _el(bar, "title", b.title)
        if b.kind == "date" and i % every:
            continue
        lx, anchor = x + w / 2, "middle"
        half = len(b.label) * CHAR_PX / 2
        if lx - half < 2:
            lx, anchor = 2, "start"
        elif lx + half > width - 2:
            lx, anchor = width - 2, "end"
        _el(labels, "text", b.label, x=f"{lx:.1f}", y=base + 14, text_anchor=anchor,
            class_="tick" + ("" if b.kind == "date" else f" tick-{b.kind}"))
    if dated:
        unit_name = {"day": "day", "week": "week (from Monday)", "month": "month", "year": "year"}[chart.unit]
        _el(svg, "text", f"per {unit_name}", x=f"{LEFT + date_w / 2:.1f}", y=height - 4, text_anchor="middle",
            class_="axis-title")
    return svg


def counts_table(chart: VolumeChart) -> list[tuple[str, int]]:
    """(label, count) of the non-empty bars, for the table beside the chart."""
    return [(b.label, b.count) for b in chart.buckets if b.count]


def merge(counts: Iterable[DatedCounts]) -> DatedCounts:
    """The sum of several counts (one scope made of several queries)."""
    out = DatedCounts()
    for c in counts:
        for date, n in c.dates.items():
            out.add(date, n)
        out.undated += c.undated
    return out
