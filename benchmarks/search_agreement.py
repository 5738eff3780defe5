"""Does PostgreSQL search find what SQLite's FTS5 finds? Agreement on a multilingual set.

The stories of the labelled dedup set (tests/data/dedup/corpus_*.toml:
English, Russian, Armenian, Azerbaijani) are stored in a SQLite store and in
a PostgreSQL one (a throwaway server of the machine's binaries), and a few
hundred queries drawn from their titles — single words, the same word
upper-cased and stripped of its diacritics, AND, OR, NOT, phrases, prefixes —
run on both. Printed: the share of queries whose result sets are identical,
for two ways of indexing on PostgreSQL:

- ``newsmon fold``: what the backend does (text and query folded as
  unicode61 folds them, ``crawler.store.textsearch``, before
  ``to_tsvector('simple', …)``);
- ``simple + unaccent``: the server's own ``unaccent`` and ``lower`` (the
  query words go through the same two functions on the server).

``pg_trgm`` is not measured: trigram similarity ranks fuzzy matches and has no
phrases, NOT or prefixes, so it cannot give FTS5's answers.

    .venv/bin/python benchmarks/search_agreement.py
"""

from __future__ import annotations

import random
import re
import sys
import tempfile
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from crawler.fingerprint import content_hash  # noqa: E402
from crawler.store import SearchQueryError, open_store, textsearch  # noqa: E402
from crawler.store.postgres.search import (  # noqa: E402
    index_with_server_folding,
    server_search_words,
)
from crawler.textfold import fold  # noqa: E402
from tests.pgserver import PostgresServer  # noqa: E402

CORPUS = HERE.parent / "tests" / "data" / "dedup"
WORD = re.compile(r"[^\W\d_]{4,}")


def stories() -> list[dict]:
    found = []
    for path in sorted(CORPUS.glob("corpus_*.toml")):
        found += tomllib.loads(path.read_text("utf-8"))["story"]
    return found


def queries(texts: list[dict], rng: random.Random) -> list[str]:
    made = []
    for story in texts:
        words = WORD.findall(story["title"])
        if len(words) < 3:
            continue
        a, b = rng.sample(words, 2)
        pair = story["title"].split()
        i = rng.randrange(len(pair) - 1)
        made += [
            a,
            a.upper(),
            fold(a),
            f"{a} {b}",
            f"{a} OR {b}",
            f"{a} NOT {b}",
            f'"{pair[i]} {pair[i + 1]}"',
            f"{fold(a)[:5]}*",
        ]
    return made


def load(store, texts: list[dict]) -> None:
    with store.write() as tx:
        for n, story in enumerate(texts, 1):
            tx.insert_article(
                {
                    "url": f"https://{story['outlet']}.example/{n}",
                    "url_key": f"{story['outlet']}.example/{n}",
                    "source": story["outlet"],
                    "title": story["title"],
                    "body": story["text"],
                    "fetched_at": "2024-01-01T00:00:00+00:00",
                    "first_seen_at": "2024-01-01T00:00:00+00:00",
                    "content_hash": content_hash(None, story["text"]),
                },
                None,
            )


def results(store, query: str) -> set[int] | None:
    try:
        return {hit["id"] for hit in store.search(query, limit=1000)}
    except SearchQueryError:
        return None  # refused: agreement only if the other refuses too


def main() -> None:
    texts = stories()
    rng = random.Random(7)
    asked = queries(texts, rng)
    server = PostgresServer().start()
    try:
        with (
            open_store(Path(tempfile.mkdtemp()) / "agree.db") as sqlite,
            open_store(server.create_database("fold")) as folded,
        ):
            load(sqlite, texts)
            load(folded, texts)
            reference = {q: results(sqlite, q) for q in asked}
            mine = {q: results(folded, q) for q in asked}
            # The same store, reindexed with the server's unaccent and lower, queried alike.
            index_with_server_folding(folded.conn)
            textsearch.search_words = lambda text: server_search_words(folded.conn, text)
            theirs = {q: results(folded, q) for q in asked}
    finally:
        server.stop()
    print(
        f"{len(asked)} queries over {len(texts)} stories in 4 languages; "
        f"SQLite FTS5 finds {sum(len(r or ()) for r in reference.values())} hits in all"
    )
    for name, found in (("newsmon fold", mine), ("simple + unaccent", theirs)):
        same = [q for q in asked if found[q] == reference[q]]
        print(
            f"  {name:18s} same results as SQLite for {len(same)}/{len(asked)} = {len(same) / len(asked):.1%}"
        )
        for q in [q for q in asked if found[q] != reference[q]][:5]:
            print(
                f"      differs: {q!r}: SQLite {sorted(reference[q] or [])} vs {sorted(found[q] or [])}"
            )


if __name__ == "__main__":
    main()
