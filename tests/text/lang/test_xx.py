"""Languages without a module use the shared defaults; right-to-left ones keep their direction."""
from narratrace.model import RawArticle
from narratrace.text.lang import get_lang
from narratrace.text.segment import abbreviations_for

#: the head of a Polish article in SemEval-2022 Task 8 (pairs.csv)
POLISH = ("Wyspa Ożywisów. Wernisaż wystawy Wojciecha Kołyszko\n"
          "Gdański Archipelag Kultury Wyspa Skarbów zaprasza na wernisaż wystawy plakatów narracyjnych Wojciecha "
          "Kołyszki Wyspa Ożywisów 10 stycznia 2020 /piątek/ g. 18.00 Celem przedsięwzięcia jest pokazanie potęgi "
          "ludzkiej wyobraźni.\n"
          "Share this")
#: a Hebrew sentence from Tatoeba (tatoeba.heb-eng.heb)
HEBREW = "אמא שלי משחקת גולף מצוין."


def test_xx_polish_article_uses_shared_rules(pipeline):
    art = pipeline.transform(RawArticle(text=POLISH, id="pl"))
    assert art.lang == "pl" and get_lang("pl").lang == "xx"
    assert [p.kind for p in art.passages] == ["body", "body", "boilerplate"]
    assert art.published is None  # no module lists Polish month names yet


def test_xx_language_without_abbreviations_uses_every_languages():
    assert abbreviations_for("pl") == abbreviations_for(None) >= abbreviations_for("id") | abbreviations_for("en")
    assert abbreviations_for("fa") == get_lang("fa").abbreviations


def test_xx_hebrew_is_right_to_left(pipeline):
    art = pipeline.transform(RawArticle(text=HEBREW, id="he"))
    assert art.lang == "he" and get_lang(art.lang).direction == "rtl"
