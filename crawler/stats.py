"""Per-source counters kept in Scrapy's stats under ``source/<name>/<counter>``.

Errors are also counted by kind (``<component>/<kind>``, e.g.
``download/DNSLookupError``, ``http/404``, ``pipeline/ValueError``): crawl-wide
under ``newsmon/errors/<kind>`` and per source under
``source/<name>/errors/<kind>``, so a summary can say what went wrong where.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping

# The counters of the per-source summary and of crawl_runs / crawl_run_sources.
SOURCE_COUNTERS = (
    "pages_fetched",
    "articles_new",
    "articles_updated",
    "duplicates",
    "dropped",
    "errors",
    "relevant",
)


def inc_source(stats, source: str | None, counter: str, count: int = 1) -> None:
    """Add ``count`` to one source's counter (and to the crawl-wide ``newsmon/<counter>``)."""
    stats.inc_value(f"newsmon/{counter}", count)
    if source:
        stats.inc_value(f"source/{source}/{counter}", count)


def inc_error(stats, source: str | None, kind: str, count: int = 1) -> None:
    """Count ``count`` errors of ``kind`` (``component/kind``) against ``source``."""
    inc_source(stats, source, "errors", count)
    stats.inc_value(f"newsmon/errors/{kind}", count)
    if source:
        stats.inc_value(f"source/{source}/errors/{kind}", count)


# What an operator reads for the error kinds that come up most; others are
# shown as counted ("feed_invalid", "pipeline/KeyError").
_ERROR_LABELS = {
    # Scrapy's own download exceptions (2.13+), then the Twisted ones they wrap.
    "download/CannotResolveHostError": "DNS lookup failed",
    "download/DownloadTimeoutError": "timeout",
    "download/DownloadConnectionRefusedError": "connection refused",
    "download/DownloadFailedError": "download failed",
    "download/ResponseDataLossError": "response cut off",
    "download/UnsupportedURLSchemeError": "unsupported URL scheme",
    "download/DNSLookupError": "DNS lookup failed",
    "download/TimeoutError": "timeout",
    "download/TCPTimedOutError": "timeout",
    "download/ConnectionRefusedError": "connection refused",
    "download/ConnectError": "cannot connect",
    "download/NoRouteError": "no route to host",
    "download/ConnectionLost": "connection lost",
    "download/ConnectionDone": "connection closed",
    "download/ResponseNeverReceived": "no response",
    "download/ResponseFailed": "response cut off",
    "download/TunnelError": "proxy tunnel failed",
    "download/SSLError": "TLS error",
    "download/too_large": "too large",
    "download/redirect_loop": "redirect loop",
    "privatenet/refused": "private address refused",
    "storage/not_stored": "not stored",
}
_HTTP = re.compile(r"http/(\d{3})")


def error_label(kind: str) -> str:
    """A short human name for an error kind: ``http/404`` -> ``HTTP 404``."""
    if match := _HTTP.fullmatch(kind):
        return f"HTTP {match.group(1)}"
    return _ERROR_LABELS.get(kind, kind)


def error_kinds(stats_dict: Mapping[str, object], source: str | None) -> list[tuple[str, int]]:
    """``source``'s errors (None: the crawl's) by label, most frequent first (kinds with one label are summed)."""
    prefix = f"source/{source}/errors/" if source else "newsmon/errors/"
    counts: Counter[str] = Counter()
    for key, value in stats_dict.items():
        if key.startswith(prefix):
            counts[error_label(key[len(prefix) :])] += int(value)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def describe_errors(kinds: list[tuple[str, int]], top: int = 3) -> str:
    """``DNS lookup failed ×40, timeout ×12, 2 other ×3`` for the output of :func:`error_kinds`."""
    shown = [f"{label} ×{n}" for label, n in kinds[:top]]
    rest = kinds[top:]
    if rest:
        shown.append(f"{len(rest)} other ×{sum(n for _, n in rest)}")
    return ", ".join(shown)


def per_source(stats_dict: Mapping[str, object], sources: list[str]) -> dict[str, dict[str, int]]:
    """Collect ``source/<name>/<counter>`` values into ``{name: {counter: n}}`` for ``sources``."""
    result: dict[str, dict[str, int]] = defaultdict(dict)
    for name in sources:
        result[name] = {c: 0 for c in SOURCE_COUNTERS}
    for key, value in stats_dict.items():
        if not key.startswith("source/"):
            continue
        _, name, counter = key.split("/", 2)
        if counter not in SOURCE_COUNTERS:
            continue  # errors/<kind> and other detail
        result.setdefault(name, {c: 0 for c in SOURCE_COUNTERS})[counter] = int(value)
    return dict(result)
