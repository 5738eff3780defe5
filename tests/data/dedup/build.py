"""Render the labelled dedup set: corpus_*.toml texts into outlet pages.

    .venv/bin/python tests/data/dedup/build.py     # rewrites pages/ and labels.json

Each story (one group) is published by its outlet and copied by others with
the edits its ``[[story.copy]]`` entries describe; every page is rendered in
its outlet's site template (outlets.toml) with that site's navigation,
"most read" and "related" lists (headlines and teasers of *other* stories),
share bars, promos, comments and footer, so that extraction meets real page
furniture. ``labels.json`` lists every page with its group and event.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import sys
import tomllib
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent


def load() -> tuple[dict[str, dict], list[dict]]:
    """Outlets by name, and stories in file order."""
    outlets = {
        o["name"]: o for o in tomllib.loads((HERE / "outlets.toml").read_text("utf-8"))["outlet"]
    }
    stories = []
    for path in sorted(HERE.glob("corpus_*.toml")):
        stories.extend(tomllib.loads(path.read_text("utf-8"))["story"])
    return outlets, stories


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.strip().split("\n\n") if p.strip()]


def apply_copy(story: dict, copy: dict | None) -> tuple[str, list[str]]:
    """Title and paragraphs of the original (``copy`` None) or of one copy."""
    copy = copy or {}
    paras = paragraphs(story["text"])
    title = copy.get("title", story["title"])
    for index, text in copy.get("rewrite", []):
        paras[index] = text
    if "keep" in copy:
        paras = paras[: copy["keep"]]
    if "drop" in copy:
        paras = [p for i, p in enumerate(paras) if i not in set(copy["drop"])]
    for old, new in copy.get("replace", []):
        if not any(old in p for p in paras) and old not in title:
            raise SystemExit(f"{story['id']}: replace {old!r} matches nothing")
        paras = [p.replace(old, new) for p in paras]
    dateline = copy.get("dateline", story.get("dateline", ""))
    if dateline:
        paras[0] = f"{dateline} {paras[0]}"
    if "caption" in copy:
        paras.insert(1, copy["caption"])
    if "read_also" in copy:
        paras.insert(
            min(2, len(paras)), f"{read_also_label(story['language'])}: {copy['read_also']}"
        )
    if "prepend" in copy:
        paras.insert(0, copy["prepend"])
    paras.extend(copy.get("append", []))
    if "note" in copy:
        paras.append(copy["note"])
    if "source" in copy:
        paras.append(copy["source"])
    return title, paras


def read_also_label(language: str) -> str:
    return {
        "en": "Read also",
        "ru": "Читайте также",
        "hy": "Կարդացեք նաև",
        "az": "Həmçinin oxuyun",
    }[language]


def number(*parts: str) -> int:
    return 100000 + int(hashlib.sha1("/".join(parts).encode()).hexdigest(), 16) % 900000


def slug(title: str, fallback: str) -> str:
    words = re.findall(r"[a-z0-9]+", title.lower())
    return "-".join(words[:8]) or fallback


def page_url(outlet: dict, story_id: str, index: int, title: str, when: datetime) -> str:
    path = outlet["url"].format(
        id=number(outlet["name"], story_id, str(index)),
        slug=slug(title, story_id),
        yyyy=f"{when.year:04d}",
        mm=f"{when.month:02d}",
        dd=f"{when.day:02d}",
    )
    return f"https://{outlet['domain']}{path}"


# --------------------------------------------------------------------------
# Site templates. ``ctx`` holds: outlet, title, paras, url, date, others
# (list of (title, teaser, url) of other stories in the outlet's language).
# --------------------------------------------------------------------------

E = html.escape


def _nav(outlet: dict) -> str:
    items = "".join(f'<li><a href="/{E(x.lower())}/">{E(x)}</a></li>' for x in outlet["nav"])
    return f'<nav class="main-menu"><ul>{items}</ul></nav>'


def _list(items, cls: str, teaser: bool = False) -> str:
    out = []
    for title, text, url in items:
        extra = f"<p>{E(text)}</p>" if teaser else ""
        out.append(f'<li class="{cls}-item"><a href="{E(url)}">{E(title)}</a>{extra}</li>')
    return "".join(out)


def _head(ctx: dict, *, json_ld: bool, meta_time: bool) -> str:
    o, title = ctx["outlet"], ctx["title"]
    parts = [
        '<meta charset="utf-8">',
        f"<title>{E(title)} | {E(o['site'])}</title>",
        f'<link rel="canonical" href="{E(ctx["url"])}">',
        f'<meta property="og:title" content="{E(title)}">',
        f'<meta property="og:site_name" content="{E(o["site"])}">',
        f'<meta name="description" content="{E(ctx["paras"][0][:160])}">',
    ]
    if meta_time:
        parts.append(
            f'<meta property="article:published_time" content="{ctx["date"].isoformat()}">'
        )
    if json_ld:
        data = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": title,
            "datePublished": ctx["date"].isoformat(),
            "publisher": {"@type": "Organization", "name": o["site"]},
            "mainEntityOfPage": ctx["url"],
        }
        parts.append(
            f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'
        )
    parts.append(
        "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}</script>"
    )
    return "<head>" + "".join(parts) + "</head>"


def _share(o: dict) -> str:
    nets = ["Facebook", "X", "Telegram", "WhatsApp", "VK" if o["language"] == "ru" else "Email"]
    return (
        f'<div class="share"><span>{E(o["labels"]["share"])}:</span>'
        + "".join(f'<a class="share-{n.lower()}" href="#">{n}</a>' for n in nets)
        + "</div>"
    )


def _footer(o: dict) -> str:
    return (
        f'<footer class="site-footer"><div class="footer-menu">{_nav(o)}</div>'
        f"<p>{E(o['labels']['rights'])}</p><p>{E(o['site'])} · {E(o['domain'])}</p></footer>"
    )


def _body(paras: list[str]) -> str:
    return "".join(f"<p>{E(p)}</p>" for p in paras)


def agency(ctx: dict) -> str:
    o, lab = ctx["outlet"], ctx["outlet"]["labels"]
    paras = ctx["paras"]
    body = _body(paras) + f"<p><strong>{E(lab['follow'])}</strong></p>"
    tags = "".join(f'<a href="/tag/{i}">{E(t)}</a>' for i, t in enumerate(ctx["tags"]))
    return (
        f'<!DOCTYPE html><html lang="{o["language"]}">{_head(ctx, json_ld=True, meta_time=False)}<body>'
        f'<div class="top-banner"><a href="/ads">Advertisement</a></div>'
        f'<header><a class="logo" href="/">{E(o["site"])}</a>{_nav(o)}</header>'
        f'<div class="container"><main><article class="news-item">'
        f'<h1 class="news-title">{E(ctx["title"])}</h1>'
        f'<div class="news-date">{ctx["date"]:%d.%m.%Y %H:%M}</div>'
        f'<div class="news_content">{body}</div>'
        f'<div class="news-tags"><span>{E(lab["tags"])}:</span>{tags}</div>{_share(o)}</article>'
        f'<section class="more-news"><h3>{E(lab["more"])}</h3><ul>{_list(ctx["others"][3:7], "more")}</ul></section>'
        f'</main><aside class="sidebar"><h3>{E(lab["latest"])}</h3><ul>{_list(ctx["others"][:6], "latest")}</ul></aside></div>'
        f"{_footer(o)}</body></html>"
    )


def wp(ctx: dict) -> str:
    o, lab = ctx["outlet"], ctx["outlet"]["labels"]
    comments = "".join(
        f'<li class="comment"><div class="comment-author">{E(name)}</div><div class="comment-content"><p>{E(text)}</p></div></li>'
        for name, text in ctx["comments"]
    )
    related = _list(ctx["others"][:3], "related", teaser=True)
    recent = _list(ctx["others"][3:8], "recent")
    return (
        f'<!DOCTYPE html><html lang="{o["language"]}">{_head(ctx, json_ld=False, meta_time=True)}'
        f'<body class="post-template-default single single-post">'
        f'<div id="page" class="site"><header id="masthead" class="site-header">'
        f'<p class="site-title"><a href="/">{E(o["site"])}</a></p>{_nav(o)}</header>'
        f'<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main">'
        f'<article class="post type-post status-publish format-standard hentry">'
        f'<header class="entry-header"><h1 class="entry-title">{E(ctx["title"])}</h1>'
        f'<div class="entry-meta"><time class="entry-date published" datetime="{ctx["date"].isoformat()}">{ctx["date"]:%B %d, %Y}</time></div></header>'
        f'<div class="entry-content">{_body(ctx["paras"])}'
        f'<div class="sharedaddy sd-sharing-enabled"><h3 class="sd-title">{E(lab["share"])}:</h3>{_share(o)}</div></div>'
        f'<footer class="entry-footer"><span class="cat-links">{E(lab["tags"])}: {E(ctx["tags"][0])}</span></footer></article>'
        f'<div class="jp-relatedposts"><h3>{E(lab["more"])}</h3><ul>{related}</ul></div>'
        f'<div id="comments" class="comments-area"><ol class="comment-list">{comments}</ol>'
        f'<div id="respond" class="comment-respond"><h3 id="reply-title">{E(lab["reply"])}</h3>'
        f'<form class="comment-form"><p class="comment-notes">{E(lab["reply_note"])}</p>'
        f'<p><label>{E(lab["comment"])}</label><textarea name="comment"></textarea></p>'
        f'<p><label>{E(lab["name"])} *</label><input name="author"></p><p><label>{E(lab["email"])} *</label><input name="email"></p>'
        f'<p class="form-submit"><input type="submit" value="{E(lab["post"])}"></p></form></div></div>'
        f'</main></div><aside id="secondary" class="widget-area"><section class="widget widget_recent_entries">'
        f'<h2 class="widget-title">{E(lab["latest"])}</h2><ul>{recent}</ul></section>'
        f'<section class="widget widget_newsletter"><h2>{E(lab["follow"])}</h2><form><input name="email"></form></section></aside></div>'
        f"{_footer(o)}</div></body></html>"
    )


def portal(ctx: dict) -> str:
    o, lab = ctx["outlet"], ctx["outlet"]["labels"]
    paras = list(ctx["paras"])
    # The portal's own "read more" box sits inside the text, after the second paragraph.
    box = (
        f'<div class="read-also"><span>{E(lab["read_also"])}:</span> '
        f'<a href="{E(ctx["others"][0][2])}">{E(ctx["others"][0][0])}</a></div>'
    )
    parts = [f"<p>{E(p)}</p>" for p in paras]
    parts.insert(min(2, len(parts)), box)
    topics = "".join(
        f'<a class="topic" href="/topic/{i}">{E(t)}</a>' for i, t in enumerate(ctx["tags"])
    )
    return (
        f'<!DOCTYPE html><html lang="{o["language"]}">{_head(ctx, json_ld=True, meta_time=True)}<body>'
        f'<header class="header"><div class="logo"><a href="/">{E(o["site"])}</a></div>{_nav(o)}'
        f'<div class="header-date">{ctx["date"]:%d.%m.%Y}</div></header>'
        f'<div class="layout"><div class="main-column"><div class="breadcrumbs"><a href="/">{E(o["site"])}</a> / <a href="/{E(o["nav"][0].lower())}/">{E(o["nav"][0])}</a></div>'
        f'<div class="article"><h1 class="article__title">{E(ctx["title"])}</h1>'
        f'<div class="article__meta"><span class="article__date">{ctx["date"]:%H:%M, %d.%m.%Y}</span></div>'
        f'<div class="article__text text-block">{"".join(parts)}</div>'
        f'<div class="article__topics">{E(lab["tags"])}: {topics}</div>{_share(o)}'
        f'<div class="promo-telegram"><a href="https://t.me/example">{E(lab["follow"])}</a></div></div>'
        f'<div class="news-feed"><h2>{E(lab["more"])}</h2><ul>{_list(ctx["others"][1:6], "feed", teaser=True)}</ul></div></div>'
        f'<div class="side-column"><div class="popular"><h3>{E(lab["latest"])}</h3><ol>{_list(ctx["others"][:5], "popular")}</ol></div></div></div>'
        f"{_footer(o)}</body></html>"
    )


def pangea(ctx: dict) -> str:
    o, lab = ctx["outlet"], ctx["outlet"]["labels"]
    parts = [f"<p>{E(p)}</p>" for p in ctx["paras"]]
    embed = (
        f'<div class="wsw__embed"><div class="media-block"><span class="category">{E(lab["read_also"])}</span>'
        f'<a href="{E(ctx["others"][1][2])}"><h4 class="media-block__title">{E(ctx["others"][1][0])}</h4></a></div></div>'
    )
    parts.insert(min(3, len(parts)), embed)
    return (
        f'<!DOCTYPE html><html lang="{o["language"]}">{_head(ctx, json_ld=True, meta_time=False)}<body>'
        f'<div class="hdr-container"><a class="logo" href="/">{E(o["site"])}</a>{_nav(o)}'
        f'<form class="search"><input placeholder="Search"></form></div>'
        f'<div id="content"><div class="col-title"><h1 class="title pg-title">{E(ctx["title"])}</h1>'
        f'<div class="publishing-details"><time pubdate="pubdate" datetime="{ctx["date"].isoformat()}">{ctx["date"]:%B %d, %Y %H:%M}</time></div></div>'
        f'<div class="body-container"><div class="wsw">{"".join(parts)}</div>'
        f'<div class="links"><ul class="subitems">{_share(o)}</ul></div></div>'
        f'<div class="media-block-wrap"><h2 class="section-head">{E(lab["more"])}</h2><ul>{_list(ctx["others"][2:6], "media-block", teaser=True)}</ul></div>'
        f'<div class="most-viewed"><h2>{E(lab["latest"])}</h2><ol>{_list(ctx["others"][:5], "mv")}</ol></div></div>'
        f'<div class="footer"><div class="follow">{E(lab["follow"])}</div>{_footer(o)}</div></body></html>'
    )


def armportal(ctx: dict) -> str:
    o, lab = ctx["outlet"], ctx["outlet"]["labels"]
    clock = f"{ctx['date']:%H:%M}"
    feed = "".join(
        f'<div class="nl-item"><span>{clock}</span> <a href="{E(u)}">{E(t)}</a></div>'
        for t, _, u in ctx["others"][:8]
    )
    return (
        f'<!DOCTYPE html><html lang="{o["language"]}">{_head(ctx, json_ld=False, meta_time=False)}<body>'
        f'<table class="topline"><tr><td><a href="/">{E(o["site"])}</a></td><td>{_nav(o)}</td></tr></table>'
        f'<div class="wrapper"><div class="left"><div class="news-list"><h4>{E(lab["more"])}</h4>'
        f"{feed}</div></div>"
        f'<div class="center"><div class="article"><div class="time">{ctx["date"]:%H:%M, %d.%m.%Y}</div>'
        f'<h1>{E(ctx["title"])}</h1><div class="article-text">{_body(ctx["paras"])}</div>'
        f'<div class="keywords">{E(lab["tags"])}: {", ".join(E(t) for t in ctx["tags"])}</div>'
        f'<div class="article-share">{_share(o)}</div><div class="fb">{E(lab["follow"])}</div></div>'
        f'<div class="also"><b>{E(lab["read_also"])}</b>{_list(ctx["others"][2:5], "also", teaser=True)}</div></div>'
        f'<div class="right"><div class="mostread"><h4>{E(lab["latest"])}</h4>{_list(ctx["others"][:5], "mr")}</div></div></div>'
        f'<div class="footer">{E(lab["rights"])}</div></body></html>'
    )


def minimal(ctx: dict) -> str:
    o, lab = ctx["outlet"], ctx["outlet"]["labels"]
    menu = " | ".join(f'<a href="/{E(x.lower())}">{E(x)}</a>' for x in o["nav"])
    return (
        f'<!DOCTYPE html><html lang="{o["language"]}"><head><meta charset="utf-8"><title>{E(ctx["title"])} - {E(o["site"])}</title></head>'
        f"<body><center><h2>{E(o['site'])}</h2>{menu}</center><hr>"
        f'<div id="post"><h1>{E(ctx["title"])}</h1><i>Posted {ctx["date"]:%d %B %Y}</i>{_body(ctx["paras"])}</div>'
        f'<hr><div id="popular"><b>{E(lab["latest"])}:</b><ul>{_list(ctx["others"][:4], "pop")}</ul></div>'
        f'<div id="donate"><p>{E(lab["follow"])}</p></div><p><small>{E(lab["rights"])}</small></p></body></html>'
    )


TEMPLATES = {
    "agency": agency,
    "wp": wp,
    "portal": portal,
    "pangea": pangea,
    "armportal": armportal,
    "minimal": minimal,
}

COMMENTS = {
    "en": [
        ("Hrant", "Thank you for covering this. The world must know what is happening."),
        ("M. K.", "Where is the international community?"),
    ],
    "ru": [
        ("Гость", "Спасибо за материал, надеюсь, дорогу скоро откроют."),
        ("Аркадий", "Когда это закончится?"),
    ],
    "hy": [("Արամ", "Շնորհակալություն հոդվածի համար։"), ("Անի", "Ե՞րբ է վերջանալու այս ամենը։")],
    "az": [
        ("Elçin", "Çox düzgün yazılıb, təşəkkürlər."),
        ("Qonaq", "Ətraflı məlumat üçün sağ olun."),
    ],
}
TAGS = {
    "en": ["Artsakh", "Lachin corridor", "Armenia"],
    "ru": ["Карабах", "Лачинский коридор", "Армения"],
    "hy": ["Արցախ", "Լաչինի միջանցք", "Հայաստան"],
    "az": ["Qarabağ", "Laçın yolu", "Azərbaycan"],
}


def render(
    outlet: dict,
    story_id: str,
    index: int,
    title: str,
    paras: list[str],
    when: datetime,
    pool: list[dict],
) -> tuple[str, str]:
    """URL and HTML of one page; the sidebars show stories of ``pool`` (never this one)."""
    url = page_url(outlet, story_id, index, title, when)
    pool = [s for s in pool if s["id"] != story_id]
    start = number(outlet["name"], story_id) % len(pool)
    others = []
    for s in (pool[start:] + pool[:start])[:8]:
        first = paragraphs(s["text"])[0]
        others.append((s["title"], first, page_url(outlet, s["id"], 0, s["title"], when)))
    ctx = {
        "outlet": outlet,
        "title": title,
        "paras": paras,
        "url": url,
        "date": when,
        "others": others,
        "comments": COMMENTS[outlet["language"]],
        "tags": TAGS[outlet["language"]],
    }
    return url, TEMPLATES[outlet["template"]](ctx)


def build() -> tuple[list[dict], list[dict]]:
    """Write pages/ (labelled), pages/history/ (earlier articles), labels.json and history.json."""
    outlets, stories = load()
    out_dir = HERE / "pages"
    (out_dir / "history").mkdir(parents=True, exist_ok=True)
    for old in [*out_dir.glob("*.html"), *(out_dir / "history").glob("*.html")]:
        old.unlink()
    by_language: dict[str, list[dict]] = {}
    for story in stories:
        by_language.setdefault(story["language"], []).append(story)
    labels = []
    for story in stories:
        versions = [(story["outlet"], None), *((c["outlet"], c) for c in story.get("copy", []))]
        seen_outlets = set()
        for index, (outlet_name, copy) in enumerate(versions):
            outlet = outlets[outlet_name]
            if outlet_name in seen_outlets or outlet["language"] != story["language"]:
                raise SystemExit(
                    f"{story['id']}: outlet {outlet_name} used twice or in another language"
                )
            seen_outlets.add(outlet_name)
            title, paras = apply_copy(story, copy)
            when = datetime.fromisoformat(story["date"]) + timedelta(minutes=37 * index)
            url, page = render(
                outlet, story["id"], index, title, paras, when, by_language[story["language"]]
            )
            name = f"{story['id']}--{index}.html"
            (out_dir / name).write_text(page, "utf-8")
            labels.append(
                {
                    "file": name,
                    "url": url,
                    "source": outlet_name,
                    "language": story["language"],
                    "group": story["id"],
                    "event": story["event"],
                }
            )
    history = []
    texts = tomllib.loads((HERE / "history.toml").read_text("utf-8"))["text"]
    for outlet in outlets.values():
        for n, text in enumerate(t for t in texts if t["language"] == outlet["language"]):
            when = datetime.fromisoformat("2022-12-01T10:00:00+04:00") + timedelta(days=n)
            story_id = f"history-{outlet['language']}-{n}"
            url, page = render(
                outlet,
                story_id,
                0,
                text["title"],
                paragraphs(text["text"]),
                when,
                by_language[outlet["language"]],
            )
            name = f"history/{outlet['name']}-{n}.html"
            (out_dir / name).write_text(page, "utf-8")
            history.append(
                {"file": name, "url": url, "source": outlet["name"], "language": outlet["language"]}
            )
    (HERE / "labels.json").write_text(
        json.dumps(labels, ensure_ascii=False, indent=1) + "\n", "utf-8"
    )
    (HERE / "history.json").write_text(
        json.dumps(history, ensure_ascii=False, indent=1) + "\n", "utf-8"
    )
    return labels, history


if __name__ == "__main__":
    pages, history = build()
    groups = {p["group"] for p in pages}
    print(
        f"{len(pages)} pages, {len(groups)} groups, {len(history)} history pages", file=sys.stderr
    )
