"""Topic relevance: folding, morphology, context rules, config errors, the labelled set."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

import crawler.relevance as relevance_module
from crawler.config import ConfigError
from crawler.relevance import fold, load_topics

DATA = Path(__file__).parent / "data" / "relevance"
BLOCKADE, PEACEKEEPERS = "karabakh-blockade", "russian-peacekeepers"


@pytest.fixture(scope="module")
def topics():
    return load_topics()


def write_topics(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "topics.toml"
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """
[[topic]]
name = "t"
anchors = ["Karabakh"]
terms = ["blockade*"]
"""


# --- folding ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "variants",
    [
        ["Laçın", "LAÇIN", "Lacin", "LACIN", "Lac\u0327in"],  # dotless ı, upper I, decomposed ç
        [
            "İstanbul",
            "istanbul",
            "ISTANBUL",
            "ıstanbul",
        ],  # dotted İ lowercases to i + U+0307 in Python
        ["Xankəndi", "XANKƏNDİ", "Xankendi"],
        ["ёлка", "елка", "ЁЛКА", "е\u0308лка"],
        ["Երևան", "Երեւան", "ԵՐԵՎԱՆ", "Երեվան"],  # ligature և, classical եւ, uppercase ԵՎ
        ["block\u00adade", "blockade", "block\u200bade"],  # soft hyphen, zero-width space
        ["խաղաղապա՛հ", "խաղաղապահ"],  # Armenian emphasis mark inside a word
        ["ﬁre", "fire"],
    ],
)
def test_fold_makes_spelling_variants_equal(variants):
    assert len({fold(v) for v in variants}) == 1, [fold(v) for v in variants]


def test_fold_keeps_line_breaks_and_turns_other_blanks_into_spaces():
    assert fold("a\u00a0b\tc\nd") == "a b c\nd"


# --- morphology and place names, through the default topics ------------------------


@pytest.mark.parametrize(
    ("title", "topic"),
    [
        ("Блокада Лачинского коридора продолжается", BLOCKADE),
        ("Жители Степанакерта встретились с миротворцами", PEACEKEEPERS),
        ("Լաչինի միջանցքով բեռներ չեն անցնում", BLOCKADE),
        ("Ստեփանակերտում խաղաղապահները հանդիպել են բնակիչների հետ", PEACEKEEPERS),
        ("Laçın dəhlizində vəziyyət", BLOCKADE),
        ("Qarabağda sülhməramlıların postu", PEACEKEEPERS),
        ("Karabakh blockades and closures", BLOCKADE),
        ("Peacekeepers patrol near Karabakh villages", PEACEKEEPERS),
        ("Peacekeeping contingent rotates in Stepanakert", PEACEKEEPERS),
        ("Blockade of Khankendi continues", BLOCKADE),
        ("Xankəndi blokadada", BLOCKADE),
        ("Блокада Степанакерта", BLOCKADE),
        ("Ստեփանակերտի շրջափակումը", BLOCKADE),
        ("Protest at Berdzor checkpoint", BLOCKADE),
        ("Lachin road blockade", BLOCKADE),
        ("Laçın yolunda blokada yoxdur", BLOCKADE),
        ("LAÇIN DƏHLİZİNDƏ AKSİYA", BLOCKADE),  # Azerbaijani capitals: İ and I
        ("ԼԱՉԻՆԻ ՄԻՋԱՆՑՔԸ ՓԱԿ Է", BLOCKADE),
        ("ЛАЧИНСКИЙ КОРИДОР ПЕРЕКРЫТ", BLOCKADE),
        ("Nagorno-Karabakh peace\u00adkeepers", PEACEKEEPERS),  # soft hyphen from a CMS
        ("Laçın dəhlizində".replace("ç", "c\u0327"), BLOCKADE),  # decomposed (NFD) text
    ],
)
def test_inflected_forms_and_place_names_match_in_titles(topics, title, topic):
    result = topics.match(title, "")
    assert topic in result.topics, result.scores


def test_terms_are_recorded_as_written_in_the_article(topics):
    body = (
        "Блокада Лачинского коридора продолжается. Миротворцами в Степанакерте ничего не сделано."
    )
    result = topics.match("Блокада Лачинского коридора", body)
    assert result.topics == [BLOCKADE]
    assert "Лачинского коридора" in result.terms[BLOCKADE]
    assert "Блокада" in result.terms[BLOCKADE]
    assert result.relevant and result.score == result.scores[BLOCKADE] >= 2


def test_surface_forms_are_nfc_and_map_back_through_length_changes(topics):
    # A ligature and a soft hyphen before the match shift folded offsets.
    title = "Երևան\u00ad. " + unicodedata.normalize("NFD", "Laçın dəhlizində")
    result = topics.match(title, "")
    assert "Laçın dəhlizində" in result.terms[BLOCKADE]


def test_seed_article_matches_both_topics(topics, shared_data):
    text = (shared_data / "seed-article-massispost.txt").read_text(encoding="utf-8")
    body = text.split("Leave a Reply")[0]
    result = topics.match(
        "Russian peacekeepers decline to escort protest convoy to Hakari bridge", body
    )
    assert result.topics == [BLOCKADE, PEACEKEEPERS]
    assert {"Lachin corridor", "blockade"} <= set(result.terms[BLOCKADE])
    assert "Lentsov" in result.terms[PEACEKEEPERS]


# --- context --------------------------------------------------------------------------


def test_topic_words_without_a_region_anchor_are_no_evidence(topics):
    body = (
        "The blockade of Gaza tightened. Peacekeepers in Lebanon came under fire.\n\n"
        "The Red Cross warned of a humanitarian crisis and food shortages at the checkpoint."
    )
    result = topics.match("Blockade and peacekeepers", body)
    assert not result.relevant and result.score == 0


def test_a_passing_mention_is_not_enough_but_a_title_is(topics):
    body = (
        "The ministers discussed border delimitation and trade.\n\n"
        "Differences remain over Nagorno-Karabakh, whose link to Armenia through the Lachin corridor has been blocked "
        "since December.\n\nThe next round will be held in Brussels."
    )
    passing = topics.match("Foreign ministers meet in Washington", body)
    assert not passing.relevant and passing.scores[BLOCKADE] == 1
    titled = topics.match("Lachin corridor blocked as ministers meet", body)
    assert titled.topics == [BLOCKADE]


def test_ignored_phrases_hide_their_terms(topics):
    body = (
        "Aliyev spoke in Karabakh about the Zangezur corridor. "
        "He said the Zangezur corridor would open.\n\nHe visited Shusha."
    )
    assert topics.match("Zangezur corridor", body).scores[BLOCKADE] == 0


def test_window_limits_the_distance_between_anchor_and_term(tmp_path):
    path = write_topics(tmp_path, MINIMAL + "window = 3\nmin_score = 1\n")
    near = load_topics(path).match("", "Karabakh faces a blockade.")
    far = load_topics(path).match("", "Karabakh is a region with mountains, rivers and a blockade.")
    assert near.topics == ["t"] and near.terms["t"] == ["blockade", "Karabakh"]
    assert far.topics == [] and far.score == 0


def test_weak_terms_need_company_in_their_sentence(tmp_path):
    path = write_topics(tmp_path, MINIMAL + 'weak_terms = ["road"]\nmin_score = 1\n')
    ts = load_topics(path)
    assert ts.match("", "Karabakh road.").score == 0.5
    assert ts.match("", "Karabakh road. Karabakh road.").score == 1.0
    assert ts.match("", "Karabakh road blockade.").score == 1.0


def test_title_weight_and_min_score(tmp_path):
    path = write_topics(tmp_path, MINIMAL + "title_weight = 3\nmin_score = 4\n")
    ts = load_topics(path)
    assert (
        ts.match("Karabakh blockade", "").score == 3
        and not ts.match("Karabakh blockade", "").relevant
    )
    assert ts.match("Karabakh blockade", "A Karabakh blockade.").topics == ["t"]


def test_shared_anchor_tables_and_language_tables(tmp_path):
    path = write_topics(
        tmp_path,
        """
