"""Script-independent clues for "same event": numbers, name keys and the days between two dates.

Embeddings of two unrelated articles in one language often score higher than an
article and its own translation; numbers (750 fighters) and names (al-Hasakah /
الحسكة / الحسکه) do not have that bias. Names are compared through a consonant
skeleton that Latin, Arabic and Persian spellings of one name share:
"Al-Hasakah" → HSKH, «الحسكة» → HSKH, "Sputnik" / «اسپوتنیک» → SBTNK. A capitalised Cyrillic word is
transliterated to Latin letters first ("Палу" → "palu" → BL, as "Palu"); Chinese has no name keys.
"""
from __future__ import annotations

import calendar
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path

from ..text.jalali import to_gregorian
from ..text.months import month_names
from ..text.normalise import fold_digits, fold_letters, normalise

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_SENTENCE_END = frozenset('.!?:;"“”«»\'')
_LATIN_NAME = re.compile(r"\b[A-Z][A-Za-z'’\-]{2,}")
_ARABIC_WORD = re.compile(r"[\u0621-\u064A\u0671-\u06D3\u06FA-\u06FF]{3,}")
_CYRILLIC_NAME = re.compile(r"\b[А-ЯЁ][а-яё\-]{2,}")
#: Cyrillic → Latin letters (then ``latin_key`` as for a Latin name)
CYRILLIC_TO_LATIN = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya"})

# Latin → skeleton: digraphs first, vowels and semivowels dropped.
_LATIN_DIGRAPHS = (("sch", "S"), ("sh", "S"), ("ch", "S"), ("kh", "K"), ("gh", "G"), ("th", "T"), ("dh", "Z"),
                   ("ph", "F"), ("ck", "K"), ("ou", ""), ("ee", ""), ("oo", ""))
_LATIN_MAP = str.maketrans({"b": "B", "p": "B", "t": "T", "d": "D", "s": "S", "c": "K", "z": "Z", "j": "J",
                            "g": "G", "k": "K", "q": "K", "h": "H", "f": "F", "v": "F", "l": "L", "m": "M",
                            "n": "N", "r": "R", "x": "KS", "a": "", "e": "", "i": "", "o": "", "u": "", "y": "",
                            "w": "", "'": "", "’": "", "-": ""})
# Arabic script → skeleton, over letters already folded (``text.normalise.fold_letters``: ي/ى/ئ→ی, ك→ک,
# ة/ۀ/ہ/ھ→ه, أ/إ/آ→ا, ؤ→و), so that every spelling of a letter maps alike; vowels and ع dropped.
_ARABIC_MAP = str.maketrans({
    "ب": "B", "پ": "B", "ت": "T", "ث": "S", "ج": "J", "چ": "S", "ح": "H", "خ": "K", "د": "D", "ذ": "Z", "ر": "R",
    "ز": "Z", "ژ": "Z", "س": "S", "ش": "S", "ص": "S", "ض": "D", "ط": "T", "ظ": "Z", "ع": "", "غ": "G", "ف": "F",
    "ق": "K", "ک": "K", "گ": "G", "ل": "L", "م": "M", "ن": "N", "ه": "H", "و": "", "ی": "", "ا": "", "ء": ""})
_ARABIC_PREFIXES = ("وبال", "وال", "بال", "فال", "كال", "لل", "ال", "و")
_LATIN_ARTICLES = re.compile(r"^(?:al|el|ad|ar|as|ash|at|az|an|ed|er|es|ez)-", re.I)


def numbers(text: str) -> set[str]:
    """Numbers that identify an event, in any script: 750, ۷۵۰ and ٧٥٠ all give "750"; 1,500 gives
    "1500"; 3.5 stays "3.5". Single digits are too common to count. The one number extractor of
    narratrace (grouping, relations, claims and fact-checks all use it)."""
    found = set()
    for m in _NUMBER.finditer(fold_digits(text)):
        n = m.group().replace(",", "")
        if len(n.replace(".", "")) >= 2:
            found.add(n.lstrip("0") or "0" if "." not in n else n)
    return found


def number_weight(n: str) -> float:
    """Years and two-digit numbers recur across events; long and decimal numbers rarely do."""
    if len(n) == 4 and n.isdigit() and 1900 <= int(n) <= 2100:
        return 0.15
    if len(n) == 2:
        return 0.3
    return 1.0


