"""Who a page credits: structured data, bylines by the headline, closing signatures, desks."""

from __future__ import annotations

import json

from crawler.extraction import extract_article
from crawler.extraction.credits import byline_texts, led_names, signature
from crawler.extraction.extract import parse_html

URL = "https://courier.example/2023/01/story/"


def _page(head: str = "", body: str = "", ld: dict | None = None) -> str:
    script = (
        f'<script type="application/ld+json">{json.dumps(ld)}</script>' if ld is not None else ""
    )
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Convoy reaches the city after a week | Courier</title>"
        f'<meta property="og:site_name" content="Courier">{head}{script}</head>'
        f"<body><h1>Convoy reaches the city after a week</h1>{body}</body></html>"
    )


_TEXT = "".join(
    f"<p>Paragraph {n} of the story tells what happened on the road and who was there, "
    f"with enough words to read as article text rather than a caption.</p>"
    for n in range(3)
)


def _authors(html: str) -> list[str]:
    return extract_article(html, URL).authors


def test_a_person_given_by_name_parts():
    ld = {
        "@type": "NewsArticle",
        "headline": "Convoy reaches the city after a week",
        "author": [
            {"@type": "Person", "givenName": "Anna Giulia", "familyName": "Fink"},
            {"@type": "Person", "givenName": "Jan", "familyName": "Marchart"},
        ],
    }
    assert _authors(_page(ld=ld, body=_TEXT)) == ["Anna Giulia Fink", "Jan Marchart"]


def test_yoast_written_by_when_the_author_meta_is_an_email():
    head = (
        '<meta name="author" content="j.roth@courier.example">'
        '<meta name="twitter:misc:Written by" content="Jana Roth">'
    )
    assert _authors(_page(head=head, body=_TEXT)) == ["Jana Roth"]


def test_a_byline_printed_under_the_headline_only():
    body = "<div>Von Lars Meier und Jana Roth (jr) | 18.01.2023</div>" + _TEXT
    assert _authors(_page(body=body)) == ["Lars Meier", "Jana Roth"]


def test_a_photo_credit_is_not_the_byline():
    body = "<div>Photo by Ivan Petrov</div>" + _TEXT
    assert _authors(_page(body=body)) == []


def test_a_closing_signature_beats_the_outlet_declared_as_author():
    ld = {"@type": "NewsArticle", "author": {"@type": "Organization", "name": "Courier"}}
    body = _TEXT + "<p><em>Hannah Ortiz</em></p>"
    article = extract_article(_page(ld=ld, body=body), URL)
    assert article.authors == ["Hannah Ortiz"]
    assert "Hannah Ortiz" not in article.body


def test_a_declared_desk_is_the_credit():
    ld = {"@type": "NewsArticle", "author": {"@type": "Person", "name": "Courier staff reporter"}}
    head = '<meta property="article:author" content="Associated Press in Valencia">'
    assert _authors(_page(head=head, ld=ld, body=_TEXT)) == ["Courier staff reporter"]


def test_the_outlet_declared_as_author_is_kept_when_no_one_else_is_credited():
    ld = {
        "@type": "NewsArticle",
        "author": {"@type": "NewsMediaOrganization", "name": "courier.example"},
    }
    assert _authors(_page(ld=ld, body=_TEXT)) == ["courier.example"]


def test_a_cms_account_named_like_the_site_is_no_credit():
    ld = {"@type": "NewsArticle", "author": {"@type": "Person", "name": "Courier"}}
    assert _authors(_page(ld=ld, body=_TEXT)) == []


def test_an_agency_declared_as_author_is_kept():
    ld = {"@type": "NewsArticle", "author": {"@type": "Organization", "name": "AFP"}}
    assert _authors(_page(ld=ld, body=_TEXT)) == ["AFP"]


def test_teaser_bylines_do_not_count():
    body = (
        "<article><h2>Another story</h2><p class='byline'>By Tom Teaser</p></article>"
        "<article class='main'><h1>Convoy reaches the city after a week</h1>"
        "<p class='byline'>By Mary Main</p>" + _TEXT + "</article>"
    )
    html = _page(body=body).replace("<h1>Convoy reaches the city after a week</h1>", "", 1)
    assert _authors(html) == ["Mary Main"]


def test_led_names():
    assert led_names("Share Travel By Sophie Foster Travel News Reporter 11:58, 23 APR 2024") == [
        "Sophie Foster"
    ]
    assert led_names("by Massis Post February 7, 2023") == ["Massis Post"]
    assert led_names("Blaulicht Von Mensch zu Mensch Kirche") == []
    assert led_names("Picture by Ivan Petrov") == []
    assert led_names("Von Lena Vogt und Jonas Brandt (jb), dpa | 09:30") == [
        "Lena Vogt und Jonas Brandt (jb), dpa"
    ]


def test_names_in_separate_elements_stay_apart():
    tree = parse_html(
        "<html><body><div class='byline'><span>Birgit Baumann</span>"
        "<span>Anna Giulia Fink</span></div>"
        "<div class='byline'><span>Jan</span> <span>Marchart</span></div></body></html>"
    )
    elements = tree.xpath("//div")
    assert byline_texts(elements) == ["Birgit Baumann | Anna Giulia Fink", "Jan Marchart"]


def test_signature_needs_emphasis_and_the_end_of_the_text():
    def sign(body: str) -> str | None:
        return signature(parse_html(f"<html><body>{body}</body></html>"))

    assert sign(_TEXT + "<p><strong>Lê Phương</strong></p>") == "Lê Phương"
    assert sign(_TEXT + '<p style="text-align: right">Jana Roth</p>') == "Jana Roth"
    # A subheading: more article text follows.
    assert sign(_TEXT + "<p><strong>New Plans</strong></p>" + _TEXT) is None
    # Plain text, or not a name.
    assert sign(_TEXT + "<p>Jana Roth</p>") is None
    assert sign(_TEXT + "<p><em>read more here</em></p>") is None


def test_an_agency_declared_beside_a_person_is_kept():
    ld = {
        "@type": "NewsArticle",
        "author": [
            {"@type": "Person", "name": "Jana Roth"},
            {"@type": "Organization", "name": "dpa"},
            {"@type": "Organization", "name": "Courier"},
        ],
    }
    assert _authors(_page(ld=ld, body=_TEXT)) == ["Jana Roth", "dpa"]
