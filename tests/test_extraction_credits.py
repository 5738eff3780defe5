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


def _article_page(lang: str, headline: str, body: str, head: str = "", url: str = URL) -> str:
    """A page in ``lang`` whose headline is ``headline``, followed by ``body``."""
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{headline} | Courier</title>"
        f'<meta property="og:site_name" content="Courier">{head}</head>'
        f"<body><article><h1>{headline}</h1>{body}</article></body></html>"
    )


def _prose(sentence: str) -> str:
    """Three paragraphs of article text, long enough to read as such."""
    return "".join(f"<p>{sentence} {sentence} ({n})</p>" for n in range(3))


_DE = _prose("Der Konvoi erreichte die Stadt am Abend nach einer Woche auf der gesperrten Straße.")
_FR = _prose("Le convoi est arrivé en ville dans la soirée après une semaine sur la route fermée.")
_TR = _prose("Konvoy, kapalı yolda geçen bir haftanın ardından akşam saatlerinde şehre ulaştı.")
_PL = _prose("Konwój dotarł do miasta wieczorem po tygodniu spędzonym na zamkniętej drodze.")
_ES = _prose("El convoy llegó a la ciudad por la noche después de una semana en la carretera.")


def test_a_link_to_the_writers_profile_page_is_the_byline():
    de = '<ul class="meta"><li><a href="/autoren/anna-fink/">Anna Fink</a></li></ul>' + _DE
    assert _authors(_article_page("de", "Konvoi erreicht die Stadt", de)) == ["Anna Fink"]
    fr = '<p class="meta">Par <a href="/signataires/jean-dupont/">Jean Dupont</a></p>' + _FR
    assert _authors(_article_page("fr", "Le convoi arrive en ville", fr)) == ["Jean Dupont"]


def test_a_profile_link_in_the_text_or_to_a_list_of_writers_is_no_byline():
    # A person the story names, linked to a page about them, and a link to all writers.
    prose = (
        '<p>Präsident <a href="/author/olaf-berg/">Olaf Berg</a> sagte am Abend, der Konvoi '
        "habe die Stadt nach einer Woche auf der gesperrten Straße endlich erreicht.</p>"
    )
    body = '<a href="/autoren/">Unsere Autoren</a>' + prose + _DE
    assert _authors(_article_page("de", "Konvoi erreicht die Stadt", body)) == []


def test_an_author_classed_element_under_the_headline_counts_but_not_one_further_down():
    under = '<div class="c-byline__author-name">Marta Kowalska</div>' + _PL
    assert _authors(_article_page("pl", "Konwój dotarł do miasta", under)) == ["Marta Kowalska"]
    # Below the text, the same class marks the byline of a video box.
    below = _PL + '<div class="video"><span class="mediaBox__byline">Piotr Nowak</span></div>'
    assert _authors(_article_page("pl", "Konwój dotarł do miasta", below)) == []


def test_a_name_set_beside_the_date_under_the_headline():
    tr = (
        '<div class="row"><span>Ayşe Yılmaz &nbsp;|</span>'
        '<span class="tarih">05.04.2025 - Güncelleme : 05.04.2025</span></div>' + _TR
    )
    assert _authors(_article_page("tr", "Konvoy şehre ulaştı", tr)) == ["Ayşe Yılmaz"]
    es = '<p class="info">Ana García · 12.03.2024</p>' + _ES
    assert _authors(_article_page("es", "El convoy llega a la ciudad", es)) == ["Ana García"]


def test_a_date_label_beside_the_date_is_no_name():
    de = "<div><span>Zuletzt Aktualisiert |</span><span>05.04.2025</span></div>" + _DE
    assert _authors(_article_page("de", "Konvoi erreicht die Stadt", de)) == []


def test_a_bold_name_above_the_first_paragraph():
    en = "<p>&nbsp;</p><p><strong>Mohloai Mpesi</strong></p>" + _TEXT
    assert _authors(_page(body=en)) == ["Mohloai Mpesi"]
    # A bold name after the text has begun is a subheading or a quote's speaker.
    later = _TEXT + "<p><strong>Jana Roth</strong></p>" + _TEXT
    assert _authors(_page(body=later)) == []
    # A bold line above the text that is a subheading names no one.
    for subhead in ("Key Points", "Das Wichtigste", "Live Updates"):
        opening = f"<p><strong>{subhead}</strong></p>" + _TEXT
        assert _authors(_page(body=opening)) == [], subhead


def test_a_rel_author_link_in_the_site_footer_credits_the_owner_not_the_writer():
    footer = (
        '<footer><p class="copyright"><a rel="author" href="https://owner.example/">'
        "Courier Media Group</a> No reproduction without permission.</p></footer>"
    )
    assert _authors(_page(body=_TEXT + footer)) == []
    inside = '<p class="meta"><a rel="author" href="/u/7">Jana Roth</a></p>'
    assert _authors(_page(body=inside + _TEXT)) == ["Jana Roth"]


