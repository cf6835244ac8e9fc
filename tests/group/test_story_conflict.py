"""Two stories whose leads name different people stay apart in re-examination (issue 14: two Chargers
players' DUI arrests, two coaches fired), and so do two of years two or more apart (the Papua quakes,
whose reports name 2004 at the latest, and the 2013 one in Aceh); one story's reports, a story too small
to judge and a story across languages are never held apart by the names, a year off by one never by the
years."""
from __future__ import annotations

import numpy as np

from narratrace.group.features import lead_names_conflict, name_keys, years_conflict
from narratrace.group.recluster import average_link
from narratrace.group.similarity import Side, stories_conflict


def _leads(lang: str, *leads: str) -> list[tuple[str | None, frozenset[str]]]:
    return [(lang, frozenset(name_keys(text))) for text in leads]


JACKSON = _leads("en", "The Chargers receiver Vincent Jackson was arrested, police said.",
                 "Police said that receiver Vincent Jackson of the Chargers was arrested.",
                 "After the arrest, Jackson will play on Sunday, the Chargers said.")
WILLIAMS = _leads("en", "The Chargers lineman Jamal Williams was arrested, police said.",
                  "Police said the Chargers lineman Jamal Williams was arrested.",
                  "A week later, Williams hired a lawyer, the Chargers said.")


def test_different_lead_names_conflict() -> None:
    assert lead_names_conflict(JACKSON, WILLIAMS)
    assert lead_names_conflict(WILLIAMS, JACKSON)


def test_one_story_small_stories_and_other_languages_do_not() -> None:
    assert not lead_names_conflict(JACKSON[:2], JACKSON[2:] + JACKSON[:1])  # one event's reports
    assert not lead_names_conflict(JACKSON[:2], WILLIAMS)  # two members: too few to judge
    assert not lead_names_conflict(JACKSON, [("de", keys) for _, keys in WILLIAMS])  # across languages
    both = [(lang, keys | WILLIAMS[0][1]) for lang, keys in JACKSON]
    assert not lead_names_conflict(both, WILLIAMS)  # Williams is named in most of the other's leads too


def test_sides_read_their_lead() -> None:
    third = "Later in the text, coach Norv Turner spoke."
    def side(i: int, lead: str) -> Side:
        return Side(f"a{i}", "en", None, np.zeros((3, 4), np.float32), [lead, "The police spoke.", third])
    jackson = [side(i, "Chargers receiver Vincent Jackson was arrested.") for i in range(3)]
    williams = [side(i, "Chargers lineman Jamal Williams was arrested.") for i in range(3, 6)]
    assert name_keys(third) and not name_keys(third) & jackson[0].lead_names  # the lead: first two passages
    assert name_keys("receiver Vincent Jackson") <= jackson[0].lead_names
    assert stories_conflict(jackson, williams)
    assert not stories_conflict(jackson, jackson[:1] + williams[:2])


def test_years_two_apart_conflict() -> None:
    papua = [2004, 2004, None, 2002]  # an old quake: most reports name no year, the dated ones name 2004 or before
    aceh = [2013, 2013, 2013, None]
    assert years_conflict(aceh, papua) and years_conflict(papua, aceh)
    tie, later = [2005, 2005, 2013, 2013], [2010, 2010, 2011]  # two years hold half the members each: both count
    assert years_conflict(tie, later) and years_conflict(tie[::-1], later) and years_conflict(later, tie)


def test_years_near_undated_or_few_do_not() -> None:
    aceh = [2013, 2013, 2013, None]
    assert not years_conflict(aceh, [2012, 2012, 2012])  # December's event, January's reports
    assert not years_conflict(aceh, [2004, None, None, None])  # one dated member could be a background year
    assert not years_conflict(aceh, [None, None, None])  # undated reports say nothing
    assert not years_conflict(aceh, [2004, 2004, 2013])  # one of them names the other's year
    assert not years_conflict(aceh[:2], [2004, 2004, 2004])  # two members: too few to judge
    assert not years_conflict([2013, 2008, 2005, None], [2001, 2001, 2001])  # no year holds half its members


def test_sides_read_their_years() -> None:
    def side(i: int, published: str | None, text: str) -> Side:
        return Side(f"a{i}", "en", published, np.zeros((1, 4), np.float32), [text])
    dated = [side(i, "2013-07-02", "A quake struck the province hit by the 2004 tsunami.") for i in range(3)]
    undated = [side(i, None, f"The quake of {y} in Papua killed four.") for i, y in ((3, 2004), (4, 2004), (5, 2002))]
    assert [s.year for s in dated] == [2013] * 3  # the publication year, not the year the text names
    assert stories_conflict(dated, undated)
    assert not stories_conflict(dated, dated[:1] + undated[:2])


def test_average_link_keeps_conflicting_clusters_apart() -> None:
    # items 0-2 and 3-5 are two tight clusters, 0.7 across: average link alone merges all six
    s = np.full((6, 6), 0.7)
    s[:3, :3] = s[3:, 3:] = 0.9
    assert len(set(average_link(s, 0.5))) == 1
    labels = average_link(s, 0.5, conflict=lambda a, b: len(a) >= 3 and len(b) >= 3 and (0 in a) != (0 in b))
    assert labels == [0, 0, 0, 3, 3, 3]
