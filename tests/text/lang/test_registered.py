"""A language added from outside the package, in code or by an entry point, is used by every stage."""
import textwrap

import pytest

from narratrace import registry
from narratrace.errors import ConfigError
from narratrace.group.features import latest_mentioned_month
from narratrace.model import RawArticle
from narratrace.present.web.service import direction as web_direction
from narratrace.text import TextPipeline
from narratrace.text.lang import available_languages, get_lang
from narratrace.text.lang.base import BaseDefaults
from narratrace.text.months import month_names

TEXT = "Zed zorra zumba zebra zonda.\nZoo sezam: zygzak zebry\n"


class Zedish(BaseDefaults):
    """A made-up right-to-left language: a related-link cue, a month, an abbreviation."""

    lang = "zz"
    name = "Zedish"
    direction = "rtl"
    boilerplate_prefixes = BaseDefaults.boilerplate_prefixes + (("related link", ("Zoo sezam",)),)
    months = {"zemtember": 9}


@pytest.fixture
def languages(monkeypatch):
    """A fresh ``registry.languages`` for the test (the real one is put back afterwards)."""
    fresh = registry.Registry("languages")
    monkeypatch.setattr(registry, "languages", fresh)
    return fresh


def test_registered_language_is_used_by_the_text_stage_and_the_web_app(languages):
    pipeline = TextPipeline()
    before = pipeline.transform(RawArticle(text=TEXT, id="z", lang="zz"))
    assert get_lang("zz").lang == "xx" and web_direction("zz") == "ltr"
    assert [p.kind for p in before.passages] == ["body", "body"]

    languages.register("zz")(Zedish)

    assert get_lang("zz") is Zedish and "zz" in available_languages()
    after = pipeline.transform(RawArticle(text=TEXT, id="z", lang="zz"))
    assert [(p.kind, p.reason) for p in after.passages] == [("body", None), ("boilerplate", "related link")]
    assert web_direction("zz-ZZ") == "rtl"
    assert month_names()["zemtember"] == 9
    assert latest_mentioned_month("in Zemtember 2021") == "2021-09"


def test_registered_language_wins_over_a_built_in(languages):
    class Persian(BaseDefaults):
        lang = "fa"
        direction = "ltr"

    languages.register("fa")(Persian)
    assert get_lang("fa") is Persian and web_direction("fa") == "ltr"


def test_builtin_language_is_back_once_the_registry_is_restored():
    assert get_lang("fa").name == "Persian" and get_lang("zz").lang == "xx"


def test_language_from_an_entry_point(languages, tmp_path, monkeypatch):
    (tmp_path / "zq_lang.py").write_text(textwrap.dedent("""
        from narratrace.text.lang.base import BaseDefaults

        class Zq(BaseDefaults):
            lang = "zq"
            direction = "rtl"
    """), "utf-8")
    info = tmp_path / "zq_lang-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: zq-lang\nVersion: 1.0\n", "utf-8")
    (info / "entry_points.txt").write_text("[narratrace.languages]\nzq = zq_lang:Zq\n", "utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert get_lang("zq").__module__ == "zq_lang" and web_direction("zq") == "rtl"


def test_registered_language_must_be_a_language_class_of_its_code(languages):
    languages.register("zy")(object())
    with pytest.raises(ConfigError, match="not a language class"):
        get_lang("zy")
    languages.register("zx")(Zedish)
    with pytest.raises(ConfigError, match="set lang = 'zx'"):
        get_lang("zx")
