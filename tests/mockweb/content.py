"""Pages of the mock news web: three fake outlets in four languages.

- ``armwire``: an English WordPress site (RSS 2.0 feed, REST API, robots.txt,
  pages with a comment form, newsletter box and "You May Also Like").
- ``rusnews``: a Russian site with JSON-LD pages, an Atom feed, and a sitemap
  index pointing at a Google News sitemap.
- ``azpress``: an Azerbaijani/Armenian/English site with an RSS 1.0 feed and
  OpenGraph-only pages, one of them a syndicated copy of an ``armwire`` story.

Every page is built from the texts below so tests can assert on exact values.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from datetime import datetime

PEACEKEEPERS_PARAGRAPHS = [
    "STEPANAKERT — The Russian peacekeeping force deployed in Nagorno-Karabakh has declined to provide security "
    "to participants in a local protest planning a trip to Hakari bridge checkpoint at the Lachin corridor to try "
    "to break illegal blockade by Azerbaijan.",
    "In a written reply to participants of the planned protest on buses a deputy commander of the peacekeeping force "
    "reportedly said that the terms of the deployment of the Russian military under a trilateral statement signed by "
    "the leaders of Russia, Armenia and Azerbaijan in November 2020 did not provide for the possibility of escorting "
    "protests on wheels.",
    "“Peacekeepers are there to check for prohibited items, in particular, firearms and explosives, among participants "
    "of traffic at checkpoints,” Russian officer Sazonov wrote, as quoted by Artur Osipyan, a Karabakh activist.",
    "Participants of the movement say that the intended goal of their action is “to show to the world that Aliyev is "
    "lying when he says that the road is open.”",
    "“We have great suspicions now that along with Azerbaijan it is the Russian peacekeepers who subject us to a "
    "blockade… We do not lose heart, we will continue our struggle,” Osipyan said.",
]

BLOCKADE_PARAGRAPHS = [
    "YEREVAN — The Lachin corridor, the only road linking Nagorno-Karabakh to Armenia, remained blocked for a thirtieth "
    "day on Wednesday as protesters who say they are environmental activists kept their tents at the Shushi crossroads.",
    "Food shortages were reported in Stepanakert, where shops have rationed sugar, rice and fresh vegetables and "
    "schools closed because of interruptions in the gas supply.",
    "The International Committee of the Red Cross said it had transferred dozens of patients in need of medical care "
    "from Stepanakert to hospitals in Armenia through the corridor, the only humanitarian traffic allowed through.",
]

CHESS_PARAGRAPHS = [
    "YEREVAN — Armenia's women's team finished fourth at the European Team Chess Championship after a tense final round "
    "against Georgia, the national federation said on Monday.",
    "Grandmaster Elina Danielian won her last game with the black pieces, while the younger players drew their "
    "games to secure the team's best result in a decade.",
    "The federation said it would hold a training camp in Jermuk in the spring before the Chess Olympiad.",
]

HAKARI_PARAGRAPHS = [
    "STEPANAKERT — Several hundred residents of Nagorno-Karabakh gathered near the Hakari bridge on Sunday to demand "
    "that the blockade of the Lachin corridor be lifted, local media reported.",
    "Organisers said the protest would continue until the road reopened for civilian and humanitarian traffic, and "
    "called on the Russian peacekeepers to guarantee free movement as promised in the 2020 ceasefire statement.",
]

LACHIN_RU_PARAGRAPHS = [
    "Движение по Лачинскому коридору, единственной дороге, связывающей Нагорный Карабах с Арменией, остается "
    "заблокированным уже третью неделю, сообщили в Степанакерте.",
    "По словам местных властей, в регионе не хватает продовольствия и лекарств, а гуманитарные грузы проходят "
    "только через пункт Красного Креста.",
    "Российские миротворцы продолжают переговоры с азербайджанской стороной о возобновлении движения, заявили "
    "в командовании контингента.",
]

ECONOMY_RU_PARAGRAPHS = [
    "Центральный банк сохранил ключевую ставку на прежнем уровне, сославшись на замедление инфляции в декабре.",
    "Аналитики ожидают, что регулятор может начать снижение ставки во втором квартале, если рост цен продолжит "
    "замедляться, а рубль останется стабильным.",
    "Индекс Мосбиржи после объявления решения вырос на полпроцента.",
]

PEACEKEEPERS_RU_PARAGRAPHS = [
    "Командование российского миротворческого контингента в Нагорном Карабахе провело встречу с представителями "
    "жителей Степанакерта, требующих открыть Лачинский коридор.",
    "Миротворцы заявили, что продолжают контролировать движение на участке дороги у моста Акари и обеспечивают "
    "проезд машин Красного Креста.",
    "Участники встречи передали командованию письмо с требованием обеспечить безопасность гражданских автомобилей.",
]

LACHIN_AZ_PARAGRAPHS = [
    "Laçın dəhlizində vəziyyət sabitdir, Azərbaycan tərəfi humanitar yüklərin keçməsinə mane olmur, deyə rəsmi "
    "açıqlamada bildirilib.",
    "Açıqlamada qeyd olunur ki, Xankəndi ilə Ermənistan arasında mülki nəqliyyatın hərəkəti Qırmızı Xaç vasitəsilə "
    "həyata keçirilir və sülhməramlıların postları fəaliyyətini davam etdirir.",
    "Ekoloji fəallar isə yolun kənarında aksiyanı davam etdirdiklərini bəyan ediblər.",
]

BLOCKADE_HY_PARAGRAPHS = [
    "ՍՏԵՓԱՆԱԿԵՐՏ — Լաչինի միջանցքով երթևեկությունը շարունակում է փակ մնալ, և Արցախում սննդամթերքի պակաս է "
    "զգացվում, հայտնում են տեղական իշխանությունները։",
    "Կարմիր խաչի միջազգային կոմիտեն շարունակում է հիվանդներին տեղափոխել Հայաստան, իսկ ռուս "
    "խաղաղապահները հսկում են Հակարիի կամրջի մոտ գտնվող անցակետը։",
    "Բնակիչները պահանջում են վերացնել շրջափակումը և վերականգնել գազամատակարարումը։",
]

WP_BOILERPLATE = """
<div class="sharedaddy"><h3>Share this:</h3><ul><li><a href="#">Facebook</a></li><li><a href="#">Twitter</a></li></ul></div>
<div id="comments" class="comments-area">
  <div id="respond" class="comment-respond">
    <h3 id="reply-title" class="comment-reply-title">Leave a Reply</h3>
    <form action="/wp-comments-post.php" method="post" id="commentform" class="comment-form">
      <p class="comment-notes">Your email address will not be published. Required fields are marked *</p>
      <p class="comment-form-comment"><textarea id="comment" name="comment"></textarea></p>
      <p class="form-submit"><input name="submit" type="submit" id="submit" value="Post Comment"></p>
    </form>
  </div>