def shared_evidence(a: set[str], b: set[str], weight: Callable[[str], float], scale: float = 1.0) -> float:
    """Saturating evidence from shared clues: 1 - exp(-sum of weights / scale).

    Unlike a Jaccard ratio, one shared year between two short texts stays weak
    evidence, while two rare shared numbers or names are strong.
    """
    total = sum(weight(k) for k in a & b)
    return 1.0 - math.exp(-total / scale)


class NameRarity:
    """Inverse document frequency of name keys, from a background news corpus.

    "America" and "Syria" appear in many reports; "al-Hasakah" or "al-Tanf" pin an
    event. Keys never seen in the background count as rare.
    """

    def __init__(self, df: dict[str, int] | None = None, documents: int = 0) -> None:
        self.df = df or {}
        self.documents = documents
        self._norm = math.log(documents + 1) if documents else 1.0

    def __call__(self, key: str) -> float:
        if not self.documents:
            return 1.0
        return math.log((self.documents + 1) / (self.df.get(key, 0) + 1)) / self._norm

    @classmethod
    def load(cls, path: Path) -> NameRarity:
        if not path.exists():
            return cls()
        data = json.loads(path.read_text("utf-8"))
        return cls(data["df"], data["documents"])


def latin_key(token: str) -> str:
    t = _LATIN_ARTICLES.sub("", token.lower())
    for a, b in _LATIN_DIGRAPHS:
        t = t.replace(a, b)
    t = t.translate(_LATIN_MAP)
    return re.sub(r"(.)\1+", r"\1", "".join(c for c in t if c.isupper()))


def arabic_key(token: str) -> str:
    for pre in _ARABIC_PREFIXES:
        if token.startswith(pre) and len(token) - len(pre) >= 3:
            token = token[len(pre):]
            break
    t = fold_letters(token).translate(_ARABIC_MAP)
    return re.sub(r"(.)\1+", r"\1", "".join(c for c in t if c.isupper()))


_COMMON_NAMES = Path(__file__).resolve().parent / "data" / "common_names.txt"


def name_key(token: str) -> str:
    """The skeleton key of one word in Latin or Arabic script."""
    return arabic_key(token) if _ARABIC_WORD.fullmatch(token) else latin_key(token)


def load_common_names(path: Path = _COMMON_NAMES) -> frozenset[str]:
    """Keys of names too common to identify an event (see data/common_names.txt)."""
    keys: set[str] = set()
    for line in path.read_text("utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keys.update(name_key(tok) for tok in line.split())
    return frozenset(k for k in keys if k)


COMMON_NAMES = load_common_names()


def name_keys(text: str, common: frozenset[str] = COMMON_NAMES) -> set[str]:
    """Skeleton keys of likely names: capitalised Latin and Cyrillic words and Arabic-script words (3+
    consonants), less the ``common`` ones (countries, capitals, agencies) that do not identify an event.
    Without the Cyrillic ones a Russian report shared no name with its own English original (ntrex-dev)."""
    keys = set()
    for pattern, latin in ((_LATIN_NAME, False), (_CYRILLIC_NAME, True)):
        for m in pattern.finditer(text):
            before = text[: m.start()].rstrip()
            if not before or before[-1] in _SENTENCE_END:
                continue  # a capital after a full stop marks a sentence, not a name
            k = latin_key(m.group().lower().translate(CYRILLIC_TO_LATIN) if latin else m.group())
            if len(k) >= 3:
                keys.add(k)
    for m in _ARABIC_WORD.finditer(text):
        k = arabic_key(m.group())
        if len(k) >= 3:
            keys.add(k)
    return keys - common


def weighted_overlap(a: set[str], b: set[str], weight: dict[str, float] | None = None) -> float:
    """Shared weight over the smaller side's weight: 1.0 when one side's clues all appear in the other."""
    if not a or not b:
        return 0.0
    w = (lambda k: weight.get(k, 1.0)) if weight else (lambda k: 1.0)
    shared = sum(w(k) for k in a & b)
    return shared / max(1e-9, min(sum(w(k) for k in a), sum(w(k) for k in b)))


def document_frequencies(key_sets: Iterable[set[str]]) -> Counter[str]:
    df: Counter[str] = Counter()
    for ks in key_sets:
        df.update(ks)
    return df


_NUMBER_UNIT = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:-\s*)?([^\W\d_]{3,})")


