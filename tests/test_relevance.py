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
        ("Laçın dəhlizində blokada davam edir", BLOCKADE),
        ("Qarabağda sülhməramlıların postu", PEACEKEEPERS),
        ("Karabakh blockades and closures", BLOCKADE),
        ("Peacekeepers patrol near Karabakh villages", PEACEKEEPERS),
        ("Peacekeeping contingent rotates in Stepanakert", PEACEKEEPERS),
        ("Blockade of Khankendi continues", BLOCKADE),
        ("Xankəndi blokadada", BLOCKADE),
        ("Блокада Степанакерта", BLOCKADE),
        ("Ստեփանակերտի շրջափակումը", BLOCKADE),
        ("Berdzor checkpoint closed by protesters", BLOCKADE),
        ("Lachin road blockade", BLOCKADE),
        ("Laçın yolunda blokada yoxdur", BLOCKADE),
        ("LAÇIN DƏHLİZİNDƏ AKSİYA", BLOCKADE),  # Azerbaijani capitals: İ and I
        ("ԼԱՉԻՆԻ ՄԻՋԱՆՑՔԸ ՓԱԿ Է", BLOCKADE),
        ("ЛАЧИНСКИЙ КОРИДОР ПЕРЕКРЫТ", BLOCKADE),
        ("Nagorno-Karabakh peace\u00adkeepers", PEACEKEEPERS),  # soft hyphen from a CMS
        ("Laçın dəhlizində blokada".replace("ç", "c\u0327"), BLOCKADE),  # decomposed (NFD) text
    ],
)
def test_inflected_forms_and_place_names_match_in_titles(topics, title, topic):
    result = topics.match(title, "")
    assert topic in result.topics, result.scores


def test_terms_are_recorded_as_written_in_the_article(topics):
    body = (
        "Блокада Лачинского коридора продолжается. Миротворцами в Степанакерте ничего не сделано. "
        "Погода холодная."
    )
    result = topics.match("Блокада Лачинского коридора", body)
    assert result.topics == [BLOCKADE]
    assert "Лачинского коридора" in result.terms[BLOCKADE]
    assert "Блокада" in result.terms[BLOCKADE]
    assert result.relevant and result.score == result.scores[BLOCKADE] >= 2


def test_surface_forms_are_nfc_and_map_back_through_length_changes(topics):
    # A ligature and a soft hyphen before the match shift folded offsets.
    title = "Երևան\u00ad. " + unicodedata.normalize("NFD", "Laçın dəhlizində blokada")
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
    # The same weak term named again in another sentence brings nothing more.
    assert ts.match("", "Karabakh road. Karabakh road.").score == 0.5
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
        for path in (DATA / "dev.jsonl", DATA / "heldout.jsonl")
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
        assert found.scores == {name: score for name, (score, _, _) in full.items()}
        # A topic matched only by the short-text rule may be dropped beside a stronger one.
        assert found.terms == {
            name: terms for name, (_, terms, _) in full.items() if terms and name in found.topics
        }
        assert {name for name, (_, terms, short) in full.items() if terms and not short} <= set(
            found.topics
        )
        skipped += topics.anchors.search(relevance_module._Text(title, body).folded) is None
    # The shortcut is taken (unrelated pages) and not taken (labelled articles) on this set.
    assert 40 <= skipped < len(texts) - 40


# --- classes of error on real texts written by others (issue #13) ---------------------


@pytest.mark.parametrize(
    ("title", "body"),
    [
        # The 1992 opening of the corridor, the missing of the 1990s: years well before.
        (
            "",
            "On May 18, 1992 the self-defence forces opened the Lachin corridor. The blockade "
            "of Stepanakert was broken and the humanitarian corridor to Goris opened.",
        ),
        (
            "",
            "В 2006 году МККК сообщил о блокаде Карабаха в 1992 году. Блокада Степанакерта "
            "длилась месяцами, гуманитарный кризис был тяжёлым.",
        ),
        # Dated before the blockade: the August 2022 move of the corridor.
        (
            "",
            "date 2022-08 Laçın dəhlizi bağlanır, blokada olmayacaq. Laçın yolu ilə "
            "yeni yol açılır, blokada sözü işlədilmir.",
        ),
        # A dateline with a month name.
        (
            "",
            "29 декабря 2021\nБлокада Лачинского коридора обсуждалась как угроза. Блокада "
            "Карабаха возможна, заявил эксперт.",
        ),
    ],
)
def test_texts_dated_outside_the_topic_period_do_not_match(topics, title, body):
    assert BLOCKADE not in topics.match(title, body).topics


def test_a_background_date_inside_a_sentence_is_not_the_texts_date(topics):
    body = (
        "Azerbaijan installed a checkpoint in the Lachin corridor, a breach of the statement "
        "of November 9, 2020. The blockade of Nagorno-Karabakh continues."
    )
    assert BLOCKADE in topics.match("Checkpoint on the Hakari bridge", body).topics


def test_a_round_number_before_a_noun_is_not_a_year(topics):
    body = (
        "Российский миротворческий контингент принял 2000 гражданских лиц в Карабахе. "
        "Миротворцы в Степанакерте раздают продукты."
    )
    assert PEACEKEEPERS in topics.match("", body).topics


@pytest.mark.parametrize(
    "body",
    [
        "The Lachin corridor was built in 1990s. The Lachin corridor runs through mountains. "
        "The Lachin corridor links Goris and Stepanakert. The Lachin corridor is 6 km wide.",
        "Laçın dəhlizi dağlıq ərazidir. Laçın dəhlizi Gorusa gedir. Laçın dəhlizi uzundur.",
        "Лачинский коридор проходит через горы. Лачинский коридор ведёт в Горис. "
        "Лачинский коридор узкий.",
    ],
)
def test_a_term_holding_its_own_place_name_counts_once_per_text(topics, body):
    assert topics.match("", body).scores[BLOCKADE] <= 1


@pytest.mark.parametrize(
    "body",
    [
        "Russian troops stationed at the 102nd base in Gyumri held drills. In a war over "
        "Nagorno-Karabakh the Russian military base could join, its commander said.",
        "Российская военная база в Гюмри провела учения. Российские военные заявили, что "
        "база готова действовать в случае войны в Карабахе.",
        "Գյումրիի ռուսական ռազմաբազայում զորավարժություններ են անցկացվել։ Ռուս "
        "զինվորականները հայտարարել են, որ պատրաստ են Ղարաբաղի պատերազմի դեպքում։",
    ],
)
def test_russian_troops_and_the_gyumri_base_are_not_the_peacekeepers(topics, body):
    assert PEACEKEEPERS not in topics.match("", body).topics


def test_a_tag_line_naming_the_region_is_skipped(topics):
    body = (
        "Region: Armenia, Karabakh, Azerbaijan\nTheme: Politics\n"
        "The blockade of Gaza continues. Peacekeepers in Lebanon patrol."
    )
    result = topics.match("Gaza", body)
    assert result.scores[BLOCKADE] == 0 and result.scores[PEACEKEEPERS] == 0


def test_a_colon_in_a_headline_is_not_a_tag_line(topics):
    title = "Moreno Ocampo: blockade of Nagorno-Karabakh amounts to genocide"
    assert BLOCKADE in topics.match(title, "He wrote a report.").topics


def test_closed_joint_stock_company_is_not_a_closure(topics):
    body = (
        "«Արցախգազ» փակ բաժնետիրական ընկերությունը հայտնում է նոր սակագների մասին։ "
        "Ստեփանակերտում փակ բաժնետիրական ընկերությունների ժողով է։"
    )
    assert topics.match("", body).scores[BLOCKADE] == 0


@pytest.mark.parametrize(
    ("title", "body", "topic"),
    [
        # Azerbaijani framing: a protest action on the Lachin road, spelled Лачын.
        (
            "Акция протеста на дороге Ханкенди-Лачын продолжается",
            "Экоактивисты продолжают акцию протеста.",
            BLOCKADE,
        ),
        # The peacekeepers' headquarters, in three languages, with no other place name.
        (
            "",
            "Rusiya sülhməramlıları Xocalıdan çıxır. Sülhməramlıların kazarması Xocalıdadır.",
            PEACEKEEPERS,
        ),
        (
            "",
            "Խոջալուում ռուս խաղաղապահների դուրսբերման արարողություն է։ Խաղաղապահները հեռանում են։",
            PEACEKEEPERS,
        ),
        (
            "",
            "В Ходжалы закрыта база миротворцев. Миротворцы покидают аэродром.",
            PEACEKEEPERS,
        ),
        # Two-word form of a compound term.
        (
            "",
            "Արցախ գազի մատակարարումը դադարեցվել է։ Ստեփանակերտում գազի մատակարարումը "
            "չի վերականգնվել։",
            BLOCKADE,
        ),
        # Misspellings of the peacekeepers in Azerbaijani.
        (
            "Rusiya sülhəramlıları Qarabağda",
            "Rusiya sülhmramlıları postları ləğv edir.",
            PEACEKEEPERS,
        ),
        # A Russian compound adjective is a place name.
        (
            "",
            "Миротворческая бригада прибыла в зону нагорнокарабахского конфликта. "
            "Миротворцы разместили посты.",
            PEACEKEEPERS,
        ),
    ],
)
def test_misses_of_real_texts_now_match(topics, title, body, topic):
    assert topic in topics.match(title, body).topics


def test_the_region_carries_an_earlier_place_name_only(topics):
    carried = (
        "Azerbaijan blocked the road to Stepanakert in December. Officials said nothing more "
        "on the matter that week, and talks went on in distant capitals with little result "
        "for anyone involved. Later the region faced a food shortage and rationing."
    )
    alone = "Officials said the region faced a food shortage and rationing. Food shortages grew."
    assert topics.match("", carried).scores[BLOCKADE] >= 2
    assert topics.match("", alone).scores[BLOCKADE] == 0


def test_a_short_agency_text_needs_one_strong_sentence(tmp_path):
    path = write_topics(tmp_path, MINIMAL + "short_body = 2\n")
    topics = load_topics(path)
    assert topics.match("", "Karabakh blockade continues. More later.").topics == ["t"]
    long_text = "Karabakh blockade continues. Weather is cold. Prices rose. Schools open."
    assert topics.match("", long_text).topics == []


def test_the_red_cross_alone_is_not_the_blockade(topics):
    body = (
        "The ICRC in Stepanakert visited families of the missing. The Red Cross in "
        "Nagorno-Karabakh also supports the families. The ICRC mission continues."
    )
    assert BLOCKADE not in topics.match("", body).topics


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('["2022-12"]', "field 'period' must be two months"),
        ('["2022-13", "2023-01"]', "field 'period' must be two months"),
        ('["2023-01", "2022-12"]', "field 'period' ends before it starts"),
    ],
)
def test_period_is_validated(tmp_path, value, message):
    path = write_topics(tmp_path, MINIMAL + f"period = {value}\n")
    with pytest.raises(ConfigError) as caught:
        load_topics(path)
    assert message in str(caught.value) and "topic 't'" in str(caught.value)


# --- real texts: the shared relevance-dev set and the held-out half of real.jsonl ------------


def load_real_excerpts(path: Path, split: str | None = None) -> list[dict]:
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [r for r in records if split is None or r["split"] == split]


def micro_figures(topics, records: list[dict]) -> tuple[float, float]:
    tp = fp = fn = 0
    for record in records:
        got = set(topics.match(record["title"], record["text"], record.get("published")).topics)
        gold = set(record["topics"])
        tp, fp, fn = tp + len(got & gold), fp + len(got - gold), fn + len(gold - got)
    return tp / (tp + fp), tp / (tp + fn)


def test_real_set_shape():
    records = load_real_excerpts(DATA / "real.jsonl")
    assert len(records) >= 150 and len({r["url"] for r in records}) == len(records)
    assert {r["language"] for r in records} == {"en", "hy", "ru", "az"}
    assert {r["split"] for r in records} == {"tune", "heldout"}
    for record in records:
        assert record["url"].startswith("http") and record["text"], record["url"]
        assert set(record["topics"]) <= {BLOCKADE, PEACEKEEPERS}, record["url"]
    assert sum(not r["topics"] for r in records) >= 50