[anchors.place]
en = ["Stepanakert"]
ru = ["Степанакерт*"]

[[topic]]
name = "t"
anchors = "place"
min_score = 1
search_terms = ["one", "two"]
[topic.terms]
ru = ["блокад*"]
""",
    )
    ts = load_topics(path)
    assert ts.match("", "Блокада Степанакерта.").topics == ["t"]
    assert ts.search_terms == ["one", "two"]


def test_default_search_terms_cover_the_four_languages(topics):
    scripts = {
        "en": lambda t: t.isascii(),
        "hy": lambda t: any("\u0531" <= c <= "\u058f" for c in t),
        "ru": lambda t: any("\u0400" <= c <= "\u04ff" for c in t),
        "az": lambda t: any(c in "əğışçöüƏĞİŞÇÖÜ" for c in t),
    }
    for language, is_of in scripts.items():
        assert any(is_of(term) for term in topics.search_terms), language


# --- configuration errors ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[topic]]\nname = "t"\nterms = ["x*x"]\nanchors = ["a"]', "topic 't': field 'terms'"),
        ('[[topic]]\nname = "t"\nterms = ["blo[ck]"]\nanchors = ["a"]', "topic 't': field 'terms'"),
        ('[[topic]]\nname = "t"\nterms = ["ab*"]\nanchors = ["a"]', "3 letters"),
        ('[[topic]]\nname = "t"\nterms = ["x"]', "topic 't': missing field 'anchors'"),
        ('[[topic]]\nname = "t"\nanchors = ["x"]', "topic 't': missing field 'terms'"),
        (
            '[[topic]]\nname = "t"\nanchors = "nowhere"\nterms = ["x"]',
            "topic 't': field 'anchors': no [anchors.nowhere]",
        ),
        (
            '[[topic]]\nname = "t"\nanchors = ["a"]\nterms = "x"',
            "topic 't': field 'terms' must be a list",
        ),
        (
            '[[topic]]\nname = "t"\nanchors = ["a"]\nterms = ["x"]\nwindow = -1',
            "topic 't': field 'window'",
        ),
        (
            '[[topic]]\nname = "t"\nanchors = ["a"]\nterms = ["x"]\nmin_score = "2"',
            "topic 't': field 'min_score'",
        ),
        (
            '[[topic]]\nname = "t"\nanchors = ["a"]\nterms = ["x"]\ncolour = 1',
            "topic 't': unknown key 'colour'",
        ),
        (
            '[[topic]]\nname = "t"\nanchors = ["a"]\nterms = ["x"]\n[topic.weak_terms]\nru = [1]',
            "field 'weak_terms.ru'",
        ),
        (
            '[[topic]]\nname = "t"\nanchors = ["a"]\nterms = ["x"]\nsearch_terms = [""]',
            "field 'search_terms'",
        ),
        (MINIMAL + MINIMAL, "topic 't': duplicate name"),
        ('[[topic]]\nanchors = ["a"]', "topic #1: missing field 'name'"),
        ("title = 1", "unknown top-level key 'title'"),
        ("", "no [[topic]] entries"),
        ("[[topic]\n", "invalid TOML"),
    ],
)
def test_config_errors_are_one_line_naming_file_topic_and_field(tmp_path, text, expected):
    path = write_topics(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_topics(path)
    message = str(info.value)
    assert message.startswith(str(path)) and expected in message and "\n" not in message


def test_missing_topics_file(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_topics(tmp_path / "none.toml")


# --- the labelled set --------------------------------------------------------------------


def load_labelled() -> dict[str, list[dict]]:
    return {
        path.stem: [
            json.loads(line)
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        for path in sorted(DATA.glob("*.jsonl"))
    }


def test_labelled_set_shape():
    splits = load_labelled()
    articles = [a for split in splits.values() for a in split]
    assert set(splits) == {"dev", "heldout"} and len(articles) >= 80
    assert len({a["id"] for a in articles}) == len(articles)
    assert {a["language"] for a in articles} == {"en", "hy", "ru", "az"}
    known = {BLOCKADE, PEACEKEEPERS}
    for article in articles:
        assert set(article["labels"]) <= known and article["title"] and article["body"], article[
            "id"
        ]
    # News-style texts of a few paragraphs (a rare one-paragraph brief allowed).
    assert sum("\n\n" in a["body"] for a in articles) >= 0.95 * len(articles)
    near_misses = [a for a in articles if a["kind"].startswith("near-miss")]
    assert len(near_misses) >= 30
    for language in ("en", "hy", "ru", "az"):
        of_language = [a for a in articles if a["language"] == language]
        assert any(a["labels"] for a in of_language) and any(
            not a["labels"] for a in of_language
        ), language


@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_precision_and_recall_on_the_labelled_set(topics, split):
    articles = load_labelled()[split]
    counts = {name: {"tp": 0, "fp": 0, "fn": 0} for name in (BLOCKADE, PEACEKEEPERS, "overall")}
    for article in articles:
        got = set(topics.match(article["title"], article["body"]).topics)
        for name in (BLOCKADE, PEACEKEEPERS):
            gold = name in article["labels"]
            key = ("tp" if name in got else "fn") if gold else ("fp" if name in got else None)
            if key:
                counts[name][key] += 1
                counts["overall"][key] += 1
    for name, c in counts.items():
        precision = c["tp"] / (c["tp"] + c["fp"])
        recall = c["tp"] / (c["tp"] + c["fn"])
        assert precision >= 0.97 and recall >= 0.97, (split, name, c)


def test_the_anchor_scan_skips_only_texts_that_score_nothing(topics, shared_data):
    """Every text gets what a full scan of every topic gives it."""
    texts = []
    for split in ("dev", "heldout"):
        for line in (Path(__file__).parent / "data" / "relevance" / f"{split}.jsonl").open(
            encoding="utf-8"
        ):
            record = json.loads(line)
            texts.append((record["title"], record["body"]))
    truth = json.loads(
        (shared_data / "articles-dev" / "ground-truth.json").read_text(encoding="utf-8")
    )
    texts += [(page.get("title", ""), page["articleBody"]) for page in truth.values()]
    skipped = 0
    for title, body in texts:
        found = topics.match(title, body)
        full = {
            t.name: relevance_module._score(t, relevance_module._Text(title, body))
            for t in topics.topics
        }
        assert found.scores == {name: score for name, (score, _) in full.items()}
        assert found.terms == {name: terms for name, (_, terms) in full.items() if terms}
        skipped += topics.anchors.search(relevance_module._Text(title, body).folded) is None
    # The shortcut is taken (unrelated pages) and not taken (labelled articles) on this set.
    assert 40 <= skipped < len(texts) - 40
