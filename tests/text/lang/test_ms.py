"""Malay: kept apart from Indonesian only on Malaysian-only words."""
from narratrace.text.langid import LanguageIdentifier


def test_ms_needs_malaysian_words():
    lid = LanguageIdentifier()
    assert lid.detect("Polis sedang menjalankan siasatan lanjut berhubung kejadian itu kerana ramai saksi.")[0] == "ms"
    assert lid.detect("Polisi sedang melakukan penyelidikan lebih lanjut karena banyak saksi.")[0] == "id"