# Floors a little under the figures measured when the rules were last changed
# (docs/quality.md): they catch a regression, they are not the goal of issue #13.
# The held-out half is that of batches 1-3; batches 4 to 9 were the second to seventh
# rounds' unseen sets (batch 9 measured once, after the seventh round: 0.912 / 0.912),
# all looked at in the eighth round; batch 10 is the eighth round's unseen set, measured
# once after it (0.981 / 0.911, headline 1.000 / 0.955), batch 11 a second one measured
# once after that (0.911 / 0.854, headline 1.000 / 0.897); the ninth round looked at both
# (now 1.000 / 0.982 and 0.938 / 0.938; headline 1.000 / 0.977 and 1.000 / 1.000); batch 12
# is the ninth round's unseen set, measured once after it (0.927 / 0.927, headline 0.973 /
# 0.973), looked at in the tenth (now 0.929 / 0.945, batch 11 0.957 / 0.938). Batches 13 and 14 are the tenth round's
# unseen set, measured once after it (together 0.925 / 0.843, headline 0.972 / 0.921),
# looked at in the eleventh round (now 0.929 / 0.902, headline 0.974 / 0.974), and "every
# seen set" is now relevance-dev and batches 1-14. Batches 15 and 16 are the eleventh
# round's unseen set, measured once after it (together 0.960 / 0.872, headline 0.985 /
# 0.944) and not looked at by any rule change since. "headline" leaves borderline items and
# languages the topics do not cover out, as the shared sets' README scores them.
@pytest.mark.parametrize(
    ("which", "precision_floor", "recall_floor"),
    [
        ("relevance-dev", 0.94, 0.94),
        ("heldout", 0.97, 0.96),
        ("batch 4", 0.97, 0.97),
        ("batch 5", 0.97, 0.96),
        ("batch 6", 0.96, 0.92),
        ("batch 7", 0.94, 0.93),
        ("batch 8", 0.95, 0.97),
        ("batch 9", 0.97, 0.96),
        ("batch 10", 0.98, 0.96),
        ("batch 10, headline", 0.98, 0.95),
        ("batch 11", 0.94, 0.92),
        ("batch 11, headline", 0.98, 0.98),
        ("batch 12", 0.91, 0.93),
        ("batch 12, headline", 0.96, 0.96),
        ("batch 13", 0.93, 0.95),
        ("batch 13, headline", 0.96, 0.98),
        ("batch 14", 0.90, 0.83),
        ("batch 14, headline", 0.96, 0.93),
        ("batches 13 and 14", 0.91, 0.89),
        ("batches 13 and 14, headline", 0.96, 0.96),
        ("batch 15", 0.93, 0.89),
        ("batch 15, headline", 0.96, 0.98),
        ("batch 16", 0.95, 0.80),
        ("batch 16, headline", 0.98, 0.86),
        ("batches 15 and 16", 0.94, 0.85),
        ("batches 15 and 16, headline", 0.96, 0.92),
        ("every seen set", 0.96, 0.95),
        ("every seen set, headline", 0.98, 0.98),
    ],
)
def test_precision_and_recall_on_real_texts(
    topics, shared_data, which, precision_floor, recall_floor
):
    dev = load_real_excerpts(shared_data / "relevance-dev" / "items.jsonl")
    real = load_real_excerpts(DATA / "real.jsonl")
    if which == "relevance-dev":
        records = dev
    elif which == "heldout":
        records = [r for r in real if r["split"] == "heldout" and r["batch"] < 4]
    elif which.startswith("every seen set"):
        records = dev + [r for r in real if r["batch"] <= 14]
    elif which.startswith("batches "):
        first, second = (int(word) for word in which.split(",")[0].split()[1::2])
        records = [r for r in real if r["batch"] in (first, second)]
    else:
        records = [r for r in real if r["batch"] == int(which.split(",")[0].split()[-1])]
    if which.endswith("headline"):
        records = [
            r for r in records if not r["borderline"] and r["language"] in {"en", "hy", "ru", "az"}
        ]
    precision, recall = micro_figures(topics, records)
    assert precision >= precision_floor and recall >= recall_floor, (which, precision, recall)


@pytest.mark.parametrize(
    "body",
    [
        "Russian peacekeepers arrived in Stepanakert on Monday. The weather was cold. "
        "Russian servicemen escorted the buses of returning residents.",
        "Ռուս խաղաղապահներն ուղեկցել են ավտոբուսները Ստեփանակերտ։ Եղանակը ցուրտ էր։ "
        "Ռուս զինծառայողներն ապահովել են անվտանգությունը։",
    ],
)
def test_a_weak_term_after_a_strong_one_refers_back_to_it(topics, body):
    result = topics.match("", body)
    assert PEACEKEEPERS in result.topics, result.scores


def test_a_weak_word_in_another_sense_is_not_promoted(topics):
    # "Burden" (բեռ) is not cargo: a tax burden after a passing blockade mention.
    body = (
        "Կառավարությունը հավանություն տվեց բյուջեին։ Ծրագրերը նախատեսված են Լաչինի միջանցքի "
        "շրջափակման պատճառով տեղահանված արցախցիների համար։ Ընդդիմությունը քննադատել է "
        "հարկային բեռի ավելացումը։ Նախագիծը կներկայացվի Ազգային ժողով։"
    )
    assert BLOCKADE not in topics.match("Բյուջեի նախագիծ", body).topics


@pytest.mark.parametrize(
    "line",
    [
        "Read also: Russian peacekeepers in Karabakh escort a convoy",
        "Следите за развитием событий в трансляции: «Миротворцы и статус Нагорного Карабаха»",
        "ԿԱՐԴԱՑԵՔ ՆԱԵՎ Խաղաղապահները Ստեփանակերտում",
        "Oxu həmçinin: Qarabağda sülhməramlılar",
    ],
)
def test_a_line_pointing_to_another_article_is_skipped(topics, line):
    body = f"The government approved the budget.\n{line}\nThe vote is next week."
    assert topics.match("", body).scores[PEACEKEEPERS] == 0


def test_the_publication_date_dates_a_text_that_gives_none(topics):
    title = "Газоснабжение Арцаха прекращено"
    body = (
        "Подача газа в Степанакерт прекращена. Газоснабжение Карабаха не восстановлено. "
        "Жители Степанакерта остались без газа."
    )
    assert BLOCKADE in topics.match(title, body).topics
    assert BLOCKADE in topics.match(title, body, "2023-01-18T10:00:00+00:00").topics
    # The March 2022 cut, before the blockade.
    assert BLOCKADE not in topics.match(title, body, "2022-03-21T09:00:00+00:00").topics
    # The text's own date wins over the publication's.
    dated = "18.01.2023\n" + body
    assert BLOCKADE in topics.match(title, dated, "2022-03-21T09:00:00+00:00").topics


# Published in February 2023, about 1992: the years say when the text is about.
@pytest.mark.parametrize(
    ("title", "body"),
    [
        (
            "Khojaly remembered",
            "In February 1992 Khojaly was under blockade. The town was cut off from "
            "Stepanakert. The siege of Khojaly ended on 26 February 1992.",
        ),
        (
            "Память Ходжалы",
            "В феврале 1992 года Ходжалы был в блокаде. Город был отрезан от Степанакерта. "
            "Блокада Ходжалы закончилась 26 февраля 1992 года.",
        ),
        (
            "Xocalı anılır",
            "1992-ci ilin fevralında Xocalı blokadada idi. Şəhər Xankəndidən ayrılmışdı. "
            "Xocalının blokadası 1992-ci il fevralın 26-da bitdi.",
        ),
        (
            "Խոջալուի հիշատակը",
            "1992 թ. փետրվարին Խոջալուն շրջափակման մեջ էր։ Քաղաքը կտրված էր Ստեփանակերտից։ "
            "Խոջալուի շրջափակումն ավարտվեց 1992 թ. փետրվարի 26-ին։",
        ),
    ],
)
def test_a_text_published_in_the_period_about_an_earlier_time_does_not_match(topics, title, body):
    assert BLOCKADE not in topics.match(title, body, "2023-02-26T10:00:00+04:00").topics
    assert BLOCKADE in topics.match(title, body.replace("1992", "2023")).topics


# One strong sentence, then sentences that name the corridor or the contingent again
# without a place name of their own, far from the first one.
_FILLER = {
    "en": "Officials met in the capital on Monday and discussed many other questions at length. ",
    "ru": "Чиновники встретились в понедельник и долго обсуждали множество других вопросов. ",
    "hy": "Պաշտոնյաները երկուշաբթի հանդիպեցին և երկար քննարկեցին բազմաթիվ այլ հարցեր։ ",
    "az": "Rəsmilər bazar ertəsi görüşüb və bir çox başqa məsələləri uzun müddət müzakirə ediblər. ",
}


@pytest.mark.parametrize(
    ("language", "first", "again", "topic"),
    [
        (
            "en",
            "Azerbaijani activists have blockaded the Lachin road since December. ",
            "The corridor is the only way to Armenia.",
            BLOCKADE,
        ),
        (
            "en",
            "Russian peacekeepers escorted the convoy to Stepanakert. ",
            "The contingent has two thousand soldiers.",
            PEACEKEEPERS,
        ),
        (
            "ru",
            "Российские миротворцы сопроводили колонну в Степанакерт. ",
            "Контингент насчитывает две тысячи военных.",
            PEACEKEEPERS,
        ),
        (
            "hy",
            "Ռուս խաղաղապահներն ուղեկցել են շարասյունը Ստեփանակերտ։ ",
            "Զորակազմում երկու հազար զինվոր կա։",
            PEACEKEEPERS,
        ),
        (
            "az",
            "Ekofəallar Laçın yolunda aksiyanı davam etdirirlər. ",
            "Dəhliz Ermənistana gedən yeganə yoldur.",
            BLOCKADE,
        ),
        (
            "az",
            "Rusiya sülhməramlıları Xankəndidə karvanı müşayiət ediblər. ",
            "Kontingentdə iki min hərbçi var.",
            PEACEKEEPERS,
        ),
    ],
)
def test_a_word_naming_the_topic_again_carries_it_after_a_strong_sentence(
    topics, language, first, again, topic
):
    filler = _FILLER[language] * 3
    # Right after the strong sentence: it carries the topic.
    assert topic in topics.match("", first + again + " " + filler).topics
    # Far after it (beyond refer_span sentences and the anchor window): it does not.
    assert topic not in topics.match("", first + filler + again).topics
    # Alone, with no strong sentence before it: nothing.
    assert topics.match("", filler + again).scores[topic] == 0


def test_a_referring_word_counts_within_refer_span_of_a_strong_sentence(tmp_path):
    path = write_topics(
        tmp_path,
        MINIMAL + 'referring_terms = ["corridor"]\nrefer_span = 1\n',
    )
    topics = load_topics(path)
    assert topics.topics[0].refer_span == 1
    # Just before or just after the sentence that names the event.
    assert topics.match("", "The corridor is long. Karabakh is under blockade.").relevant
    assert topics.match("", "Karabakh is under blockade. The corridor is long.").relevant
    # Farther than refer_span on either side.
    assert not topics.match(
        "", "Karabakh is under blockade. Nothing. The corridor is long."
    ).relevant
    assert not topics.match(
        "", "The corridor is long. Nothing. Karabakh is under blockade."
    ).relevant
    # With no strong sentence at all.
    assert not topics.match("", "The corridor is long. The corridor is in Karabakh.").relevant


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        (
            "",
            "Il posto di blocco dell'Azerbaigian blocca l'accesso al Karabakh. "
            "L'Azerbaigian ha installato un posto di blocco lungo il Corridoio di Lachin.",
            {BLOCKADE},
        ),
        (
            "",
            "Le corridor de Latchine est bloqué depuis décembre. "
            "Les soldats de la paix russes au Haut-Karabakh ne sont pas intervenus. "
            "Le contingent russe n'a pas rouvert la route du Haut-Karabakh.",
            {BLOCKADE, PEACEKEEPERS},
        ),
        (
            "",
            "Die russischen Friedenstruppen in Bergkarabach sollen den Latschin-Korridor sichern. "
            "Die Friedenstruppen griffen nicht ein, als die Straße nach Bergkarabach blockiert wurde.",
            {BLOCKADE, PEACEKEEPERS},
        ),
    ],
)
def test_italian_french_and_german_texts_carry_the_topics(topics, title, body, expected):
    assert set(topics.match(title, body).topics) == expected


# The corridor named with its roads and routes is a place, not the blockade: the
# August 2022 move of its route. A word of the event beside it makes the topic.
@pytest.mark.parametrize(
    ("title", "body", "event"),
    [
        (
            "A new route of the Lachin corridor",
            "The new route of the Lachin corridor opened on Tuesday evening. "
            "The road starts at Stepanakert and joins the old road after 5 km. "
            "Drivers turn left at the sign and follow the new road.",
            "The road has been blockaded since December.",
        ),
        (
            "Задействован новый маршрут",
            "Новый маршрут Лачинского коридора задействован во вторник. "
            "Дорога начинается у Степанакерта и через 5 км соединяется со старой трассой. "
            "Водители сворачивают налево и едут по новой дороге.",
            "Дорога заблокирована с декабря.",
        ),
        (
            "Նոր ճանապարհ",
            "Լաչինի միջանցքի նոր ճանապարհը գործում է երեքշաբթի երեկոյից։ "
            "Ճանապարհը սկսվում է Ստեփանակերտից և 5 կմ հետո միանում հին ճանապարհին։ "
            "Վարորդները թեքվում են ձախ և շարունակում նոր ճանապարհով։",
            "Ճանապարհը շրջափակված է դեկտեմբերից։",
        ),
        (
            "Yeni marşrut",
            "Laçın dəhlizinin yeni marşrutu çərşənbə axşamı istifadəyə verilib. "
            "Yol Xankəndidən başlayır və 5 km sonra köhnə yola qoşulur. "
            "Sürücülər sola dönüb yeni yolla gedirlər.",
            "Yol dekabrdan blokadadadır.",
        ),
    ],
)
def test_route_words_with_the_corridors_name_are_no_event(topics, title, body, event):
    published = "2023-03-01T10:00:00+00:00"
    assert BLOCKADE not in topics.match(title, body, published).topics
    assert BLOCKADE in topics.match(title, body + " " + event, published).topics


def test_context_terms_are_validated_and_name_the_setting(tmp_path):
    path = write_topics(tmp_path, MINIMAL + 'context_terms = ["road"]\n')
    topic = load_topics(path).topics[0]
    assert [p.context for p in topic.patterns if p.text == "road"] == [True]
    assert not any(p.context for p in topic.patterns if p.kind == "term" and not p.anchored)
    with pytest.raises(ConfigError, match="context_terms"):
        load_topics(write_topics(tmp_path, MINIMAL + "context_terms = [1]\n"))


