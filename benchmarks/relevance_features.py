"""Features of one text for one topic, for the learned-layer experiment
(``benchmarks/relevance_learned.py``).

The rules in ``topics.toml`` compute evidence (terms near anchors, the headline,
sentences carrying the topic, the text's time against the topic's period) and
sum it with hand-set weights. Here the same evidence, with the rules' own score
and verdict, the text's script and length and hashed word n-grams, becomes a
vector of named features for a logistic regression per topic to weigh. Written
in pure Python (no vocabulary: n-grams are buckets ``h<n>`` of a CRC-32) so that
a model trained on it could be scored at crawl time from plain JSON weights; the
experiment found no gain, so nothing in the crawler uses it.
"""

from __future__ import annotations

import math
import re
import zlib

from crawler.relevance import RelevanceResult, Topic, TopicSet, _Text
from crawler.texttime import YEAR_SLACK

__all__ = ["HASH_BITS", "text_features"]

HASH_BITS = 16
# A rule score beyond this adds nothing: the rules' threshold is 2 (or 1 for a short text).
_SCORE_CAP = 4.0
_WORD = re.compile(r"[^\W\d_]{2,}")
_ARMENIAN = re.compile(r"[\u0531-\u0587]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-z]")
# Letters only Azerbaijani writes among the four languages (before folding).
_AZERBAIJANI = re.compile(r"[əƏğĞışŞİ]")


def _bucket(token: str) -> str:
    return f"h{zlib.crc32(token.encode()) & ((1 << HASH_BITS) - 1)}"


def _ngrams(folded: str, title_end: int) -> dict[str, float]:
    """Hashed word unigrams and bigrams of the body, and unigrams of the title apart."""
    features: dict[str, float] = {}
    for word in _WORD.findall(folded[:title_end]):
        features[_bucket("t " + word)] = 1.0
    words = _WORD.findall(folded[title_end:])
    for word in words:
        features[_bucket(word)] = 1.0
    for first, second in zip(words, words[1:], strict=False):
        features[_bucket(first + " " + second)] = 1.0
    # Longer texts have more n-grams: scale so that every text's n-grams weigh alike.
    if features:
        scale = 1.0 / math.sqrt(len(features))
        features = {name: scale for name in features}
    return features


def _script(original: str) -> dict[str, float]:
    """Which of the four languages' scripts the text is written in (shares of its letters)."""
    letters = max(1, sum(ch.isalpha() for ch in original))
    latin = len(_LATIN.findall(original.lower()))
    return {
        "script hy": len(_ARMENIAN.findall(original)) / letters,
        "script ru": len(_CYRILLIC.findall(original)) / letters,
        "script az": float(latin > 0 and bool(_AZERBAIJANI.search(original))),
        "script latin": latin / letters,
    }


def _hits(topic: Topic, text: _Text) -> list[tuple[int, int, str, bool, bool]]:
    """(word, unit, kind, anchored, context) of every hit of the topic's patterns."""
    found = []
    for m in topic.regex.finditer(text.folded):
        index = topic.names_seen.get(m.group())
        if index is None:
            index = int(topic.which.fullmatch(m.group()).lastgroup[1:])
        found.append((m.start(), topic.patterns[index]))
    words, units = text.words_and_units([start for start, _ in found])
    return [
        (word, unit, pattern.kind, pattern.anchored, pattern.context)
        for word, unit, (_, pattern) in zip(words, units, found, strict=True)
    ]


def _time(topic: Topic, text: _Text) -> dict[str, float]:
    """The text's own date, its publication and the years it names, against the period."""
    if topic.period is None:
        return {}
    first, last = topic.period
    own, years, published = text.when()
    features: dict[str, float] = {}
    for name, month in (("own", own), ("published", published)):
        if month is None:
            features[f"{name} unknown"] = 1.0
        else:
            features[f"{name} before"] = float(month < first)
            features[f"{name} within"] = float(first <= month <= last)
            features[f"{name} after"] = float(month > last)
    features["years within"] = float(any(first[0] <= y <= last[0] for y in years))
    features["years long before"] = float(any(y < first[0] - YEAR_SLACK for y in years))
    features["years only long before"] = float(bool(years) and max(years) < first[0] - YEAR_SLACK)
    features["years after"] = float(any(y > last[0] for y in years))
    return features


def _evidence(topic: Topic, text: _Text) -> dict[str, float]:
    """Counts of the topic's hits by kind, where they stand, and how close to an anchor."""
    hits = _hits(topic, text)
    anchors = [word for word, _, kind, anchored, _ in hits if anchored and kind == "anchor"]
    anchor_units = {unit for _, unit, kind, anchored, _ in hits if anchored and kind == "anchor"}
    counts: dict[str, int] = {}
    strong_units: set[int] = set()
    near_units: set[int] = set()
    for word, unit, kind, anchored, context in hits:
        name = "context" if context and kind in ("term", "weak") else kind
        counts[name] = counts.get(name, 0) + 1
        if unit == 0:
            counts[f"title {name}"] = 1
        if kind == "term" and not context:
            strong_units.add(unit)
            if anchored or any(abs(word - other) <= topic.window for other in anchors):
                near_units.add(unit)
    features = {f"hits {name}": math.log1p(count) for name, count in counts.items()}
    units = text.unit_count()
    features["units strong"] = math.log1p(len(strong_units))
    features["units strong near anchor"] = math.log1p(len(near_units))
    features["units strong with anchor"] = math.log1p(len(strong_units & anchor_units))
    features["share of units strong"] = len(strong_units) / units
    features["lead strong"] = float(1 in strong_units)
    features["units"] = math.log1p(units)
    return features


def text_features(
    topics: TopicSet, result: RelevanceResult, title: str | None, body: str | None, published=None
) -> dict[str, dict[str, float]]:
    """Per topic name, the named features of one text (``result``: the rules' verdict on it)."""
    text = _Text(title, body, published)
    text.drop_asides()
    shared = {"bias": 1.0, **_script(text.original)}
    shared["words"] = math.log1p(text.folded.count(" ") + text.folded.count("\n"))
    shared.update(_ngrams(text.folded, text.title_end))
    out: dict[str, dict[str, float]] = {}
    for topic in topics.topics:
        score = result.scores.get(topic.name, 0.0)
        others = [s for name, s in result.scores.items() if name != topic.name]
        features = dict(shared)
        features["rule score"] = min(score, _SCORE_CAP) / _SCORE_CAP
        features["rule match"] = float(topic.name in result.topics)
        features["rule other score"] = min(max(others, default=0.0), _SCORE_CAP) / _SCORE_CAP
        features["rule other match"] = float(any(n != topic.name for n in result.topics))
        features.update(_evidence(topic, text))
        features.update(_time(topic, text))
        out[topic.name] = features
    return out
