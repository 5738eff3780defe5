"""Source configuration: loading and validating ``sources.toml``.

This module never imports Scrapy: the scheduler daemon reads sources too.
Every problem is raised as :class:`ConfigError` whose message names the file,
the entry and the field, so the command line can print it as one line.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from w3lib.url import canonicalize_url as w3_canonicalize_url

from crawler.durations import parse_duration
from crawler.firstcrawl import parse_first_window

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_SOURCES_FILE = PACKAGE_DIR / "sources.toml"
DEFAULT_TOPICS_FILE = PACKAGE_DIR / "topics.toml"
DISCOVERY_KINDS = ("feeds", "sitemaps", "wordpress")
"""How the spider finds articles (``--discovery``, a schedule job's ``discovery``)."""


class ConfigError(ValueError):
    """A configuration file is unreadable or invalid; the message is one line."""


@dataclass(frozen=True)
class Source:
    """One outlet and the places where it lists its articles."""

    name: str
    """Short unique key, e.g. ``"massispost"``; used on the command line."""
    url: str
    """Home page, ``http(s)://`` URL."""
    language: str
    """ISO 639-1 code of the outlet's main language (a hint only)."""
    timezone: str | None = None
    """IANA zone used to read local times on its pages, e.g. ``Asia/Yerevan``."""
    languages: tuple[str, ...] = ()
    """All languages the outlet publishes in (date parsing hints); defaults to ``language``."""
    feeds: tuple[str, ...] = ()
    """RSS 2.0 / RSS 1.0 / Atom feed URLs."""
    sitemaps: tuple[str, ...] = ()
    """Sitemap, sitemap index or Google News sitemap URLs (plain or gzipped)."""
    wordpress_api: str | None = None
    """Base URL of a WordPress site; ``/wp-json/wp/v2/posts`` is appended."""
    confirmed: bool = True
    """False when the listed URLs could not be checked against the live site."""
    notes: str = ""
    """Free text: where the URLs come from, what is known to fail."""
    enabled: bool = True
    """A disabled source is validated but never crawled."""
    allow_private: bool = False
    """Allow fetching addresses in private / loopback networks (tests, intranets)."""
    first_window: str | None = None
    """Window of this source's first crawl (``"90d"``, ``"none"``); None: ``NEWSMON_FIRST_WINDOW``."""
    family: str = ""
    """Outlet family: sources that are editions of one outlet in other languages
    (``tass`` and ``tass-en``) name one family; empty: the source's own name."""
    article_pattern: str | None = None
    """Regular expression an article's URL matches (``newsmon backfill`` keeps only those captures)."""
    archive_only: bool = False
    """The outlet is gone: ``crawl`` skips it, ``backfill`` reads it from web archives."""
    min_interval: timedelta | None = None
    """Adaptive polling never asks its feeds more often (None: the schedules file's default)."""
    max_interval: timedelta | None = None
    """... nor more seldom (None: the schedules file's default)."""

    @property
    def date_languages(self) -> list[str]:
        return list(self.languages or (self.language,))


_FIELDS: dict[str, tuple[type | tuple[type, ...], bool]] = {
    # key: (type, required)
    "name": (str, True),
    "url": (str, True),
    "language": (str, True),
    "timezone": (str, False),
    "languages": (list, False),
    "feeds": (list, False),
    "sitemaps": (list, False),
    "wordpress_api": (str, False),
    "confirmed": (bool, False),
    "notes": (str, False),
    "enabled": (bool, False),
    "allow_private": (bool, False),
    "first_window": (str, False),
    "family": (str, False),
    "article_pattern": (str, False),
    "archive_only": (bool, False),
    "min_interval": (str, False),
    "max_interval": (str, False),
}


def check_url(value: Any) -> str | None:
    """Return a problem description for ``value`` as an http(s) URL, or None.

    Everything the downloader would refuse later (a broken IPv6 literal, a
    port out of range, a space, a malformed host) is refused here, so that a
    bad URL is a configuration error and not a crawl that silently fetches
    nothing.
    """
    if not isinstance(value, str) or not value.strip():
        return "must be a non-empty string"
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in value):
        return f"{value!r} contains a space or a control character (write a space as %20)"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError as exc:
        return f"{value!r} is not a valid URL ({exc})"
    if parts.scheme not in ("http", "https"):
        return f"{value!r} is not an http(s) URL"
    if not parts.hostname:
        return f"{value!r} has no host"
    if problem := _host_problem(parts.hostname):
        return f"{value!r}: {problem}"
    return None


