"""Stories across languages: the signature, the decision, the index in storage, the labelled set."""

from __future__ import annotations

import json

import pytest
from scrapy.utils.test import get_crawler

from benchmarks.quality_translations import evaluate, load_texts, split_of
from crawler import stories as stories_module
from crawler.fingerprint import content_hash
from crawler.items import ArticleItem
from crawler.namekeys import name_key
from crawler.store import open_store
from crawler.stories import TranslationIndex
from crawler.translations import decide, decode, hours_between, number_value, signature
from pipelines.dedup import DedupPipeline
from pipelines.storage import StoragePipeline, store_articles

TEXTS = {(t["group"], t["language"]): t for t in load_texts()}


def signed(group: str, language: str):
    text = TEXTS[(group, language)]
    return signature(text["title"], text["body"], language)


def hours(group_a: str, lang_a: str, group_b: str, lang_b: str) -> float | None:
    return hours_between(
        TEXTS[(group_a, lang_a)]["published"], TEXTS[(group_b, lang_b)]["published"]
    )


# --- the signature -----------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, value",
    [
        ("1,200", "1200"),
        ("1 200", "1200"),
        ("1\u00a0200", "1200"),
        ("1.200", "1200"),
        ("1200", "1200"),
        ("120 000", "120000"),
        ("1,2", "1.2"),
        ("1.2", "1.2"),
        ("2.50", "2.5"),
        ("07", "7"),
    ],
)
def test_numbers_are_one_figure_whatever_the_separators(raw, value):
    assert number_value(raw) == value


def test_figures_read_alike_in_the_four_languages():
    texts = {
        "en": "Some 1,100 people, among them 270 children, were stranded, officials said.",
        "ru": "Около 1 100 человек, среди них 270 детей, застряли на дороге, сообщили власти.",
        "hy": "Շուրջ 1100 մարդ, որոնցից 270-ը՝ երեխաներ, մնացել են ճանապարհին։",
        "az": "Təxminən 1.100 nəfər, o cümlədən 270 uşaq yolda qalıb.",
    }
    for language, text in texts.items():
        keys = signature(None, text, language).keys
        assert {"n:1100", "n:270"} <= set(keys), language


@pytest.mark.parametrize(
    "language, text",
    [
        ("en", "About 120,000 people; the program costs 1.2 billion drams; 5 mins"),
        ("ru", "Около 120 тысяч человек; программа стоит 1,2 млрд драмов"),
        ("hy", "Շուրջ 120 հազար մարդ. ծրագիրը կարժենա 1,2 միլիարդ դրամ"),
        ("az", "Təxminən 120 min nəfər; proqram 1,2 milyard dram dəyərindədir"),
    ],
)
def test_thousands_and_millions_in_words_are_figures(language, text):
    keys = signature(None, text, language).keys
    assert {"n:120000", "n:1200000000"} <= set(keys)
    assert "n:5000" not in keys


@pytest.mark.parametrize(
    "language, text",
    [
        ("en", "The road has been closed since December 12, the ministry said."),
        ("en", "The road has been closed since 12 Dec, the ministry said."),
        ("ru", "Дорога закрыта с 12 декабря, сообщили в министерстве."),
        ("hy", "Ճանապարհը փակ է դեկտեմբերի 12-ից, հայտնել են նախարարությունից։"),
        ("az", "Yol dekabrın 12-dən bağlıdır, nazirlik bildirib."),
    ],
)
def test_a_day_of_a_month_is_one_key_in_every_language(language, text):
    keys = signature(None, text, language).keys
    assert "d:12-12" in keys and "n:12" not in keys


def test_times_and_years():
    keys = signature(None, "At 14:20 on March 5 and again at 6 p.m. in 2023.", "en").keys
    assert keys["t:14:20"] > keys["y:2023"]
    assert "t:18:00" in keys and "d:03-05" in keys


def test_sentence_starts_titles_and_institutions_are_not_names():
    keys = signature(
        "Foreign Ministry Issues A Statement On The Border",
        "The Ministry of Foreign Affairs said on Monday that Ararat Mirzoyan met the Red Cross.",
        "en",
    ).keys
    names = {key for key in keys if key.startswith("p:")}
    assert names == {f"p:{name_key('Ararat', 'en')}", f"p:{name_key('Mirzoyan', 'en')}"}


