"""Topic relevance: which configured topics an article is about.

A topic matches when the text mentions both one of its region anchors and
one of its topic terms (a lone "blockade" in a Gaza story is not a match).
Terms are regular expressions matched case-insensitively on word starts, so
inflected forms (``Лачинского``, ``Laçın dəhlizində``) match their stems.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from crawler.config import DEFAULT_TOPICS_FILE, ConfigError, load_toml


@dataclass(frozen=True)
class Topic:
    name: str
    description: str
    anchors: tuple[re.Pattern, ...]
    terms: tuple[re.Pattern, ...]
    search_terms: tuple[str, ...]


@dataclass(frozen=True)
class RelevanceResult:
    topics: list[str] = field(default_factory=list)
    terms: dict[str, list[str]] = field(default_factory=dict)
    score: float = 0.0

    @property
    def relevant(self) -> bool:
        return bool(self.topics)


@dataclass(frozen=True)
class TopicSet:
    path: Path
    topics: tuple[Topic, ...]

    @property
    def search_terms(self) -> list[str]:
        """Plain search phrases for APIs that take a query (WordPress search)."""
        return list(dict.fromkeys(t for topic in self.topics for t in topic.search_terms))

    def match(self, title: str | None, body: str | None) -> RelevanceResult:
        text = f"{title or ''}\n{body or ''}"
        found: dict[str, list[str]] = {}
        best = 0.0
        for topic in self.topics:
            anchors = sorted({m.group(0).lower() for p in topic.anchors for m in p.finditer(text)})
            terms = sorted({m.group(0).lower() for p in topic.terms for m in p.finditer(text)})
            if anchors and terms:
                found[topic.name] = anchors + terms
                best = max(best, float(len(anchors) + len(terms)))
        return RelevanceResult(topics=list(found), terms=found, score=best)


def _compile(path: Path, topic: str, key: str, values: object) -> tuple[re.Pattern, ...]:
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        raise ConfigError(f"{path}: topic {topic!r}: field {key!r} must be a list of strings")
    patterns = []
    for value in values:
        try:
            patterns.append(re.compile(r"(?<!\w)" + value + r"\w*", re.IGNORECASE))
        except re.error as exc:
            raise ConfigError(f"{path}: topic {topic!r}: field {key!r}: bad pattern {value!r}: {exc}") from None
    return tuple(patterns)


def load_topics(path: str | Path | None = None) -> TopicSet:
    """Load and validate a topics file (``crawler/topics.toml`` by default)."""
    path = Path(path) if path else DEFAULT_TOPICS_FILE
    data = load_toml(path)
    raw_topics = data.get("topic")
    if not isinstance(raw_topics, list) or not raw_topics:
        raise ConfigError(f"{path}: no [[topic]] entries")
    topics = []
    for index, raw in enumerate(raw_topics):
        name = raw.get("name") if isinstance(raw, dict) else None
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{path}: topic #{index + 1}: missing field 'name'")
        unknown = sorted(set(raw) - {"name", "description", "anchors", "terms", "search_terms"})
        if unknown:
            raise ConfigError(f"{path}: topic {name!r}: unknown key {unknown[0]!r}")
        topics.append(
            Topic(
                name=name,
                description=raw.get("description", ""),
                anchors=_compile(path, name, "anchors", raw.get("anchors")),
                terms=_compile(path, name, "terms", raw.get("terms")),
                search_terms=tuple(raw.get("search_terms", [])),
            )
        )
    return TopicSet(path=path, topics=tuple(topics))