def _host_problem(host: str) -> str | None:
    if ":" in host:  # urlsplit already checked a bracketed IPv6 literal
        return None
    labels = host.removesuffix(".").split(".")
    for label in labels:
        if not label or len(label) > 63:
            return f"host {host!r} has an empty or over-long label"
        if label.startswith("-") or label.endswith("-"):
            return f"host {host!r} has a label starting or ending with '-'"
        # Letters of any script are allowed: internationalised hosts are
        # written in their own script and encoded by the downloader.
        if not all(c.isalnum() or c in "-_" for c in label):
            return f"host {host!r} contains a character not allowed in a host name"
    return None


def check_timezone(value: Any) -> str | None:
    """Return a problem description for ``value`` as an IANA time zone name, or None."""
    if not isinstance(value, str) or not value.strip():
        return "must be a time zone name such as 'Asia/Yerevan'"
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return f"unknown time zone {value!r} (expected an IANA name such as 'Asia/Yerevan')"
    return None


def check_language(value: Any) -> str | None:
    """Return a problem description for ``value`` as an ISO 639-1 code, or None."""
    if isinstance(value, str) and len(value) == 2 and value.isascii() and value.isalpha():
        if value.islower():
            return None
    return f"{value!r} is not an ISO 639-1 language code (two lower-case letters, e.g. 'hy')"


