"""Values a record cannot be trusted with, repaired or dropped where they enter narratrace.

Every reader's ``RawArticle`` passes through ``checked`` (``ingest.read_file`` and the collectors
call it; ``fields.build`` too), so no later stage meets a value it can crash on:

- ``published``: an impossible or implausible date (``2021-02-30``, ``0000-00-00``, ``2099-13-45``,
  ``9999-12``, a timestamp of year 10^9, ``yesterday``) is **dropped**; RFC 2822 dates (feeds) become ISO;
  an ISO date with an unreadable time keeps its date (**repaired**). What is kept is zero-padded ISO 8601,
  possibly partial (``2021``, ``2021-02``), with years ``MIN_YEAR``..``MAX_YEAR``.
- text, title, id, url, outlet, lang, origin and metadata: lone UTF-16 surrogates (a ``\\ud83d`` escape from
  a cut emoji) cannot be stored as UTF-8 and are **repaired** to U+FFFD; control characters and line
  breaks in one-line fields (an id from a file name ``evil\\x1b]0;…``) are removed (terminal injection).
- metadata numbers NaN and ±Infinity (not JSON) become null.

Each change is recorded on the record, ``meta["input_warnings"]`` (field, action, value, reason), stored
with the article and reported by ingest as a ``W100`` warning naming file, line and field.
"""
from __future__ import annotations

import calendar
import email.utils
import math
import re
from datetime import UTC, datetime
from typing import Any

from ..errors import InputWarning
from ..model import RawArticle
from .decode import clean, has_surrogates, replace_surrogates

__all__ = ["MAX_YEAR", "MIN_YEAR", "WARNINGS_KEY", "check_published", "checked", "record_warnings"]

#: the meta key that records what was repaired or dropped
WARNINGS_KEY = "input_warnings"
#: publication years outside this range are placeholders (0000, 9999) or errors, not news
MIN_YEAR, MAX_YEAR = 1000, 2999
#: how much of a bad value a warning quotes
QUOTE_CHARS = 60

#: year first, then month and day; "-" as ISO 8601 writes it ("/" and "." as some exports do)
_ISO = re.compile(r"(\d+)[-/.](\d{1,2})(?:[-/.](\d{1,2}))?(?P<rest>[T ].*)?", re.S)
_YEAR = re.compile(r"\d{4}")
#: control characters other than tab and line breaks (ESC, BEL, DEL, C1): never part of a one-line value
_CONTROLS = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]")
_ONE_LINE = {ord("\n"): " ", ord("\t"): " "}
#: fields that are one line of text
_LINE_FIELDS = ("id", "title", "url", "outlet", "lang")


