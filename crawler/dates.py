"""Date normalisation: a raw date string to an aware UTC datetime.

Explicit offsets win; local times are read in the source's time zone;
relative forms (``2 hours ago``, ``2 ժամ առաջ``, ``2 часа назад``,
``2 saat əvvəl``, ``dünən``) are resolved against the fetch time.

Three readers are tried from the cheapest: ISO 8601 and RFC 822 (feeds,
structured data), then a multilingual grammar of the usual news-page forms
(``12 января 2023, 14:05``, ``հունվարի 12, 2023``, ``1. Februar 2022``,
``12.01.2023 14:05``) whose month names come from dateparser's locale data,
and dateparser itself, always with the source's languages (its language
auto-detection is slow), for whatever is left (relative forms, weekday-only
strings, unusual orders). The grammar is also what the extraction side uses to
find dates in a page's visible text (``find_date_mentions``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from datetime import tzinfo as TzInfo
from email.utils import parsedate_to_datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateparser import DateDataParser

# Languages whose month names the grammar knows. The project's four first, then
# the major European ones that news pages quote. A token that names different
# months in two of these languages is dropped (see _month_table).
GRAMMAR_LANGUAGES = ("en", "hy", "ru", "az", "de", "fr", "es", "it", "pt", "nl", "uk", "pl", "tr")

# Languages read month-first in ``01/02/2023`` (otherwise day-first).
MONTH_FIRST_LANGUAGES = frozenset({"en"})
# Where English is written month first too; the rest of the world writes day first.
MONTH_FIRST_COUNTRIES = frozenset({"us", "ph", "fm", "mh", "pw"})
_DAY_FIRST_ZONES = ("Europe/", "Asia/", "Africa/", "Australia/", "Indian/", "Atlantic/")


def day_first_in_country(country: str | None) -> bool | None:
    """Whether ``01/02/2023`` is 1 February in a country (ISO 3166 alpha-2), None if unknown."""
    if not country or len(country) != 2 or not country.isalpha():
        return None
    return country.lower() not in MONTH_FIRST_COUNTRIES


def day_first_in_zone(zone: str | None) -> bool | None:
    """Whether a source in IANA ``zone`` writes ``01/02/2023`` day first; None for the
    Americas and the Pacific, where it depends on the country (the language decides)."""
    if zone and zone.startswith(_DAY_FIRST_ZONES) and zone != "Asia/Manila":
        return True
    return None


def numeric_order(page_day_first: bool | None, zone: str | None) -> bool | None:
    """How to read ``01/02/2023`` on a page: as the page's country says, else as the
    source's zone says, else None (the language decides)."""
    return page_day_first if page_day_first is not None else day_first_in_zone(zone)


# Unambiguous zone abbreviations seen on news pages (IST, CST-China etc. are not).
_ZONE_ABBREVIATIONS = {
    "UTC": 0, "GMT": 0, "UT": 0, "Z": 0, "WET": 0, "BST": 1, "CET": 1, "CEST": 2, "EET": 2,
    "EEST": 3, "MSK": 3, "AMT": 4, "AZT": 4, "GET": 4, "EST": -5, "EDT": -4, "CDT": -5,
    "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
}  # fmt: skip

# Azerbaijani forms dateparser 1.5 lacks, rewritten into ones it has ("əvvəl"
# and "öncə" both mean "ago"; "bugün" is the one-word spelling of "bu gün").
_AZ_REWRITES = (
    (re.compile(r"(?<!\w)əvvəl(?!\w)", re.IGNORECASE), "öncə"),
    (re.compile(r"(?<!\w)bugün(?!\w)", re.IGNORECASE), "bu gün"),
    (re.compile(r"(?<!\w)dəq\.", re.IGNORECASE), "dəqiqə"),
)

_ISO_RE = re.compile(
    r"(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)([.,]\d+)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?|UTC|GMT)?"
)
_RFC822_RE = re.compile(
    r"(?:[A-Za-z]{3},?\s+)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?"
    r"\s*(?:[+-]\d{4}|UT|UTC|GMT|Z|[ECMP][SD]T)?"
)

# C's asctime / Unix date(1), seen in some CMS meta tags: "Tue Jan 28 15:28:56 CET 2020".
_CTIME_RE = re.compile(
    r"(?:[A-Za-z]{3},?\s+)?([A-Za-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s+(?:([A-Z]{1,5}|[+-]\d{4})\s+)?(\d{4})"
)


@dataclass(frozen=True)
class DateMention:
    """A date written in running text: where it is, what it says, when it is (naive or aware)."""

    start: int
    end: int
    raw: str
    value: datetime


# --- the grammar ------------------------------------------------------------------