def test_list_items_are_left_out():
    body = "Officials in Goris counted 1,250 cars.\n\nMost read\n\n- Mirzoyan meets Bayramov on 4,000 troops"
    keys = signature(None, body, "en").keys
    assert "n:1250" in keys and "n:4000" not in keys
    assert f"p:{name_key('Mirzoyan', 'en')}" not in keys


def test_a_language_it_cannot_read_gets_no_signature():
    assert signature("Titel", "Am 12. Dezember sagte Paschinjan 1200 Worte.", "de").keys == {}


def test_signature_survives_storage():
    made = signed("d06-salaries", "en")
    assert decode("en", made.encode()) == made


# --- the decision ------------------------------------------------------------------


@pytest.mark.parametrize(
    "group, a, b",
    [
        ("d06-salaries", "en", "hy"),
        ("d05-mfa-icj", "az", "ru"),
        ("d10-peskov-mandate", "ru", "en"),
        ("d12-blinken-call", "az", "en"),
    ],
)
def test_a_translation_pair_is_linked_with_its_evidence(group, a, b):
    decision = decide(
        signed(group, a), signed(group, b), same_family=True, hours_apart=hours(group, a, group, b)
    )
    assert decision.linked, decision.evidence
    assert decision.evidence["facts"] or decision.evidence["names"]
    assert decision.evidence["shared"] == round(decision.shared, 2)


@pytest.mark.parametrize(
    "first, second",
    [
        (("d13-hakari-shooting", "en"), ("d13-az-border-service", "az")),
        (("d03-icrc-patients", "en"), ("d03-icrc-trucks", "hy")),
        (("d12-washington-talks", "hy"), ("d12-blinken-call", "ru")),
        (("d10-peacekeepers-bulletin", "en"), ("d10-peskov-mandate", "ru")),
    ],
)
def test_a_near_miss_pair_is_not_linked(first, second):
    for same_family in (True, False):
        decision = decide(
            signed(*first),
            signed(*second),
            same_family=same_family,
            hours_apart=hours(*first, *second),
        )
        assert not decision.linked, decision.evidence


def test_no_link_within_one_language_or_far_apart_in_time():
    en, hy = signed("d06-salaries", "en"), signed("d06-salaries", "hy")
    assert not decide(en, en, same_family=True, hours_apart=0).linked
    assert not decide(en, hy, same_family=True, hours_apart=72).linked
    assert decide(en, hy, same_family=True, hours_apart=None).linked


def test_other_families_need_more_agreement():
    # Signatures sharing a figure, a date and a name, each with three names of its own.
    a = decode("en", "n:4000=3 d:01-20=1.5 p:VRDNN=2 p:SLVN=2 p:MRTN=2 p:BLZR=2")
    b = decode("ru", "n:4000=3 d:01-20=1.5 p:VRDNN=2 p:PTRSN=2 p:KRSTV=2 p:TMRN=2")
    same = decide(a, b, same_family=True, hours_apart=1)
    other = decide(a, b, same_family=False, hours_apart=1)
    assert same.linked and not other.linked, (same.agreement, other.agreement)


def test_contradicting_figures_block_a_link():
    a = decode("en", "n:15=2.5 n:96=2 n:83=2 p:MTN=2 p:STPNKRT=0.5 d:01-12=1.5")
    b = decode("hy", "n:22=1 n:118=2.5 n:74=2 p:MTN=2 p:STPNKRT=0.5 d:01-12=1.5")
    decision = decide(a, b, same_family=True, hours_apart=2)
    assert decision.conflict == 1.0 and not decision.linked


# --- the index in storage ----------------------------------------------------------


def article(text: dict, n: int, **kw) -> ArticleItem:
    url = f"https://{text['source']}.example/{n}"
    body = "\n\n".join(line for line in text["body"].splitlines() if line.strip())
    return ArticleItem(
        url=url,
        request_url=url,
        source=text["source"],
        title=text["title"],
        body=body,
        content_hash=content_hash(None, body),
        language=text["language"],
        published_at=text["published"],
        fetched_at=text["published"],
        **kw,
    )


