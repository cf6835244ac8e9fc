"""English: related-link lines and the reporting-verb date rule."""
from narratrace.model import RawArticle


def test_en_read_more_and_date(pipeline):
    text = ("WASHINGTON (Reuters) - The Pentagon denied the report.\n"
            "Read more: Syria prison attack\n"
            "\"No such transfer took place,\" a spokesman said on Tuesday, November 14, 2017.")
    art = pipeline.transform(RawArticle(text=text, id="e"))
    assert art.lang == "en" and art.outlet == "Reuters"
    assert [p.kind for p in art.passages] == ["body", "boilerplate", "body"]
    assert art.published == "2017-11-14"
    assert art.title == "The Pentagon denied the report."
