"""Site boilerplate is learned from one outlet's repeated lines and left out of encoding (issue 14, item 6)."""
from __future__ import annotations

from narratrace import Narratrace
from narratrace.model import RawArticle
from narratrace.settings import Settings
from narratrace.text.boilerplate import line_hash, site_of

AD = "REKLAMA"
PAYWALL = "TAKE A FREE TRIAL Registered users can read up to 3 reports"
TOPICS = [
    ("Flood", "Heavy rain flooded the river valley near Krakow on Monday and 300 homes were evacuated.",
     "Firefighters pumped water from cellars while the regional governor asked the army for help."),
    ("Election", "The ruling party won 44 percent of the vote in the parliamentary election on Sunday.",
     "Opposition leaders said they would contest the results in three districts before the court."),
    ("Strike", "Railway workers began a 48-hour strike over wages, halting trains across the country.",
     "The transport minister called the walkout irresponsible and offered new talks on Thursday."),
    ("Football", "The national team beat Portugal 2-1 in a qualifier thanks to a late header.",
     "The coach praised the defence and said the squad would travel to Lisbon in November."),
    ("Wildfire", "A forest fire burned 1,200 hectares in the south before crews contained it.",
     "Residents of two villages returned home after the evacuation order was lifted at dawn."),
    ("Bank", "The central bank raised its main interest rate to 6.75 percent to fight inflation.",
     "Economists had expected the move after consumer prices rose for the ninth month in a row."),
    ("Museum", "A new museum of modern art opened in Gdansk with works by 150 artists.",
     "The director said entry would be free on Sundays during the first year."),
    ("Quake", "A magnitude 5.1 earthquake shook the mountain region at night, damaging old churches.",
     "Seismologists said aftershocks could continue for several days."),
]


def _article(k: int, outlet: str = "Gazeta Testowa", topic: int | None = None, aid: str | None = None) -> RawArticle:
    title, lead, body = TOPICS[k if topic is None else topic]
    text = "\n".join([title, lead, AD, body, PAYWALL])
    return RawArticle(id=aid or f"{outlet[:3].lower()}-{k}", text=text, outlet=outlet, origin=f"{outlet}.jsonl:{k}")


def _encoded(nt: Narratrace, article_id: str) -> list[str]:
    return nt.store.passage_vectors(article_id).texts


def _settings() -> Settings:
    return Settings.load(encoder={"backend": "hashing"})


def test_site_boilerplate_learned_after_enough_texts_and_stories(new_db):
    settings = _settings()
    assert (settings.text.site_boilerplate_articles, settings.text.site_boilerplate_stories) == (5, 3)
    with Narratrace(db=new_db("sites"), settings=settings) as nt:
        for k in range(5):
            nt.add([_article(k)])
        # the shared lines glue the first articles into one story: stories are told apart by headline
        assert len({nt.article(f"gaz-{k}").title for k in range(5)}) == 5
        # learning runs forward: the five articles it was learned from keep their vectors
        assert AD in _encoded(nt, "gaz-0") and PAYWALL in _encoded(nt, "gaz-4")
        learned = {row["example"] for row in nt.store.site_boilerplate("gazeta testowa")}
        assert learned == {AD, PAYWALL}
        nt.add([_article(5), _article(6)])
        for aid in ("gaz-5", "gaz-6"):
            texts = _encoded(nt, aid)
            assert AD not in texts and PAYWALL not in texts and len(texts) == 3
            kept = {p.text: p for p in nt.article(aid).passages}
            assert kept[AD].kind == "body" and kept[AD].reason and "site boilerplate" in kept[AD].reason
        # kept out of search: once learned, the paywall notice is returned for no article, not even the
        # five it was learned from (search drops learned site lines at query time)
        found = [p["text"] for h in nt.search(PAYWALL, limit=50) for p in h["passages"]]
        assert PAYWALL not in found
        # another outlet's articles are not affected by Gazeta's template
        nt.add([_article(7, outlet="Other Daily")])
        assert AD in _encoded(nt, "oth-7")


def test_site_boilerplate_a_syndicated_copy_counts_once(new_db):
    """Six copies of one article at one site are one text: its lines never become the site's boilerplate."""
    with Narratrace(db=new_db("sites"), settings=_settings()) as nt:
        report = nt.add([_article(0, outlet="Mirror", aid=f"m-{k}") for k in range(6)])
        assert len(report.copies) == 5
        assert nt.store.site_boilerplate("mirror") == []
        nt.add([_article(0, outlet="Mirror", aid="m-late")])
        assert AD in _encoded(nt, "m-late") and TOPICS[0][1] in _encoded(nt, "m-late")


def test_site_boilerplate_many_versions_of_one_story_do_not_count_as_many(new_db):
    """Five different texts of one story share their headline; one story is not a site template."""
    with Narratrace(db=new_db("sites"), settings=_settings()) as nt:
        title, lead, body = TOPICS[0]
        for k in range(6):
            nt.add([RawArticle(id=f"v{k}", text=f"{title}\n{lead} Update {k}: {k * 10} more homes.\n{body}",
                               outlet="Live Desk")])
        assert nt.store.site_boilerplate("live desk") == []  # six texts, one headline


def test_site_boilerplate_site_and_line_keys():
    from narratrace.model import Article

    assert site_of(Article(id="a", text="x", outlet="  Gazeta   Testowa ")) == "gazeta testowa"
    assert site_of(Article(id="a", text="x", url="https://www.example.pl/a/b")) == "example.pl"
    assert site_of(Article(id="a", text="x")) is None  # nothing is learned for an article of no known site
    assert line_hash("reklama") == line_hash("reklama") != line_hash("reklama!")
