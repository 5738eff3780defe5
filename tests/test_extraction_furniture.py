"""Page furniture out of extracted blocks, article text kept."""

from __future__ import annotations

import pytest

from crawler.extraction import furniture
from crawler.extraction.body import Block
from crawler.extraction.furniture import (
    has_shortcode,
    is_furniture_line,
    is_section_marker,
    remove_furniture,
    trim_head,
    trim_tail,
)

ARTICLE = [
    "STEPANAKERT — The Russian peacekeeping force deployed in Nagorno-Karabakh has declined to provide security to participants in a local protest.",
    "In a written reply to participants of the planned protest a deputy commander of the peacekeeping force reportedly said that the terms of the deployment did not provide for escorting protests.",
    "Participants of the movement say that the intended goal of their action is to show the world that the road is not open.",
    "“We do not lose heart, we will continue our struggle,” Osipyan said.",
]


def p(text: str, tag: str = "p", links: float = 0.0) -> Block:
    return Block(text, tag, links)


@pytest.mark.parametrize(
    "text",
    [
        "Leave a Reply",
        "Leave a comment",
        "3 Comments",
        "You May Also Like",
        "Related posts:",
        "Sign Up for Our Newsletters",
        "Share this:",
        "Читайте также",
        "Комментарии (2)",
        "Похожие новости",
        "Կարդացեք նաև",
        "Նմանատիպ նյութեր",
        "Մեկնաբանություններ",
        "Oxşar xəbərlər",
        "Şərhlər",
        "Paylaş:",
    ],
)
def test_section_markers(text):
    assert is_section_marker(p(text, "head"))


@pytest.mark.parametrize(
    "text",
    [
        "Comments from the minister were not available.",
        "Related talks are expected in Brussels next week, officials said.",
        "Share prices fell in Yerevan.",
        "Russian peacekeepers",
        "Also:",
    ],
)
def test_article_sentences_are_not_section_markers(text):
    assert not is_section_marker(p(text))


@pytest.mark.parametrize(
    "text",
    [
        "Get the latest updates right in your inbox. Subscribe to our newsletters.",
        "Follow Newsbeat on Instagram, Facebook, Twitter and YouTube.",
        "Have a tip? Jane Doe may be reached at jdoe@example.com.",
        "Your email address will not be published. Required fields are marked *",
        "Copyright © 2023 MassisPost. All rights reserved.",
        "Related: Blockade Leaves Stepanakert Hospitals Short of Medicine",
        "RELATED: Blockade Leaves Stepanakert Hospitals Short of Medicine",
        "Tags: Lachin corridor, Hakari bridge",
        "Filed under: Artsakh |",
        "Get Motor Cycle Monthly delivered every month. Click here for more information.",
        "Explore further",
        "Читайте также: Пашинян призвал направить миссию",
        "Подписывайтесь на ТАСС в Telegram",
        "При использовании материалов ссылка на NEWS.am обязательна.",
        "Կարդացեք նաև՝ Կարմիր խաչը տեղափոխել է ևս 12 հիվանդի",
        "Բոլոր իրավունքները պաշտպանված են։",
        "Xəbərləri Telegram kanalımızda izləyin! Abunə olun: @reportaz",
        "Bütün hüquqlar qorunur.",
        "[button link=”http://example.org/submit/” type=”big”] Send us YOUR review[/button]",
    ],
)
def test_furniture_lines(text):
    assert is_furniture_line(p(text))


@pytest.mark.parametrize(
    "text",
    [
        "If you just want Disney+, you can sign up for a free 7-day trial.",
        "The company said it would subscribe to the new standard next year.",
        "The ministry said it follows the situation on the Lachin corridor closely.",
        "“We will follow them on every road,” he said.",
        "The foundation was established in 1999 [1].",
    ]
    + ARTICLE,
)
def test_article_sentences_are_not_furniture(text):
    assert not is_furniture_line(p(text))


def test_long_paragraph_mentioning_a_newsletter_stays():
    text = (
        "The ministry's weekly newsletter, read by diplomats across the region, "
        + "reported on the blockade in detail " * 10
    )
    assert not is_furniture_line(p(text))


def test_shortcode():
    assert has_shortcode("[caption id=1]A photo[/caption]")
    assert not has_shortcode("Ceasefire [updated] holds")


def test_tail_is_cut_at_a_section_marker_after_the_text():
    blocks = [p(t) for t in ARTICLE] + [
        p("You May Also Like", "head"),
        p("A Special Performance by a Unique Artist"),
        p("YEREVAN — The government has pledged to build roads…"),
    ]
    assert [b.text for b in trim_tail(blocks)] == ARTICLE


def test_a_marker_near_the_top_does_not_cut_the_article():
    blocks = [p("Share", "head")] + [p(t) for t in ARTICLE]
    assert len(trim_tail(blocks)) == len(blocks)


