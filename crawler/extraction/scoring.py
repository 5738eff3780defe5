"""How a body extraction is scored against a hand-checked body.

The article-extraction benchmark's method, as ``shared/data/README.md``
states it: ``\\w+`` tokens, 4-token shingles, true / false positives and
false negatives as the multiset overlap of the shingles, the three counts
normalised per page so they sum to 1, precision and recall as means over
pages, F1 from the two means.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

_TOKEN = re.compile(r"\w+")
SHINGLE = 4


@dataclass(frozen=True)
class Page:
    """One page of a body data set: the saved HTML and the body a person would read."""

    id: str
    url: str
    html: bytes
    body: str


@dataclass(frozen=True)
class Score:
    """Precision, recall (means over pages) and F1 of the means."""

    precision: float
    recall: float
    pages: int

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def shingles(text: str | None, size: int = SHINGLE) -> Counter:
    """Multiset of ``size``-token shingles of ``\\w+`` tokens (as written: case kept)."""
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + size]) for i in range(max(0, len(tokens) - size + 1)))


def page_score(true: str, predicted: str | None) -> tuple[float, float]:
    """``(precision, recall)`` of one page, from counts normalised to sum to 1."""
    expected, got = shingles(true), shingles(predicted)
    tp = sum((expected & got).values())
    fp = sum(got.values()) - tp
    fn = sum(expected.values()) - tp
    total = tp + fp + fn
    if total == 0:
        return 1.0, 1.0
    tp, fp, fn = tp / total, fp / total, fn / total
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall


def score(pairs: list[tuple[str, str | None]]) -> Score:
    """Score ``(true body, predicted body)`` pairs, one per page."""
    if not pairs:
        return Score(0.0, 0.0, 0)
    results = [page_score(true, predicted) for true, predicted in pairs]
    precision = sum(p for p, _ in results) / len(results)
    recall = sum(r for _, r in results) / len(results)
    return Score(precision, recall, len(results))


def load_pages(folder: Path) -> Iterator[Page]:
    """Pages of an ``articles-dev``-style folder: ``<id>.html.gz`` and ``ground-truth.json``."""
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    for page_id in sorted(truth):
        entry = truth[page_id]
        html = gzip.decompress((folder / f"{page_id}.html.gz").read_bytes())
        yield Page(page_id, entry["url"], html, entry["articleBody"])


def evaluate(extract: Callable[[bytes, str], str | None], pages: list[Page]) -> Score:
    """Score ``extract(html, url) -> body`` on ``pages``."""
    return score([(page.body, extract(page.html, page.url)) for page in pages])
