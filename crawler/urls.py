"""URL canonicalisation: one key for the variants of an article URL."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url as w3_canonicalize

TRACKING_PARAMS = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|mc_cid|mc_eid|_ga|_gl|igshid|ref|ref_src|cmpid|ito|at_medium|at_campaign|rss|from|source)$",
    re.IGNORECASE,
)


def canonicalize_url(url: str) -> str:
    """Normalise scheme, host, tracking parameters, fragments, AMP suffixes and trailing slashes."""
    url = w3_canonicalize(url.strip(), keep_fragments=False)
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    for prefix in ("www.", "m.", "amp."):
        if host.startswith(prefix):
            host = host[len(prefix):]
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = parts.path or "/"
    path = re.sub(r"/amp/?$|\.amp$|/amp\.html$", "", path) or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING_PARAMS.match(k) and k.lower() != "amp"]
    return urlunsplit(("https", host, path, urlencode(query), ""))