# A weak word before or after the sentence that names the event carries it too ("The
# shops have run out of food. … under blockade since December 12"; the contingent's
# observation posts beside a sentence on the peacekeepers).
@pytest.mark.parametrize(
    ("language", "topic", "weak", "strong"),
    [
        (
            "en",
            BLOCKADE,
            "The shops of Stepanakert have run out of food and fuel.",
            "Artsakh has been under blockade since December 12.",
        ),
        (
            "ru",
            BLOCKADE,
            "В Степанакерте острая нехватка продуктов и топлива.",
            "Карабах находится в блокаде с 12 декабря.",
        ),
        (
            "hy",
            BLOCKADE,
            "Ստեփանակերտում սննդի և վառելիքի պակաս կա։",
            "Արցախը շրջափակման մեջ է դեկտեմբերի 12-ից։",
        ),
        (
            "az",
            BLOCKADE,
            "Xankəndidə humanitar vəziyyət ağırlaşıb.",
            "Qarabağ dekabrın 12-dən blokadadadır.",
        ),
        (
            "ru",
            BLOCKADE,
            "Колонна с продуктами стоит у Степанакерта третий день.",
            "Карабах находится в блокаде с 12 декабря.",
        ),
        (
            "hy",
            BLOCKADE,
            "Սննդով շարասյունը երրորդ օրն է կանգնած է Ստեփանակերտի մոտ։",
            "Արցախը շրջափակման մեջ է դեկտեմբերի 12-ից։",
        ),
        (
            "az",
            BLOCKADE,
            "Ərzaq karvanı üçüncü gündür Xankəndi yaxınlığında gözləyir.",
            "Qarabağ dekabrın 12-dən blokadadadır.",
        ),
        (
            "en",
            PEACEKEEPERS,
            "The observation post near Stepanakert watches the road day and night.",
            "Russian peacekeepers escorted 2000 cars through the Lachin corridor this week.",
        ),
        (
            "ru",
            PEACEKEEPERS,
            "Наблюдательный пост у Степанакерта круглосуточно следит за дорогой.",
            "Российские миротворцы за неделю сопроводили 2000 машин по Лачинскому коридору.",
        ),
        (
            "hy",
            PEACEKEEPERS,
            "Ստեփանակերտի մոտ դիտակետը գիշեր-ցերեկ հսկում է ճանապարհը։",
            "Ռուս խաղաղապահներն այս շաբաթ Լաչինի միջանցքով ուղեկցել են 2000 մեքենա։",
        ),
        (
            "az",
            PEACEKEEPERS,
            "Xankəndi yaxınlığındakı müşahidə postu gecə-gündüz yola nəzarət edir.",
            "Rusiya sülhməramlıları bu həftə Laçın dəhlizi ilə 2000 maşını müşayiət ediblər.",
        ),
    ],
)
def test_a_weak_word_beside_a_strong_sentence_counts(topics, language, topic, weak, strong):
    published = "2023-01-20T10:00:00+00:00"
    filler = _FILLER[language] * 3
    assert topic in topics.match("", f"{weak} {strong} {filler}", published).topics
    assert topic in topics.match("", f"{strong} {weak} {filler}", published).topics
    # Farther from it, the weak word still refers to it (it has a place name near).
    assert topic in topics.match("", f"{weak} {filler}{strong}", published).topics
    # The strong sentence alone is one sentence; the weak one alone names no event.
    assert topic not in topics.match("", f"{strong} {filler}", published).topics
    assert topics.match("", f"{weak} {filler}", published).scores[topic] < 2


# The Red Cross works in the region in every year: with the corridor's name and its
# roads it is the setting of a story about the missing, not the blockade.
@pytest.mark.parametrize(
    ("body", "event"),
    [
        (
            "The Red Cross teams search the roads of Karabakh for remains. "
            "Identification will take months. "
            "Volunteers work along the Lachin corridor.",
            "Their trucks have been stopped since the blockade began.",
        ),
        (
            "Группы Красного Креста ищут останки вдоль дорог Карабаха. "
            "Опознание займет месяцы. "
            "Волонтеры работают вдоль Лачинского коридора.",
            "Их машины не пропускают с начала блокады.",
        ),
        (
            "Կարմիր խաչի խմբերը աճյուններ են փնտրում Ղարաբաղի ճանապարհներին։ "
            "Նույնականացումը կտևի ամիսներ։ "
            "Կամավորներն աշխատում են Լաչինի միջանցքի երկայնքով։",
            "Նրանց մեքենաները չեն անցնում շրջափակման սկզբից։",
        ),
        (
            "Qırmızı Xaç qrupları Qarabağda yolda qalıqları axtarır. "
            "Şəxsiyyətin müəyyənləşdirilməsi aylar çəkəcək. "
            "Könüllülər Laçın dəhlizi boyunca işləyir.",
            "Onların maşınları blokada başlayandan buraxılmır.",
        ),
    ],
)
def test_the_red_cross_with_the_corridors_name_is_no_event(topics, body, event):
    published = "2023-03-01T10:00:00+00:00"
    result = topics.match("", body, published)
    # Two sentences with words of the topic, but all of them name the setting: the
    # topic does not apply (scored 0, as a text outside its period is).
    assert result.scores[BLOCKADE] == 0 and BLOCKADE not in result.topics
    assert BLOCKADE in topics.match("", body + " " + event, published).topics


# A term that holds a place name (the corridor, the Aghdam-Khankendi road Azerbaijan
# offered instead in 2023) with a weak word of the event in one sentence names the
# event, as a strong term does: a weak word elsewhere then refers to it. The place
# term with nothing of the event is the setting.
_WEAK_ELSEWHERE = {
    "en": "Patients cannot travel to Yerevan.",
    "ru": "Пациенты не могут выехать в Ереван.",
    "hy": "Հիվանդները չեն կարող մեկնել Երևան։",
    "az": "Xəstələr İrəvana gedə bilmir.",
}


@pytest.mark.parametrize(
    ("language", "eventful", "plain"),
    [
        ("en", "The Lachin corridor remains closed.", "The Lachin corridor is 5 km wide."),
        (
            "ru",
            "На Лачинском коридоре установлен КПП.",
            "Лачинский коридор имеет ширину пять километров.",
        ),
        (
            "hy",
            "Լաչինի միջանցքում անցակետ է տեղադրվել։",
            "Լաչինի միջանցքի լայնությունը հինգ կիլոմետր է։",
        ),
        (
            "az",
            "Laçın-Xankəndi yolunun başlanğıcında sərhəd-buraxılış məntəqəsi qurulub.",
            "Laçın-Xankəndi yolunun eni beş kilometrdir.",
        ),
        (
            "en",
            "Two trucks wait on the Aghdam-Khankendi road with humanitarian cargo.",
            "The Aghdam-Khankendi road was repaved last year.",
        ),
        (
            "ru",
            "Грузовики с гуманитарным грузом ждут на дороге Агдам-Ханкенди.",
            "Дорогу Агдам-Ханкенди отремонтировали в прошлом году.",
        ),
        (
            "hy",
            "Ակնա-Ստեփանակերտ ճանապարհին բեռնատարները սպասում են մարդասիրական բեռով։",
            "Ակնա-Ստեփանակերտ ճանապարհը վերանորոգվել է անցյալ տարի։",
        ),
        (
            "az",
            "Ərzaq yükü olan iki maşın Ağdam-Xankəndi yolunda gözləyir.",
            "Ağdam-Xankəndi yolu ötən il təmir olunub.",
        ),
    ],
)
def test_a_place_term_with_a_word_of_the_event_names_it(topics, language, eventful, plain):
    published = "2023-05-01T10:00:00+00:00"
    after = f" {_FILLER[language]}{_WEAK_ELSEWHERE[language]}"
    assert BLOCKADE in topics.match("", eventful + after, published).topics
    assert BLOCKADE not in topics.match("", plain + after, published).topics


# --- fourth round: the contingent as a place or an addressee; secondary short mentions -----


@pytest.mark.parametrize(
    ("language", "setting", "event"),
    [
        (
            "en",
            "A mine exploded near Shusha, in the territory where the Russian peacekeeping "
            "contingent is temporarily deployed. Information on the incident was passed on to "
            "the Russian peacekeepers. Two soldiers were wounded.",
            "A mine exploded near Shusha. The Russian peacekeepers cleared the road. The "
            "peacekeepers escorted the wounded to Stepanakert.",
        ),
        (
            "ru",
            "Протест прошел на участке дороги у Шуши, находящемся под временным контролем "
            "российских миротворцев. Об инциденте сообщили российскому миротворческому "
            "командованию. Пострадавших нет.",
            "Протест прошел на участке дороги у Шуши. Российские миротворцы оцепили участок. "
            "Миротворцы провели переговоры с участниками.",
        ),
        (
            "az",
            "Hadisə Rusiya sülhməramlı kontingentinin müvəqqəti yerləşdirildiyi Şuşa rayonu "
            "ərazisində baş verib. Hadisə barədə Rusiya sülhməramlı kontingentinin "
            "komandanlığına məlumat verilib. Yaralılar var.",
            "Hadisə Şuşa rayonu ərazisində baş verib. Rusiya sülhməramlıları yolu bağlayıb. "
            "Sülhməramlılar yaralıları xəstəxanaya aparıb.",
        ),
        (
            "hy",
            "Մարտունի համայնքի այգիներում աշխատող գյուղացիների ուղղությամբ կրակ է բացվել։ Դեպքի մասին "
            "տեղեկությունները փոխանցվել են ռուս խաղաղապահներին։ Ռուս խաղաղապահների "
            "ժամանակավոր դիրքերը մոտ են։",
            "Մարտունի համայնքի այգիներում աշխատող գյուղացիների ուղղությամբ կրակ է բացվել։ Ռուս "
            "խաղաղապահները ժամանել են գյուղ։ Խաղաղապահներն ուղեկցել են գյուղացիներին։",
        ),
        # Others' withdrawal from the contingent's area is that area's story: a setting
        # phrase places a weak word as it places a term.
        (
            "en",
            "Armenian units were not withdrawn from the area temporarily controlled by the "
            "Russian peacekeepers in Karabakh. Baku says new posts stand in the area "
            "temporarily controlled by Russian servicemen. Observation posts in the area "
            "temporarily controlled by the peacekeepers were seen.",
            "The Russian peacekeepers began their withdrawal from Karabakh. The withdrawal of "
            "the peacekeepers ends in June.",
        ),
        (
            "ru",
            "Армянские подразделения не завершили вывод с территории, временно контролируемой "
            "российскими миротворцами в Карабахе. Баку требует вывода подразделений с "
            "территории, временно контролируемой миротворцами. Наблюдательные посты стоят на "
            "территории, временно контролируемой миротворцами.",
            "Российские миротворцы начали вывод из Карабаха. Вывод миротворцев завершится в июне.",
        ),
        (
            "hy",
            "Հայկական ստորաբաժանումների դուրսբերումը չի ավարտվել ռուս խաղաղապահների "
            "ժամանակավոր վերահսկողության տակ գտնվող Ղարաբաղի տարածքից։ Բաքուն պնդում է, որ նոր "
            "դիրքեր կան ռուս զինծառայողների ժամանակավոր վերահսկողության տակ գտնվող տարածքում։ "
            "Դիտակետերը ռուս խաղաղապահների ժամանակավոր վերահսկողության տակ գտնվող տարածքում են։",
            "Ռուս խաղաղապահները սկսել են դուրսբերումը Ղարաբաղից։ Խաղաղապահների դուրսբերումը "
            "կավարտվի հունիսին։",
        ),
        (
            "az",
            "Erməni bölmələri Rusiya sülhməramlılarının müvəqqəti yerləşdiyi Qarabağ "
            "ərazisindən çıxarılmayıb. Bakı deyir ki, Rusiya hərbçilərinin müvəqqəti "
            "yerləşdiyi ərazidə yeni dirəklər var. Müşahidə postları Rusiya sülhməramlılarının "
            "müvəqqəti yerləşdiyi ərazidədir.",
            "Rusiya sülhməramlıları Qarabağdan çıxarılır. Sülhməramlıların çıxarılması iyunda "
            "başa çatacaq.",
        ),
    ],
)
def test_the_contingent_as_a_place_or_an_addressee_is_not_its_event(
    topics, language, setting, event
):
    assert PEACEKEEPERS not in topics.match("", setting).topics, language
    assert PEACEKEEPERS in topics.match("", event).topics, language


def test_a_setting_phrase_far_from_the_term_leaves_it_an_event(tmp_path):
    path = write_topics(
        tmp_path,
        MINIMAL
        + 'setting_terms = ["temporarily deployed"]\nsetting_span = 3\n'
        + 'context_terms = ["road"]\n',
    )
    topics = load_topics(path)
    near = "Karabakh, where the blockade is temporarily deployed. Karabakh blockade holds."
    far = (
        "Karabakh blockade tightened on Monday while other units were elsewhere temporarily "
        "deployed. Karabakh blockade holds."
    )
    assert topics.match("", near).scores["t"] == 1.5
    assert topics.match("", far).topics == ["t"]


def test_setting_terms_are_validated(tmp_path):
    path = write_topics(tmp_path, MINIMAL + 'setting_terms = ["tempor(ary)"]\n')
    with pytest.raises(ConfigError) as caught:
        load_topics(path)
    assert "field 'setting_terms'" in str(caught.value)


@pytest.mark.parametrize(
    ("language", "body"),
    [
        (
            "en",
            "The eco-activists did not hamper the passage of 26 vehicles of the Russian "
            "peacekeepers moving from Khankendi towards Lachin. This proves that allegations of "
            "the protesters blocking the Khankendi-Lachin road are disinformation.",
        ),
        (
            "ru",
            "Экоактивисты на дороге Ханкенди-Лачин пропустили 20 машин российских миротворцев. "
            "Это опровергает сообщения о блокаде дороги.",
        ),
    ],
)
def test_a_short_text_gives_its_one_sentence_rule_to_its_main_topic_only(topics, language, body):
    result = topics.match("", body)
    assert result.topics == [BLOCKADE], (language, result.scores)