def test_author_meta_variants():
    for name in ("byl", "articleAuthor", "dcterms.creator", "sailthru.author", "parsely-author"):
        head = f'<meta name="{name}" content="By Jana Roth">'
        assert _authors(_page(head=head, body=_TEXT)) == ["Jana Roth"], name


def test_the_outlet_as_its_author_meta_writes_it_where_it_declares_itself_the_author():
    ld = {
        "@type": "NewsArticle",
        "headline": "Convoy reaches the city after a week",
        "author": {"@type": "Organization", "name": "Courier"},
    }
    head = '<meta name="articleAuthor" content="courier.example">'
    assert _authors(_page(head=head, ld=ld, body=_TEXT)) == ["courier.example"]
    assert _authors(_page(ld=ld, body=_TEXT)) == ["Courier"]


def test_a_lead_inside_a_sentence_or_a_picture_credit_is_no_byline():
    assert led_names("auf die Gesundheit von Mutter und Kind. Daher wird") == []
    assert led_names("le convoi parti par Route Nationale Sept") == []
    assert led_names("21.01.2022 Foto: Ivan Petrov Seit dem 1. Januar") == []
    assert led_names("Bild: Jana Roth CC BY-SA 3.0 Erstaunliche") == []
    # After a date, a separator or a verb of writing, the lead still leads.
    assert led_names("29. Juni 2017, 23:39 · von Anna Fink") == ["Anna Fink"]
    assert led_names("Posted by Jane Doe under News") == ["Jane Doe"]


def test_a_byline_ends_where_a_sentence_begins():
    assert led_names("· von Tobi Berg Ein Leser fragte mich") == ["Tobi Berg"]
    assert led_names("2017 by Jane Doe The report says") == ["Jane Doe"]
    # Particles inside names are lower case and stay: "Ursula von der Leyen".
    assert led_names("Von Ursula von der Leyen | 09:30") == ["Ursula von der Leyen"]


def test_one_writer_in_two_byline_elements_counts_once():
    body = (
        '<div class="byline">By Adam Aaronson</div>'
        '<p class="byline">Adam Aaronson, Courier staff</p>' + _TEXT
    )
    assert _authors(_page(body=body)) == ["Adam Aaronson"]


def test_an_hcard_names_the_writer_but_not_in_comments():
    card = '<p class="entry-meta">Gepostet von <span class="vcard"><b class="fn">Lena Vogt</b></span></p>'
    assert _authors(_article_page("de", "Konvoi erreicht die Stadt", _DE + card)) == ["Lena Vogt"]
    comment = (
        '<div class="comments"><div class="comment-author vcard">'
        '<cite class="fn">Burnsy Reader</cite></div><p>Schöner Text, danke!</p></div>'
    )
    assert _authors(_article_page("de", "Konvoi erreicht die Stadt", _DE + comment)) == []


def test_the_creator_answers_where_the_declared_author_names_no_one():
    ld = {
        "@type": "NewsArticle",
        "headline": "Convoy reaches the city after a week",
        "author": {"@type": "Person", "name": ""},
        "creator": ["Jana Roth"],
    }
    assert _authors(_page(ld=ld, body=_TEXT)) == ["Jana Roth"]


def test_an_author_given_as_a_reference_into_the_graph():
    ld = {
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "NewsArticle",
                "headline": "Convoy reaches the city after a week",
                "author": [{"@id": "https://courier.example/#/person/7"}],
            },
            {"@type": "Person", "@id": "https://courier.example/#/person/7", "name": "Jana Roth"},
        ],
    }
    assert _authors(_page(ld=ld, body=_TEXT)) == ["Jana Roth"]


def test_profile_links_count_near_the_headline_where_no_article_holds_it():
    above = '<p>Von <a href="/author/olaf-berg/">Olaf Berg</a></p>'
    page = _page(body=_TEXT).replace("<h1>", above + "<h1>")
    assert _authors(page) == ["Olaf Berg"]
    # Far below the text, in a box of other stories, the writer is someone else's.
    below = _TEXT + '<div class="box"><a href="/author/olaf-berg/">Olaf Berg</a></div>'
    assert _authors(_page(body=below)) == []


def test_an_author_classed_element_or_a_dated_name_just_above_the_headline():
    above = '<div class="article__author">Jana Roth</div>'
    assert _authors(_page(body=_TEXT).replace("<h1>", above + "<h1>")) == ["Jana Roth"]
    dated = "<div><span>Lena Vogt</span><span>12.03.2024</span></div>"
    assert _authors(_page(body=_TEXT).replace("<h1>", dated + "<h1>")) == ["Lena Vogt"]
