"""Cue phrases of every language, for stages that need one kind of them (the trace stage's source labels)."""
import pytest

from narratrace.errors import ConfigError
from narratrace.text.lang import phrases


def test_phrases_of_one_reason_from_every_language():
    labels = phrases("meta_prefixes", "source line")
    assert {"Source:", "المصدر:", "منبع:", "Sumber:"} <= set(labels) and len(labels) == len(set(labels))
    assert "انتهای پیام" in phrases("boilerplate_prefixes", "end marker")
    assert phrases("meta_prefixes", "no such reason") == ()


def test_phrases_only_from_phrase_slots():
    with pytest.raises(ConfigError, match="not a phrase slot"):
        phrases("boilerplate_patterns", "site tag")