def test_a_short_text_about_one_topic_still_needs_one_sentence(topics):
    body = "Russian peacekeepers escorted 30 residents to Stepanakert. More later."
    assert topics.match("", body).topics == [PEACEKEEPERS]


@pytest.mark.parametrize(
    ("language", "title", "body"),
    [
        (
            "en",
            "Azerbaijani ecologists continue protests on Lachin-Shusha road",
            "The activists gathered on Monday.",
        ),
        (
            "ru",
            "",
            "Вечером колонна грузовиков пересекла мост через реку Хакари. Армянская сторона "
            "установила контрольно-пропускной пункт у въезда на дорогу Лачин – Ханкенди.",
        ),
        (
            "hy",
            "",
            "Ծանր հիվանդների տեղափոխումը Երևան անհնար է դարձել։ Նախարարը նշեց, որ զրոյացվել է "
            "անցանելիությունը Լաչինի միջանցքով։",
        ),
        (
            "az",
            "",
            "Azərbaycan Laçın-Xankəndi yolunun başlanğıcında sərhəd-keçid məntəqəsi yaradıb. "
            "Məntəqədə heç bir maneə yoxdur, Laçın-Xankəndi yolu ilə hərəkət davam edir.",
        ),
    ],
)
def test_the_lachin_road_by_its_azerbaijani_names_with_a_word_of_the_event(
    topics, language, title, body
):
    assert BLOCKADE in topics.match(title, body, "2023-05-01").topics, language


# --- fifth round: classes of the errors on batches 1-6 and relevance-dev ------------------


# A year in a sentence about someone's past (an award, a birth) is not when the text's
# events happen: only the headline, the lead and the sentences that hold the topic's
# places or words date it. The same year in the lead still does.
@pytest.mark.parametrize(
    ("language", "title", "lead", "rest", "past"),
    [
        (
            "en",
            "Russian peacekeepers arrive in Nagorno-Karabakh",
            "Russian peacekeepers have been deployed in Nagorno-Karabakh. Their headquarters "
            "will be in Stepanakert.",
            "General Rustam Muradov will command the contingent.",
            "He was awarded the title Hero of Russia in {year} for the operation in Syria.",
        ),
        (
            "ru",
            "Российские миротворцы прибыли в Нагорный Карабах",
            "Российские миротворцы развернуты в Нагорном Карабахе. Штаб разместится в "
            "Степанакерте.",
            "Командовать контингентом будет генерал Рустам Мурадов.",
            "В {year} году он получил звание Героя России за операцию в Сирии.",
        ),
        (
            "hy",
            "Ռուս խաղաղապահները ժամանել են Լեռնային Ղարաբաղ",
            "Ռուս խաղաղապահները տեղակայվել են Լեռնային Ղարաբաղում։ Շտաբը կլինի Ստեփանակերտում։",
            "Զորակազմը կղեկավարի գեներալ Ռուստամ Մուրադովը։",
            "Նա {year} թվականին Ռուսաստանի հերոսի կոչում է ստացել Սիրիայում գործողության համար։",
        ),
        (
            "az",
            "Rusiya sülhməramlıları Dağlıq Qarabağa gəlib",
            "Rusiya sülhməramlıları Dağlıq Qarabağda yerləşdirilib. Qərargah Xankəndidə olacaq.",
            "Kontingentə general Rüstəm Muradov komandanlıq edəcək.",
            "O, {year}-ci ildə Suriyadakı əməliyyata görə Rusiya Qəhrəmanı adını alıb.",
        ),
    ],
)
def test_a_year_of_someones_past_does_not_date_the_text(topics, language, title, lead, rest, past):
    body = f"{lead} {rest} {past.format(year=2017)}"
    assert PEACEKEEPERS in topics.match(title, body).topics, language
    # The year in the lead is the text's time: a 2017 story is not the contingent's.
    dated_lead = f"{past.format(year=2017)} {lead} {rest}"
    assert PEACEKEEPERS not in topics.match(title, dated_lead).topics, language


# A story about another mission that compares it with Karabakh in an aside: the place
# named in the comparison anchors nothing else. Without the comparison marker the
# same sentences would carry the contingent.
@pytest.mark.parametrize(
    ("language", "first", "aside", "marker", "last"),
    [
        (
            "en",
            "The CSTO sent a peacekeeping contingent of 2,500 troops to Kazakhstan within three days",
            "in November 2020 Russia deployed a peacekeeping contingent of 2,000 in "
            "Nagorno-Karabakh just as fast",
            "for comparison, ",
            "On 11 January Tokayev said the peacekeepers' mission was over.",
        ),
        (
            "ru",
            "ОДКБ за трое суток перебросила в Казахстан миротворческий контингент из 2500 человек",
            "в ноябре 2020 года Россия столь же быстро развернула в Нагорном Карабахе "
            "миротворческий контингент численностью около 2000 человек",
            "для сравнения, ",
            "11 января Токаев заявил, что миссия миротворцев завершена.",
        ),
        (
            "hy",
            "ՀԱՊԿ-ն երեք օրում Ղազախստան տեղափոխեց 2500 հոգանոց խաղաղապահ զորակազմ",
            "2020 թվականի նոյեմբերին Ռուսաստանը նույնքան արագ Լեռնային Ղարաբաղում տեղակայեց "
            "մոտ 2000 հոգանոց խաղաղապահ զորակազմ",
            "համեմատության համար, ",
            "Հունվարի 11-ին Տոկաևը հայտարարեց, որ խաղաղապահների առաքելությունն ավարտված է։",
        ),
        (
            "az",
            "KTMT üç gün ərzində Qazaxıstana 2500 nəfərlik sülhməramlı kontingent göndərdi",
            "2020-ci ilin noyabrında Rusiya Dağlıq Qarabağda 2000 nəfərlik sülhməramlı "
            "kontingenti eyni sürətlə yerləşdirdi",
            "müqayisə üçün, ",
            "Yanvarın 11-də Tokayev sülhməramlıların missiyasının başa çatdığını bildirdi.",
        ),
    ],
)
def test_a_comparison_aside_does_not_place_the_text(topics, language, first, aside, marker, last):
    compared = f"{first} ({marker}{aside}). {last}"
    assert PEACEKEEPERS not in topics.match("", compared, "2022-01-14").topics, language
    plain = f"{first} ({aside}). {last}"
    assert PEACEKEEPERS in topics.match("", plain, "2022-01-14").topics, language


# Words of the blockade's effects in every language (patients, protests, queues,
# shortages): after a sentence that names the blockade they carry theirs. Without
# them the text has one sentence on the blockade, a passing mention.
@pytest.mark.parametrize(
    ("language", "strong", "effect", "neutral"),
    [
        (
            "en",
            "The Lachin corridor has been blocked since December 12.",
            "People stand in queues for bread in Stepanakert for hours.",
            "People met in Stepanakert for hours.",
        ),
        (
            "hy",
            "Լաչինի միջանցքը շրջափակված է դեկտեմբերի 12-ից։",
            "Մինչ այժմ 77 պացիենտ է տեղափոխվել Երևան։",
            "Մինչ այժմ 77 մարդ է մեկնել Երևան։",
        ),
        (
            "hy",
            "Արցախցիները պահանջել են ապաշրջափակել Լաչինի միջանցքը։",
            "Մի խումբ արցախցիներ բողոքի ակցիա են իրականացնում շտաբի դիմաց։",
            "Մի խումբ արցախցիներ հավաքվել են շտաբի դիմաց։",
        ),
        (
            "ru",
            "Лачинский коридор заблокирован с 12 декабря.",
            "В Степанакерте люди часами стоят в очередях за хлебом.",
            "В Степанакерте люди часами гуляют по улицам.",
        ),
        (
            "az",
            "Laçın dəhlizində blokada davam edir.",
            "Xankəndidə ərzaq qıtlığı yaranıb, çörək dükanları qarşısında növbələr var.",
            "Xankəndidə yeni park açılıb, insanlar orada gəzir.",
        ),
    ],
)
def test_words_of_the_blockades_effects_in_every_language(
    topics, language, strong, effect, neutral
):
    assert_a_later_sentence_carries_the_blockade(topics, language, strong, effect, neutral)


FILLER = {
    "en": "The minister spoke to reporters.",
    "hy": "Նախարարը խոսել է լրագրողների հետ։",
    "ru": "Министр выступил перед журналистами.",
    "az": "Nazir jurnalistlərlə danışıb.",
}


def assert_a_later_sentence_carries_the_blockade(
    topics, language: str, strong: str, later: str, neutral: str, published: str = "2023-03-01"
) -> None:
    """``strong``, a sentence of nothing, then ``later`` make the blockade; with ``neutral``
    in its place they do not (one sentence is not enough in a text of three)."""
    filler = FILLER[language]
    assert BLOCKADE in topics.match("", f"{strong} {filler} {later}", published).topics, language
    without = f"{strong} {filler} {neutral}"
    assert BLOCKADE not in topics.match("", without, published).topics, language


# A headline of weak words only ("112 patients moved from Karabakh by air") weighs as
# one sentence, unless the text is dated within the blockade (patients moved then are
# the blockade's) or the headline holds two words of the event.
@pytest.mark.parametrize(
    ("language", "title", "body"),
    [
        (
            "en",
            "112 patients moved from Karabakh by road",
            "The ministry gave the figures on Sunday.",
        ),
        (
            "hy",
            "Ղարաբաղից ճանապարհով Հայաստան է տեղափոխվել 112 պացիենտ",
            "Թվերը հրապարակել է նախարարությունը։",
        ),
        (
            "ru",
            "Из Карабаха по дороге вывезли 112 пациентов",
            "Данные сообщило министерство.",
        ),
        (
            "az",
            "Qarabağdan yol ilə 112 xəstə aparılıb",
            "Rəqəmləri nazirlik açıqlayıb.",
        ),
    ],
)
def test_a_headline_of_weak_words_weighs_double_only_within_the_period(
    topics, language, title, body
):
    assert BLOCKADE not in topics.match(title, body).topics, language
    assert BLOCKADE in topics.match(title, body, "2023-06-12").topics, language


# What ran short under the blockade (bread, flour, fuel) carries a sentence once the
# text has named the blockade elsewhere ("200 grams of bread a day … ration coupons").
@pytest.mark.parametrize(
    ("language", "short", "named", "other"),
    [
        (
            "en",
            "In Artsakh every person may now buy 200 grams of bread a day.",
            "Ration coupons were handed out in Stepanakert on 4 September.",
            "Residents asked why the authorities had not stored wheat.",
        ),
        (
            "hy",
            "Արցախում այսօրվանից յուրաքանչյուր շնչին վաճառվում է օրական 200 գրամ հաց։",
            "Սեպտեմբերի 4-ին արցախցիներին բաժանվել են կտրոններ։",
            "Բնակիչը հարց է ուղղում ղեկավարներին։",
        ),
        (
            "ru",
            "В Арцахе теперь продают по 200 граммов хлеба в день на человека.",
            "4 сентября жителям Степанакерта раздали талоны.",
            "Жители спрашивают, почему власти не запасли зерно.",
        ),
        (
            "az",
            "Xankəndidə hər kəsə gündə 200 qram çörək satılır.",
            "Sentyabrın 4-də Xankəndidə ərzaq talonları paylanıb, blokada davam edir.",
            "Sakinlər hakimiyyətin niyə taxıl saxlamadığını soruşur.",
        ),
    ],
)
def test_what_ran_short_carries_a_sentence_beside_the_blockade(
    topics, language, short, named, other
):
    assert BLOCKADE in topics.match("", f"{short} {named} {other}").topics, language
    # Without the sentence on bread the text names the blockade once.
    assert BLOCKADE not in topics.match("", f"{other} {named} {other}").topics, language


# "23 years ago today Berdzor was liberated": an anniversary looks back to the 1990s
# war, whose blockade of Karabakh is not the blockade of 2022-23 (looked back from the
# publication date, or from today when the page gives none).
@pytest.mark.parametrize(
    ("language", "title", "body"),
    [
        (
            "en",
            "23 years ago today Berdzor was liberated",
            "The road linking Artsakh to Armenia was opened and the blockade ring of "
            "Karabakh was broken. Until then Artsakh was under an economic blockade.",
        ),
        (
            "hy",
            "23 տարի առաջ այս օրն ազատագրվեց Բերձորը",
            "Բացվեց Արցախը Հայաստանին կապող ճանապարհը եւ ճեղքվեց Ղարաբաղի շրջափակման օղակը։ "
            "Մինչ այդ Արցախը գտնվում էր տնտեսական շրջափակման մեջ։",
        ),
        (
            "ru",
            "23 года назад был освобожден Бердзор",
            "Открылась дорога, связывающая Арцах с Арменией, и было прорвано кольцо блокады "
            "Карабаха. До этого Арцах находился в экономической блокаде.",
        ),
        (
            "az",
            "23 il əvvəl Laçın işğal olundu",
            "Laçın dəhlizi açıldı və Qarabağın blokadası qırıldı. Bundan əvvəl Xankəndi "
            "blokadada idi.",
        ),
    ],
)
def test_an_anniversary_looks_back_out_of_the_period(topics, language, title, body):
    assert BLOCKADE not in topics.match(title, body).topics, language
    # Without the look back nothing dates the text: the words of a blockade decide.
    assert BLOCKADE in topics.match("", body).topics, language


