"""CPU cost of ``extract_article`` per page, whole and by stage, on the crawl benchmark's pages.

    .venv/bin/python benchmarks/extract_cost.py [--pages 300] [--rounds 3]

The pages are the ones ``benchmarks/newsweb.py`` serves to the crawl benchmark
(real article pages of ``shared/data/articles-dev`` as templates, text varied
per copy), built in memory. Times are CPU time (``time.process_time``), the
best of ``--rounds`` rounds, so another process on the machine matters less.
Stages are measured by wrapping the functions ``crawler.extraction.extract``
calls; what no wrapper covers (titles, canonical URL, tags…) is "rest".
``trafilatura.extract`` alone (default options, as a bare spider calls it) is
the reference.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from benchmarks.newsweb import build  # noqa: E402
from crawler.extraction import extract as extract_module  # noqa: E402
from crawler.extraction import furniture  # noqa: E402

# Functions of crawler.extraction.extract's namespace timed as stages, in call order.
STAGES = {
    "parse_html": "parsing",
    "read_structured": "structured data",
    "extract_blocks": "trafilatura",
    "remove_furniture": "furniture",
    "reconcile": "articleBody check",
    "find_dates": "dates",
    "_authors": "bylines",
    "detect_language": "language",
}


def _owner(name: str):
    """The module whose attribute ``extract_article`` looks the stage up in."""
    return furniture if name == "remove_furniture" else extract_module


def _wrap(function, totals: dict[str, float], name: str):
    clock = time.process_time

    def timed(*args, **kwargs):
        started = clock()
        try:
            return function(*args, **kwargs)
        finally:
            totals[name] += clock() - started

    return timed


def measure(pages: list[tuple[str, str]], rounds: int) -> tuple[float, dict[str, float], float]:
    """``(extract_article ms/page, {stage: ms/page}, trafilatura.extract ms/page)``, best rounds."""
    originals = {name: getattr(_owner(name), name) for name in STAGES}
    best_total = float("inf")
    best_stages: dict[str, float] = {}
    try:
        for _ in range(rounds):
            totals: dict[str, float] = defaultdict(float)
            for name, label in STAGES.items():
                setattr(_owner(name), name, _wrap(originals[name], totals, label))
            started = time.process_time()
            for html, url in pages:
                extract_module.extract_article(html, url)
            total = time.process_time() - started
            if total < best_total:
                best_total, best_stages = total, dict(totals)
    finally:
        for name, function in originals.items():
            setattr(_owner(name), name, function)
    reference = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for html, url in pages:
            trafilatura.extract(html, url=url)
        reference = min(reference, time.process_time() - started)
    n = len(pages)
    stages = {label: 1000 * best_stages.get(label, 0.0) / n for label in STAGES.values()}
    stages["rest"] = 1000 * best_total / n - sum(stages.values())
    return 1000 * best_total / n, stages, 1000 * reference / n


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=300, help="benchmark pages (default 300)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the best counts (default 3)")
    args = parser.parse_args(argv)
    outlets = build(args.pages, [f"http://127.0.0.{i + 2}:8080" for i in range(10)])
    # Decoded, as the spider and the bare spider pass ``response.text``.
    pages = [(a.html.decode("utf-8"), o.base + a.path) for o in outlets for a in o.articles]
    size = sum(len(html.encode("utf-8")) for html, _ in pages) / len(pages) / 1024
    # One untimed pass: imports, caches and the language model load happen once per process.
    for html, url in pages[:20]:
        extract_module.extract_article(html, url)
        trafilatura.extract(html, url=url)
    total, stages, reference = measure(pages, args.rounds)
    print(f"{len(pages)} pages, {size:.0f} KiB average, CPU ms/page, best of {args.rounds} rounds")
    print(f"  extract_article        {total:6.2f}")
    for label, value in stages.items():
        print(f"    {label:20s} {value:6.2f}")
    print(f"  trafilatura.extract    {reference:6.2f}  (reference, default options)")


if __name__ == "__main__":
    main()