@lru_cache(maxsize=1)
def _month_table() -> dict[str, int]:
    """Month name or abbreviation (lower case, no trailing dot) -> month number."""
    from dateparser.languages.loader import default_loader

    names = (
        "january", "february", "march", "april", "may", "june",
        "july", "august", "september", "october", "november", "december",
    )  # fmt: skip
    table: dict[str, int] = {}
    clashes: set[str] = set()
    for language in GRAMMAR_LANGUAGES:
        info = default_loader.get_locale(language).info
        for number, name in enumerate(names, start=1):
            for token in info.get(name, []):
                token = token.lower().rstrip(".")
                # One-letter tokens and ones already used for another month are noise.
                if len(token) < 3 or token in clashes:
                    continue
                if table.get(token, number) != number:
                    clashes.add(token)
                    del table[token]
                    continue
                table[token] = number
                # "i̇yun" (with a combining dot) is also written "iyun".
                table.setdefault(token.replace("\u0307", ""), number)
    return table


_TIME = r"(?P<{p}H>\d{{1,2}}):(?P<{p}M>\d{{2}})(?::(?P<{p}S>\d{{2}}))?(?:\s*(?P<{p}ap>[ap])\.?\s?m\b\.?)?"
_ZONE = (
    r"(?:\s*(?P<tz>(?:UTC|GMT)\s?[+-]\d{1,2}(?::?\d{2})?|[+-]\d{2}:?\d{2}|(?-i:[A-Z]{2,4}))(?!\w))?"
)


@lru_cache(maxsize=1)
def _grammar() -> re.Pattern:
    months = "|".join(sorted((re.escape(m) for m in _month_table()), key=len, reverse=True))
    mon = r"(?P<mon{n}>" + months + r")(?!\w)\.?"
    day_suffix = r"(?:st|nd|rd|th|er|-?(?:ci|cı|cu|cü|го|е|ը|ին))?"
    dates = [
        rf"(?P<d1>\d{{1,2}}){day_suffix}(?:\.\s*|\s+|\s*[-/]\s*){mon.format(n=1)}[\s,/-]*(?P<y1>\d{{4}})",
        rf"{mon.format(n=2)}\s*(?P<d2>\d{{1,2}}){day_suffix},?\s+(?P<y2>\d{{4}})",
        rf"(?P<y3>\d{{4}})(?:\s*թ\.|\s*г\.|\s*-?ci il)?,?\s+{mon.format(n=3)}\s+(?P<d3>\d{{1,2}})",
        r"(?P<y4>\d{4})-(?P<m4>\d{1,2})-(?P<d4>\d{1,2})(?!\d)",
        r"(?P<y5>\d{4})/(?P<m5>\d{1,2})/(?P<d5>\d{1,2})(?!\d)",
        r"(?P<d6>\d{1,2})\.\s?(?P<m6>\d{1,2})\.\s?(?P<y6>\d{4})",
        # "1 / 12 / 2020" is how some right-to-left pages space it.
        r"(?P<a7>\d{1,2})\s?[/-]\s?(?P<b7>\d{1,2})\s?[/-]\s?(?P<y7>\d{4})",
    ]
    before = rf"(?:{_TIME.format(p='t1')}\s*(?:[,|·•/–-]\s*)?)?"
    after = rf"(?:\s*(?:,|\bat\b|\bum\b|\bв\b|\bà\b|\ba las\b|[|·•/–-]|թ\.,?|г\.,?)?\s*{_TIME.format(p='t2')}(?:\s*Uhr)?{_ZONE})?"
    pattern = rf"(?<![\w.:/-]){before}(?:{'|'.join(dates)})(?!\w){after}"
    return re.compile(pattern, re.IGNORECASE)


def _mention_value(m: re.Match, month_first: bool) -> datetime | None:
    g = m.groupdict()
    table = _month_table()
    name = g["mon1"] or g["mon2"] or g["mon3"]
    if name:
        name = name.lower().rstrip(".")
        month = table.get(name) or table.get(name.replace("\u0307", ""))
        day = g["d1"] or g["d2"] or g["d3"]
        year = g["y1"] or g["y2"] or g["y3"]
    elif g["y4"] or g["y5"] or g["y6"]:
        year = g["y4"] or g["y5"] or g["y6"]
        month = g["m4"] or g["m5"] or g["m6"]
        day = g["d4"] or g["d5"] or g["d6"]
    else:
        a, b, year = int(g["a7"]), int(g["b7"]), g["y7"]
        if (month_first and a <= 12) or b > 12:
            month, day = a, b
        else:
            month, day = b, a
    hour = g["t1H"] or g["t2H"]
    minute = g["t1M"] or g["t2M"]
    second = g["t1S"] or g["t2S"]
    ampm = (g["t1ap"] or g["t2ap"] or "").lower()
    try:
        h = int(hour) if hour else 0
        if ampm == "p" and h < 12:
            h += 12
        elif ampm == "a" and h == 12:
            h = 0
        value = datetime(int(year), int(month), int(day), h, int(minute or 0), int(second or 0))
    except (TypeError, ValueError):
        return None
    zone = _zone_from_text(g["tz"]) if g["tz"] else None
    return value.replace(tzinfo=zone) if zone else value


