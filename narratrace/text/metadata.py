"""Outlet, publication date and title read from the text, for records that came without them.

Outlet: from the head of the article only: an outlet line ("RT :"), a dateline ("Damaskus, Purna
Warta –", "Islam Times -", "WASHINGTON (Reuters) -") or a Persian attribution opening the first
paragraph («به گزارش گروه بین‌الملل دفاع‌پرس،»: the ``attribution_openers``, ``desk_words`` and
``outlet_kinds`` of the language modules). Names go through the alias table
(``data/outlet_aliases.tsv``) so that script variants map to one canonical name.

Date: taken from the text only where it is plausibly the publication date, in this order:
1. an explicit marker in the first lines ("date 2021-02");
2. a full date in the dateline zone (first 160 characters of the first paragraph, or a meta line);
3. the only full date (day, month, year) in the whole text, if the sentence stating it has a
   reporting verb ("kata ... Selasa 14 November 2017"). Dates of events mentioned in passing are
   month-year ("Oktober 2019") or one of several, and are not taken.
Output is an ISO partial string: "2021-02", "2017-11-14".
"""
from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from .lang import available_languages, get_lang, language_cache
from .months import month_names
from .normalise import normalise

DATELINE_ZONE = 160
TITLE_CHARS = 120


class OutletAliases:
    """Alias -> canonical outlet name; keys are match keys without spaces."""

    def __init__(self, extra: str | Path | list[str | Path] | None = None) -> None:
        self.table: dict[str, str] = {}
        self.load_text(resources.files(__package__).joinpath("data/outlet_aliases.tsv").read_text("utf-8"))
        for path in ([extra] if isinstance(extra, (str, Path)) else extra or []):
            self.load_text(Path(path).read_text("utf-8"))

    @staticmethod
    def key(name: str) -> str:
        return normalise(name).replace(" ", "")

    def load_text(self, text: str) -> None:
        """Add "alias<TAB>canonical" lines; '#' starts a comment."""
        for line in text.splitlines():
            if not line.strip() or line.lstrip().startswith("#") or "\t" not in line:
                continue
            alias, canonical = line.split("\t", 1)
            self.table[self.key(alias)] = canonical.strip()

    def get(self, name: str) -> str | None:
        return self.table.get(self.key(name))

    def find_in(self, text: str) -> str | None:
        """Canonical name of the longest known alias formed by whole words at the end of ``text``."""
        words = text.split()
        for i in range(len(words)):
            hit = self.get(" ".join(words[i:]))
            if hit:
                return hit
        return None


# --- outlet -----------------------------------------------------------------------------------

_OUTLET_LINE = re.compile(r"^\s*(?P<outlet>[^\W\d][\w.&'’ -]{0,30}?)\s*[:：]\s*$")
_PAREN_DATELINE = re.compile(r"^[^\n(]{0,40}\((?P<outlet>[^)]{2,40})\)\s*[–—-]")
_DASH_DATELINE = re.compile(r"^(?P<head>[^\n–—]{2,80}?)\s+[–—-]\s+\S")
_NAME_WORD = re.compile(r"^(?:[A-Z0-9][\w.&'’-]*|[a-z]+[A-Z][\w.-]*|(?:al|el|de|da|di|of|the|van|von)-?)$")
_NEVER = re.compile(r"(?!)")


def _alternation(words: set[str], between: str) -> str:
    """Words (their raw and match-key spellings) as one regex alternation, longest first."""
    forms = words | {normalise(w) for w in words}
    return "|".join(between.join(map(re.escape, w.split())) for w in sorted(forms, key=len, reverse=True))


@language_cache
def _attribution_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """(opening, desk, outlet kind) from every language's ``attribution_openers``, ``desk_words``, ``outlet_kinds``."""
    classes = [get_lang(code) for code in available_languages()]
    openers = {w for c in classes for w in c.attribution_openers}
    desks = {w for c in classes for w in c.desk_words}
    kinds = {w for c in classes for w in c.outlet_kinds}
    spaced, optional = r"\s+", r"\s*"  # openers lose their space as scraping loses ZWNJ («بهگزارش»)
    opening = rf"^(?:{_alternation(openers, optional)})\s+(?P<rest>[^،,:.]{{2,80}})[،,]"
    return (re.compile(opening) if openers else _NEVER,
            re.compile(rf"^(?:{_alternation(desks, spaced)})\s+\S+\s+") if desks else _NEVER,
            re.compile(rf"^(?:{_alternation(kinds, spaced)})\s+") if kinds else _NEVER)


def _plausible_name(name: str) -> bool:
    words = name.split()
    if not 1 <= len(words) <= 5 or len(name) > 40:
        return False
    if len(words) == 1 and name.isupper() and len(name) > 4:
        return False  # "WASHINGTON": a place, not an outlet
    return all(_NAME_WORD.match(w) for w in words) and not any(c.isdigit() for c in words[0])


