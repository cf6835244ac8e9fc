"""Source and cue matching keys text with the text stage's folding, so every spelling of a source is found."""
from narratrace.text.normalise import DROPPED, LETTER_FOLDS
from narratrace.trace.attributions import match_key_with_offsets as normalise


def test_attributions_key_folds_like_the_text_stage():
    for ch, folded in LETTER_FOLDS.items():
        assert normalise(ch)[0] == folded
    assert normalise("وكالة سانا")[0] == normalise("وکاله سانا")[0]


def test_attributions_key_drops_what_the_text_stage_drops_and_keeps_offsets():
    text = "روي\u200bترز"   # a zero-width space inside «رويترز»
    key, where = normalise(text)
    assert key == normalise("رويترز")[0] and [text[i] for i in where] == [c for c in text if c not in DROPPED]


def test_attributions_source_label_comes_from_the_language_modules():
    from narratrace.trace.attributions import _is_byline

    for text in ("المصدر: سبوتنيك - ", "Sumber: Sputnik - ", "منابع: اسپوتنیک - "):
        start = text.index(":") + 2
        end = text.index(" - ")
        assert not _is_byline(text, start, end), text
    assert _is_byline("Sputnik - the agency said", 0, 7)