# Coming and going on the road ("gediş-gəliş", the Azerbaijani word for free movement)
# carries a sentence beside one on the checkpoint at the start of the Lachin road.
def test_azerbaijani_coming_and_going_is_a_word_of_the_event(topics):
    checkpoint = (
        "Azərbaycan Laçın-Xankəndi yolundan sui-istifadə səbəbindən sərhəd-keçid məntəqəsi yaradıb."
    )
    said = "Bunu Xarici İşlər Nazirliyinin rəsmisi tviter hesabında yazıb."
    movement = "Qarabağ bölgəsinin sakinlərinin hər iki istiqamətə gediş-gəlişi təmin olunacaq."
    other = "Qarabağ bölgəsinin sakinləri üçün yeni məktəb tikiləcək."
    assert BLOCKADE in topics.match("", f"{checkpoint} {said} {movement}").topics
    assert BLOCKADE not in topics.match("", f"{checkpoint} {said} {other}").topics


# The region's districts and towns by both sides' names place a text as Karabakh or
# Stepanakert do: the contingent's convoys to Kelbajar, its posts by Aghdam or Hadrut.
@pytest.mark.parametrize(
    ("language", "body"),
    [
        (
            "en",
            "Russian peacekeepers escorted the 14th aid convoy to the Kelbajar district. "
            "The peacekeepers have delivered 2,400 tonnes of cargo so far.",
        ),
        (
            "hy",
            "Ռուս խաղաղապահներն ուղեկցել են 14-րդ ավտոշարասյունը Քարվաճառի շրջան։ "
            "Խաղաղապահների աջակցությամբ առաքվել է ավելի քան 2400 տոննա բեռ։",
        ),
        (
            "ru",
            "Российские миротворцы сопроводили 14-ю колонну в Кельбаджарский район. "
            "С помощью миротворцев доставлено более 2400 тонн грузов.",
        ),
        (
            "az",
            "Rusiya sülhməramlıları 14-cü karvanı Kəlbəcər rayonuna müşayiət edib. "
            "Sülhməramlıların köməyi ilə 2400 tondan çox yük çatdırılıb.",
        ),
        (
            "en",
            "Russian peacekeepers set up a new post near Hadrut. "
            "The peacekeepers patrol the road to Aghdam every day.",
        ),
        (
            "ru",
            "Российские миротворцы выставили новый пост у Гадрута. "
            "Миротворцы ежедневно патрулируют дорогу на Агдам и Мардакерт.",
        ),
    ],
)
def test_the_regions_districts_and_towns_place_a_text(topics, language, body):
    assert PEACEKEEPERS in topics.match("", body).topics, language
    # Another region's town does not.
    elsewhere = body
    for name in (
        "Kelbajar",
        "Քարվաճառ",
        "Кельбаджар",
        "Kəlbəcər",
        "Hadrut",
        "Aghdam",
        "Гадрут",
        "Агдам",
        "Мардакерт",
    ):
        elsewhere = elsewhere.replace(name, "Tiraspol")
    assert PEACEKEEPERS not in topics.match("", elsewhere).topics, language


# The contingent's post as a landmark ("near the post of the Russian peacekeepers") and
# its "zone of temporary responsibility" name where the road protest stands, not the
# contingent's doings.
@pytest.mark.parametrize(
    ("language", "setting", "doing"),
    [
        (
            "en",
            "The action takes place in Shusha, in the zone of temporary responsibility of "
            "Russian peacekeepers. The protesters stand near the post of the Russian "
            "peacekeepers on the Lachin road.",
            "The action takes place in Shusha, where Russian peacekeepers met the "
            "protesters. The Russian peacekeepers cleared the Lachin road.",
        ),
        (
            "ru",
            "Акция проходит в Шуше, в зоне временной ответственности российских миротворцев. "
            "Экоактивисты стоят возле поста российских миротворцев на Лачинской дороге.",
            "Акция проходит в Шуше, где российские миротворцы встретились с протестующими. "
            "Российские миротворцы расчистили Лачинскую дорогу.",
        ),
    ],
)
def test_the_contingents_post_and_zone_are_the_protests_setting(topics, language, setting, doing):
    assert PEACEKEEPERS not in topics.match("", setting).topics, language
    assert PEACEKEEPERS in topics.match("", doing).topics, language


# An undated text that names the ceasefire of November 2020 by its day alone ("Recall
# that on November 9 the leaders agreed …") was written in the months after the war:
# the contingent's aid "through the Lachin corridor" then is not the blockade.
@pytest.mark.parametrize(
    ("language", "body", "day", "dated"),
    [
        (
            "en",
            "Russian peacekeepers delivered 10 tonnes of aid from Yerevan to Stepanakert through "
            "the Lachin corridor. The humanitarian cargo was handed to the children of Karabakh. "
            "Recall that on November 9 the leaders agreed on the deployment of the peacekeepers.",
            "on November 9",
            "on 9 November 2020",
        ),
        (
            "hy",
            "Ռուս խաղաղապահներն ապահովել են 10 տոննա հումանիտար օգնության տեղափոխումը Երևանից "
            "Ստեփանակերտ՝ Լաչինի միջանցքով։ Հումանիտար բեռը նվիրվել է Լեռնային Ղարաբաղի "
            "երեխաներին։ Հիշեցնենք, որ նոյեմբերի 9-ին ղեկավարները պայմանավորվածություն են ձեռք "
            "բերել խաղաղապահների տեղակայման շուրջ։",
            "նոյեմբերի 9-ին",
            "2020 թվականի նոյեմբերի 9-ին",
        ),
        (
            "ru",
            "Российские миротворцы доставили 10 тонн гуманитарной помощи из Еревана в Степанакерт "
            "по Лачинскому коридору. Гуманитарный груз передан детям Карабаха. Напомним, что "
            "9 ноября лидеры подписали заявление о размещении миротворцев.",
            "9 ноября",
            "9 ноября 2020 года",
        ),
        (
            "az",
            "Rusiya sülhməramlıları İrəvandan Xankəndiyə Laçın dəhlizi ilə 10 ton humanitar yük "
            "çatdırıb. Humanitar yük Qarabağdakı uşaqlara verilib. Xatırladaq ki, noyabrın 10-da "
            "liderlər bəyanat imzalayıb.",
            "noyabrın 10-da",
            "2020-ci il noyabrın 10-da",
        ),
    ],
)
def test_the_ceasefire_named_by_its_day_dates_an_undated_text(topics, language, body, day, dated):
    result = topics.match("", body)
    assert BLOCKADE not in result.topics, language
    # With the statement's year the text is undated again: its words decide.
    assert BLOCKADE in topics.match("", body.replace(day, dated)).topics, language
    # A publication date decides before the cue.
    assert BLOCKADE in topics.match("", body, "2023-01-10").topics, language


# The ceasefire statement of November 2020 (in Azerbaijani reports, "üçtərəfli bəyanat")
# and the Russian humanitarian response centre set up with the contingent place a text
# that names no town ("the early withdrawal of the Russian peacekeepers from the
# territory of Azerbaijan under the trilateral statement").
@pytest.mark.parametrize(
    ("language", "body", "name"),
    [
        (
            "en",
            "The Russian peacekeepers' Humanitarian Response Center handed out winter clothes. "
            "The peacekeepers also delivered heaters to schools.",
            "Humanitarian Response Center",
        ),
        (
            "hy",
            "Ռուսական խաղաղապահ զորակազմի հումանիտար արձագանքման կենտրոնը շարունակում է "
            "աշխատանքը։ Խաղաղապահներն օգնություն են ցուցաբերում բազմազավակ ընտանիքներին։",
            "հումանիտար արձագանքման կենտրոնը",
        ),
        (
            "ru",
            "Центр гуманитарного реагирования российских миротворцев раздал теплую одежду. "
            "Миротворцы также доставили обогреватели в школы.",
            "Центр гуманитарного реагирования",
        ),
        (
            "az",
            "Rusiya sülhməramlılarının Azərbaycan ərazisindən vaxtından əvvəl çıxarılması barədə "
            "qərar qəbul edilib. Sülhməramlılar üçtərəfli bəyanata əsasən yerləşdirilmişdi.",
            "üçtərəfli bəyanata",
        ),
    ],
)
def test_the_ceasefire_statement_and_the_response_centre_place_a_text(topics, language, body, name):
    assert PEACEKEEPERS in topics.match("", body).topics, language
    assert PEACEKEEPERS not in topics.match("", body.replace(name, "...")).topics, language


# "Blockage" is written for the blockade too ("Due to Azerbaijan's blockage of the only
# road connecting Artsakh to Armenia").
def test_blockage_is_a_word_of_the_blockade(topics):
    body = (
        "Due to Azerbaijan's blockage of the only road connecting Artsakh to Armenia, three "
        "patients have been in severe condition for days. On Wednesday the patients were "
        "transferred to Armenia with the Red Cross."
    )
    assert BLOCKADE in topics.match("3 patients transferred from Karabakh", body).topics
    assert (
        BLOCKADE
        not in topics.match(
            "3 patients transferred from Karabakh", body.replace("blockage", "repair")
        ).topics
    )


# "Those troops", "այդ զորքերը", "həmin qoşunlar" name the contingent again in
# the sentences after one on the peacekeepers, as "the contingent" does.
@pytest.mark.parametrize(
    ("language", "strong", "again", "other"),
    [
        (
            "en",
            "The part of Karabakh still under Armenian control is guarded by Russian peacekeepers.",
            "Yerevan has complained that those troops have failed to prevent the crisis.",
            "Yerevan has complained that the talks have failed to prevent the crisis.",
        ),
        (
            "hy",
            "Ղարաբաղի այդ հատվածը հսկում են ռուս խաղաղապահները։",
            "Երևանը դժգոհում է, որ այդ զորքերը չեն կանխել ճգնաժամը։",
            "Երևանը դժգոհում է, որ բանակցությունները չեն կանխել ճգնաժամը։",
        ),
        (
            "az",
            "Qarabağın həmin hissəsini Rusiya sülhməramlıları qoruyur.",
            "İrəvan şikayət edir ki, həmin qoşunlar böhranın qarşısını almayıb.",
            "İrəvan şikayət edir ki, danışıqlar böhranın qarşısını almayıb.",
        ),
    ],
)
def test_those_troops_name_the_contingent_again(topics, language, strong, again, other):
    # The other sentence said twice keeps the text past the short-text rule.
    assert PEACEKEEPERS in topics.match("", f"{strong} {again} {other}").topics, language
    assert PEACEKEEPERS not in topics.match("", f"{strong} {other} {other}").topics, language


# A demand addressed to the contingent by the road protesters ("who demanded from the
# Russian peacekeepers access to the mines", "требуют встречи с командующим") names it
# as the addressee, as a notice sent to it does, not as the subject.
@pytest.mark.parametrize(
    ("language", "demand", "doing"),
    [
        (
            "en",
            "The Lachin corridor was blocked by Azerbaijani protesters, who demanded from the "
            "Russian peacekeepers access to the mines.",
            "The Lachin corridor was blocked by Azerbaijani protesters, and the Russian "
            "peacekeepers escorted the Red Cross convoy past them.",
        ),
        (
            "ru",
            "Лачинский коридор был заблокирован пикетчиками, которые требовали от российских "
            "миротворцев доступа к месторождениям.",
            "Лачинский коридор был заблокирован пикетчиками, а российские миротворцы "
            "сопроводили колонну Красного Креста.",
        ),
    ],
)
def test_a_demand_addressed_to_the_contingent_is_not_its_doing(topics, language, demand, doing):
    other = {
        "en": "The Russian peacekeepers' command in Stepanakert made no comment. "
        "The checkpoint was set up in April.",
        "ru": "Командование российских миротворцев в Степанакерте не дало комментариев. "
        "Пропускной пункт установлен в апреле.",
    }[language]
    assert PEACEKEEPERS not in topics.match("", f"{demand} {other}").topics, language
    assert PEACEKEEPERS in topics.match("", f"{doing} {other}").topics, language


# --- seventh round: classes of the errors on batches 1-8 and relevance-dev ------------------


# The Russian loanword "блокада" as Armenian writes it ("բլոկադա", "բլոկադայի") is a
# word of the blockade as "շրջափակում" is.
def test_the_armenian_loanword_for_blockade_is_a_strong_term(topics):
    title = "Գնաճն Արցախում նոր ռեկորդներ է սահմանել"
    body = (
        "Մրգերի և բանջարեղենի գներն Արցախում կրկնապատկվել են։ "
        "Արցախի ամբողջական բլոկադայի պայմաններում անհնար է դարձել սննդամթերքի ներկրումը։ "
        "Բլոկադան շարունակվում է արդեն երեք ամիս։"
    )
    assert BLOCKADE in topics.match(title, body, "2023-03-15").topics
    plain = body.replace("ամբողջական բլոկադայի", "ձմեռային եղանակի").replace("Բլոկադան", "Ձմեռը")
    assert BLOCKADE not in topics.match(title, plain, "2023-03-15").topics


# "The bridge" names the Hakari bridge again in the sentences after one on it, as "the
# corridor" names the corridor (Azerbaijani reports of the checkpoint on it).
@pytest.mark.parametrize(
    ("language", "strong", "again", "unrelated"),
    [
        (
            "en",
            "Yesterday Azerbaijani border guards at the checkpoint on the Hakari bridge came under "
            "fire.",
            "Azerbaijan built the bridge recently and raised its flag over it.",
            "Azerbaijan built the stadium recently and raised its flag over it.",
        ),
        (
            "ru",
            "Вчера на КПП на мосту Хакари был обстрелян азербайджанский пограничный наряд.",
            "Азербайджан недавно построил этот мост и поднял над ним флаг.",
            "Азербайджан недавно построил этот стадион и поднял над ним флаг.",
        ),
        (
            "hy",
            "Երեկ Հակարիի կամրջի անցակետում կրակոցներ են հնչել ադրբեջանցի սահմանապահների "
            "ուղղությամբ։",
            "Ադրբեջանը վերջերս է կառուցել այդ կամուրջը և դրոշ է բարձրացրել այնտեղ։",
            "Ադրբեջանը վերջերս է կառուցել այդ մարզադաշտը և դրոշ է բարձրացրել այնտեղ։",
        ),
        (
            "az",
            "Dünən Laçın sərhəd-buraxılış məntəqəsində, Həkəri körpüsündə Azərbaycan "
            "sərhədçilərinə atəş açılıb.",
            "Bu körpünü Azərbaycan bu yaxınlarda tikib və üzərində bayraq qaldırıb.",
            "Bu stadionu Azərbaycan bu yaxınlarda tikib və üzərində bayraq qaldırıb.",
        ),
    ],
)
def test_the_bridge_names_the_hakari_bridge_again(topics, language, strong, again, unrelated):
    assert_a_later_sentence_carries_the_blockade(
        topics, language, strong, again, unrelated, "2023-06-16"
    )