def parse_discovery(value: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """Discovery kinds from ``"feeds,sitemaps"`` or a list; empty means every kind.

    Raises ValueError naming the first unknown kind and the known ones.
    """
    if isinstance(value, str):
        value = value.split(",")
    kinds = [k.strip() for k in value or () if k.strip()]
    for kind in kinds:
        if kind not in DISCOVERY_KINDS:
            raise ValueError(f"unknown kind {kind!r} (known: {', '.join(DISCOVERY_KINDS)})")
    return tuple(dict.fromkeys(kinds)) or DISCOVERY_KINDS


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError(
            f"{path}: not UTF-8 text: byte 0x{data[exc.start]:02x} at line {line}, column "
            f"{column} (byte offset {exc.start}); save the file as UTF-8"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def load_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file, turning every failure into a one-line :class:`ConfigError`."""
    return _load_toml(Path(path))


def _validate_source(path: Path, index: int, raw: Any) -> Source:
    where = f"{path}: source #{index + 1}"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: must be a table ([[source]])")
    if isinstance(raw.get("name"), str):
        where = f"{path}: source {raw['name']!r}"
    unknown = sorted(set(raw) - set(_FIELDS))
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}")
    for key, (typ, required) in _FIELDS.items():
        if key not in raw:
            if required:
                raise ConfigError(f"{where}: missing field {key!r}")
            continue
        if not isinstance(raw[key], typ):
            raise ConfigError(f"{where}: field {key!r} must be of type {typ.__name__}")
    name = raw["name"].strip()
    for key in ("name", "family"):
        value = raw.get(key, name).strip()
        if not value or not all(c.isalnum() or c in "-_." for c in value):
            raise ConfigError(f"{where}: field {key!r} must be letters, digits, '-', '_' or '.'")
    for key in ("url", "wordpress_api"):
        if key in raw and (problem := check_url(raw[key])):
            raise ConfigError(f"{where}: field {key!r}: {problem}")
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("feeds", "sitemaps"):
        items = raw.get(key, [])
        for item in items:
            if problem := check_url(item):
                raise ConfigError(f"{where}: field {key!r}: {problem}")
        lists[key] = tuple(items)
    language = raw["language"]
    languages = raw.get("languages", [])
    for lang in [language, *languages]:
        if problem := check_language(lang):
            raise ConfigError(f"{where}: {problem}")
    timezone = raw.get("timezone")
    if timezone is not None and (problem := check_timezone(timezone)):
        raise ConfigError(f"{where}: field 'timezone': {problem}")
    if "first_window" in raw:
        try:
            parse_first_window(raw["first_window"])
        except ValueError as exc:
            raise ConfigError(f"{where}: field 'first_window': {exc}") from None
    if "article_pattern" in raw:
        try:
            re.compile(raw["article_pattern"])
        except re.error as exc:
            raise ConfigError(
                f"{where}: field 'article_pattern': not a regular expression ({exc})"
            ) from None
    intervals = {}
    for key in ("min_interval", "max_interval"):
        if key in raw:
            try:
                intervals[key] = parse_duration(raw[key])
            except ValueError as exc:
                raise ConfigError(f"{where}: field {key!r}: {exc}") from None
    if len(intervals) == 2 and intervals["min_interval"] > intervals["max_interval"]:
        raise ConfigError(
            f"{where}: field 'min_interval': longer than max_interval ({raw['max_interval']})"
        )
    if not (
        lists["feeds"] or lists["sitemaps"] or raw.get("wordpress_api") or raw.get("archive_only")
    ):
        raise ConfigError(
            f"{where}: needs at least one of 'feeds', 'sitemaps', 'wordpress_api' (or archive_only = true)"
        )
    return Source(
        name=name,
        url=raw["url"],
        language=language,
        timezone=timezone,
        languages=tuple(languages),
        feeds=lists["feeds"],
        sitemaps=lists["sitemaps"],
        wordpress_api=raw.get("wordpress_api"),
        confirmed=raw.get("confirmed", True),
        notes=raw.get("notes", ""),
        enabled=raw.get("enabled", True),
        allow_private=raw.get("allow_private", False),
        first_window=raw.get("first_window"),
        family=raw.get("family", "").strip(),
        article_pattern=raw.get("article_pattern"),
        archive_only=raw.get("archive_only", False),
        **intervals,
    )


@dataclass(frozen=True)
class SourceSet:
    """All sources of one file, in file order."""

    path: Path
    sources: tuple[Source, ...] = field(default_factory=tuple)

    def __iter__(self):
        return iter(self.sources)

    def __len__(self) -> int:
        return len(self.sources)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.sources]

    def get(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(name)

    def select(
        self, names: list[str] | tuple[str, ...] | None, *, archives: bool = False
    ) -> list[Source]:
        """The named sources (all enabled ones when ``names`` is empty).

        A live crawl (``archives`` false) leaves ``archive_only`` sources out
        unless they are named; a backfill takes every enabled source.
        Raises :class:`ConfigError` naming the first unknown source.
        """
        if not names:
            return [s for s in self.sources if s.enabled and (archives or not s.archive_only)]
        known = {s.name: s for s in self.sources}
        for name in names:
            if name not in known:
                raise ConfigError(
                    f"unknown source {name!r} (not in {self.path}); known: {', '.join(known)}"
                )
        return [known[n] for n in dict.fromkeys(names)]


def load_sources(path: str | Path | None = None) -> SourceSet:
    """Load and validate a sources file (``crawler/sources.toml`` by default)."""
    path = Path(path) if path else DEFAULT_SOURCES_FILE
    data = _load_toml(path)
    unknown = sorted(set(data) - {"source"})
    if unknown:
        raise ConfigError(f"{path}: unknown top-level key {unknown[0]!r} (expected [[source]])")
    raw_sources = data.get("source")
    if not isinstance(raw_sources, list) or not raw_sources:
        raise ConfigError(f"{path}: no [[source]] entries")
    sources: list[Source] = []
    seen: set[str] = set()
    listed: dict[str, tuple[str, str]] = {}
    for index, raw in enumerate(raw_sources):
        source = _validate_source(path, index, raw)
        if source.name in seen:
            raise ConfigError(f"{path}: source {source.name!r}: duplicate name")
        seen.add(source.name)
        if source.enabled:
            _check_shared_urls(path, source, listed)
        sources.append(source)
    return SourceSet(path=path, sources=tuple(sources))


def _check_shared_urls(path: Path, source: Source, listed: dict[str, tuple[str, str]]) -> None:
    """Refuse a feed, sitemap or WordPress API that an earlier source lists too.

    The crawler fetches a URL once per run (Scrapy's duplicate filter keys on
    the canonical URL, as here), so the second source would silently get
    nothing; ``listed`` maps those keys to the (source, field) seen first.
    Disabled sources are left out: an outlet's old entry may be kept disabled
    beside the new one that took over its feeds.
    """
    fields = [("feeds", u) for u in source.feeds] + [("sitemaps", u) for u in source.sitemaps]
    if source.wordpress_api:
        fields.append(("wordpress_api", source.wordpress_api))
    for key, url in fields:
        canonical = w3_canonicalize_url(url)
        first = listed.setdefault(canonical, (source.name, key))
        if first[0] != source.name:
            raise ConfigError(
                f"{path}: source {source.name!r}: field {key!r}: {url!r} is listed by source "
                f"{first[0]!r} too ({first[1]}); a URL is crawled once per run, so it would "
                "give this source nothing: list it under one source only"
            )