def test_a_hy_and_an_en_copy_get_one_story_through_the_pipelines(tmp_path):
    crawler = get_crawler(settings_dict={"NEWSMON_DB": str(tmp_path / "n.db")})
    dedup, storage = DedupPipeline.from_crawler(crawler), StoragePipeline.from_crawler(crawler)
    dedup.open_spider()
    storage.open_spider()
    hy, en = TEXTS[("d01-pm-cabinet", "hy")], TEXTS[("d01-pm-cabinet", "en")]
    other = TEXTS[("d01-az-mfa-road", "en")]
    for n, text in enumerate([hy, other, en]):
        storage.process_item(dedup.process_item(article(text, n, source_family=text["source"])))
    storage.close_spider()
    dedup.close_spider()
    store = open_store(tmp_path / "n.db")
    db = store.db
    story = dict(db.execute("SELECT language, story_id FROM articles WHERE source = 'armenpress'"))
    assert story["hy"] == story["en"]
    (mfa_story,) = db.execute("SELECT story_id FROM articles WHERE source = 'apa'").fetchone()
    assert mfa_story != story["hy"]
    rows = db.execute(
        "SELECT l.kind, l.story_id, l.evidence, a.language, b.language FROM story_links l "
        "JOIN articles a ON a.id = l.article_id JOIN articles b ON b.id = l.linked_id"
    ).fetchall()
    assert len(rows) == 1
    kind, story_id, evidence, language, linked_language = rows[0]
    assert (kind, story_id, language, linked_language) == ("translation", story["hy"], "en", "hy")
    evidence = json.loads(evidence)
    assert "n:120000" in evidence["facts"] and evidence["same_family"] is True
    assert evidence["languages"] == ["en", "hy"] and evidence["hours_apart"] < 1
    assert crawler.stats.get_value("stories/translations") == 1


def test_a_copy_of_a_translation_joins_through_the_copy_index(tmp_path):
    store = open_store(tmp_path / "n.db")
    db = store.db
    hy, ru = TEXTS[("d06-salaries", "hy")], TEXTS[("d06-salaries", "ru")]
    store_articles(store, [article(hy, 1, url_key="hy")])
    store_articles(store, [article(ru, 2, url_key="ru")])
    copy = article(ru, 3, url_key="ru-copy")
    copy.source = "jam-news"
    store_articles(store, [copy])
    stories = {row[0] for row in db.execute("SELECT story_id FROM articles")}
    assert len(stories) == 1
    # only the translation is a link: the copy joined as a copy
    assert db.execute("SELECT count(*) FROM story_links").fetchone()[0] == 1


def test_candidates_per_article_are_bounded(tmp_path, monkeypatch):
    store = open_store(tmp_path / "n.db")
    en = TEXTS[("d06-salaries", "en")]
    many = []
    for n in range(40):
        item = article(en, n, url_key=f"k{n}")
        item.body += f"\n\nEdition {n}."
        item.source = f"s{n}"
        many.append(item)
    store_articles(store, many)
    reads = []
    original = store.translation_key_holders

    def counting(keys, per_key):
        rows = original(keys, per_key)
        reads.append(len(rows))
        return rows

    monkeypatch.setattr(store, "translation_key_holders", counting)
    text = signed("d06-salaries", "hy")
    found = TranslationIndex(store).candidates(text)
    assert len(found) == stories_module.MAX_CANDIDATES
    assert len(reads) == 1 and reads[0] <= len(text.index_keys()) * stories_module.PER_KEY


def test_migration_signs_articles_stored_before_it(tmp_path):
    path = tmp_path / "n.db"
    store = open_store(path)
    db = store.db
    store_articles(store, [article(TEXTS[("d06-salaries", "hy")], 1, url_key="hy")])
    for table in ("translation_keys", "translation_signatures", "story_links"):
        db.execute(f"DROP TABLE {table}")
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm006_translations_index'")
    store.close()
    store = open_store(path)
    db = store.db
    assert db.execute("SELECT count(*) FROM translation_signatures").fetchone()[0] == 1
    store_articles(store, [article(TEXTS[("d06-salaries", "en")], 2, url_key="en")])
    assert len({row[0] for row in db.execute("SELECT story_id FROM articles")}) == 1


# --- the labelled set --------------------------------------------------------------


def test_labelled_set_size_and_split():
    groups = {t["group"]: set() for t in load_texts()}
    for t in load_texts():
        groups[t["group"]].add(t["language"])
    assert len(groups) >= 30 and all(len(langs) >= 2 for langs in groups.values())
    assert {lang for langs in groups.values() for lang in langs} == {"en", "hy", "ru", "az"}
    assert {split_of(t["day"]) for t in load_texts()} == {"tune", "held-out"}


@pytest.mark.parametrize("split", ["tune", "held-out"])
def test_quality_floor(split):
    figures = evaluate(split)
    assert figures["near_miss_pairs"] >= 30
    assert figures["near_miss_merged"] == 0
    assert figures["precision"] >= 0.97
    assert figures["recall"] >= 0.75