# In a report of the road protest the contingent's vehicles passing the site are evidence
# that the road is open (the blockade in Azerbaijani framing), not the contingent's doing:
# "vehicles of the peacekeepers", "машины снабжения", "sülhməramlılara məxsus avtomobillər",
# "խաղաղապահներին պատկանող մեքենաներ" name it as the owner, as a setting phrase does.
@pytest.mark.parametrize(
    ("language", "passing", "doing"),
    [
        (
            "en",
            "On the Lachin road near Shusha the eco-activists let 21 vehicles of the Russian "
            "peacekeepers pass. Supply vehicles of the peacekeepers drove towards Khankendi.",
            "On the Lachin road near Shusha the Russian peacekeepers dispersed the eco-activists. "
            "The peacekeepers then escorted a convoy towards Khankendi.",
        ),
        (
            "ru",
            "На Лачинской дороге у Шуши беспрепятственно проехали машины снабжения российских "
            "миротворцев. Экоактивисты пропустили автомобили, принадлежащие российским "
            "миротворцам.",
            "На Лачинской дороге у Шуши российские миротворцы оттеснили экоактивистов. "
            "Миротворцы затем сопроводили колонну в Ханкенди.",
        ),
        (
            "az",
            "Laçın-Xankəndi yolunda Rusiya sülhməramlılarına məxsus 27 avtomobil aksiya "
            "ərazisindən maneəsiz keçib. Sülhməramlıların nəqliyyat vasitələri Xankəndiyə "
            "doğru hərəkət edib.",
            "Laçın-Xankəndi yolunda Rusiya sülhməramlıları aksiya iştirakçıları ilə görüşüb. "
            "Sülhməramlılar daha sonra karvanı Xankəndiyə müşayiət ediblər.",
        ),
        (
            "hy",
            "Խանքենդի-Լաչին ճանապարհով անարգել անցել են ռուս խաղաղապահներին պատկանող 23 "
            "մեքենաներ։ Խաղաղապահների մեքենաները շարժվել են դեպի Ստեփանակերտ։",
            "Խանքենդի-Լաչին ճանապարհին ռուս խաղաղապահները հեռացրել են ակցիայի մասնակիցներին։ "
            "Խաղաղապահներն այնուհետև ուղեկցել են շարասյունը դեպի Ստեփանակերտ։",
        ),
    ],
)
def test_the_contingents_vehicles_passing_the_protest_are_not_its_doing(
    topics, language, passing, doing
):
    assert PEACEKEEPERS not in topics.match("", passing, "2023-01-20").topics, language
    assert PEACEKEEPERS in topics.match("", doing, "2023-01-20").topics, language


# The Russian Defence Ministry issued the contingent's daily bulletins: beside a sentence
# on the peacekeepers it names their work too (a weak word), and alone it does not.
@pytest.mark.parametrize(
    ("language", "ministry", "peacekeepers", "other"),
    [
        (
            "en",
            "The ceasefire holds along the whole line of contact in Karabakh, the Russian "
            "Defence Ministry reports.",
            "Russian peacekeepers escort the return of residents to Stepanakert.",
            "Schools in Karabakh reopen after the holidays.",
        ),
        (
            "ru",
            "Режим прекращения огня в Карабахе соблюдается по всей линии соприкосновения, "
            "сообщает Минобороны России.",
            "Российские миротворцы сопровождают возвращение жителей в Степанакерт.",
            "Школы в Карабахе открываются после каникул.",
        ),
        (
            "hy",
            "Ղարաբաղում հրադադարի ռեժիմը պահպանվում է շփման գծի ողջ երկայնքով, հաղորդում է "
            "Ռուսաստանի պաշտպանական գերատեսչությունը։",
            "Ռուս խաղաղապահներն ապահովում են բնակիչների վերադարձը Ստեփանակերտ։",
            "Ղարաբաղի դպրոցները բացվում են արձակուրդից հետո։",
        ),
        (
            "az",
            "Qarabağda atəşkəs rejimi təmas xətti boyunca qorunur, Rusiya Müdafiə Nazirliyi "
            "bildirir.",
            "Rusiya sülhməramlıları sakinlərin Xankəndiyə qayıdışını müşayiət edir.",
            "Qarabağda məktəblər tətildən sonra açılır.",
        ),
    ],
)
def test_the_defence_ministrys_bulletin_names_the_contingents_work(
    topics, language, ministry, peacekeepers, other
):
    bulletin = f"{ministry} {peacekeepers} {other}"
    assert PEACEKEEPERS in topics.match("", bulletin, "2021-02-06").topics, language
    plain = f"{other} {peacekeepers} {other}"
    assert PEACEKEEPERS not in topics.match("", plain, "2021-02-06").topics, language
    alone = f"{ministry} {other} {other}"
    assert PEACEKEEPERS not in topics.match("", alone, "2021-02-06").topics, language


# The Azerbaijani "under the control of" the contingent ("nəzarəti altında") names the
# corridor's place, as "nəzarətində olan" does: Armenians leaving Lachin in November 2020,
# with the contingent's arrival in one sentence, are not its subject.
def test_the_corridor_under_the_contingents_control_is_a_place(topics):
    arrival = (
        "Razılaşmadan sonra əraziyə Rusiya sülhməramlıları gəlib. Ermənilər Laçını tərk edir. "
        "Kəlbəcər rayonu noyabrın 15-dək qaytarılır."
    )
    place = "Laçın dəhlizi Rusiya sülhməramlılarının nəzarəti altında qalır."
    doing = "Laçın dəhlizində Rusiya sülhməramlıları patrul xidməti aparır."
    assert PEACEKEEPERS not in topics.match("", f"{arrival} {place}", "2020-11").topics
    assert PEACEKEEPERS in topics.match("", f"{arrival} {doing}", "2020-11").topics


# Dated within the blockade, two of its weak words in one sentence name it as a strong
# term does (the Red Cross resumed moving patients while aid was still barred, July
# 2023); undated, such a text may be of any year and needs a word of the blockade.
@pytest.mark.parametrize(
    ("language", "body"),
    [
        (
            "en",
            "The ICRC resumed moving patients from Nagorno-Karabakh, but humanitarian aid still "
            "does not reach the region. The ICRC is ready to help the civilians of Karabakh "
            "with the consent of the parties. The dialogue continues, its spokeswoman said.",
        ),
        (
            "ru",
            "МККК возобновил перевозку пациентов из Нагорного Карабаха, но гуманитарная помощь "
            "в регион по-прежнему не доставляется. МККК готов оказать помощь населению в "
            "Нагорном Карабахе при согласии сторон. Диалог продолжается, сказала представитель.",
        ),
        (
            "hy",
            "ԿԽՄԿ-ն վերսկսել է հիվանդների տեղափոխումը Արցախից, սակայն հումանիտար օգնությունը "
            "դեռ չի հասնում։ ԿԽՄԿ-ն պատրաստ է օգնել Արցախի բնակչությանը կողմերի համաձայնությամբ։ "
            "Երկխոսությունը շարունակվում է, ասել է խոսնակը։",
        ),
        (
            "az",
            "BQXK Qarabağdan xəstələrin daşınmasını bərpa edib, lakin humanitar yardım hələ də "
            "bölgəyə çatdırılmır. BQXK tərəflərin razılığı ilə Qarabağ əhalisinə kömək etməyə "
            "hazırdır. Dialoq davam edir, deyə sözçü bildirib.",
        ),
    ],
)
def test_two_weak_words_in_one_sentence_name_the_blockade_within_its_period(topics, language, body):
    assert BLOCKADE in topics.match("", body, "2023-07-24").topics, language
    assert BLOCKADE not in topics.match("", body).topics, language


# A full stop followed by a lower-case letter does not end a sentence: an abbreviation
# ("approx. twenty", "т. е.", "5 km. enliyində") or the Armenian միջակետ, a pause inside
# a sentence ("օդանավակայանում. մասնակցում են"). A short text stays short.
@pytest.mark.parametrize(
    ("language", "lead", "joined", "split"),
    [
        (
            "en",
            "Russian peacekeepers left their base near Khojaly on Monday.",
            "The convoy, approx. twenty trucks, drove towards the border.",
            "The convoy drove towards the border. Twenty trucks left.",
        ),
        (
            "ru",
            "Российские миротворцы покинули пункт дислокации под Ходжалы.",
            "Техника, т. е. грузовики и бронемашины, ушла к границе.",
            "Техника ушла к границе. Грузовики и бронемашины ушли тоже.",
        ),
        (
            "hy",
            "«Ռուս խաղաղապահները կատարել են իրենց խնդիրները»,- Խոջալուում ասել է գեներալը։",
            "Միջոցառումը տեղի է ունենում օդանավակայանում. մասնակցում են բարձրաստիճան հյուրեր։",
            "Միջոցառումը տեղի է ունենում օդանավակայանում։ Մասնակցում են բարձրաստիճան հյուրեր։",
        ),
        (
            "az",
            "Rusiya sülhməramlıları Xocalı yaxınlığındakı bazanı tərk edib.",
            "Karvan təxminən 5 km. məsafə qət edərək sərhədə çatıb.",
            "Karvan sərhədə çatıb. Məsafə 5 km olub.",
        ),
    ],
)
def test_a_full_stop_before_a_lower_case_letter_does_not_end_the_sentence(
    topics, language, lead, joined, split
):
    assert PEACEKEEPERS in topics.match("", f"{lead} {joined}", "2024-05-15").topics, language
    assert PEACEKEEPERS not in topics.match("", f"{lead} {split}", "2024-05-15").topics, language


# The troops' withdrawal of 2024 is the contingent's beside "Russian troops": within its
# period the two weak words in one sentence name it, and the headline carries it.
@pytest.mark.parametrize(
    ("language", "withdrawal", "exercise"),
    [
        (
            "en",
            "Russian troops are beginning to withdraw from Nagorno-Karabakh, the Kremlin said.",
            "Russian troops are beginning exercises in Nagorno-Karabakh, the Kremlin said.",
        ),
        (
            "ru",
            "Начался вывод российских войск из Нагорного Карабаха, сообщили в Кремле.",
            "Начались учения российских войск в Нагорном Карабахе, сообщили в Кремле.",
        ),
        (
            "hy",
            "Ռուս զինծառայողների դուրսբերումը Ղարաբաղից սկսվել է, հայտնել է Կրեմլը։",
            "Ռուս զինծառայողների զորավարժությունը Ղարաբաղում սկսվել է, հայտնել է Կրեմլը։",
        ),
        (
            "az",
            "Rusiya hərbçiləri Qarabağdan çıxarılır, Kreml bildirib.",
            "Rusiya hərbçiləri Qarabağda təlim keçirir, Kreml bildirib.",
        ),
    ],
)
def test_the_withdrawal_of_russian_troops_is_the_contingents(
    topics, language, withdrawal, exercise
):
    rest = f"{FILLER[language]} {FILLER[language]}"
    assert PEACEKEEPERS in topics.match(withdrawal, f"{withdrawal} {rest}", "2024-04-18").topics
    assert PEACEKEEPERS not in topics.match(exercise, f"{exercise} {rest}", "2024-04-18").topics


# Azerbaijani framing names the road protest by its ecologists and "environmental NGOs"
# as well as by its eco-activists, in the four languages.
@pytest.mark.parametrize(
    ("language", "protest"),
    [
        (
            "en",
            "Azerbaijani ecologists and members of environmental non-governmental organizations "
            "continue their protests near Shusha.",
        ),
        ("ru", "Азербайджанские экологи продолжают пикет у Шуши."),
        ("hy", "Ադրբեջանցի էկոլոգները շարունակում են բողոքի ակցիան Շուշիի մոտ։"),
        ("az", "Azərbaycanlı ekoloqların Şuşa yaxınlığında etirazı davam edir."),
    ],
)
def test_the_protests_ecologists_name_the_road_protest(topics, language, protest):
    neutral = {
        "en": "Azerbaijani students continue their studies near Shusha.",
        "ru": "Азербайджанские студенты продолжают учебу у Шуши.",
        "hy": "Ադրբեջանցի ուսանողները շարունակում են ուսումը Շուշիի մոտ։",
        "az": "Azərbaycanlı tələbələrin Şuşa yaxınlığında təhsili davam edir.",
    }[language]
    assert_a_later_sentence_carries_the_blockade(
        topics, language, protest, protest, neutral, "2023-01-20"
    )


# --- eighth round: classes of the errors on batches 1-9 and relevance-dev -------------------


