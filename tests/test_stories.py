"""The near-duplicate story index: copy rules, furniture, the stored index, the labelled set."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from benchmarks.quality_dedup import evaluate
from crawler import stories as stories_module
from crawler.fingerprint import NUM_BANDS, content_hash, paragraphs, sketch
from crawler.items import ArticleItem
from crawler.store import open_store
from crawler.stories import MAX_VERIFY, StoryIndex, is_copy
from pipelines.storage import store_articles

DATA = Path(__file__).parent / "data" / "dedup"
TEXTS = {
    story["id"]: story
    for name in ("corpus_en.toml", "corpus_ru.toml")
    for story in tomllib.loads((DATA / name).read_text("utf-8"))["story"]
}


def paras(story_id: str) -> list[str]:
    return [p.strip() for p in TEXTS[story_id]["text"].strip().split("\n\n")]


def text(story_id: str, keep: int | None = None) -> str:
    return "\n\n".join(paras(story_id)[:keep])


def item(n: int, body: str, source: str = "wire", **kw) -> ArticleItem:
    url = f"https://{source}.example/a/{n}"
    return ArticleItem(
        url=url,
        source=source,
        title=f"Title {n}",
        body=body,
        url_key=url,
        content_hash=content_hash(None, body),
        **kw,
    )


def story_of(db, n: int, source: str = "wire") -> int:
    return db.execute(
        "SELECT story_id FROM articles WHERE url_key = ?", [f"https://{source}.example/a/{n}"]
    ).fetchone()[0]


# --- the copy rule --------------------------------------------------------------


def test_shortened_copy_with_other_dateline_and_source_line_is_a_copy():
    original = sketch(text("en-icrc-1"))
    brief = sketch("YEREVAN — " + text("en-icrc-1", keep=2) + "\n\nSource: Caucasus Wire")
    assert is_copy(original, brief) and is_copy(brief, original)


def test_independent_reports_of_one_event_are_not_copies():
    assert not is_copy(sketch(text("en-icrc-1")), sketch(text("en-icrc-2")))
    assert not is_copy(sketch(text("en-unsc-1")), sketch(text("en-unsc-2")))
    assert not is_copy(sketch(text("ru-mfa-1")), sketch(text("ru-mfa-2")))


def test_next_days_bulletin_is_not_a_copy_although_worded_alike():
    monday, tuesday = sketch(text("ru-mod-1")), sketch(text("ru-mod-2"))
    assert (
        len(monday.shingles & tuesday.shingles) / len(monday.shingles) > 0.6
    )  # nearly the same words
    assert not is_copy(monday, tuesday)
    assert is_copy(monday, sketch("МОСКВА, 19 января. " + text("ru-mod-1")))


def test_a_copy_with_a_new_first_sentence_is_still_a_copy():
    rewritten = [
        "Officials in Stepanakert reported a new patient transfer on Thursday.",
        *paras("en-icrc-1")[1:],
    ]
    assert is_copy(sketch(text("en-icrc-1")), sketch("\n\n".join(rewritten)))


def test_within_one_source_only_near_identical_texts_are_copies():
    original = sketch(text("en-gas-1"))
    assert is_copy(original, sketch(text("en-gas-1", keep=3)))
    assert not is_copy(original, sketch(text("en-gas-1", keep=3)), same_source=True)
    assert is_copy(original, sketch(text("en-gas-1") + "\n\nUpdated at 14:20."), same_source=True)


def test_a_teaser_in_a_list_of_headlines_is_not_a_copy():
    brief = sketch(text("en-metro-1", keep=2))
    feed = [f"- {TEXTS[s]['title']} {paras(s)[0]}" for s in ("en-metro-1", "en-eu-1", "en-food-1")]
    page = sketch(text("en-gas-2") + "\n\nMost read\n\n" + "\n\n".join(feed))
    assert len(brief.lead & page.shingles) > 0.5 * len(brief.lead)  # the lead is there, as a teaser
    assert not is_copy(brief, page)
    assert is_copy(brief, sketch(text("en-gas-2") + "\n\n" + text("en-metro-1")))


def test_short_texts_need_a_sentence_or_two_in_common():
    a = sketch("The Lachin corridor is the only road linking Nagorno-Karabakh to Armenia.")
    b = sketch(
        "The Lachin corridor is the only road linking Nagorno-Karabakh to Armenia. Baku disagrees."
    )
    assert not is_copy(a, b)
    assert is_copy(
        a, sketch("the Lachin corridor is the only road linking Nagorno-Karabakh to Armenia")
    )
    assert not is_copy(sketch(""), a)


# --- the stored index ----------------------------------------------------------


def test_copies_at_other_outlets_join_the_story_and_reports_do_not(tmp_path):
    store = open_store(tmp_path / "n.db")
    db = store.db
    store_articles(store, [item(1, text("en-icrc-1"), "wire")])
    results = store_articles(
        store,
        [
            item(
                2,
                "STEPANAKERT — " + text("en-icrc-1", keep=3) + "\n\nSource: Caucasus Wire",
                "observer",
            ),
            item(3, text("en-icrc-2"), "times"),
        ],
    )
    assert (
        story_of(db, 2, "observer")
        == story_of(db, 1)
        == db.execute("SELECT min(id) FROM articles").fetchone()[0]
    )
    assert story_of(db, 3, "times") != story_of(db, 1)
    assert results[0][0].story_url == "https://wire.example/a/1" and results[1][0].story_url is None


def test_the_index_survives_a_restart(tmp_path):
    path = tmp_path / "n.db"
    store = open_store(path)
    store_articles(store, [item(1, text("ru-icrc-1"), "kavkaz")])
    store.close()
    store = open_store(path)
    db = store.db
    store_articles(
        store, [item(2, "Степанакерт, 12 января. " + text("ru-icrc-1", keep=3), "zakavkazie")]
    )
    assert story_of(db, 2, "zakavkazie") == story_of(db, 1, "kavkaz")
    assert db.execute("SELECT count(*) FROM story_bands").fetchone()[0] > 0


def test_a_text_linking_two_stories_merges_them_into_the_older(tmp_path):
    store = open_store(tmp_path / "n.db")
    db = store.db
    head, tail = paras("en-unsc-1")[:3], paras("en-unsc-1")[3:]
    # Two partial copies that share too little with each other ...
    store_articles(store, [item(1, "\n\n".join(head), "a")])
    store_articles(store, [item(2, "\n\n".join([head[0], *tail]), "b")])
    assert story_of(db, 1, "a") != story_of(db, 2, "b")
    # ... until the full text arrives.
    store_articles(store, [item(3, text("en-unsc-1"), "c")])
    assert story_of(db, 1, "a") == story_of(db, 2, "b") == story_of(db, 3, "c") == 1


def test_furniture_is_left_out_of_the_comparison(tmp_path):
    store = open_store(tmp_path / "n.db")
    promo = (
        "Subscribe to our Telegram channel for the latest news from Armenia and Artsakh every day"
    )
    index = StoryIndex(store)
    # The same line on two unrelated pages of one site is that site's furniture ...
    store_articles(
        store,
        [
            item(1, text("en-gas-2") + "\n\n" + promo, "times"),
            item(2, text("en-metro-1") + "\n\n" + promo, "times"),
        ],
    )
    paragraph = paragraphs(promo)[0][1]
    assert index.is_furniture(paragraph, "times")
    assert not index.is_furniture(paragraph, "observer")
    # ... and on pages of three stories, anyone's.
    store_articles(store, [item(3, text("en-eu-1") + "\n\n" + promo, "monitor")])
    assert StoryIndex(store).is_furniture(paragraph, "observer")
    assert promo not in StoryIndex(store).story_text(text("en-pm-1") + "\n" + promo, "observer")


def test_pages_sharing_only_furniture_stay_apart(tmp_path):
    store = open_store(tmp_path / "n.db")
    db = store.db
    feed = [
        f"- {TEXTS[s]['title']} {paras(s)[0]}"
        for s in ("en-gas-2", "en-eu-1", "en-metro-1", "en-food-1")
    ]
    pages = [
        ("en-pm-1", "times"),
        ("en-convoy-2", "times"),
        ("en-unsc-2", "monitor"),
        ("en-convoy-1", "monitor"),
    ]
    for n, (story, source) in enumerate(pages, 1):
        store_articles(
            store,
            [item(n, text(story, keep=2) + "\n\nIn other news\n\n" + "\n\n".join(feed), source)],
        )
    assert len({story_of(db, n, source) for n, (_, source) in enumerate(pages, 1)}) == len(pages)


def test_candidates_per_article_are_bounded(tmp_path, monkeypatch):
    store = open_store(tmp_path / "n.db")
    index = StoryIndex(store)
    body = text("en-metro-1")
    store_articles(store, [item(n, body + f"\n\nEdition {n}.", f"s{n}") for n in range(40)])
    reads = []
    original = store.band_candidates

    def counting(bands, per_band):
        rows = original(bands, per_band)
        reads.append(len(rows))
        return rows

    monkeypatch.setattr(store, "band_candidates", counting)
    found = index.candidates(index.sketch(body, "new").bands)
    assert len(found) == MAX_VERIFY
    assert found == sorted(found, reverse=True)  # the newest first
    # one read of the index, at most PER_BAND rows per band (40 articles share every band)
    assert len(reads) == 1 and reads[0] <= NUM_BANDS * stories_module.PER_BAND


def test_migration_indexes_articles_stored_before_it(tmp_path):
    path = tmp_path / "n.db"
    store = open_store(path)
    db = store.db
    store_articles(store, [item(1, text("en-food-1"), "post")])
    db.execute("DROP TABLE story_bands")
    db.execute("DROP TABLE story_paragraphs")
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm003_story_index'")
    store.close()
    store = open_store(path)
    db = store.db
    assert db.execute("SELECT count(DISTINCT article_id) FROM story_bands").fetchone()[0] == 1
    store_articles(store, [item(2, "STEPANAKERT — " + text("en-food-1"), "observer")])
    assert story_of(db, 2, "observer") == story_of(db, 1, "post")


# --- the labelled set ----------------------------------------------------------


@pytest.fixture(scope="module")
def labelled():
    return {warm: evaluate(warm=warm)[0] for warm in (True, False)}


def test_labelled_set_copies_are_grouped_without_wrong_merges(labelled):
    figures = labelled[True]
    assert figures["groups"] >= 30
    assert figures["wrong_merges"] == 0, figures["mixed"]
    assert figures["copy_groups_merged"] >= 0.9 * figures["copy_groups"], figures["missed"]
    assert figures["precision"] >= 0.99 and figures["recall"] >= 0.9


def test_labelled_set_on_an_empty_database(labelled):
    figures = labelled[False]
    assert figures["wrong_merges"] == 0, figures["mixed"]
    assert figures["copy_groups_merged"] >= 0.85 * figures["copy_groups"], figures["missed"]
