"""What an ``alerts run`` costs on a large archive: finding pending stories and keeping the ledger.

A synthetic archive of ``--size`` articles (short texts, 2 % relevant, one
story in three carried by two or three outlets, first seen over 100 days)
is written in bulk; then ``run_alerts`` runs with a sender that accepts
everything (so only the store's work is timed) for an alert per topic, a
saved-search alert and an any-topic alert, each with ``since`` = 10 days
ago: a first run that sends the backlog, then a run with nothing pending,
then one after 50 new stories. Prints seconds per run and stories sent.

Run alone: ``python benchmarks/alerts_scale.py [--size 1000000] [--workdir DIR] [--reuse]``
(``--reuse`` keeps an archive of that size from an earlier run in DIR; the
alerts get new names each run, so each starts with an empty ledger).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from crawler.alerts.config import load_alerts  # noqa: E402
from crawler.alerts.delivery import run_alerts  # noqa: E402
from crawler.store import open_store  # noqa: E402

COLUMNS = (
    "id", "url", "url_key", "source", "title", "body", "fetched_at", "first_seen_at",
    "content_hash", "story_id", "relevant", "topics", "language",
)  # fmt: skip
TOPICS = ("karabakh-blockade", "russian-peacekeepers")
WORDS = "corridor bridge road convoy talks border market weather school court".split()
DAYS = 100
CHUNK = 20000
ALERTS = """
[[alert]]
name = "blockade{run}"
topics = ["karabakh-blockade"]
since = "{since}"
command = "true"

[[alert]]
name = "peacekeepers{run}"
topics = ["russian-peacekeepers"]
since = "{since}"
command = "true"

[[alert]]
name = "bridge{run}"
search = "bridge"
since = "{since}"
command = "true"

[[alert]]
name = "anything{run}"
since = "{since}"
command = "true"
"""


def rows(start: int, stop: int, size: int, rng: random.Random, now: datetime, share=0.02):
    story_of: dict[int, int] = {}
    for n in range(start, stop):
        # Copies follow their original closely: one story in three has 2-3 outlets.
        original = n - rng.randint(1, 2) if n - 2 >= start and rng.random() < 0.4 else n
        story = story_of[n] = story_of.get(original, original)
        seen = now - timedelta(days=DAYS) + timedelta(days=DAYS * n / size)
        relevant = rng.random() < share
        body = " ".join(rng.choice(WORDS) for _ in range(30))
        yield (
            n, f"https://s{n % 40}.example/a/{n}", f"s{n % 40}.example/a/{n}", f"s{n % 40}",
            f"Title {n}", body, seen.isoformat(), seen.replace(microsecond=0).isoformat(),
            f"h{n}", story, int(relevant),
            f'["{rng.choice(TOPICS)}"]' if relevant else "[]", rng.choice(("en", "ru", "hy")),
        )  # fmt: skip


def accept(*args, **kwargs) -> None:
    """A channel that takes every message at once."""


def timed_run(store, alerts) -> tuple[float, int]:
    started = time.perf_counter()
    results = run_alerts(store, alerts, sender=accept)
    return time.perf_counter() - started, sum(r.stories for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--reuse", action="store_true", help="Keep the archive in --workdir.")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="newsmon-alerts-"))
    rng = random.Random(7)
    now = datetime.now(UTC)
    db = workdir / "alerts.db"
    if not args.reuse:
        for path in workdir.glob("alerts.db*"):
            path.unlink()
    started = time.perf_counter()
    with open_store(db) as store:
        stored = store.count_articles()
        if stored < args.size:
            for first in range(stored + 1, args.size + 1, CHUNK):
                with store.write() as tx:
                    tx.load_articles(
                        COLUMNS, rows(first, min(first + CHUNK, args.size + 1), args.size, rng, now)
                    )
            print(f"{args.size} articles written in {time.perf_counter() - started:.0f}s")
        path = workdir / "alerts.toml"
        # Stored "first seen" times span the DAYS before the archive was made.
        newest = datetime.fromisoformat(store.article(store.count_articles())["first_seen_at"])
        since = (newest - timedelta(days=10)).date()
        path.write_text(ALERTS.format(since=since, run=f"-{int(time.time())}"))
        alerts = load_alerts(path, topic_names=set(TOPICS), env={})
        for label in ("first run (backlog)", "nothing pending"):
            seconds, sent = timed_run(store, alerts)
            print(f"{label}: {seconds:.3f}s, {sent} stories sent")
        first_new = store.count_articles() + 1
        new = range(first_new, first_new + 50)
        with store.write() as tx:
            tx.load_articles(COLUMNS, rows(new[0], new[-1] + 1, args.size, rng, now, share=1))
        seconds, sent = timed_run(store, alerts)
        print(f"after 50 new relevant articles: {seconds:.3f}s, {sent} stories sent")


if __name__ == "__main__":
    main()