# A demand addressed to the contingent's commander names him with his title, rank and
# name: the setting phrase places the whole noun phrase, however long the name, not only
# the term beside it. The contingent's post as the protest's landmark (Azerbaijani
# "postu yaxınlığında", "postunun qarşısında") and the road "controlled by" it are its
# setting, as its zone is. A sentence on what the contingent or its commander did still
# counts.
@pytest.mark.parametrize(
    ("language", "published", "lead", "setting", "doing", "other"),
    [
        (
            "az",
            "2023-01-26",
            "Laçın-Xankəndi yolunda etiraz aksiyası davam edir.",
            "Aksiya iştirakçıları sülhməramlıların komandanı general Volkovun onların "
            "qarşısına çıxmasını tələb ediblər.",
            "Sülhməramlıların komandanı general Volkov aksiya iştirakçıları ilə danışıb.",
            "Rusiya sülhməramlılarının komandanlığı heç bir açıqlama verməyib.",
        ),
        (
            "ru",
            "2023-01-26",
            "На дороге Лачин-Шуша продолжается акция протеста.",
            "Протестующие требуют встречи с командующим российскими миротворцами, "
            "генерал-майором Андреем Волковым.",
            "Командующий российскими миротворцами генерал-майор Андрей Волков провел "
            "переговоры с протестующими.",
            "Командование российских миротворцев не дало комментариев.",
        ),
        (
            "az",
            "2023-03-30",
            "Laçın-Xankəndi yolunda etiraz aksiyası 46 gündür davam edir.",
            "Eko fəallar sülhməramlıların postu yaxınlığında toplaşıblar.",
            "Sülhməramlılar eko fəalların yanına gəliblər.",
            "Rusiya sülhməramlılarının komandanlığı heç bir açıqlama verməyib.",
        ),
        (
            "en",
            "2023-03-30",
            "The Azerbaijani military has blocked the Goris-Stepanakert highway.",
            "The new road is controlled by the Russian peacekeepers near the Hakari bridge.",
            "The Russian peacekeepers repaired the new road near the Hakari bridge.",
            "The Russian peacekeepers' command made no comment.",
        ),
    ],
)
def test_a_setting_phrase_places_the_whole_noun_phrase_and_the_contingents_post(
    topics, language, published, lead, setting, doing, other
):
    def matched(sentence: str) -> bool:
        return PEACEKEEPERS in topics.match("", f"{lead} {sentence} {other}", published).topics

    assert not matched(setting), language
    assert matched(doing), language


# An undated text that tells of the contingent's withdrawal (April 2024) was written
# after the blockade: its convoy "through the Lachin corridor" is not the blockade's. The
# contingent stays its subject, and a publication date decides as before.
@pytest.mark.parametrize(
    ("language", "title", "body", "withdrawal"),
    [
        (
            "en",
            "Russian peacekeepers' convoy heads to Goris",
            "A convoy of Russian peacekeepers drove from Karabakh to Goris. "
            "A site was chosen to keep the Lachin corridor working. "
            "The trucks moved slowly along the road.",
            "The withdrawal of the Russian peacekeepers from Karabakh began in April.",
        ),
        (
            "ru",
            "Колонна российских миротворцев направилась в Горис",
            "Колонна российских миротворцев выехала из Карабаха в Горис. "
            "Выбрано место для работы Лачинского коридора. "
            "Грузы перевозили по дороге медленно.",
            "Вывод российских миротворцев из Карабаха начался в апреле.",
        ),
        (
            "hy",
            "Ռուս խաղաղապահների շարասյունը մեկնել է Գորիս",
            "Ռուս խաղաղապահների շարասյունը Ղարաբաղից մեկնել է Գորիս։ "
            "Լաչինի միջանցքի աշխատանքի համար տեղ է ընտրվել։ "
            "Բեռնատարները դանդաղ են շարժվել ճանապարհով։",
            "Ռուս խաղաղապահների դուրսբերումը Ղարաբաղից սկսվել է ապրիլին։",
        ),
        (
            "az",
            "Rusiya sülhməramlılarının karvanı Gorusa yollanıb",
            "Rusiya sülhməramlılarının karvanı Qarabağdan Gorusa yollanıb. "
            "Laçın dəhlizinin normal fəaliyyətini təmin etmək üçün yer seçilib. "
            "Yük maşınları yolda yavaş hərəkət edib.",
            "Rusiya sülhməramlılarının Qarabağdan çıxarılması aprel ayında başlayıb.",
        ),
    ],
)
def test_the_contingents_withdrawal_dates_an_undated_text_after_the_blockade(
    topics, language, title, body, withdrawal
):
    told = f"{body} {withdrawal}"
    assert BLOCKADE in topics.match(title, body).topics, language
    assert BLOCKADE not in topics.match(title, told).topics, language
    assert PEACEKEEPERS in topics.match(title, told).topics, language
    assert BLOCKADE in topics.match(title, told, "2023-05-10").topics, language


# An undated text naming the gas cut of 8 March 2022 by its day alone is that spring's,
# nine months before the blockade; dated within the blockade, the same words are its.
@pytest.mark.parametrize(
    ("language", "body"),
    [
        (
            "ru",
            "В ночь на 8 марта в результате повреждения газопровода из Армении в Карабах "
            "прекращена подача газа. Жители Карабаха уже третий день остаются без газоснабжения.",
        ),
        (
            "hy",
            "Արցախում գազամատակարարումը վերականգնվել է։ Ադրբեջանը մարտի 8-ին վթարված "
            "գազատարի հատվածում թույլ չէր տալիս աշխատանքներ իրականացնել, և Արցախը մնաց առանց "
            "գազամատակարարման։",
        ),
        (
            "en",
            "Gas supply to Karabakh was cut on March 8 after the pipeline was damaged. "
            "Residents of Stepanakert have been without gas supply for three days.",
        ),
        (
            "az",
            "Martın 8-də qaz kəməri zədələnib və Qarabağa qaz təchizatı dayanıb. "
            "Xankəndi sakinləri üç gündür qaz təchizatı olmadan qalıb.",
        ),
    ],
)
def test_the_gas_cut_of_march_2022_is_not_the_blockade(topics, language, body):
    assert BLOCKADE not in topics.match("", body).topics, language
    assert BLOCKADE in topics.match("", body, "2023-01-20").topics, language


# Azerbaijani framing of the road protest counts the contingent's supply vehicles that
# passed it (the road is open): the report is the blockade's even where the vehicles are
# the subject of every sentence.
@pytest.mark.parametrize(
    ("language", "title", "neutral"),
    [
        ("az", "Laçın yolundan daha 2 təminat avtomobili keçib", "Laçın yolunda hava soyuqdur"),
        (
            "ru",
            "По Лачинской дороге проехали еще две машины снабжения",
            "На Лачинской дороге похолодало",
        ),
        (
            "en",
            "Two more supply vehicles passed along the Lachin road",
            "It turned cold on the Lachin road",
        ),
        (
            "hy",
            "Լաչինի միջանցքով անցել են ևս երկու մատակարարման մեքենաներ",
            "Լաչինի միջանցքում ցուրտ է",
        ),
    ],
)
def test_supply_vehicles_passing_the_protest_name_the_blockade(topics, language, title, neutral):
    body = FILLER[language]
    assert BLOCKADE in topics.match(title, body, "2022-12-27").topics, language
    assert BLOCKADE not in topics.match(neutral, body, "2022-12-27").topics, language


# Within the blockade's period a checkpoint by the region is the one on the Lachin road
# (April 2023): it names the event as a strong term does. Undated, a checkpoint may be
# the peacekeepers' of 2021 or any border post, and stays a weak word.
@pytest.mark.parametrize(
    ("language", "body"),
    [
        (
            "en",
            "Azerbaijan set up a checkpoint at the bridge near Lachin. "
            "Washington said the checkpoint near Karabakh undermines trust.",
        ),
        (
            "ru",
            "Азербайджан установил КПП у моста возле Лачина. "
            "В Вашингтоне заявили, что КПП у Карабаха подрывает доверие.",
        ),
        (
            "hy",
            "Ադրբեջանը Լաչինի մոտ կամրջի վրա անցակետ է տեղադրել։ "
            "Վաշինգտոնը հայտարարել է, որ Ղարաբաղի մոտ անցակետը խաթարում է վստահությունը։",
        ),
        (
            "az",
            "Laçın yaxınlığında körpünün yanında buraxılış məntəqəsi quraşdırılıb. "
            "Vaşinqton Qarabağ yaxınlığındakı buraxılış məntəqəsini tənqid edib.",
        ),
    ],
)
def test_a_checkpoint_within_the_period_names_the_blockade(topics, language, body):
    text = f"{body} {FILLER[language]}"
    assert BLOCKADE in topics.match("", text, "2023-04-24").topics, language
    assert BLOCKADE not in topics.match("", text).topics, language


def test_period_terms_are_validated_and_strong_only_within_the_period(tmp_path):
    raw = MINIMAL + 'period = ["2022-12", "2023-09"]\nperiod_terms = ["checkpoint*"]\n'
    topics = load_topics(write_topics(tmp_path, raw))
    body = "A checkpoint near Karabakh. Another checkpoint near Karabakh."
    assert topics.match("", body, "2023-05-01").topics == ["t"]
    assert topics.match("", body).topics == []
    with pytest.raises(ConfigError, match="period_terms"):
        load_topics(write_topics(tmp_path, MINIMAL + 'period_terms = ["c*"]\n'))


# A text published within the period is read as of its time: an earlier year in a
# sentence beside the event is background ("detained at the Lachin checkpoint … charged
# over killings in December 1991"); in its lead it dates the text back (an anniversary).
@pytest.mark.parametrize(
    ("language", "event", "background"),
    [
        (
            "en",
            "A Karabakh patient was detained at an Azerbaijani checkpoint in the Lachin corridor. "
            "Karabakh officials condemned the detention at the checkpoint.",
            "Baku charged him over events in Karabakh in December 1991.",
        ),
        (
            "ru",
            "Пациент из Карабаха задержан на азербайджанском КПП в Лачинском коридоре. "
            "Власти Карабаха осудили задержание на КПП.",
            "Баку обвиняет его в событиях в Карабахе в декабре 1991 года.",
        ),
    ],
)
def test_a_background_year_beside_the_event_does_not_date_a_published_text(
    topics, language, event, background
):
    filler = FILLER[language]
    assert BLOCKADE in topics.match("", f"{event} {filler} {background}", "2023-07-31").topics
    assert BLOCKADE not in topics.match("", f"{background} {event} {filler}", "2023-07-31").topics


# What the blockade did that the texts name without naming it: rolling blackouts once the
# gas is gone (en, ru, hy), and in Azerbaijani framing the food trucks ("ərzaq yükü")
# waiting on the Aghdam road in September 2023.
@pytest.mark.parametrize(
    ("language", "strong", "effect", "neutral", "published"),
    [
        (
            "en",
            "Stepanakert has had no gas supply for a week.",
            "Rolling blackouts in Stepanakert now last six hours.",
            "Concerts in Stepanakert now last six hours.",
            None,
        ),
        (
            "ru",
            "В Степанакерте неделю нет газоснабжения.",
            "Веерные отключения в Степанакерте длятся по шесть часов.",
            "Концерты в Степанакерте длятся по шесть часов.",
            None,
        ),
        (
            "hy",
            "Ստեփանակերտում մեկ շաբաթ գազամատակարարում չկա։",
            "Ստեփանակերտում հովհարային անջատումները տևում են վեց ժամ։",
            "Ստեփանակերտում համերգները տևում են վեց ժամ։",
            None,
        ),
        (
            "az",
            "Qızıl Xaç Cəmiyyətinin yük maşını Ağdam-Xankəndi yolunda gözləyir.",
            "Xankəndiyə göndərilən ərzaq hələ də Bərdədədir.",
            "Xankəndiyə göndərilən məktub hələ də Bərdədədir.",
            "2023-09-05",
        ),
    ],
)
def test_what_the_blockade_did_carries_a_sentence(
    topics, language, strong, effect, neutral, published
):
    filler = FILLER[language]
    assert BLOCKADE in topics.match("", f"{strong} {filler} {effect}", published).topics
    assert BLOCKADE not in topics.match("", f"{strong} {filler} {neutral}", published).topics


# The contingent's own work (mines it clears, its reception office, its observation
# posts, the Russian defence ministry or minister reporting it) carries a sentence beside
# one naming the peacekeepers; a sentence of nothing in its place does not.
@pytest.mark.parametrize(
    ("language", "peacekeepers", "work"),
    [
        (
            "en",
            "Russian peacekeepers arrived in Stepanakert on Monday.",
            "Sappers have cleared the roads of Karabakh of more than a thousand shells.",
        ),
        (
            "ru",
            "Российские миротворцы прибыли в Степанакерт в понедельник.",
            "Саперы продолжают разминирование дорог в Карабахе.",
        ),
        (
            "hy",
            "Ռուս խաղաղապահները երկուշաբթի ժամանել են Ստեփանակերտ։",
            "Քաղաքացիների ընդունարանն օգնում է Ստեփանակերտի բնակիչներին, հայտնում է ՌԴ ՊՆ-ն։",
        ),
        (
            "az",
            "Rusiya sülhməramlıları bazar ertəsi Xankəndiyə gəlib.",
            "Qarabağ ərazisində 23 müşahidə məntəqəsi qurulub.",
        ),
    ],
)
def test_the_contingents_own_work_carries_a_sentence(topics, language, peacekeepers, work):
    text = f"{work} {peacekeepers} {FILLER[language]}"
    assert PEACEKEEPERS in topics.match("", text, "2021-03-01").topics, language
    plain = f"{FILLER[language]} {peacekeepers} {FILLER[language]}"
    assert PEACEKEEPERS not in topics.match("", plain, "2021-03-01").topics, language


