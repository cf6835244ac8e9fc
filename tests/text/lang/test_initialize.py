"""Every language module loads, fills its slots with the right types, and is found by code."""
import re

import pytest

from narratrace.text.lang import BaseDefaults, available_languages, get_lang
from narratrace.text.lang.base import compile_patterns


@pytest.mark.parametrize("code", available_languages())
def test_lang_module_loads(code):
    cls = get_lang(code)
    assert issubclass(cls, BaseDefaults)
    assert cls.lang == code
    for _, rx in compile_patterns(cls.boilerplate_patterns + cls.meta_patterns + cls.tail_patterns):
        assert isinstance(rx, re.Pattern)
    assert all(isinstance(p, str) for _, ps in cls.boilerplate_prefixes + cls.meta_prefixes for p in ps)
    assert all(1 <= n <= 12 for n in cls.months.values())


def test_lang_expected_modules_present():
    assert {"ar", "en", "fa", "id", "ms", "ur", "xx"} <= set(available_languages())


def test_lang_unknown_code_falls_back_to_xx():
    assert get_lang("zz").lang == "xx"
    assert get_lang(None).lang == "xx"
    assert get_lang("../etc").lang == "xx"
