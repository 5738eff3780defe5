"""Translation quality: one report in several languages joins one story.

    .venv/bin/python benchmarks/quality_translations.py          # table rows
    .venv/bin/python benchmarks/quality_translations.py --pairs  # every cross-language pair, decided

The labelled set is tests/data/translations/ (README.md there): groups of one
report in two to four of en/hy/ru/az; the groups of one ``day`` are about one
topic on one day and are different events, so a text of one and a text of
another in another language is a near-miss pair. The days are split into a
tune half and a held-out half by a fixed rule (:func:`split_of`, decided
before any tuning); each half goes through the dedup and storage pipelines
over its own temporary database, in a shuffled order, and the story ids that
land there are compared with the groups over every pair of texts in
different languages:

- precision / recall of the pairs put in one story;
- near-miss pairs merged (target 0), groups whose texts all got one story.

The reference is newsmon before translations were linked: copies only, so no
cross-language pair is ever in one story (recall 0).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import tomllib
import zlib
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.quality_dedup import assign_stories  # noqa: E402
from benchmarks.quality_rows import row  # noqa: E402
from crawler.config import load_sources  # noqa: E402
from crawler.items import ArticleItem  # noqa: E402
from crawler.translations import decide, hours_between, signature  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "translations"
SEED = 13
PRECISION_TARGET = 0.97


def split_of(day: str) -> str:
    """``tune`` or ``held-out``: a fixed rule on the day's label, chosen before tuning."""
    return "tune" if zlib.crc32(day.encode("utf-8")) % 2 == 0 else "held-out"


def load_texts(data: Path = DATA) -> list[dict]:
    """Every text of the labelled set, with its ``group``, ``day``, ``split`` and a made-up ``url``."""
    texts = []
    for path in sorted(data.glob("set_*.toml")):
        for group in tomllib.loads(path.read_text("utf-8"))["group"]:
            for index, text in enumerate(group["text"]):
                texts.append(
                    {
                        **text,
                        "group": group["id"],
                        "day": group["day"],
                        "split": split_of(group["day"]),
                        "url": f"https://{text['source']}.example/{group['id']}/{index}",
                    }
                )
    return texts


def families() -> dict[str, str]:
    """``{source: family}`` of crawler/sources.toml."""
    return {source.name: source.family or source.name for source in load_sources()}


def items_of(texts: list[dict]) -> list[ArticleItem]:
    """One item per text, as the pipelines get it after extraction and dates."""
    family = families()
    items = []
    for text in texts:
        published = datetime.fromisoformat(text["published"])
        items.append(
            ArticleItem(
                url=text["url"],
                request_url=text["url"],
                source=text["source"],
                source_family=family.get(text["source"], text["source"]),
                title=text["title"],
                body="\n\n".join(line for line in text["body"].splitlines() if line.strip()),
                language=text["language"],
                published_raw=text["published"],
                published_at=published.astimezone(UTC).isoformat(),
                fetched_at=text["published"],
            )
        )
    return items


def score(texts: list[dict], story: dict[str, object]) -> dict:
    """Pairwise figures over the pairs of texts in different languages."""
    tp = fp = fn = near = near_merged = 0
    for a, b in itertools.combinations(texts, 2):
        if a["language"] == b["language"]:
            continue
        same_group = a["group"] == b["group"]
        same_story = story[a["url"]] == story[b["url"]]
        tp += same_group and same_story
        fp += same_story and not same_group
        fn += same_group and not same_story
        if not same_group and a["day"] == b["day"]:
            near += 1
            near_merged += same_story
    groups: dict[str, set] = {}
    for text in texts:
        groups.setdefault(text["group"], set()).add(story[text["url"]])
    return {
        "texts": len(texts),
        "groups": len(groups),
        "groups_joined": sum(len(stories) == 1 for stories in groups.values()),
        "pairs": tp + fn,
        "near_miss_pairs": near,
        "near_miss_merged": near_merged,
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
    }


def evaluate(split: str, seed: int = SEED) -> dict:
    """Figures of one split through the pipelines."""
    texts = [text for text in load_texts() if text["split"] == split]
    with tempfile.TemporaryDirectory() as tmp:
        story = assign_stories(items_of(texts), Path(tmp) / "translations.db", seed=seed)
    return score(texts, story)


def pairs(split: str | None = None) -> None:
    """Print the decision on every cross-language pair of one day (the tuning view)."""
    family = families()
    texts = [t for t in load_texts() if split is None or t["split"] == split]
    signed = {t["url"]: signature(t["title"], t["body"], t["language"]) for t in texts}
    for a, b in itertools.combinations(texts, 2):
        if a["language"] == b["language"] or a["day"] != b["day"]:
            continue
        d = decide(
            signed[a["url"]],
            signed[b["url"]],
            same_family=family.get(a["source"], a["source"])
            == family.get(b["source"], b["source"]),
            hours_apart=hours_between(a["published"], b["published"]),
        )
        label = "same" if a["group"] == b["group"] else "near"
        print(
            f"{label} {'LINK' if d.linked else '    '} shared={d.shared:5.1f} "
            f"agreement={d.agreement:.2f} conflict={d.conflict:.2f} "
            f"{a['group']}:{a['language']} {b['group']}:{b['language']}"
        )


def run() -> list[dict]:
    rows = []
    for split in ("tune", "held-out"):
        figures = evaluate(split)
        section = f"translations ({split}: {figures['groups']} groups, {figures['near_miss_pairs']} near-miss pairs)"
        rows += [
            row(
                section,
                "pair precision",
                figures["precision"],
                None,
                "copies only",
                PRECISION_TARGET,
            ),
            row(section, "pair recall", figures["recall"], 0.0, "copies only"),
            row(
                section,
                "groups whole in one story (share)",
                figures["groups_joined"] / figures["groups"],
                0.0,
                "copies only",
            ),
            row(
                section,
                "near-miss pairs merged",
                figures["near_miss_merged"],
                0,
                "copies only",
                0,
                higher=False,
            ),
        ]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--pairs", action="store_true", help="print every same-day cross-language pair"
    )
    parser.add_argument("--split", choices=["tune", "held-out"], help="only this half")
    args = parser.parse_args()
    if args.pairs:
        pairs(args.split)
        return
    for split in [args.split] if args.split else ["tune", "held-out"]:
        print(split, evaluate(split))


if __name__ == "__main__":
    main()
