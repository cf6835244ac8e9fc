"""Two stories whose leads name different people stay apart in re-examination (issue 14: two Chargers
players' DUI arrests, two coaches fired), while one story's reports, a story too small to judge and a
story across languages are never held apart by it."""
from __future__ import annotations

import numpy as np

from narratrace.group.features import lead_names_conflict, name_keys
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


def test_average_link_keeps_conflicting_clusters_apart() -> None:
    # items 0-2 and 3-5 are two tight clusters, 0.7 across: average link alone merges all six
    s = np.full((6, 6), 0.7)
    s[:3, :3] = s[3:, 3:] = 0.9
    assert len(set(average_link(s, 0.5))) == 1
    labels = average_link(s, 0.5, conflict=lambda a, b: len(a) >= 3 and len(b) >= 3 and (0 in a) != (0 in b))
    assert labels == [0, 0, 0, 3, 3, 3]
