"""Topic filters at scale: each reader's and the alerts' ``--topic`` read through ``article_topics``
against the JSON lists of ``articles.topics`` that they unpacked before, on one store.

Both ways run on the same open store (read-only, as the reading commands open it):
the table as the store reads it, and the JSON lists as a copy made before
``article_topics`` is read (crawler/store/sql/topics.py). Each call is timed as the
median of ``--rounds`` after one warm-up, and the answers of the two ways are
compared (the run fails when they differ).

Run: ``python benchmarks/topic_filters.py --db FILE_OR_URL [--topic karabakh-blockade]
[--word anango] [--rounds 3]`` (the 1M serving database of ``serve_scale.py``, or a
PostgreSQL ``postgresql://…`` base).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.store import ArticleFilter, open_store  # noqa: E402


def timed(call: Callable[[], object], rounds: int) -> tuple[float, object]:
    """The median wall time of ``call`` in ms over ``rounds`` after one warm-up, and its answer."""
    answer = call()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), answer


def calls(store, topic: str, word: str) -> dict[str, Callable[[], object]]:
    selected = ArticleFilter(topic=topic)
    month = ArticleFilter(topic=topic, since="2024-06-01T00:00:00+00:00")
    return {
        "has_value (the option's check)": lambda: store.has_value("topics", topic),
        "known_values": lambda: store.known_values("topics"),
        "stories, 20 newest": lambda: [
            (s.story_id, s.first_seen, s.articles) for s in store.stories(selected, limit=20)
        ],
        "stories, every story": lambda: sum(1 for _ in store.stories(selected)),
        f"search {word!r}": lambda: [h.id for h in store.search_stories(word, selected)],
        "export, every article": lambda: [r["id"] for r in store.export_articles(selected)],
        "export, since 2024-06-01": lambda: [r["id"] for r in store.export_articles(month)],
        "alert stories, 50 newest": lambda: [
            s.story_id for s in store.alert_stories(topics=[topic], limit=50)
        ],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--topic", default="karabakh-blockade")
    parser.add_argument("--word", default="anango", help="the search's query")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    store = open_store(args.db, read_only=True)
    differ = []
    try:
        if not store._topics_table:
            print(f"{args.db}: no article_topics (made before m071 / m008): nothing to compare")
            return 1
        print(f"{args.db}, topic {args.topic!r}, median of {args.rounds} (ms)")
        print(f"{'call':<32} {'JSON lists':>11} {'article_topics':>15}")
        for name, call in calls(store, args.topic, args.word).items():
            store._topics_table = False  # read as a copy from before the table is
            before, old = timed(call, args.rounds)
            store._topics_table = True
            after, new = timed(call, args.rounds)
            same = "" if old == new else "  ANSWERS DIFFER"
            if same:
                differ.append(name)
            print(f"{name:<32} {before:>11,.1f} {after:>15,.1f}{same}", flush=True)
    finally:
        store.close()
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