def number_units(text: str) -> set[tuple[str, str]]:
    """(word, number) for each number followed by a word: ("magnitude", "6.1") of "6.1-magnitude",
    ("people", "12") of "12 people" (the word lower-cased, the number as written, without commas)."""
    return {(m.group(2).lower(), m.group(1).replace(",", "")) for m in _NUMBER_UNIT.finditer(fold_digits(text))}


def unit_conflict(a: set[tuple[str, str]], b: set[tuple[str, str]]) -> float:
    """Of the words both texts put after a number, the share whose numbers the two never share: a
    6.1-magnitude quake is not a 4.6-magnitude one, where sharing "magnitude" says little. Death tolls
    grow within one event, so this is evidence for the model to weigh, not a rule."""
    return values_conflict(unit_values(a), unit_values(b))


def unit_values(units: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """word -> the numbers a text puts before it (``number_units`` grouped by word): one article's side
    of ``unit_conflict``, kept by a scorer that meets the article in many pairs."""
    by_word: dict[str, set[str]] = {}
    for unit, value in units:
        by_word.setdefault(unit, set()).add(value)
    return by_word


def values_conflict(by_a: Mapping[str, set[str]], by_b: Mapping[str, set[str]]) -> float:
    """``unit_conflict`` of two ``unit_values``."""
    shared = by_a.keys() & by_b.keys()
    if not shared:
        return 0.0
    return sum(1 for u in shared if not by_a[u] & by_b[u]) / len(shared)


_YEAR = re.compile(r"(?<![\d.,])(19[5-9]\d|20[0-4]\d)(?![\d.,]\d)")


def latest_year(text: str) -> int | None:
    """The latest year (1950-2049, any digits) the text mentions. A report is rarely older than the
    latest year it names, so two undated reports that name different latest years are likely two events
    of one kind (last year's earthquake and this year's), not one."""
    years = [int(y) for y in _YEAR.findall(fold_digits(text))]
    return max(years) if years else None


_MONTH_YEAR = re.compile(r"([^\W\d_]+)\s+(\d{4})\b")
_WORD_BEFORE = re.compile(r"(?<![^\W\d_])[^\W\d_]+\s+$")


def latest_mentioned_month(text: str) -> str | None:
    """The latest "month year" the text mentions ("Oktober 2019", «آبان ۱۳۹۸»), as YYYY-MM.

    A report cannot be older than a month it mentions, so this bounds an undated
    article's publication date from below. Month names are those of the language modules
    (``text.months.month_names``), two-word ones too («كانون الثاني ۲۰۱۹»); a Solar Hijri month gives
    the Gregorian month of its first day (Farvardin 1398 began on 21 March 2019: "2019-03").
    """
    gregorian, jalali = month_names("gregorian"), month_names("jalali")
    best = None
    folded = fold_digits(text)
    for m in _MONTH_YEAR.finditer(folded):
        year = int(m.group(2))
        before = _WORD_BEFORE.search(folded, max(0, m.start() - 40), m.start())
        names = [normalise(before.group() + m.group(1))] if before else []
        names.append(normalise(m.group(1)))
        ym = None
        for name in names:
            if name in gregorian and 1900 <= year <= 2100:
                ym = f"{year:04d}-{gregorian[name]:02d}"
            elif name in jalali and 1300 <= year <= 1500:
                first_day = to_gregorian(year, jalali[name])
                ym = f"{first_day.year:04d}-{first_day.month:02d}"
            if ym:
                break
        if ym:
            best = max(best or ym, ym)
    return best


#: a story's lead is its members' first passages (title and first paragraph): who the report is about
LEAD_PASSAGES = 2
#: members each story needs before its lead names are trusted, and the shares that make a name a story's own
LEAD_MEMBERS, LEAD_DOMINANT, LEAD_RARE = 3, 0.5, 0.2


def lead_names_conflict(a: Sequence[tuple[str | None, frozenset[str]]],
                        b: Sequence[tuple[str | None, frozenset[str]]]) -> bool:
    """Two stories, given as (language, lead name keys) per member, that name different people or places
    in their leads: each has a name in at least ``LEAD_DOMINANT`` of its members' leads that at most
    ``LEAD_RARE`` of the other's leads hold (Vincent Jackson's DUI arrest vs Jamal Williams's, both "San
    Diego Chargers"). Pair scores cannot say this: two reports of one event vary as much as two events of
    one kind do. Only for stories of ``LEAD_MEMBERS`` or more, all in one language (across languages and
    scripts name keys differ), so a story can only hold against another once it has several members."""
    if len(a) < LEAD_MEMBERS or len(b) < LEAD_MEMBERS or len({lang for lang, _ in [*a, *b]}) != 1:
        return False

    def own_names(mine: Sequence[tuple[str | None, frozenset[str]]],
                  other: Sequence[tuple[str | None, frozenset[str]]]) -> bool:
        counts = Counter(k for _, keys in mine for k in keys)
        theirs = Counter(k for _, keys in other for k in keys)
        return any(n >= LEAD_DOMINANT * len(mine) and theirs[k] <= LEAD_RARE * len(other) for k, n in counts.items())

    return own_names(a, b) and own_names(b, a)


#: years between two texts' years at which they are two events: ``years_apart`` is 1 from here, and a story
#: whose year is this far after every dated member of another is not merged with it (``years_conflict``)
YEARS_APART_CAP = 2
#: dated members a story needs before its years can hold it apart from another: one could be a background year
YEARS_DATED_MEMBERS = 2


def years_conflict(a: Sequence[int | None], b: Sequence[int | None]) -> bool:
    """Two stories, given as each member's year (publication year, else the latest year its text names),
    where one is an event of year Y (at least ``LEAD_DOMINANT`` of its members) and every dated member of
    the other, at least ``YEARS_DATED_MEMBERS`` of them, lies ``YEARS_APART_CAP`` or more years before Y:
    last decade's quake in the same province, the previous administration's rule. Pair scores miss it when
    the two share their names and vocabulary. Exact for dated feeds; for undated texts a report's latest
    named year stands in for its date, and one named year off (a January report of December's event) is
    never enough. Both stories need ``LEAD_MEMBERS`` or more members, as ``lead_names_conflict``."""
    if len(a) < LEAD_MEMBERS or len(b) < LEAD_MEMBERS:
        return False

    def later_than(mine: Sequence[int | None], other: Sequence[int | None]) -> bool:
        dated = [y for y in other if y]
        if len(dated) < YEARS_DATED_MEMBERS:
            return False
        counts = Counter(y for y in mine if y)  # every year of half the members, so a tie does not hang on order
        return any(n >= LEAD_DOMINANT * len(mine) and max(dated) <= year - YEARS_APART_CAP
                   for year, n in counts.items())

    return later_than(a, b) or later_than(b, a)


def days_between(a: str | None, b: str | None) -> float | None:
    """Days between two partial ISO dates, counting the uncertainty of a month-only date in the pair's favour.

    Never raises: a value that is not a possible date (``2021-02-30``, ``9999-12``, stored before ingest
    checked dates) counts as undated."""
    if not isinstance(a, str) or not isinstance(b, str) or not a or not b:
        return None
    sa, sb = _date_span(a), _date_span(b)
    if not sa or not sb:
        return None
    if sa[1] < sb[0]:
        return float((sb[0] - sa[1]).days)
    if sb[1] < sa[0]:
        return float((sa[0] - sb[1]).days)
    return 0.0


@lru_cache(maxsize=65536)  # a pure function of a date string, and the same dates recur pair after pair
def _date_span(s: str) -> tuple[date, date] | None:
    """The first and last day a partial ISO date (year, year-month or full date) can mean; None when it is
    not a possible date."""
    try:
        parts = [int(x) for x in s[:10].split("-")]
        if len(parts) == 1:
            return date(parts[0], 1, 1), date(parts[0], 12, 31)
        if len(parts) == 2:
            last = calendar.monthrange(parts[0], parts[1])[1] if 1 <= parts[1] <= 12 else 0
            return date(parts[0], parts[1], 1), date(parts[0], parts[1], last)
        return date(*parts[:3]), date(*parts[:3])
    except (ValueError, TypeError, OverflowError, calendar.IllegalMonthError):
        return None
