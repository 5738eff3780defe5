"""Dedup quality: story grouping and URL keys on the labelled sets of tests/data/dedup/.

    .venv/bin/python benchmarks/quality_dedup.py

Stories: every page of the labelled set (outlet templates in four languages,
see tests/data/dedup/build.py) goes through the real extraction
(``crawler.extraction.extract_article``) and then the dedup and storage
pipelines over a temporary database, in a shuffled order; the story ids that
land in the database are compared with the labelled groups:

- copy groups merged: groups of two or more pages whose pages all got one
  story, shared with no other group;
- wrong merges: stories holding pages of more than one group (target 0);
- pairwise precision / recall over pairs of pages put in one story.

The reference is the grouping newsmon had before (identical normalised text
only), and, for the pairwise figures, datasketch's MinHashLSH at Jaccard 0.5
over the same shingles.

URL keys: tests/data/dedup/url_variants.json lists variants of one article
URL that must share a key, and URLs of different articles that must not; the
reference is w3lib's canonicalize_url alone.
"""

from __future__ import annotations

import itertools
import json
import random
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from datasketch import MinHash, MinHashLSH  # noqa: E402
from scrapy.exceptions import DropItem  # noqa: E402
from scrapy.utils.test import get_crawler  # noqa: E402
from w3lib.url import canonicalize_url as w3_canonicalize  # noqa: E402

from benchmarks.quality_rows import row  # noqa: E402
from crawler.extraction import extract_article  # noqa: E402
from crawler.fingerprint import content_hash, shingles  # noqa: E402
from crawler.items import ArticleItem  # noqa: E402
from crawler.store import open_store  # noqa: E402
from crawler.urls import canonicalize_url  # noqa: E402
from pipelines.dedup import DedupPipeline  # noqa: E402
from pipelines.storage import StoragePipeline  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "dedup"
SEED = 7


def load_pages(data: Path = DATA, listing: str = "labels.json") -> list[dict]:
    """The labelled pages (or, with ``history.json``, the earlier ones): entries with their ``html``."""
    labels = json.loads((data / listing).read_text("utf-8"))
    for page in labels:
        page["html"] = (data / "pages" / page["file"]).read_text("utf-8")
    return labels


def extract_items(pages: list[dict]) -> list[ArticleItem]:
    """One item per page, as the spider builds it from the extraction."""
    items = []
    for page in pages:
        article = extract_article(page["html"], page["url"], language_hint=page["language"])
        items.append(
            ArticleItem(
                url=page["url"],
                source=page["source"],
                title=article.title,
                body=article.body,
                request_url=page["url"],
                canonical_url=article.canonical_url,
                language=article.language,
                published_raw=article.published_raw,
                fetched_at="2023-05-01T00:00:00+00:00",
            )
        )
    return items


def assign_stories(
    items: list[ArticleItem],
    db_path: Path,
    *,
    history: list[ArticleItem] = (),
    seed: int = SEED,
    batch_size: int = 10,
) -> dict[str, int]:
    """Run ``history`` then the items (shuffled) through dedup and storage; story id per URL of ``items``."""
    crawler = get_crawler(
        settings_dict={
            "NEWSMON_DB": str(db_path),
            "NEWSMON_DB_BATCH_SIZE": batch_size,
            "NEWSMON_DB_BATCH_SECONDS": 3600,
        }
    )
    dedup, storage = DedupPipeline.from_crawler(crawler), StoragePipeline.from_crawler(crawler)
    dedup.open_spider()
    storage.open_spider()
    order = list(items)
    random.Random(seed).shuffle(order)
    try:
        for item in [*history, *order]:
            try:
                storage.process_item(dedup.process_item(item))
            except DropItem:
                pass
    finally:
        storage.close_spider()
        dedup.close_spider()
    wanted = {item.url for item in items}
    with open_store(db_path) as store:
        rows = store.article_stories()
    return {url: story for url, story in rows if url in wanted}


def score(pages: list[dict], predicted: dict[str, object]) -> dict:
    """Grouping figures of ``predicted`` (cluster label per URL) against the labelled groups."""
    group_of = {p["url"]: p["group"] for p in pages}
    clusters: dict[object, set[str]] = defaultdict(set)
    for url, label in predicted.items():
        clusters[label].add(group_of[url])
    members: dict[str, set[object]] = defaultdict(set)
    for url, label in predicted.items():
        members[group_of[url]].add(label)
    sizes = defaultdict(int)
    for p in pages:
        sizes[p["group"]] += 1
    copy_groups = [g for g, n in sizes.items() if n > 1]
    merged = [
        g for g in copy_groups if len(members[g]) == 1 and clusters[next(iter(members[g]))] == {g}
    ]
    exact = [g for g in sizes if len(members[g]) == 1 and clusters[next(iter(members[g]))] == {g}]
    wrong = [label for label, groups in clusters.items() if len(groups) > 1]
    tp = fp = fn = 0
    for a, b in itertools.combinations(predicted, 2):
        same_group, same_story = group_of[a] == group_of[b], predicted[a] == predicted[b]
        tp += same_group and same_story
        fp += same_story and not same_group
        fn += same_group and not same_story
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {
        "pages": len(predicted),
        "groups": len(sizes),
        "copy_groups": len(copy_groups),
        "copy_groups_merged": len(merged),
        "groups_exact": len(exact),
        "wrong_merges": len(wrong),
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "missed": sorted(set(copy_groups) - set(merged)),
        "mixed": sorted(sorted(groups) for groups in clusters.values() if len(groups) > 1),
    }