</div>
<section class="newsletter-box"><h3>Sign Up for Our Newsletters</h3><p>Get notified of the latest updates from ArmWire.</p>
<form><input type="email" placeholder="Email"><button>Subscribe</button></form></section>
<section class="related-posts"><h3>You May Also Like</h3>
<article><h4><a href="/2019/10/a-special-performance/">A Special Performance by a Unique Artist</a></h4><p>By Florence Avakian NEW YORK, NY — Sunday, October 20 was a…</p></article>
<article><h4><a href="/2020/10/fierce-fighting/">Fierce Fighting Continuing on Karabakh Frontlines</a></h4><p>STEPANAKERT (RFE/RL) — Fierce fighting continued around Nagorno-Karabakh early on Saturday after what the…</p></article>
</section>
"""


@dataclass
class MockArticle:
    """One article page of the mock web, with the values extraction should find."""

    site: str
    path: str
    title: str
    paragraphs: list[str]
    language: str
    template: str
    published: str  # as written on the page
    published_utc: str  # expected published_at
    authors: list[str] = field(default_factory=list)
    relevant: bool = False
    in_feed: bool = True
    via_wordpress_only: bool = False
    feed_link_suffix: str = ""
    story_of: str | None = None  # path of the original (syndicated copy)

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


ARTICLES: list[MockArticle] = [
    MockArticle(
        site="armwire",
        path="/2023/01/peacekeepers-decline-escort/",
        title="Russian Peacekeepers Decline to Escort Protest Convoy to Hakari Bridge",
        paragraphs=PEACEKEEPERS_PARAGRAPHS,
        language="en",
        template="wordpress",
        published="2023-01-12T02:05:00-08:00",
        published_utc="2023-01-12T10:05:00+00:00",
        authors=["Ani Hovhannisyan"],
        relevant=True,
    ),
    MockArticle(
        site="armwire",
        path="/2023/01/lachin-corridor-day-30/",
        title="Lachin Corridor Blocked for a Thirtieth Day",
        paragraphs=BLOCKADE_PARAGRAPHS,
        language="en",
        template="wordpress",
        published="2023-01-11T09:30:00-08:00",
        published_utc="2023-01-11T17:30:00+00:00",
        authors=["Staff Reporter"],
        relevant=True,
        feed_link_suffix="?utm_source=rss&utm_medium=rss",
    ),
    MockArticle(
        site="armwire",
        path="/2023/01/chess-team-fourth/",
        title="Armenian Women’s Chess Team Finishes Fourth in Europe",
        paragraphs=CHESS_PARAGRAPHS,
        language="en",
        template="wordpress",
        published="2023-01-10T08:00:00-08:00",
        published_utc="2023-01-10T16:00:00+00:00",
        authors=["Staff Reporter"],
    ),
    MockArticle(
        site="armwire",
        path="/2023/01/hakari-bridge-protest/",
        title="Protesters Gather at Hakari Bridge",
        paragraphs=HAKARI_PARAGRAPHS,
        language="en",
        template="wordpress",
        published="2023-01-09T10:00:00",  # WordPress date_gmt (UTC)
        published_utc="2023-01-09T10:00:00+00:00",
        relevant=True,
        in_feed=False,
        via_wordpress_only=True,
    ),
    MockArticle(
        site="rusnews",
        path="/news/1001",
        title="Лачинский коридор остается заблокированным третью неделю",
        paragraphs=LACHIN_RU_PARAGRAPHS,
        language="ru",
        template="jsonld",
        published="2023-01-12T14:05:00+03:00",
        published_utc="2023-01-12T11:05:00+00:00",
        authors=["Иван Петров"],
        relevant=True,
        in_feed=False,  # listed in the news sitemap
    ),
    MockArticle(
        site="rusnews",
        path="/news/1002",
        title="ЦБ сохранил ключевую ставку",
        paragraphs=ECONOMY_RU_PARAGRAPHS,
        language="ru",
        template="jsonld",
        published="2023-01-12T13:30:00+03:00",
        published_utc="2023-01-12T10:30:00+00:00",
        authors=["Мария Смирнова"],
        in_feed=False,
    ),
    MockArticle(
        site="rusnews",
        path="/news/1003",
        title="Миротворцы встретились с жителями Степанакерта",
        paragraphs=PEACEKEEPERS_RU_PARAGRAPHS,
        language="ru",
        template="localtime",
        published="12 января 2023, 14:05",  # local time, no offset: Europe/Moscow
        published_utc="2023-01-12T11:05:00+00:00",
        relevant=True,
    ),
    MockArticle(
        site="azpress",
        path="/az/xeber/lacin-dehlizi-12345",
        title="Laçın dəhlizində vəziyyət sabitdir",
        paragraphs=LACHIN_AZ_PARAGRAPHS,
        language="az",
        template="opengraph",
        published="2023-01-12T15:00:00+04:00",
        published_utc="2023-01-12T11:00:00+00:00",
        relevant=True,
    ),
    MockArticle(
        site="azpress",
        path="/hy/lur/shrjapakum-67890",
        title="Լաչինի միջանցքը շարունակում է փակ մնալ",
        paragraphs=BLOCKADE_HY_PARAGRAPHS,
        language="hy",
        template="opengraph",
        published="2023-01-12T12:00:00+04:00",
        published_utc="2023-01-12T08:00:00+00:00",
        relevant=True,
    ),
    MockArticle(
        site="azpress",
        path="/en/news/peacekeepers-decline-escort-24680",
        title="Russian Peacekeepers Decline to Escort Protest Convoy",
        paragraphs=PEACEKEEPERS_PARAGRAPHS,
        language="en",
        template="opengraph",
        published="2023-01-12T16:00:00+04:00",
        published_utc="2023-01-12T12:00:00+00:00",
        relevant=True,
        story_of="/2023/01/peacekeepers-decline-escort/",
    ),
]

SITES = {
    "armwire": {"language": "en", "timezone": "America/Los_Angeles", "name": "ArmWire"},
    "rusnews": {"language": "ru", "timezone": "Europe/Moscow", "name": "РусНовости"},
    "azpress": {
        "language": "az",
        "timezone": "Asia/Baku",
        "name": "AzPress",
        "languages": ["az", "en", "hy", "ru"],
    },
}


def _paras(article: MockArticle) -> str:
    return "\n".join(f"<p>{html.escape(p)}</p>" for p in article.paragraphs)


def _nav(site: str) -> str:
    name = SITES[site]["name"]
    links = "".join(
        f'<li><a href="/category/{c}/">{c.title()}</a></li>'
        for c in ("politics", "economy", "world", "sport")
    )
    return f'<header><div class="logo"><a href="/">{html.escape(name)}</a></div><nav><ul>{links}</ul></nav></header>'


def _footer(site: str) -> str:
    name = SITES[site]["name"]
    return (
        f"<footer><p>© 2023 {html.escape(name)}. All rights reserved.</p>"
        '<ul><li><a href="/about/">About us</a></li><li><a href="/contact/">Contact</a></li>'
        '<li><a href="/privacy/">Privacy policy</a></li></ul></footer>'
    )


def render_article(article: MockArticle, base_url: str) -> str:
    """The HTML page of ``article`` in its site's template."""
    site_name = SITES[article.site]["name"]
    url = base_url + article.path
    title = html.escape(article.title)
    if article.template == "wordpress":
        authors = ", ".join(article.authors)
        return f"""<!DOCTYPE html>
<html lang="en-US"><head><meta charset="UTF-8">
<title>{title} | {html.escape(site_name)}</title>
<link rel="canonical" href="{url}">
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="{html.escape(site_name)}">
<meta property="article:published_time" content="{article.published}">
<meta name="author" content="{html.escape(authors)}">
</head><body class="post-template-default single single-post">
{_nav(article.site)}
<div id="content"><main id="main">
<article class="post type-post status-publish">
<header class="entry-header"><h1 class="entry-title">{title}</h1>
<div class="entry-meta">By <span class="author vcard"><a href="/author/x/">{html.escape(authors)}</a></span>
<time class="entry-date published" datetime="{article.published}">January 2023</time></div></header>
<div class="entry-content">
{_paras(article)}
</div>
{WP_BOILERPLATE}
</article></main>
<aside id="secondary"><section class="widget"><h2>Recent Posts</h2><ul><li><a href="/x/">Armenia and EU sign visa deal</a></li><li><a href="/y/">Yerevan metro extension opens</a></li></ul></section></aside>
</div>
{_footer(article.site)}
</body></html>"""
    if article.template == "jsonld":
        ld = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.title,
            "datePublished": article.published,
            "author": [{"@type": "Person", "name": a} for a in article.authors],
            "inLanguage": article.language,
            "mainEntityOfPage": url,
        }
        return f"""<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8">
<title>{title} — {html.escape(site_name)}</title>
<link rel="canonical" href="{url}">
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>
</head><body>
{_nav(article.site)}
<div class="layout"><div class="article">
<h1 class="article__title">{title}</h1>
<div class="article__text">{_paras(article)}</div>
<div class="article__tags"><a href="/tag/politics">Политика</a></div>
<div class="subscribe">Подписывайтесь на наш канал в Telegram</div>
</div>
<div class="sidebar"><h3>Читайте также</h3><ul><li><a href="/news/1">Новости экономики</a></li><li><a href="/news/2">Погода на выходные</a></li></ul></div>
</div>
{_footer(article.site)}
</body></html>"""
    if article.template == "localtime":
        return f"""<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8">
<title>{title}</title>
</head><body>
{_nav(article.site)}
<main><article>
<h1>{title}</h1>
<div class="date">{html.escape(article.published)}</div>
<div class="text">{_paras(article)}</div>
</article></main>
{_footer(article.site)}
</body></html>"""
    # opengraph-only template
    lang = article.language
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<title>{title} - {html.escape(site_name)}</title>
<meta property="og:title" content="{title}">
<meta property="og:url" content="{url}">
<meta property="og:site_name" content="{html.escape(site_name)}">
<meta property="article:published_time" content="{article.published}">
</head><body>
{_nav(article.site)}
<div class="container"><div class="news-item">
<h1>{title}</h1>
<time datetime="{article.published}">{article.published[:10]}</time>
<div class="news-text">{_paras(article)}</div>
{"<p>Source: ArmWire</p>" if article.story_of else ""}
<div class="share">Paylaş: Facebook Twitter Telegram</div>
</div>
<div class="last-news"><h3>Son xəbərlər</h3><ul><li><a href="/az/xeber/1">Bakıda hava</a></li><li><a href="/az/xeber/2">Futbol: Qarabağ qalib gəldi</a></li></ul></div>
</div>
{_footer(article.site)}
</body></html>"""


def rss2(site: str, base_url: str, articles: list[MockArticle]) -> str:
    items = []
    for a in articles:
        # RFC 822 date in UTC as WordPress feeds emit them
        when = datetime.fromisoformat(a.published_utc).strftime("%a, %d %b %Y %H:%M:%S +0000")
        items.append(
            f"<item><title>{html.escape(a.title)}</title><link>{base_url}{a.path}{html.escape(a.feed_link_suffix)}</link>"
            f"<pubDate>{when}</pubDate><dc:creator><![CDATA[{', '.join(a.authors)}]]></dc:creator>"
            f"<description><![CDATA[{a.paragraphs[0][:150]}…]]></description></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<channel><title>{SITES[site]['name']}</title><link>{base_url}/</link><description>News</description>"
        + "".join(items)
        + "</channel></rss>"
    )


def atom(
    site: str, base_url: str, articles: list[MockArticle], updated: dict[str, str] | None = None
) -> str:
    updated = updated or {}
    entries = "".join(
        f'<entry><title>{html.escape(a.title)}</title><link rel="alternate" href="{base_url}{a.path}"/>'
        f"<id>{base_url}{a.path}</id><updated>{updated.get(a.path, a.published_utc)}</updated><published>{a.published_utc}</published>"
        f"<summary>{html.escape(a.paragraphs[0][:120])}</summary></entry>"
        for a in articles
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{SITES[site]['name']}</title><id>{base_url}/</id><updated>2023-01-12T12:00:00Z</updated>"
        + entries
        + "</feed>"
    )


def rss1(site: str, base_url: str, articles: list[MockArticle]) -> str:
    seq = "".join(f'<rdf:li rdf:resource="{base_url}{a.path}"/>' for a in articles)
    items = "".join(
        f'<item rdf:about="{base_url}{a.path}"><title>{html.escape(a.title)}</title><link>{base_url}{a.path}</link>'
        f"<dc:date>{a.published}</dc:date><description>{html.escape(a.paragraphs[0][:120])}</description></item>"
        for a in articles
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<channel rdf:about="{base_url}/rss"><title>{SITES[site]["name"]}</title><link>{base_url}/</link>'
        f"<description>News</description><items><rdf:Seq>{seq}</rdf:Seq></items></channel>"
        + items
        + "</rdf:RDF>"
    )


def sitemap_index(base_url: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{base_url}/sitemap-news.xml.gz</loc><lastmod>2023-01-12T12:00:00+03:00</lastmod></sitemap>"
        f"<sitemap><loc>{base_url}/sitemap-2015.xml</loc><lastmod>2015-12-31T00:00:00+03:00</lastmod></sitemap>"
        "</sitemapindex>"
    )


def news_sitemap(base_url: str, articles: list[MockArticle]) -> str:
    urls = "".join(
        f"<url><loc>{base_url}{a.path}</loc><news:news><news:publication><news:name>РусНовости</news:name>"
        f"<news:language>ru</news:language></news:publication><news:publication_date>{a.published}</news:publication_date>"
        f"<news:title>{html.escape(a.title)}</news:title></news:news></url>"
        for a in articles
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + urls + "</urlset>"
    )


def wordpress_posts(base_url: str, articles: list[MockArticle]) -> str:
    posts = [
        {
            "id": 1000 + i,
            "link": f"{base_url}{a.path}",
            "date": a.published,
            "date_gmt": a.published_utc[:19],
            "modified_gmt": a.published_utc[:19],
            "title": {"rendered": html.escape(a.title)},
            "content": {"rendered": _paras(a), "protected": False},
            "excerpt": {"rendered": f"<p>{html.escape(a.paragraphs[0][:100])}</p>"},
            "_embedded": {"author": [{"id": 7, "name": name} for name in a.authors]},
        }
        for i, a in enumerate(articles)
    ]
    return json.dumps(posts, ensure_ascii=False)
