"""Every language module loads, defines every slot with the right type, and is found by code."""
import re

import pytest

from narratrace.text.lang import BaseDefaults, available_languages, direction, get_lang
from narratrace.text.lang.base import SLOTS, compile_patterns
from narratrace.text.lang.xx import RIGHT_TO_LEFT

#: the codes the web app has always set dir="rtl" on
WEB_RTL = ("ar", "fa", "ur", "ps", "he", "yi", "ckb", "sd", "ug", "dv", "ku", "arz", "azb", "pnb")


def test_lang_slots_lists_every_slot_of_base_defaults():
    assert set(SLOTS) == set(BaseDefaults.__annotations__)


@pytest.mark.parametrize("code", available_languages())
def test_lang_module_loads_and_defines_every_slot(code):
    cls = get_lang(code)
    assert issubclass(cls, BaseDefaults) and cls.lang == code
    for slot, kind in SLOTS.items():
        assert isinstance(getattr(cls, slot), kind), f"{code}.{slot}"
    assert cls.direction in ("ltr", "rtl")
    assert cls.sentence_end and not re.search(r"\s", cls.sentence_end)
    for _, rx in compile_patterns(cls.boilerplate_patterns + cls.meta_patterns + cls.tail_patterns):
        assert isinstance(rx, re.Pattern)
    assert all(isinstance(p, str) for _, ps in cls.boilerplate_prefixes + cls.meta_prefixes for p in ps)
    for table in (cls.months, cls.jalali_months):
        assert all(isinstance(name, str) and 1 <= n <= 12 for name, n in table.items())
    assert all(isinstance(k, str) and len(k) == 1 for k in cls.folds)


def test_lang_expected_modules_present():
    assert {"ar", "de", "en", "es", "fa", "fr", "id", "it", "ms", "tr", "ur", "xx"} <= set(available_languages())


def test_lang_unknown_code_falls_back_to_xx():
    assert get_lang("zz").lang == "xx"
    assert get_lang(None).lang == "xx"
    assert get_lang("../etc").lang == "xx"
    assert get_lang("base").lang == "xx"


@pytest.mark.parametrize("code", WEB_RTL)
def test_lang_right_to_left_languages_stay_rtl(code):
    assert get_lang(code).direction == "rtl" and direction(code) == "rtl"


def test_lang_right_to_left_fallbacks_are_shared_defaults_with_their_code():
    for code, name in RIGHT_TO_LEFT.items():
        cls = get_lang(code)
        assert cls.lang == code and cls.name == name and code not in available_languages()
        assert cls.boilerplate_prefixes == BaseDefaults.boilerplate_prefixes and cls.abbreviations is None


@pytest.mark.parametrize(("tag", "want"), [("fa-IR", "rtl"), ("AR", "rtl"), ("ur_PK", "rtl"), (" he ", "rtl"),
                                           ("en", "ltr"), ("id", "ltr"), ("zh-Hant", "ltr"), ("", "ltr"),
                                           (None, "ltr")])
def test_lang_direction_of_a_language_tag(tag, want):
    assert direction(tag) == want
