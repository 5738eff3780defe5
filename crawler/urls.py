"""URL canonicalisation: one key for the variants of an article URL.

The key is deliberately lossy (scheme, ``www.``/``m.``/``amp.`` host prefixes,
fragments, AMP forms, trailing slashes and tracking parameters go) but never
drops a parameter that may identify the article: ``?id=123``, ``?p=38573``,
``/news.php?nid=7`` keep their query. Two kinds of parameters are removed:

- named trackers (``utm_*``, ``fbclid``, ``gclid``, ``yclid`` …), removed whatever
  their value;
- generic referral labels (``from``, ``source``, ``ref`` …), removed only when
  the value reads as a label (``from=main``, ``ref=twitter``, ``source=rss``).
  The same names carry data elsewhere (``from=2023-01-01`` on archive pages,
  ``from=20`` as a list offset, ``source=12`` as a record id), so a value that
  starts with a digit is kept. Keeping a tracker costs at worst a second row
  that the same-text check of the dedup pipeline drops; dropping an identifier
  would fold two articles into one, so doubt keeps the parameter.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url as w3_canonicalize

# Parameters that only ever track a click or a campaign.
TRACKING_PARAMS = re.compile(
    r"^(?:utm_\w+|ga_\w+|_ga|_gl|_hsenc|_hsmi|_openstat|__twitter_impression|"
    r"fbclid|gclid|gclsrc|dclid|gbraid|wbraid|msclkid|yclid|ysclid|twclid|ttclid|igshid|"
    r"mc_cid|mc_eid|mkt_tok|cmpid|ocid|ito|xtor|at_medium|at_campaign|at_source|"
    r"ns_mchannel|ns_campaign|ns_source|fb_action_ids|fb_action_types|fb_source|fb_ref|"
    r"amp|outputtype|usqp|amp_js_v|amp_gsa|__amp_source_origin)$",
    re.IGNORECASE,
)
# Parameters that track the referrer on news sites but carry data on others.
REFERRAL_PARAMS = re.compile(
    r"^(?:from|source|src|ref|ref_src|referrer|via|rss|feed|share|in)$", re.IGNORECASE
)
# A referral value worth dropping: a short word-like label, not a number or a date.
_LABEL = re.compile(r"^[^\W\d][\w.\-]{0,39}$")

_HOST_PREFIXES = ("www.", "www2.", "m.", "mobile.", "amp.")
_AMP_CACHE = re.compile(r"^/[cvi]/(?:s/)?([^/]+)(/.*)?$")
_AMP_PATH = re.compile(r"(?:/amp/?|\.amp|/amp\.html?)$", re.IGNORECASE)


@lru_cache(maxsize=8192)
def canonicalize_url(url: str) -> str:
    """The canonical key of ``url``: https, bare host, no fragment, no trackers, no AMP form.

    Raises ValueError when ``url`` is not an http(s) URL with a host.
    """
    url = url.strip()
    if url.startswith("//"):
        url = "https:" + url
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    url = _unwrap_amp_cache(url, parts.hostname, parts.path)
    url = w3_canonicalize(url, keep_fragments=False)
    parts = urlsplit(url)
    host = site_host(parts.hostname or "")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    path = _AMP_PATH.sub("", path)
    path = re.sub(r"\.amp(\.html?)$", r"\1", path, flags=re.IGNORECASE)
    if path.lower().startswith("/amp/"):
        path = path[4:]
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if _keep_param(k, v)]
    return urlunsplit(("https", host, path or "/", urlencode(query), ""))


def url_key(url: str | None) -> str | None:
    """:func:`canonicalize_url` of ``url``, or None when it has none (empty, not http(s))."""
    if not url:
        return None
    try:
        return canonicalize_url(url)
    except ValueError:
        return None


def site_host(host: str) -> str:
    """``host`` lower-cased without a ``www.``/``m.``/``amp.`` prefix (kept when nothing but a TLD would remain)."""
    host = host.lower().rstrip(".")
    for prefix in _HOST_PREFIXES:
        rest = host[len(prefix) :]
        if host.startswith(prefix) and "." in rest:
            return rest
    return host


def same_site(url_a: str, url_b: str) -> bool:
    """True when the two URLs are on one site (equal hosts, or one a subdomain of the other)."""
    a = site_host(urlsplit(url_a.strip()).hostname or "")
    b = site_host(urlsplit(url_b.strip()).hostname or "")
    if not a or not b:
        return False
    return a == b or a.endswith("." + b) or b.endswith("." + a)


def is_front_page(url: str) -> bool:
    """True when ``url`` points at a site's front page (empty path, no query)."""
    parts = urlsplit(url.strip())
    return parts.path.strip("/") == "" and not parts.query


def _keep_param(key: str, value: str) -> bool:
    if not key:
        return False
    if TRACKING_PARAMS.match(key):
        return False
    if REFERRAL_PARAMS.match(key) and (value == "" or _LABEL.match(value)):
        return False
    return True


def _unwrap_amp_cache(url: str, host: str, path: str) -> str:
    """``https://www-site-am.cdn.ampproject.org/c/s/www.site.am/a/1`` -> ``https://www.site.am/a/1``."""
    if not host.lower().endswith(".cdn.ampproject.org"):
        return url
    match = _AMP_CACHE.match(path)
    if not match:
        return url
    query = urlsplit(url).query
    return urlunsplit(("https", match.group(1), match.group(2) or "/", query, ""))