def _zone_from_text(text: str) -> TzInfo | None:
    text = text.strip().upper()
    if text in _ZONE_ABBREVIATIONS:
        return timezone(timedelta(hours=_ZONE_ABBREVIATIONS[text]))
    m = re.fullmatch(r"(?:UTC|GMT)?\s?([+-])(\d{1,2}):?(\d{2})?", text)
    if not m:
        return None
    sign = -1 if m.group(1) == "-" else 1
    return timezone(sign * timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0)))


def find_date_mentions(
    text: str,
    languages: list[str] | tuple[str, ...] | None = None,
    day_first: bool | None = None,
) -> list[DateMention]:
    """Dates written in ``text`` with a day, a month and a year, in order of appearance.

    Month names of every language in ``GRAMMAR_LANGUAGES`` are understood;
    ``01/02/2023`` is read day first when ``day_first`` says so, month first when it
    is False, and by the first of ``languages`` when it is None (month first for English).
    """
    if day_first is None:
        month_first = bool(languages) and languages[0] in MONTH_FIRST_LANGUAGES
    else:
        month_first = not day_first
    mentions = []
    for m in _grammar().finditer(text):
        value = _mention_value(m, month_first)
        if value is not None:
            raw = m.group(0).strip()
            mentions.append(DateMention(m.start(), m.end(), raw, value))
    return mentions


# --- parsing ----------------------------------------------------------------------


def _read_iso(raw: str) -> datetime | None:
    m = _ISO_RE.fullmatch(raw)
    if not m:
        return None
    day, clock, fraction, zone = m.groups()
    text = day + (f"T{clock}" if clock else "")
    if fraction:
        text += "." + fraction[1:7].ljust(6, "0")
    if zone:
        text += "+00:00" if zone.upper() in ("Z", "UTC", "GMT") else zone
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _read_rfc822(raw: str) -> datetime | None:
    if not _RFC822_RE.fullmatch(raw):
        return None
    try:
        value = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    # "-0000" means "zone unknown": parsedate_to_datetime returns it naive.
    return value


def _read_ctime(raw: str) -> datetime | None:
    m = _CTIME_RE.fullmatch(raw)
    if not m:
        return None
    name, day, hour, minute, second, zone, year = m.groups()
    month = _month_table().get(name.lower())
    try:
        value = datetime(int(year), month or 0, int(day), int(hour), int(minute), int(second or 0))
    except ValueError:
        return None
    tz = _zone_from_text(zone) if zone else None
    return value.replace(tzinfo=tz) if tz else value


def _read_grammar(raw: str, languages: tuple[str, ...], day_first: bool | None) -> datetime | None:
    mentions = find_date_mentions(raw, languages, day_first)
    if len(mentions) != 1:
        return None
    mention = mentions[0]
    rest = raw[: mention.start] + raw[mention.end :]
    # Leftover digits mean a form the grammar does not fully understand
    # ("12.01.2023, 2 days ago", a second clock): let dateparser decide.
    if re.search(r"\d", rest):
        return None
    value = mention.value
    if value.tzinfo is None:
        for word in re.findall(r"\b[A-Z]{2,4}\b", rest):
            if word in _ZONE_ABBREVIATIONS:
                value = value.replace(tzinfo=_zone_from_text(word))
                break
    return value


@lru_cache(maxsize=64)
def _dateparser(
    languages: tuple[str, ...], zone: str, base: datetime | None, day_first: bool | None
) -> DateDataParser:
    settings = {
        "TIMEZONE": zone,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "past",
        # A publication date needs a day ("January 2023" is not one); a missing
        # year is the latest one that puts the date in the past.
        "REQUIRE_PARTS": ["day", "month"],
    }
    if base is not None:
        settings["RELATIVE_BASE"] = base
    if day_first is not None:
        settings["DATE_ORDER"] = "DMY" if day_first else "MDY"
    return DateDataParser(languages=list(languages), settings=settings)


def _read_dateparser(
    raw: str,
    languages: tuple[str, ...],
    zone: str,
    now: datetime | None,
    day_first: bool | None = None,
) -> datetime | None:
    if "az" in languages:
        for pattern, replacement in _AZ_REWRITES:
            raw = pattern.sub(replacement, raw)
    # English last: feeds and CMS meta tags often speak it whatever the page's language.
    if "en" not in languages:
        languages = (*languages, "en")
    # Relative forms count from the fetch time as the source's clock shows it.
    base = now.astimezone(ZoneInfo(zone)).replace(tzinfo=None) if now is not None else None
    try:
        return _dateparser(languages, zone, base, day_first).get_date_data(raw).date_obj
    except (ValueError, TypeError, OverflowError):
        return None


