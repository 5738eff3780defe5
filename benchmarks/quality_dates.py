"""Dates: publication-day accuracy on dates-dev and fields-dev, instants, parse timing.

    .venv/bin/python benchmarks/quality_dates.py

Day accuracy: each page's raw bytes go through ``extract_article`` (the path
the crawler uses: ``trafilatura.load_html`` then ``find_dates``); the day is
the calendar day the page states (its own offset, not UTC), compared with the
gold day. The reference is htmldate 1.11 with extensive search and original
date on the same bytes. The same pages with their declared dates removed
(JSON-LD, date meta tags, ``itemprop="date…"``) measure the rules that read
what a reader sees, which carry the pages that declare nothing. fields-dev is
held out (never tuned on): days against trafilatura 2.3.1's, and instants
within 60 s of the checked instant where the gold gives an offset (the page's
own offset, else UTC: no source zone is configured for these pages). Instants: the cases of
``tests/data/dates/instants.json`` (English, Armenian, Russian, Azerbaijani;
absolute, relative, feed and API forms), read by ``parse_date`` and by plain
dateparser given the same languages, zone and fetch time.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from benchmarks.newsweb import shared_data_dir  # noqa: E402
from benchmarks.quality_rows import row  # noqa: E402
from crawler.dates import parse_date, parse_date_as_written, to_iso  # noqa: E402
from crawler.extraction import extract_article  # noqa: E402

INSTANTS = REPO_ROOT / "tests" / "data" / "dates" / "instants.json"
TARGET_DAY_ACCURACY = 0.95


def load_dates_dev(root: Path | None = None) -> list[dict]:
    """The dates-dev pages: ``{"file", "url", "date", "html"}`` with the raw bytes."""
    folder = (root or shared_data_dir()) / "dates-dev"
    pages = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
    for page in pages:
        page["html"] = gzip.decompress((folder / page["file"]).read_bytes())
    return pages


def load_fields_dev(root: Path | None = None) -> list[dict]:
    """The fields-dev pages: ``{"file", "url", "date", "instant", "html"}``; ``date`` is the
    day of the checked instant in its own offset, ``instant`` the aware instant (None
    where the gold gives no offset)."""
    folder = (root or shared_data_dir()) / "fields-dev"
    pages = []
    for entry in json.loads((folder / "gold.json").read_text(encoding="utf-8")):
        published = datetime.fromisoformat(entry["published"])
        pages.append(
            {
                "file": entry["file"],
                "url": entry["url"],
                "date": published.date().isoformat(),
                "instant": published if published.tzinfo else None,
                "html": gzip.decompress((folder / entry["file"]).read_bytes()),
            }
        )
    return pages


def load_declared_articles(root: Path | None = None) -> list[dict]:
    """articles-dev pages whose structured data declare a day (``{"file", "url", "date",
    "html"}``, ``date`` being that declared day as newsmon reads it): the held-out check
    of the rules that read what a reader sees, on pages with no date gold."""
    folder = (root or shared_data_dir()) / "articles-dev"
    pages = []
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    for name, entry in truth.items():
        html = gzip.decompress((folder / f"{name}.html.gz").read_bytes())
        if without_declared_dates(html) == html:
            continue
        day = newsmon_day(html, entry["url"])
        if day is not None:
            pages.append({"file": name, "url": entry["url"], "date": day, "html": html})
    return pages


def newsmon_published(html: bytes, url: str) -> datetime | None:
    """The publication date newsmon reads from a page, aware, in the offset the page states."""
    article = extract_article(html, url)
    languages = [article.language] if article.language else None
    return parse_date_as_written(
        article.published_raw, languages=languages, day_first=article.numeric_day_first
    )


def newsmon_day(html: bytes, url: str) -> str | None:
    """The publication day newsmon reads from a page, ``YYYY-MM-DD``, or None."""
    value = newsmon_published(html, url)
    return value.date().isoformat() if value else None


def instant_accuracy_on_pages(pages: list[dict], seconds: float = 60) -> tuple[float, int]:
    """Fraction of pages with a checked instant whose read instant is within ``seconds``."""
    checked = [page for page in pages if page["instant"] is not None]
    right = 0
    for page in checked:
        value = newsmon_published(page["html"], page["url"])
        right += value is not None and abs((value - page["instant"]).total_seconds()) <= seconds
    return right / len(checked), len(checked)


_DECLARED_DATES = (
    re.compile(rb"<script[^>]*application/ld\+json.*?</script>", re.DOTALL | re.IGNORECASE),
    re.compile(rb"<meta[^>]*(?:date|time|pub)[^>]*>", re.IGNORECASE),
    re.compile(rb"itemprop=[\"']?date\w*[\"']?", re.IGNORECASE),
)


def without_declared_dates(html: bytes) -> bytes:
    """The page without the dates it declares for machines: what is left is what a reader sees."""
    for pattern in _DECLARED_DATES:
        html = pattern.sub(b"", html)
    return html


def stripped(read_day):
    """``read_day`` applied to pages without their declared dates."""
    return lambda html, url: read_day(without_declared_dates(html), url)


def day_accuracy(pages: list[dict], read_day) -> tuple[float, list[dict]]:
    """Fraction of pages whose day is the gold day (null only when nothing is found), and the misses."""
    misses = []
    for page in pages:
        day = read_day(page["html"], page["url"])
        if day != page["date"]:
            misses.append({"file": page["file"], "gold": page["date"], "found": day})
    return 1 - len(misses) / len(pages), misses


def find_dates_timing(pages: list[dict]) -> float:
    """Milliseconds per page for ``find_dates`` alone (tree parsed beforehand, caches warm)."""
    import trafilatura

    from crawler.extraction.dates import find_dates

    trees = [(trafilatura.load_html(page["html"]), page["url"]) for page in pages]
    # find_dates reads the JSON-LD itself; the article dict is only a head start.
    jobs = [(tree, url, None) for tree, url in trees if tree is not None]
    for job in jobs:
        find_dates(*job)
    started = time.perf_counter()
    for job in jobs:
        find_dates(*job)
    return (time.perf_counter() - started) / len(jobs) * 1000


def htmldate_day(html: bytes, url: str) -> str | None:
    from htmldate import find_date

    return find_date(html, url=url, extensive_search=True, original_date=True)


def trafilatura_day(html: bytes, url: str) -> str | None:
    import trafilatura

    document = trafilatura.bare_extraction(html, url=url, favor_precision=True, with_metadata=True)
    return document.date if document is not None else None


def load_instants() -> tuple[datetime, list[dict]]:
    data = json.loads(INSTANTS.read_text(encoding="utf-8"))
    return datetime.fromisoformat(data["now"]), data["cases"]


def instant_accuracy(read) -> float:
    now, cases = load_instants()
    right = sum(read(c["raw"], c["timezone"], c["languages"], now) == c["expected"] for c in cases)
    return right / len(cases)


def _newsmon_instant(raw, zone, languages, now):
    return to_iso(parse_date(raw, timezone=zone, languages=languages, now=now))


def _dateparser_instant(raw, zone, languages, now):
    import dateparser

    settings = {
        "TIMEZONE": zone,
        "TO_TIMEZONE": "UTC",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "past",
        "RELATIVE_BASE": now.astimezone(ZoneInfo(zone)).replace(tzinfo=None),
    }
    return to_iso(dateparser.parse(raw, languages=languages, settings=settings))


def parse_timing(rounds: int = 20) -> dict[str, float]:
    """Microseconds per ``parse_date`` call, warm, by kind of string."""
    now = datetime(2023, 1, 12, 12, tzinfo=UTC)
    kinds = {
        "feed (ISO 8601 / RFC 822)": [
            "2023-01-12T14:05:00+04:00",
            "Thu, 12 Jan 2023 14:05:00 +0400",
        ],
        "page text (month names, numeric)": [
            "12 января 2023, 14:05",
            "12.01.2023 14:05",
            "հունվարի 12, 2023",
        ],
        "relative (dateparser)": ["2 часа назад", "2 saat əvvəl", "2 ժամ առաջ"],
    }
    timing = {}
    for kind, raws in kinds.items():
        for raw in raws:  # warm: locale data loaded, caches filled
            parse_date(raw, timezone="Asia/Yerevan", languages=["ru", "hy", "az"], now=now)
        # Cached calls are what a crawl mostly makes (same strings, same fetch time);
        # uncached ones vary the fetch time so no cache can answer.
        started = time.perf_counter()
        for _ in range(rounds):
            for raw in raws:
                parse_date(raw, timezone="Asia/Yerevan", languages=["ru", "hy", "az"], now=now)
        timing[f"{kind}, cached"] = (time.perf_counter() - started) / (rounds * len(raws)) * 1e6
        started = time.perf_counter()
        for i in range(rounds):
            fresh = now.replace(second=i % 60, microsecond=i)
            for raw in raws:
                _uncached(raw, fresh)
        timing[f"{kind}, uncached"] = (time.perf_counter() - started) / (rounds * len(raws)) * 1e6
    return timing


def _uncached(raw: str, now: datetime) -> None:
    from crawler import dates

    dates._read_fixed.cache_clear()
    parse_date(raw, timezone="Asia/Yerevan", languages=["ru", "hy", "az"], now=now)


def _day_rows(name: str, pages: list[dict], reference, reference_name: str) -> list[dict]:
    """Day accuracy on ``pages`` as they are (against the target) and without declared dates."""
    return [
        row(
            "dates",
            f"publication day, {name}",
            day_accuracy(pages, newsmon_day)[0],
            day_accuracy(pages, reference)[0],
            reference_name,
            TARGET_DAY_ACCURACY,
        ),
        row(
            "dates",
            f"publication day, {name} without declared dates (JSON-LD, meta, microdata removed)",
            day_accuracy(pages, stripped(newsmon_day))[0],
            day_accuracy(pages, stripped(reference))[0],
            reference_name,
        ),
    ]


def run() -> list[dict]:
    pages = load_dates_dev()
    # Timed on a second pass: the first loads models and fills caches once, as a crawl does.
    day_accuracy(pages, newsmon_day)
    started = time.perf_counter()
    day_accuracy(pages, newsmon_day)
    newsmon_seconds = time.perf_counter() - started
    fields = load_fields_dev()
    instants, _ = instant_accuracy_on_pages(fields)
    declared = load_declared_articles()
    rows = [
        *_day_rows(
            f"dates-dev ({len(pages)} pages)",
            pages,
            htmldate_day,
            "htmldate 1.11 extensive, original date",
        ),
        *_day_rows(
            "fields-dev (held out)", fields, trafilatura_day, "trafilatura 2.3.1 favor_precision"
        ),
        row(
            "dates",
            "publication instant ±60 s, fields-dev (held out)",
            instants,
        ),
        row(
            "dates",
            "day read without declared dates = declared day, articles-dev (held out)",
            day_accuracy(declared, stripped(newsmon_day))[0],
            day_accuracy(declared, stripped(htmldate_day))[0],
            "htmldate 1.11 extensive, original date",
        ),
        row(
            "dates",
            "ms per page, extract_article incl. dates (dates-dev)",
            newsmon_seconds / len(pages) * 1000,
        ),
        row("dates", "ms per page, find_dates alone (dates-dev)", find_dates_timing(pages)),
    ]
    _, cases = load_instants()
    rows.append(
        row(
            "dates",
            f"minute-precise instants, en/hy/ru/az ({len(cases)} cases)",
            instant_accuracy(_newsmon_instant),
            instant_accuracy(_dateparser_instant),
            "dateparser 1.5, same languages/zone/now",
            1.0,
        )
    )
    for kind, micros in parse_timing().items():
        rows.append(row("dates", f"µs per parse_date call: {kind}", micros))
    return rows


if __name__ == "__main__":
    for row in run():
        ref = (
            ""
            if row["reference"] is None
            else f"  (reference {row['reference']:.3f}, {row['reference_name']})"
        )
        target = "" if row["target"] is None else f"  target {row['target']}"
        print(f"{row['metric']}: {row['newsmon']:.3f}{ref}{target}")
