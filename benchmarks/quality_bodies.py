"""Body extraction quality on ../shared/data/articles-dev: newsmon beside plain trafilatura.

    .venv/bin/python benchmarks/quality_bodies.py

Bodies are scored as the data set's README says (``crawler.extraction.scoring``):
precision and recall of 4-token shingles, means over pages, F1 of the means.
References: trafilatura as a bare spider would call it, default and
``favor_precision``. Titles: the share of pages whose title still carries the
site name after a separator (" | ZDNet", " - SlashGear"), newsmon beside
trafilatura's metadata title. Timing: mean extraction time per page on this
machine (one process), newsmon's whole ``extract_article`` beside one
``trafilatura.extract`` call.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from benchmarks.newsweb import shared_data_dir  # noqa: E402
from benchmarks.quality_rows import row  # noqa: E402
from crawler.extraction import extract_article  # noqa: E402
from crawler.extraction.scoring import Page, load_pages, score  # noqa: E402

SECTION = "bodies"
TARGET_F1 = 0.975
_SUFFIX = re.compile(r"\s[|\-–—:·]{1,2}\s*(?P<tail>[^|\-–—:·]{2,40})$")


def site_name_left(title: str | None, url: str) -> bool:
    """True when ``title`` ends with a separator and the site's name (from the host)."""
    if not title:
        return False
    host = re.sub(r"^www\.", "", url.split("/")[2]).split(".")[0]
    match = _SUFFIX.search(title)
    return bool(match and host in re.sub(r"\W", "", match["tail"].lower()))


def _timed(function, pages: list[Page], rounds: int = 3) -> tuple[list, float]:
    """Results of ``function`` on ``pages`` and its seconds per page: the best
    of ``rounds`` rounds, after one warm-up call (models and caches loaded
    once, as in a crawl)."""
    function(pages[0])
    best = float("inf")
    for _ in range(rounds):
        results, started = [], time.perf_counter()
        for page in pages:
            results.append(function(page))
        best = min(best, (time.perf_counter() - started) / len(pages))
    return results, best


def run() -> list[dict]:
    folder = shared_data_dir() / "articles-dev"
    if not (folder / "ground-truth.json").is_file():
        print(f"quality_bodies: no data at {folder}", file=sys.stderr)
        return []
    pages = list(load_pages(folder))
    extract_article(pages[0].html, pages[0].url)  # load the language model outside the timing
    articles, newsmon_time = _timed(lambda p: extract_article(p.html, p.url), pages)
    with_recall, recall_time = _timed(
        lambda p: extract_article(p.html, p.url, recall_run=True), pages
    )
    plain, plain_time = _timed(lambda p: trafilatura.extract(p.html, url=p.url), pages)
    precise, _ = _timed(
        lambda p: trafilatura.extract(p.html, url=p.url, favor_precision=True), pages
    )
    metadata, _ = _timed(
        lambda p: trafilatura.bare_extraction(p.html, url=p.url, with_metadata=True), pages
    )

    ours = score([(p.body, a.body) for p, a in zip(pages, articles, strict=True)])
    ours_recall = score([(p.body, a.body) for p, a in zip(pages, with_recall, strict=True)])
    default = score([(p.body, text) for p, text in zip(pages, plain, strict=True)])
    precision = score([(p.body, text) for p, text in zip(pages, precise, strict=True)])
    leaks = sum(site_name_left(a.title, p.url) for p, a in zip(pages, articles, strict=True)) / len(
        pages
    )
    reference_leaks = sum(
        site_name_left(d.title if d is not None else None, p.url)
        for p, d in zip(pages, metadata, strict=True)
    ) / len(pages)
    untitled = sum(not a.title for a in articles) / len(pages)

    name = "trafilatura 2.3.1"
    n = f"articles-dev, {len(pages)} pages"
    return [
        row(SECTION, f"body F1 ({n})", ours.f1, default.f1, name, TARGET_F1),
        row(
            SECTION,
            f"body F1 vs favor_precision ({n})",
            ours.f1,
            precision.f1,
            f"{name} favor_precision",
            TARGET_F1,
        ),
        row(
            SECTION,
            "body F1 with recall_run=True (second run)",
            ours_recall.f1,
            default.f1,
            name,
            TARGET_F1,
        ),
        row(SECTION, "body precision", ours.precision, default.precision, name, None),
        row(SECTION, "body recall", ours.recall, default.recall, name, None),
        row(
            SECTION,
            "body precision vs favor_precision",
            ours.precision,
            precision.precision,
            f"{name} favor_precision",
            None,
        ),
        row(
            SECTION,
            "body recall vs favor_precision",
            ours.recall,
            precision.recall,
            f"{name} favor_precision",
            None,
        ),
        row(
            SECTION,
            "titles still ending in the site name",
            leaks,
            reference_leaks,
            f"{name} metadata",
            0.0,
            higher=False,
        ),
        row(SECTION, "pages without a title", untitled, None, None, 0.0, higher=False),
        row(
            SECTION,
            "extraction ms per page (whole article)",
            newsmon_time * 1000,
            plain_time * 1000,
            f"{name} extract()",
            None,
            higher=False,
        ),
        row(
            SECTION,
            "extraction ms per page with recall_run=True",
            recall_time * 1000,
            plain_time * 1000,
            f"{name} extract()",
            None,
            higher=False,
        ),
    ]


if __name__ == "__main__":
    for r in run():

        def fmt(v):
            return (
                "—" if v is None else f"{v:.4f}" if isinstance(v, float) and v < 10 else f"{v:.1f}"
            )

        print(
            f"{r['metric']:<45} newsmon {fmt(r['newsmon']):>8}   {r['reference_name'] or '':<34} {fmt(r['reference']):>8}   target {fmt(r['target'])}"
        )