def check_published(value: Any) -> tuple[str | None, str | None]:
    """(the date to keep or None, why the given value was changed or dropped, or None if it was fine)."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        return None, "not a date (a boolean)"
    if isinstance(value, (int, float)):
        return _timestamp(float(value))
    if not isinstance(value, str):
        return None, f"not a date (a {type(value).__name__})"
    text = " ".join(clean(replace_surrogates(value)).split())
    if not text:
        return None, None
    if _YEAR.fullmatch(text):
        year = int(text)
        return (text, None) if MIN_YEAR <= year <= MAX_YEAR else (None, _year_reason(year))
    m = _ISO.fullmatch(text)
    if m:
        return _iso(m)
    try:
        when = email.utils.parsedate_to_datetime(text)  # RFC 2822, as feeds write dates
    except (TypeError, ValueError, IndexError, OverflowError):
        when = None
    if when is not None:
        if not MIN_YEAR <= when.year <= MAX_YEAR:
            return None, _year_reason(when.year)
        return when.isoformat().replace("+00:00", "Z"), None
    try:
        parsed = datetime.fromisoformat(text)  # ISO basic format (20220125T1000)
    except ValueError:
        return None, "not a date"
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        return None, _year_reason(parsed.year)
    return parsed.isoformat().replace("+00:00", "Z"), None


def _iso(m: re.Match[str]) -> tuple[str | None, str | None]:
    """A date in ISO shape: the calendar checked, zero-padded; an unreadable time of day is cut off."""
    year_text, month_text, day_text, rest = m.group(1), m.group(2), m.group(3), m.group("rest")
    year = int(year_text) if len(year_text) <= 9 else 10**9
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None, _year_reason(year)
    month = int(month_text)
    if not 1 <= month <= 12:
        return None, f"there is no month {month}"
    if day_text is None:
        date = f"{year:04d}-{month:02d}"
        return (date, None) if rest is None else (date, f"kept the month; {rest.strip()!r} is not part of a date")
    day = int(day_text)
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return None, f"{calendar.month_name[month]} {year} has no day {day} (it has {days})"
    date = f"{year:04d}-{month:02d}-{day:02d}"
    if rest is None:
        return date, None
    full = date + rest
    try:
        datetime.fromisoformat(full.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        return date, f"kept the date; {rest.strip()!r} is not a time of day"
    return full, None


def _timestamp(seconds: float) -> tuple[str | None, str | None]:
    """A Unix timestamp in seconds or milliseconds as ISO UTC."""
    if not math.isfinite(seconds):
        return None, "not a date (not a finite number)"
    given = seconds
    seconds = seconds / 1000 if abs(seconds) > 1e11 else seconds  # milliseconds
    try:
        when = datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None, f"timestamp {given:g} is not a date between {MIN_YEAR} and {MAX_YEAR}"
    if not MIN_YEAR <= when.year <= MAX_YEAR:
        return None, _year_reason(when.year)
    return when.isoformat().replace("+00:00", "Z"), None


def _year_reason(year: int) -> str:
    shown = "10^9 or more" if year >= 10**9 else str(year)
    return f"year {shown} is not between {MIN_YEAR} and {MAX_YEAR}"


def checked(raw: RawArticle) -> RawArticle:
    """``raw`` with every untrustworthy value repaired or dropped, each change in ``meta["input_warnings"]``.

    Changes the record in place and returns it; a record already checked is left as it is."""
    found: list[dict[str, Any]] = []

    def note(field: str, action: str, value: Any, reason: str) -> None:
        found.append({"field": field, "action": action, "value": _quote(value), "reason": reason})

    if has_surrogates(raw.text):
        raw.text = replace_surrogates(raw.text)
        note("text", "repaired", "", "lone UTF-16 surrogates replaced by U+FFFD")
    for name in _LINE_FIELDS:
        value = getattr(raw, name)
        if value is None:
            continue
        if not isinstance(value, str):
            value = str(value)
        fixed = value
        if has_surrogates(fixed):
            fixed = replace_surrogates(fixed)
            note(name, "repaired", fixed, "lone UTF-16 surrogates replaced by U+FFFD")
        if _CONTROLS.search(fixed) or (name == "id" and ("\n" in fixed or "\r" in fixed)):
            note(name, "repaired", fixed, "control characters or line breaks removed")
        # ids keep their inner spacing (they are keys); the other fields are shown on one line
        one_line = clean(fixed).translate(_ONE_LINE)
        setattr(raw, name, (one_line.strip() if name == "id" else " ".join(one_line.split())) or None)
    if has_surrogates(raw.origin):
        raw.origin = replace_surrogates(raw.origin)
    given = raw.published
    kept, why = check_published(given)
    if why is not None:
        note("published", "dropped" if kept is None else "repaired", given, why)
    raw.published = kept
    previous = raw.meta.get(WARNINGS_KEY) if isinstance(raw.meta, dict) else None
    raw.meta = _plain_meta(raw.meta if isinstance(raw.meta, dict) else {"meta": raw.meta}, "meta", note)
    if found:
        raw.meta[WARNINGS_KEY] = (previous if isinstance(previous, list) else []) + found
    return raw


def _plain_meta(value: Any, where: str, note: Any, depth: int = 0) -> Any:
    """Metadata as storable JSON: surrogates repaired (keys too), NaN and infinities null."""
    if isinstance(value, str):
        if has_surrogates(value):
            note(where, "repaired", replace_surrogates(value), "lone UTF-16 surrogates replaced by U+FFFD")
            return replace_surrogates(value)
        return value
    if isinstance(value, float) and not math.isfinite(value):
        note(where, "repaired", value, "not a finite number: stored as null")
        return None
    if depth > 64:
        return value
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            name = key
            if isinstance(key, str) and has_surrogates(key):
                name = replace_surrogates(key)
                note(f"{where}.{name}", "repaired", name, "lone UTF-16 surrogates in the key replaced by U+FFFD")
            out[name] = _plain_meta(item, f"{where}.{name}", note, depth + 1)
        return out
    if isinstance(value, (list, tuple)):
        return [_plain_meta(item, f"{where}[{k}]", note, depth + 1) for k, item in enumerate(value)]
    return value


def _quote(value: Any) -> Any:
    """A bad value as a warning shows it: short, and storable."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        value = replace_surrogates(value)
        return value if len(value) <= QUOTE_CHARS else value[: QUOTE_CHARS - 1] + "…"
    return value


def record_warnings(raw: RawArticle) -> list[InputWarning]:
    """The warnings ``checked`` recorded on a record, each naming its file, line and field."""
    items = raw.meta.get(WARNINGS_KEY) if isinstance(raw.meta, dict) else None
    if not isinstance(items, list):
        return []
    path, line = split_origin(raw.origin)
    out = []
    for w in items:
        if not isinstance(w, dict):
            continue
        value = w.get("value")
        shown = f" {value!r}" if value not in ("", None) else ""
        out.append(InputWarning(path, f"{w.get('field')}{shown} {w.get('action')}: {w.get('reason')}", line=line))
    return out


def split_origin(origin: str) -> tuple[str, int | None]:
    """("file", line) of an origin "file:line"; ("file", None) for an origin without a line."""
    head, sep, tail = (origin or "?").rpartition(":")
    if sep and tail.isdigit() and head:
        return head, int(tail)
    return origin or "?", None
