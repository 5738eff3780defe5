"""The WordPress REST API (``/wp-json/wp/v2/posts``): search URLs and posts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from crawler.discovery import plain_text

POSTS_PATH = "/wp-json/wp/v2/posts"
FIELDS = "id,link,date,date_gmt,modified_gmt,title,content,excerpt,_links,_embedded"


@dataclass(frozen=True)
class WordPressPost:
    """One post as the API returns it."""

    link: str
    title: str | None
    """Title, plain text."""
    content_html: str
    """Rendered content HTML."""
    date_gmt: str | None
    """Publication time in UTC without offset, e.g. ``2023-01-12T10:05:00``."""
    modified_gmt: str | None
    excerpt: str | None
    authors: tuple[str, ...] = ()


def search_url(
    base: str, term: str, *, after: datetime | None, page: int = 1, per_page: int = 50
) -> str:
    """The posts-search URL for one term, newest first."""
    params = {
        "search": term,
        "per_page": per_page,
        "page": page,
        "orderby": "date",
        "order": "desc",
        "_fields": FIELDS,
        "_embed": "author",
    }
    if after is not None:
        params["after"] = after.strftime("%Y-%m-%dT%H:%M:%S")
    return base.rstrip("/") + POSTS_PATH + "?" + urlencode(params)


def _rendered(value: object) -> str | None:
    if isinstance(value, dict):
        value = value.get("rendered")
    return value if isinstance(value, str) else None


def parse_posts(body: bytes) -> list[WordPressPost]:
    """Parse a posts listing. Raises ValueError when it is not one."""
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(data, list):
        raise ValueError("not a list of posts")
    posts = []
    for raw in data:
        if not isinstance(raw, dict):
            continue
        link = raw.get("link")
        content = _rendered(raw.get("content"))
        if (
            not isinstance(link, str)
            or not link.startswith(("http://", "https://"))
            or content is None
        ):
            continue
        date_gmt = raw.get("date_gmt")
        embedded = raw.get("_embedded") if isinstance(raw.get("_embedded"), dict) else {}
        authors = tuple(
            a["name"].strip()
            for a in embedded.get("author") or []
            if isinstance(a, dict) and isinstance(a.get("name"), str) and a["name"].strip()
        )
        posts.append(
            WordPressPost(
                link=link,
                title=plain_text(_rendered(raw.get("title"))),
                content_html=content,
                date_gmt=f"{date_gmt}+00:00" if isinstance(date_gmt, str) and date_gmt else None,
                modified_gmt=f"{raw['modified_gmt']}+00:00"
                if isinstance(raw.get("modified_gmt"), str)
                else None,
                excerpt=plain_text(_rendered(raw.get("excerpt"))),
                authors=authors,
            )
        )
    return posts
