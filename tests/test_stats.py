"""Per-source counters and errors counted by kind, as the summary and the progress view read them."""

from __future__ import annotations

from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from crawler.stats import (
    describe_errors,
    error_kinds,
    error_label,
    inc_error,
    inc_source,
    per_source,
)


def stats():
    return MemoryStatsCollector(get_crawler())


def test_an_error_is_counted_for_its_source_its_kind_and_the_crawl():
    s = stats()
    for _ in range(3):
        inc_error(s, "alpha", "download/CannotResolveHostError")
    inc_error(s, "alpha", "http/404")
    inc_error(s, "beta", "download/DownloadTimeoutError", 2)
    inc_error(s, None, "pipeline/ValueError")  # an item whose source is unknown
    values = s.get_stats()
    assert values["source/alpha/errors"] == 4 and values["source/beta/errors"] == 2
    assert values["newsmon/errors"] == 7
    assert values["newsmon/errors/download/CannotResolveHostError"] == 3
    assert values["source/alpha/errors/http/404"] == 1
    # The kinds add up to the error counters.
    for name in ("alpha", "beta"):
        assert sum(n for _, n in error_kinds(values, name)) == values[f"source/{name}/errors"]
    assert sum(n for _, n in error_kinds(values, None)) == values["newsmon/errors"]


def test_error_kinds_read_as_words_most_frequent_first_with_the_same_label_summed():
    s = stats()
    inc_error(s, "alpha", "download/CannotResolveHostError", 30)
    inc_error(s, "alpha", "download/DNSLookupError", 10)  # the Twisted name of the same failure
    inc_error(s, "alpha", "download/DownloadTimeoutError", 7)
    inc_error(s, "alpha", "download/TCPTimedOutError", 5)
    inc_error(s, "alpha", "http/503", 2)
    inc_error(s, "alpha", "feed_invalid", 1)
    inc_error(s, "alpha", "pipeline/KeyError", 1)
    kinds = error_kinds(s.get_stats(), "alpha")
    assert kinds == [
        ("DNS lookup failed", 40),
        ("timeout", 12),
        ("HTTP 503", 2),
        ("feed_invalid", 1),
        ("pipeline/KeyError", 1),
    ]
    assert describe_errors(kinds) == "DNS lookup failed ×40, timeout ×12, HTTP 503 ×2, 2 other ×2"
    assert describe_errors(kinds, top=5).endswith("pipeline/KeyError ×1")
    assert describe_errors([]) == ""
    assert error_kinds(s.get_stats(), "beta") == []


def test_error_labels():
    assert error_label("http/404") == "HTTP 404"
    assert error_label("download/DownloadConnectionRefusedError") == "connection refused"
    assert error_label("download/ResponseNeverReceived") == "no response"
    assert error_label("sitemap_invalid") == "sitemap_invalid"


def test_per_source_keeps_the_counters_and_leaves_error_kinds_out():
    s = stats()
    inc_source(s, "alpha", "pages_fetched", 4)
    inc_error(s, "alpha", "http/404")
    counts = per_source(s.get_stats(), ["alpha", "beta"])
    assert counts["alpha"]["pages_fetched"] == 4 and counts["alpha"]["errors"] == 1
    assert set(counts["alpha"]) == set(counts["beta"])  # no "errors/http/404" counter
    assert sum(counts["beta"].values()) == 0