def test_trailing_link_lists_go():
    blocks = [p(t) for t in ARTICLE] + [
        p("- Europa plumes in images\n- Photos: Europa", "list", 1.0)
    ]
    assert [b.text for b in trim_tail(blocks)] == ARTICLE
    kept = [p(t) for t in ARTICLE] + [p("- first point of the story\n- second point", "list", 0.1)]
    assert len(trim_tail(kept)) == len(kept)


def test_head_echo_of_the_headline_and_crumbs():
    title = "Peacekeepers Decline to Escort Protest Convoy"
    blocks = [p("TECH", "p", 1.0), p(title, "head"), p("Standfirst repeated here", "head")] + [
        p(t) for t in ARTICLE
    ]
    got = trim_head(blocks, [title], ["Standfirst repeated here, with more words"])
    assert [b.text for b in got] == ARTICLE


def test_a_lede_equal_to_the_description_stays():
    got = trim_head([p(t) for t in ARTICLE], ["Some headline"], [ARTICLE[0]])
    assert got[0].text == ARTICLE[0]


def test_remove_furniture_never_empties_a_body():
    blocks = [p("Leave a Reply", "head")]
    assert remove_furniture(blocks, []) == blocks


def test_remove_furniture_all_rules():
    blocks = (
        [p("Peacekeepers Decline to Escort Protest Convoy", "head")]
        + [p(t) for t in ARTICLE[:2]]
        + [p("Related: Another story about the corridor", "p", 0.8)]
        + [p(t) for t in ARTICLE[2:]]
        + [
            p("Share this:", "head"),
            p("Facebook Twitter", "p", 1.0),
            p("Leave a Reply", "head"),
            p("Your email address will not be published."),
        ]
    )
    got = remove_furniture(blocks, ["Peacekeepers Decline to Escort Protest Convoy"])
    assert [b.text for b in got] == ARTICLE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 января 2023, 14:05", True),
        ("February 13, 2023", True),
        ("Updated: Tuesday, February 7, 2023 10:15 AM", True),
        ("23.01.2023 | 15:40", True),
        ("30 հունվարի 2023, 14:25", True),
        ("More than 2,500 Afghan civilians have been killed in 2019.", False),
        ("Thanks Junior!", False),
        ("The vote is set for 2024 in all districts of the capital and the regions.", False),
    ],
)
def test_datelines(text, expected):
    from crawler.extraction.furniture import is_dateline

    assert is_dateline(p(text)) is expected


def test_a_date_above_the_text_goes():
    blocks = [p("12 января 2023, 14:05", "p")] + [p(t) for t in ARTICLE]
    assert [b.text for b in trim_head(blocks, [])] == ARTICLE


def test_a_closing_source_credit_goes_but_not_a_sentence():
    from crawler.extraction.furniture import is_credit

    for text in ("SOURCE: News agencies", "Source: ArmWire", "Источник: ТАСС", "Mənbə: APA"):
        assert is_credit(p(text)), text
    assert not is_credit(
        p("Sources say the talks will resume in Brussels on Monday after a pause.")
    )
    blocks = [p(t) for t in ARTICLE] + [p("SOURCE: News agencies")]
    assert [b.text for b in trim_tail(blocks)] == ARTICLE


def test_a_newsletter_in_the_news_is_not_furniture():
    assert not is_furniture_line(p("The ministry's weekly newsletter reported on the blockade."))
    assert is_furniture_line(p("Sign up for our daily newsletter here."))
    assert is_furniture_line(
        p("Don't miss the latest news - Sign up to our daily newsletter here.")
    )


_FURNITURE_SENTENCES = [
    "Click here", "right in your inbox", "Sign up for the daily newsletter", "our weekly newsletter",
    "Newsletters: subscribe", "Follow us", "follow him on Twitter", "subscribe to our channel",
    "can be reached at x", "Have a news tip", "Your email address will not be published",
    "Required fields are marked", "All rights reserved", "Copyright 2020", "X © 2021",
    "Все права защищены", "Подписывайтесь", "подпишитесь на наш канал", "Следите за нами в",
    "При использовании материалов ссылка на сайт обязательна", "Բաժանորդագրվեք", "Հետևեք մեզ",
    "Բոլոր իրավունքները պաշտպանված են", "հղումը կայքին պարտադիր է", "Bütün hüquqlar qorunur",
    "İstinad edilməsi mütləqdir", "ISTINAD VACIBDIR", "Abunə olun", "KANALIMIZDA İZLƏYİN",
    "Bizi telegramda", "BIZI INSTAGRAM", "Related: a story", "Tags: a, b", "Explore further",
]  # fmt: skip


@pytest.mark.parametrize("sentence", _FURNITURE_SENTENCES)
def test_the_word_check_agrees_with_the_furniture_pattern(sentence):
    for text in (sentence, f"Some text. {sentence} and more", sentence.upper()):
        expected = bool(furniture._FURNITURE_LINE.search(text))
        assert furniture._has_furniture_line(text) == expected, text
    assert furniture._has_furniture_line(f"Some text. {sentence} and more") or sentence in (
        "Related: a story",
        "Tags: a, b",
        "Explore further",
    )