# What the blockade stopped (gas, the classes of schools heated by gas, the shops'
# shelves) names it within its period when two such words share a sentence; published
# before it, the gas cut is that of March 2022.
@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("en", "Artsakh schools heated by gas stop classes"),
        ("ru", "В Арцахе школы с газовым отоплением прекращают занятия, газа нет"),
        ("hy", "Արցախում կդադարեցվեն գազով ջեռուցվող դպրոցների պարապմունքները"),
        ("az", "Qarabağda qaz olmadığı üçün məktəblərdə dərslər dayandırılıb"),
    ],
)
def test_what_the_blockade_stopped_names_it_within_its_period(topics, language, title):
    body = f"{FILLER[language]} {FILLER[language]} {FILLER[language]}"
    assert BLOCKADE in topics.match(title, body, "2023-02-06").topics, language
    assert BLOCKADE not in topics.match(title, body, "2022-03-10").topics, language


def test_blocking_the_road_is_a_weak_word_of_the_blockade(topics):
    # A Yerevan street protest "blocking roads" beside a mention of Karabakh is not it;
    # beside the seized corridor and the depleted shops it is.
    street = (
        "Protesters in Yerevan accused the government of concessions over Karabakh. "
        "The opposition vowed to continue blocking roads every day."
    )
    assert BLOCKADE not in topics.match("", street, "2023-01-02").topics
    corridor = (
        "The seizure of the Lachin corridor stretches into its 18th day. The shelves of "
        "shops in Artsakh are more and more depleted. Azerbaijan claims civilians are "
        "blocking the road for environmental reasons."
    )
    assert BLOCKADE in topics.match("", corridor).topics


# A text with no date that names the Lachin border checkpoint (April 2023) is within the
# blockade's period, so the checkpoint names the event there; "the checkpoint" alone in
# an undated text may be the contingent's, and stays weak.
@pytest.mark.parametrize(
    ("language", "named", "plain"),
    [
        (
            "ru",
            "Автоколонна с 26 июля стоит на перевале напротив пункта пропуска «Лачин» у Карабаха.",
            "Автоколонна с 26 июля стоит на перевале напротив КПП у Карабаха.",
        ),
        (
            "az",
            "Yük maşınları Laçın sərhəd-buraxılış məntəqəsi qarşısında gözləyir.",
            "Yük maşınları Laçın yaxınlığında buraxılış məntəqəsi qarşısında gözləyir.",
        ),
        (
            "en",
            "Trucks wait before the Lachin border checkpoint near Karabakh.",
            "Trucks wait before a checkpoint near Karabakh.",
        ),
        (
            "hy",
            "Բեռնատարները կանգնած են Լաչինի սահմանային անցակետի մոտ։",
            "Բեռնատարները կանգնած են Լաչինի մոտ անցակետի առաջ։",
        ),
    ],
)
def test_the_lachin_border_checkpoint_dates_an_undated_text(topics, language, named, plain):
    filler = FILLER[language]
    assert BLOCKADE in topics.match("", f"{named} {filler} {named}").topics, language
    assert BLOCKADE not in topics.match("", f"{plain} {filler} {plain}").topics, language


# Azerbaijani framing names the region as the territories it regained in 2020 ("the
# liberated territories of Azerbaijan", "azad edilmiş ərazilər"): they place the
# contingent's news as Karabakh does.
@pytest.mark.parametrize(
    ("language", "body"),
    [
        (
            "en",
            "Russian peacekeepers in the liberated territories of Azerbaijan have a new commander. "
            "The peacekeepers' commander Lentsov arrived on Monday.",
        ),
        (
            "ru",
            "У российских миротворцев на освобожденных территориях Азербайджана новый "
            "командующий. Командующий миротворцами Ленцов прибыл в понедельник.",
        ),
        (
            "az",
            "Azad edilmiş ərazilərdə Rusiya sülhməramlılarının yeni komandanı var. "
            "Sülhməramlıların komandanı Lentsov bazar ertəsi gəlib.",
        ),
    ],
)
def test_the_liberated_territories_place_the_contingent(topics, language, body):
    assert PEACEKEEPERS in topics.match("", body, "2023-04-20").topics, language
    elsewhere = body.replace("liberated territories of Azerbaijan", "Lebanon")
    elsewhere = elsewhere.replace("освобожденных территориях Азербайджана", "Ливане")
    elsewhere = elsewhere.replace("Azad edilmiş ərazilərdə", "Livanda")
    assert PEACEKEEPERS not in topics.match("", elsewhere, "2023-04-20").topics, language


# The contingent's control, zone of responsibility, post and silence name the setting of
# another story ("the truce placed the corridor under the control of Russian
# peacekeepers"), as its temporary deployment does: two such sentences do not make it the
# subject; two sentences of what it does do.
@pytest.mark.parametrize(
    ("language", "setting", "doing"),
    [
        (
            "en",
            "The Lachin corridor is under the control of the Russian peacekeepers.",
            "The Russian peacekeepers escorted a convoy near Stepanakert.",
        ),
        (
            "ru",
            "Инцидент произошел в зоне ответственности российских миротворцев у Степанакерта.",
            "Российские миротворцы сопроводили колонну у Степанакерта.",
        ),
        (
            "hy",
            "Ճանապարհը ռուս խաղաղապահների վերահսկողության տակ է Ստեփանակերտի մոտ։",
            "Ռուս խաղաղապահներն ուղեկցել են շարասյունը Ստեփանակերտի մոտ։",
        ),
        (
            "az",
            "Yol Xankəndi yaxınlığında Rusiya sülhməramlılarının məsuliyyət zonasındadır.",
            "Rusiya sülhməramlıları Xankəndi yaxınlığında karvanı müşayiət edib.",
        ),
    ],
)
def test_the_contingents_control_and_zone_are_a_setting(topics, language, setting, doing):
    filler = FILLER[language]
    placed = f"{setting} {filler} {setting} {filler}"
    assert PEACEKEEPERS not in topics.match("", placed, "2023-01-05").topics, language
    done = f"{doing} {filler} {doing} {filler}"
    assert PEACEKEEPERS in topics.match("", done, "2023-01-05").topics, language


@pytest.mark.parametrize(
    ("language", "body", "alone"),
    [
        (
            "en",
            "A dispute over a flag broke out at the Amaras monastery. Russian peacekeepers "
            "stepped in, and talks are under way. The Russian general demanded that the flag "
            "be replaced.",
            "A dispute over a flag broke out at the Amaras monastery. Talks are under way. The "
            "Russian general demanded that the flag be replaced.",
        ),
        (
            "hy",
            "Ամարասի վանքում դրոշի շուրջ վեճ է ծագել։ Ռուս խաղաղապահները միջամտել են, "
            "բանակցություններ են ընթանում։ Ռուս գեներալը պահանջել է փոխել դրոշը։",
            "Ամարասի վանքում դրոշի շուրջ վեճ է ծագել։ Բանակցություններ են ընթանում։ Ռուս "
            "գեներալը պահանջել է փոխել դրոշը։",
        ),
        (
            "ru",
            "У монастыря Амарас возник спор из-за флага. Российские миротворцы вмешались, идут "
            "переговоры. Российский генерал потребовал заменить флаг.",
            "У монастыря Амарас возник спор из-за флага. Идут переговоры. Российский генерал "
            "потребовал заменить флаг.",
        ),
        (
            "az",
            "Amaras monastırında bayraq üstündə mübahisə yaranıb. Rus sülhməramlıları məsələyə "
            "qarışıb, danışıqlar gedir. Rus generalı bayrağın dəyişdirilməsini tələb edib.",
            "Amaras monastırında bayraq üstündə mübahisə yaranıb. Danışıqlar gedir. Rus "
            "generalı bayrağın dəyişdirilməsini tələb edib.",
        ),
    ],
)
def test_the_amaras_monastery_places_the_contingent_and_its_general_refers_to_it(
    topics, language, body, alone
):
    # The monastery is in the region as Dadivank is; "the Russian general" names the
    # contingent again only after a sentence on it.
    assert PEACEKEEPERS in topics.match("", body).topics, language
    assert PEACEKEEPERS not in topics.match("", alone).topics, language


@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("en", "Russian Peace Forces begin to leave Karabakh"),
        ("hy", "Ռուսական խաղաղության ուժերը սկսել են լքել Ղարաբաղը"),
        ("ru", "Российские силы по поддержанию мира начали покидать Карабах"),
        ("az", "Rusiya Sülh Qüvvələrinin qoşunları Qarabağı tərk etməyə başladı"),
    ],
)
def test_peace_forces_name_the_contingent(topics, language, title):
    # Some outlets call the contingent the "Peace Forces"; only the region makes it
    # the Karabakh one.
    assert PEACEKEEPERS in topics.match(title, "").topics, language
    elsewhere = title.replace("Karabakh", "Lebanon").replace("Ղարաբաղը", "Լիբանանը")
    elsewhere = elsewhere.replace("Карабах", "Ливан").replace("Qarabağı", "Livanı")
    assert PEACEKEEPERS not in topics.match(elsewhere, "").topics, language


@pytest.mark.parametrize(
    ("language", "body"),
    [
        (
            "en",
            "The only high-voltage power line supplying Karabakh from Armenia broke down, and "
            "electricity now comes from limited local plants. Rolling blackouts began, as the "
            "power supply cannot cover the demand.",
        ),
        (
            "hy",
            "Արցախը Հայաստանից սնուցող միակ բարձրավոլտ գծում վթար է եղել, և էլեկտրաէներգիան "
            "տրվում է տեղական կայաններից։ Սկսվել են հովհարային անջատումներ, էլեկտրամատակարարումը "
            "սահմանափակ է։",
        ),
        (
            "ru",
            "На единственной высоковольтной ЛЭП, питающей Карабах из Армении, произошла авария, "
            "электроэнергию дают местные станции. Начались веерные отключения, электроснабжение "
            "ограничено.",
        ),
        (
            "az",
            "Qarabağı Ermənistandan qidalandıran yüksək gərginlikli elektrik xəttində qəza baş "
            "verib, elektrik enerjisi yerli stansiyalardan verilir. Elektrik kəsintiləri başlayıb, "
            "elektrik təchizatı məhduddur.",
        ),
    ],
)
def test_the_power_line_cut_names_the_blockade_within_its_period(topics, language, body):
    # The power line from Armenia was cut in January 2023 and its repair barred: within
    # the blockade's period a sentence on it is the blockade, as one on gas or bread is.
    title = {"en": "Karabakh", "hy": "Արցախ", "ru": "Карабах", "az": "Qarabağ"}[language]
    assert BLOCKADE in topics.match(title, body, "2023-01-11").topics, language
    assert BLOCKADE not in topics.match(title, body, "2021-06-01").topics, language


@pytest.mark.parametrize("spelling", ["ekoaksiya", "eko-aksiya", "ekoloji aksiya"])
def test_the_road_action_in_one_word_is_the_blockade(topics, spelling):
    # Azerbaijani outlets write the road action as one word too ("ekoaksiyanın
    # iştirakçıları"); near the Lachin road it is the blockade in their framing, and in
    # Baku it is any environmental rally.
    body = (
        f"Şuşada {spelling}nın iştirakçıları üçün Novruz şənliyi təşkil olunub. "
        "Laçın-Xankəndi yolunun yaxınlığında tonqal qalanıb. "
        "Aksiya iştirakçıları üçün bayram süfrəsi açılıb."
    )
    assert BLOCKADE in topics.match("", body, "2023-03-21").topics, spelling
    elsewhere = body.replace("Şuşada", "Bakıda").replace("Laçın-Xankəndi", "Bakı-Sumqayıt")
    assert BLOCKADE not in topics.match("", elsewhere, "2023-03-21").topics, spelling


def test_environmentalists_and_the_action_name_the_road_protest(topics):
    # English translations of the Azerbaijani framing: the protesters as
    # "environmentalists", the protest as "the action" once the blockade is named.
    body = (
        "Ilham Aliyev praised the Azerbaijani environmentalists who are carrying out the "
        "blockade of Nagorno-Karabakh. He called the participants of the action a pride. "
        "He claimed that the purpose of the action is an inspection of the mines."
    )
    assert BLOCKADE in topics.match("", body, "2023-01-11").topics
    # "The action" with neither the protesters nor the blockade named is no evidence.
    other = body.replace("environmentalists who are carrying out the blockade of", "officials in")
    assert BLOCKADE not in topics.match("", other, "2023-01-11").topics


@pytest.mark.parametrize(
    ("language", "first", "second"),
    [
        (
            "en",
            "The blockade of the Lachin corridor goes on. Talks resumed in Brussels.",
            "In Goris he met residents of Karabakh who cannot return home.",
        ),
        (
            "hy",
            "Լաչինի միջանցքի շրջափակումը շարունակվում է։ Բանակցությունները վերսկսվել են Բրյուսելում։",
            "Գորիսում նա հանդիպել է Ղարաբաղի բնակիչների, ովքեր չեն կարողանում վերադառնալ։",
        ),
        (
            "ru",
            "Блокада Лачинского коридора продолжается. Переговоры возобновились в Брюсселе.",
            "В Горисе он встретился с жителями Карабаха, которые не могут вернуться домой.",
        ),
        (
            "az",
            "Laçın dəhlizinin blokadası davam edir. Danışıqlar Brüsseldə bərpa olunub.",
            "Gorusda o, evlərinə qayıda bilməyən Qarabağ sakinləri ilə görüşüb.",
        ),
    ],
)
def test_residents_who_cannot_return_refer_to_the_blockade(topics, language, first, second):
    # Residents stranded outside (in Goris, in Yerevan) are the blockade's, once the text
    # names it; the words alone are weak (the displaced of other years cannot return too).
    assert BLOCKADE in topics.match("", f"{first} {second}", "2023-03-15").topics, language
    assert BLOCKADE not in topics.match("", second, "2023-03-15").topics, language
