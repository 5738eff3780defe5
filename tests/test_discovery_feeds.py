"""Feed parsing: RSS 2.0, RSS 1.0, Atom, broken documents."""

from __future__ import annotations

from crawler.discovery.feeds import parse_feed
from tests.mockweb import content

BASE = "https://news.example"


def articles(site):
    return [a for a in content.ARTICLES if a.site == site]


def test_rss2_entries_keep_date_title_summary():
    parsed = parse_feed(
        content.rss2("armwire", BASE, articles("armwire")).encode(), BASE + "/feed/"
    )
    assert parsed.error is None and parsed.version == "rss20"
    first = parsed.entries[0]
    assert first.url == BASE + "/2023/01/peacekeepers-decline-escort/"
    assert first.title == "Russian Peacekeepers Decline to Escort Protest Convoy to Hakari Bridge"
    assert first.published_raw == "Thu, 12 Jan 2023 10:05:00 +0000"
    assert first.summary.startswith("STEPANAKERT")
    assert first.authors == ("Ani Hovhannisyan",)


def test_atom_and_rss1():
    atom = parse_feed(content.atom("rusnews", BASE, articles("rusnews")).encode(), BASE)
    assert atom.version == "atom10" and len(atom.entries) == 3
    assert atom.entries[0].published_raw == "2023-01-12T11:05:00+00:00"
    rdf = parse_feed(content.rss1("azpress", BASE, articles("azpress")).encode(), BASE)
    assert rdf.version == "rss10" and len(rdf.entries) == 3
    assert rdf.entries[0].published_raw == "2023-01-12T15:00:00+04:00"


def test_not_a_feed():
    assert parse_feed(b"<html><body>hello</body></html>", BASE).error
    assert parse_feed(b"", BASE).error
    # a non-http link is never followed
    rss = b'<rss version="2.0"><channel><item><title>x</title><link>javascript:alert(1)</link></item></channel></rss>'
    assert parse_feed(rss, BASE).entries == []