@lru_cache(maxsize=8192)
def _read_fixed(raw: str, languages: tuple[str, ...], day_first: bool | None) -> datetime | None:
    """The readers that need no clock: their answers are cached."""
    return (
        _read_iso(raw)
        or _read_rfc822(raw)
        or _read_ctime(raw)
        or _read_grammar(raw, languages, day_first)
    )


@lru_cache(maxsize=4096)
def _read_relative(
    raw: str,
    languages: tuple[str, ...],
    zone: str,
    now: datetime | None,
    day_first: bool | None = None,
) -> datetime | None:
    """dateparser's answer for one fetch time (a crawl's spider uses one for all its feeds)."""
    return _read_dateparser(raw, languages, zone, now, day_first)


def _parse(
    raw: str, zone: str, languages: tuple[str, ...], now: datetime | None, day_first: bool | None
) -> datetime | None:
    value = _read_fixed(raw, languages, day_first)
    if value is None:
        # Without a fetch time the answer follows the wall clock: nothing to cache.
        reader = _read_relative if now is not None else _read_dateparser
        value = reader(raw, languages, zone, now, day_first)
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    return value


def parse_date_as_written(
    raw: str | None,
    *,
    timezone: str | None = None,
    languages: list[str] | tuple[str, ...] | None = None,
    now: datetime | None = None,
    day_first: bool | None = None,
) -> datetime | None:
    """Parse ``raw`` into an aware datetime in the offset it states (else the source's zone).

    Its ``.date()`` is the calendar day the page shows. None when ``raw`` is not a date.
    ``day_first`` orders ``01/02/2023`` (see ``find_date_mentions``).
    """
    if raw is None:
        return None
    text = " ".join(str(raw).split())
    if not text or len(text) > 200:
        return None
    # dateparser is never left to guess the language: it is slow and often wrong.
    langs = tuple(languages) if languages else ("en",)
    return _parse(text, timezone or "UTC", langs, now, day_first)


def parse_date(
    raw: str | None,
    *,
    timezone: str | None = None,
    languages: list[str] | tuple[str, ...] | None = None,
    now: datetime | None = None,
    day_first: bool | None = None,
) -> datetime | None:
    """Parse ``raw`` into an aware UTC datetime, or None when it is not a date.

    ``timezone`` (IANA) reads times without an offset; ``languages`` (ISO 639-1)
    are the source's; ``now`` (aware) resolves relative forms (default: the
    wall clock, at dateparser's discretion); ``day_first`` orders ``01/02/2023``
    (None: the first language decides).
    """
    value = parse_date_as_written(
        raw, timezone=timezone, languages=languages, now=now, day_first=day_first
    )
    return value.astimezone(UTC) if value is not None else None


EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
"""Dates before this are taken for misreadings (copyright lines, founding years)."""


# Kinds of publication-date evidence, strongest first. A page's own statement
# about itself (structured data, meta tags, a <time> element, the dateline by
# the headline, the date in its URL) beats the feed / sitemap / API date; the
# page's weak guesses (a date in an element marked as one but far from the
# headline, a date inside the text, a year alone, htmldate's fallback) come
# after it and never override it.
STRONG_KINDS = ("structured", "meta", "time", "dateline", "url")
WEAK_KINDS = ("far", "text", "year", "htmldate")


def is_weak(kind: str | None) -> bool:
    """Whether a page date of ``kind`` is a guess that a feed / sitemap / API date overrides.

    An unknown kind (an item built without one) counts as the page's own statement."""
    return kind in WEAK_KINDS


_CLOCK = re.compile(r"\d{1,2}:\d{2}|\d{1,2}\s*[ap]\.?\s?m\b|\bT\d{2}", re.IGNORECASE)


def states_time(raw: str | None) -> bool:
    """Whether ``raw`` gives a time of day, not only a day (``12 Jan 2023, 14:05`` vs ``2023-01-12``)."""
    return bool(raw and _CLOCK.search(raw))


def implausibility(value: datetime, *, now: datetime, max_future: timedelta) -> str | None:
    """Why ``value`` cannot be a publication instant fetched at ``now``: ``future``, ``too_old``, or None."""
    if value > now + max_future:
        return "future"
    if value < EARLIEST:
        return "too_old"
    return None


def to_iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with seconds: ``2023-01-12T10:05:00+00:00``."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(microsecond=0).isoformat()