def find_outlet(head: list[tuple[str, str]], aliases: OutletAliases) -> tuple[str | None, int, int]:
    """(outlet, passage index, end of the dateline in it) from the first lines.

    ``head`` is [(kind, text)] of the first few passages. The end offset lets the caller drop the
    dateline from a title; it is 0 when the outlet came from a line of its own.
    """
    for i, (kind, text) in enumerate(head):
        m = _OUTLET_LINE.match(text)
        if kind == "meta" and m:
            name = m.group("outlet").strip()
            return aliases.get(name) or (name if _plausible_name(name) else None), i, 0
        if kind != "body":
            continue
        opening, desk, outlet_kind = _attribution_patterns()
        m = opening.match(text)
        end = m.end() if m else 0
        m = m or opening.match(normalise(text))
        if m:
            rest = outlet_kind.sub("", desk.sub("", m.group("rest").strip()))
            return aliases.find_in(m.group("rest")) or aliases.find_in(rest) or rest or None, i, end
        m = _PAREN_DATELINE.match(text)
        if m:
            name = m.group("outlet").strip()
            return aliases.get(name) or (name if _plausible_name(name) else None), i, m.end()
        m = _DASH_DATELINE.match(text)
        if m:
            parts = [p.strip() for p in m.group("head").split(",") if p.strip()]
            for part in reversed(parts):
                hit = aliases.get(part)
                if hit:
                    return hit, i, m.end() - 1
            if parts and _plausible_name(parts[-1]) and (len(parts) > 1 or not parts[-1].isupper()):
                return parts[-1], i, m.end() - 1
        break  # only the first body paragraph can carry a dateline
    return None, 0, 0


# --- dates ------------------------------------------------------------------------------------

@language_cache
def _date_patterns() -> tuple[re.Pattern[str], ...]:
    months = "|".join(sorted((re.escape(m) for m in month_names()), key=len, reverse=True))
    b, e = r"(?<![\w])", r"(?![\w])"
    return (
        re.compile(rf"{b}(?P<d>\d{{1,2}})\s+(?P<m>{months})\.?,?\s+(?P<y>\d{{4}}){e}"),
        re.compile(rf"{b}(?P<m>{months})\.?\s+(?P<d>\d{{1,2}}),?\s+(?P<y>\d{{4}}){e}"),
        re.compile(rf"{b}(?P<y>\d{{4}})-(?P<mn>\d{{2}})-(?P<d>\d{{2}}){e}"),
        re.compile(rf"{b}\(?(?P<d>\d{{1,2}})/(?P<mn>\d{{1,2}})/(?P<y>\d{{4}})\)?{e}"),
    )


_DATE_MARKER = re.compile(r"^\s*date\s*[:=]?\s*(?P<y>\d{4})(?:-(?P<mn>\d{2})(?:-(?P<d>\d{2}))?)?(?!\d)", re.I)


def _iso(y: str, mn: int | str | None, d: str | None) -> str | None:
    year = int(y)
    if not 1900 <= year <= 2100:
        return None
    if mn is None:
        return f"{year:04d}"
    month = int(mn)
    if not 1 <= month <= 12:
        return None
    if d is None:
        return f"{year:04d}-{month:02d}"
    day = int(d)
    return f"{year:04d}-{month:02d}-{day:02d}" if 1 <= day <= 31 else None


_YEAR = re.compile(r"[0-9٠-٩۰-۹]{4}")


def full_dates(key: str) -> list[tuple[str, int, int]]:
    """(iso date, start, end) of every day-month-year date in a match key."""
    out = []
    for rx in _date_patterns():
        for m in rx.finditer(key):
            g = m.groupdict()
            month = g.get("mn") or month_names().get(g.get("m") or "")
            iso = _iso(g["y"], month, g["d"])
            if iso:
                out.append((iso, m.start(), m.end()))
    return sorted(out, key=lambda x: x[1])


def date_marker(text: str) -> str | None:
    """'date 2021-02' at the start of a line."""
    m = _DATE_MARKER.match(text)
    return _iso(m["y"], m["mn"], m["d"]) if m else None


def find_date(head: list[tuple[str, str]], body: list[tuple[str, str, list[tuple[int, int]]]]) -> str | None:
    """Publication date by the rule in the module docstring.

    ``head``: [(kind, text)] of the first passages; ``body``: [(text, lang, sentence spans)] of body passages.
    """
    for _, text in head:
        iso = date_marker(text)
        if iso:
            return iso
    for kind, text in head:
        if kind in ("meta", "body"):
            dates = full_dates(normalise(text[:DATELINE_ZONE]))
            if dates:
                return dates[0][0]
            if kind == "body":
                break
    found: dict[str, tuple[str, str]] = {}
    for text, lang, sentences in body:
        if not _YEAR.search(text) or not full_dates(normalise(text)):
            continue  # cheap test first: most paragraphs carry no full date
        for a, b in sentences or [(0, len(text))]:
            sentence = text[a:b]
            key = normalise(sentence)
            for iso, _, _ in full_dates(key):
                found.setdefault(iso, (key, lang))
    if len(found) != 1:
        return None
    iso, (key, lang) = next(iter(found.items()))
    verbs = {normalise(v) for v in get_lang(lang).reporting_verbs}
    words = set(re.findall(r"[^\W\d_]+", key))
    return iso if verbs & words else None


# --- title ------------------------------------------------------------------------------------

def title_from(sentence: str, limit: int = TITLE_CHARS) -> str:
    """A first sentence cut to about ``limit`` characters at a word boundary."""
    sentence = " ".join(sentence.split())
    if len(sentence) <= limit:
        return sentence
    cut = sentence.rfind(" ", 0, limit)
    return sentence[: cut if cut > limit // 2 else limit].rstrip(" ,;:،") + "…"


__all__ = ["OutletAliases", "date_marker", "find_date", "find_outlet", "full_dates", "title_from"]