def exact_hash_clusters(items: list[ArticleItem]) -> dict[str, object]:
    """The grouping before near-duplicate detection: identical normalised text only."""
    return {item.url: content_hash(item.title, item.body) for item in items}


def minhash_lsh_clusters(items: list[ArticleItem], threshold: float = 0.5) -> dict[str, object]:
    """datasketch MinHashLSH at a Jaccard threshold, clusters by union-find."""
    lsh = MinHashLSH(threshold=threshold, num_perm=128)
    parent = {item.url: item.url for item in items}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for item in items:
        sig = MinHash(num_perm=128)
        sig.update_batch([s.to_bytes(4, "big") for s in shingles(item.body)])
        for other in lsh.query(sig):
            parent[find(other)] = find(item.url)
        lsh.insert(item.url, sig)
    return {url: find(url) for url in parent}


def url_figures(data: Path = DATA) -> dict:
    """Variant groups folded to one key / distinct articles kept apart, newsmon and w3lib."""
    spec = json.loads((data / "url_variants.json").read_text("utf-8"))
    out = {}
    for name, key in (
        ("newsmon", canonicalize_url),
        ("w3lib", lambda u: w3_canonicalize(u, keep_fragments=False)),
    ):
        folded = sum(len({key(u) for u in group}) == 1 for group in spec["same"])
        apart = sum(len({key(u) for u in group}) == len(group) for group in spec["different"])
        out[name] = (folded / len(spec["same"]), apart / len(spec["different"]))
    out["counts"] = (len(spec["same"]), len(spec["different"]))
    return out


def evaluate(seed: int = SEED, *, warm: bool = True) -> tuple[dict, list[dict], list[ArticleItem]]:
    """Figures of newsmon's story grouping on the labelled set (one shuffled order).

    ``warm``: each outlet's earlier articles (history.json) are stored first,
    as in a database that has been crawling for a while; cold, the labelled
    pages are the first the database sees of every outlet.
    """
    pages = load_pages()
    items = extract_items(pages)
    history = extract_items(load_pages(listing="history.json")) if warm else []
    with tempfile.TemporaryDirectory() as tmp:
        predicted = assign_stories(items, Path(tmp) / "dedup.db", history=history, seed=seed)
    # The groups here are copies in one language; a story may also hold the
    # same report in other languages (benchmarks/quality_translations.py
    # judges those links), so copies are judged within each language.
    language = {page["url"]: page["language"] for page in pages}
    return (
        score(pages, {url: (story, language[url]) for url, story in predicted.items()}),
        pages,
        items,
    )


def run() -> list[dict]:
    warm, pages, items = evaluate(warm=True)
    cold, _, _ = evaluate(warm=False)
    before = score(pages, exact_hash_clusters(items))
    lsh = score(pages, minhash_lsh_clusters(items))
    urls = url_figures()
    n = warm["copy_groups"]
    lsh_name = "datasketch MinHashLSH J>=0.5"

    rows = [
        row(
            "dedup",
            f"copy groups merged (of {n}; {warm['pages']} pages, {warm['groups']} groups)",
            warm["copy_groups_merged"] / n,
            before["copy_groups_merged"] / n,
            "exact text hash (before)",
            0.9,
        ),
        row(
            "dedup",
            "wrong merges (stories mixing groups)",
            warm["wrong_merges"],
            lsh["wrong_merges"],
            lsh_name,
            0.0,
            higher=False,
        ),
        row("dedup", "pairwise precision", warm["precision"], lsh["precision"], lsh_name, 0.99),
        row("dedup", "pairwise recall", warm["recall"], lsh["recall"], lsh_name, 0.9),
        row(
            "dedup",
            "copy groups merged, empty database (cold)",
            cold["copy_groups_merged"] / n,
            None,
            "",
            0.85,
        ),
        row(
            "dedup",
            "wrong merges, empty database (cold)",
            cold["wrong_merges"],
            None,
            "",
            0.0,
            higher=False,
        ),
        row(
            "dedup",
            f"URL variant groups folded to one key (of {urls['counts'][0]})",
            urls["newsmon"][0],
            urls["w3lib"][0],
            "w3lib canonicalize_url",
            1.0,
        ),
        row(
            "dedup",
            f"distinct article URLs kept apart (of {urls['counts'][1]})",
            urls["newsmon"][1],
            urls["w3lib"][1],
            "w3lib canonicalize_url",
            1.0,
        ),
    ]
    rows[0]["missed"], rows[1]["mixed"] = warm["missed"], warm["mixed"]
    return rows


def main() -> None:
    rows = run()
    for r in rows:
        ref = "" if r["reference"] is None else f"{r['reference_name']} {r['reference']:.3f}"
        print(f"{r['metric']:<62} newsmon {r['newsmon']:.3f}  target {r['target']:<5} {ref}")
    if rows[0]["missed"]:
        print("copy groups not merged:", ", ".join(rows[0]["missed"]))
    if rows[1]["mixed"]:
        print("stories mixing groups:", "; ".join("+".join(g) for g in rows[1]["mixed"]))


if __name__ == "__main__":
    main()
