"""Copies of one report in other languages: a signature that survives translation, and the decision.

A translation shares almost no words with its original, but it keeps what a
translator may not change: the figures, the dates and times, and the names of
the people and places. :func:`signature` reads those from a text in English,
Armenian, Russian or Azerbaijani into keys that do not depend on the language:

- ``n:1200`` a number (``1,200`` / ``1 200`` / ``1.200`` are 1200; ``1,2`` and
  ``1.2`` are 1.2; an ordinal's suffix is dropped); ``y:2020`` a year;
- ``d:01-12`` a day of a month ("January 12", "12 января", "հունվարի 12-ին",
  "yanvarın 12-də"); ``t:14:20`` a time of day;
- ``p:STPNKRT`` a proper name as a consonant skeleton of its Latin
  transliteration (:func:`name_key`), so that Stepanakert, Степанакерта and
  Ստեփանակերտում, or Pashinyan, Пашиняна and Փաշինյանը, meet; the vowels, the
  spelling of sibilants and velars and the case endings are what
  transliterations disagree on, and they are left out or matched by prefix.
  Names that have a different form in another language (Hayastan, Khankendi)
  are written as their other form (``ALIASES``).

:func:`decide` links two texts of different languages published close in time
when most of what either signature says is found in the other one and enough
of it is specific: wrong links are worse than misses, so common names
(the countries and places every story of the topic names) count for little,
and a text whose figures the other contradicts is not its translation.

This module is pure: no database, no Scrapy. :mod:`crawler.stories` keeps the
index and the links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from crawler.namekeys import COMMON_NAMES, name_key, names_match, not_a_name

_LIST_ITEM = re.compile(r"^\s*[-•*]\s")

LANGUAGES = ("en", "hy", "ru", "az")
"""Languages whose texts are signed (the others get an empty signature)."""

WINDOW_HOURS = 36.0
"""Two texts published further apart than this are not linked."""
MIN_SHARED = 4.0
"""Weight the two signatures must share (see the weights in :func:`signature`):
a strong figure and a specific name, or a date and two specific names."""
MIN_SHARED_WEAK = 3.0
"""Least shared weight of a short text's link, which needs ``MIN_AGREEMENT_WEAK``."""
MIN_AGREEMENT = 0.6
"""Agreement of the two signatures: shared weight over their mean weight
(Dice), so that a poor signature fully found in a rich text on the same
subject (a date and two places) is not taken for its translation."""
MIN_AGREEMENT_WEAK = 0.75
"""Agreement needed when less than ``MIN_SHARED`` is shared."""
STRONG_SHARED = 6.0
"""Shared weight from which ``MIN_AGREEMENT_STRONG`` is enough: two texts
sharing several specific names and figures are one report even when one
telling has more detail than the other."""
MIN_AGREEMENT_STRONG = 0.5
OTHER_FAMILY_MARGIN = 0.1
"""Added to the agreement needed between outlets of different families (a
translation is most often published by the same agency in its other editions)."""
MAX_CONFLICT = 0.34
"""Share of the strong figures of either text the other lacks while it states
figures of its own: beyond this the texts report different facts."""


# --------------------------------------------------------------------------
# Figures, dates and times
# --------------------------------------------------------------------------

_MONTHS = {
    "en": "january february march april may june july august september october november december",
    "ru": "январ феврал март апрел ма июн июл август сентябр октябр ноябр декабр",
    "hy": "հունվար փետրվար մարտ ապրիլ մայիս հունիս հուլիս օգոստոս սեպտեմբեր հոկտեմբեր նոյեմբեր դեկտեմբեր",
    "az": "yanvar fevral mart aprel may iyun iyul avqust sentyabr oktyabr noyabr dekabr",
}
_MONTH_STEMS = {
    language: [(stem, index + 1) for index, stem in enumerate(stems.split())]
    for language, stems in _MONTHS.items()
}
_ENGLISH_ABBREVIATIONS = {name[:3]: index + 1 for index, name in enumerate(_MONTHS["en"].split())}
# Russian "ма" (мая, май) must be the whole word less its ending.
_RUSSIAN_MAY = re.compile(r"^ма[йяюе]$")

_TOKEN = re.compile(
    r"(?P<time>\b\d{1,2}:\d{2}\b)"
    r"|(?P<clock>\b\d{1,2}\s?[ap]\.\s?m\.)"
    r"|(?P<number>\d{1,3}(?:(?:[ \u00a0\u202f.,])\d{3})+(?:[.,]\d+)?(?!\d)|\d+(?:[.,]\d+)?)"
    r"|(?P<word>[^\W\d_]+(?:-[^\W\d_]+)*)"
    r"|(?P<stop>[.!?։:;]\s|[\n«»\"“”„]|\s[—–-]\s)",
    re.UNICODE,
)


def month_of(word: str, language: str) -> int | None:
    """Month number of ``word`` (any case ending) in ``language``, None if not a month."""
    lower = word.casefold()
    if language == "ru" and _RUSSIAN_MAY.match(lower):
        return 5
    if language == "en" and lower.rstrip(".") in _ENGLISH_ABBREVIATIONS:
        return _ENGLISH_ABBREVIATIONS[lower.rstrip(".")]
    for stem, month in _MONTH_STEMS.get(language, ()):
        if language == "ru" and stem == "ма":
            continue
        if lower.startswith(stem) and len(lower) - len(stem) <= 4:
            return month
    return None


def number_value(raw: str) -> str:
    """Normalised figure of ``raw``: thousands separators dropped, a decimal comma made a point."""
    groups = re.split(r"[ \u00a0\u202f.,]", raw)
    if len(groups) == 1:
        return str(int(groups[0]))
    last_separator = raw[len(raw) - len(groups[-1]) - 1]
    if last_separator in ".," and len(groups[-1]) != 3:
        whole = "".join(groups[:-1])
        return f"{int(whole)}.{groups[-1].rstrip('0') or '0'}".rstrip(".")
    return str(int("".join(groups)))


def _number_weight(value: str) -> float:
    if "." in value:
        return 3.0
    number = int(value)
    if number >= 1000:
        return 3.0
    if number >= 100:
        return 2.5
    if number >= 32:
        return 2.0
    if number >= 13:
        return 1.0
    return 0.5


# --------------------------------------------------------------------------
# Signature
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    """What a text says that survives translation: keys and their weights."""

    language: str | None
    """ISO 639-1 language the text was read in."""
    keys: dict[str, float] = field(default_factory=dict)
    """Key (``n:``, ``y:``, ``d:``, ``t:``, ``p:``) -> weight."""

    @property
    def names(self) -> dict[str, float]:
        return {key[2:]: w for key, w in self.keys.items() if key.startswith("p:")}

    @property
    def facts(self) -> dict[str, float]:
        """Figures, dates and times."""
        return {key: w for key, w in self.keys.items() if not key.startswith("p:")}

    def index_keys(self) -> dict[str, float]:
        """Keys a stored text is found by, with their weights: names by their stem.

        A name's stem is its first four consonants, an initial K left out
        (:func:`names_match`), so that a name and its inflected or Russian
        form meet. Small numbers and years are left out: every text has some.
        """
        found: dict[str, float] = {}
        for key, weight in self.keys.items():
            if key.startswith("p:"):
                name = key[2:]
                key = f"p:{(name[1:] if name[0] == 'K' and len(name) >= 4 else name)[:4]}"
            elif weight < 1.0 or key.startswith("y:"):
                continue
            found[key] = max(weight, found.get(key, 0.0))
        return found

    def encode(self) -> str:
        """Compact text form for storage (:func:`decode`)."""
        return " ".join(f"{key}={weight:g}" for key, weight in sorted(self.keys.items()))


def decode(language: str | None, text: str | None) -> Signature:
    """The :class:`Signature` stored as ``text`` by :meth:`Signature.encode`."""
    keys = {}
    for part in (text or "").split():
        key, _, weight = part.rpartition("=")
        keys[key] = float(weight)
    return Signature(language, keys)


def _title_case(title: str) -> bool:
    words = [w for w in re.findall(r"[^\W\d_]+", title) if len(w) > 3]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) > 0.6 * len(words)


def signature(title: str | None, body: str | None, language: str | None) -> Signature:
    """The signature of an article (``title`` and ``body``) written in ``language``.

    Give the body without its site furniture (:meth:`crawler.stories.StoryIndex.story_text`):
    a "most read" box of one edition names the same people as the other's.
    """
    if language not in LANGUAGES:
        return Signature(language)
    keys: dict[str, float] = {}
    # List items are most often other stories' headlines ("most read").
    texts = ["\n".join(line for line in (body or "").splitlines() if not _LIST_ITEM.match(line))]
    if title and not _title_case(title):
        texts.insert(0, title)
    for text in texts:
        _read(text, language, keys)
    return Signature(language, keys)


def _add(keys: dict[str, float], key: str, weight: float) -> None:
    keys[key] = max(weight, keys.get(key, 0.0))


def _read(text: str, language: str, keys: dict[str, float]) -> None:
    tokens = [(match.lastgroup, match.group(match.lastgroup)) for match in _TOKEN.finditer(text)]
    start = True
    for index, (kind, value) in enumerate(tokens):
        if kind == "stop":
            start = True
            continue
        if kind == "time":
            hours, minutes = value.split(":")
            if int(hours) < 24 and int(minutes) < 60:
                _add(keys, f"t:{int(hours):02d}:{minutes}", 2.5)
        elif kind == "clock":
            # English "6 p.m." is the others' 18:00.
            hours = int(re.match(r"\d+", value).group()) % 12 + (12 if "p" in value else 0)
            _add(keys, f"t:{hours:02d}:00", 1.5)
        elif kind == "number":
            _read_number(tokens, index, value, language, keys)
        elif not start and value[0].isupper():
            _read_name(value, language, keys)
        start = False


def _is_acronym(word: str) -> bool:
    """ICRC, МККК, ԿԽՄԿ: each language has its own."""
    return len(word) >= 2 and sum(c.isupper() for c in word) > 1


def _read_name(word: str, language: str, keys: dict[str, float]) -> None:
    # A hyphenated name (Nagorno-Karabakh, Khankendi–Khalfali) is its parts.
    for part in word.split("-"):
        if not part or not part[0].isupper() or _is_acronym(part) or not_a_name(part, language):
            continue
        key = name_key(part, language)
        if len(key) < 2:
            continue
        if any(key.startswith(common) and len(key) - len(common) <= 2 for common in COMMON_NAMES):
            weight = 0.5
        else:
            weight = 2.0 if len(key) >= 4 else 1.5 if len(key) == 3 else 0.5
        _add(keys, f"p:{key}", weight)


def _read_number(
    tokens: list[tuple[str | None, str]],
    index: int,
    raw: str,
    language: str,
    keys: dict[str, float],
) -> None:
    value = number_value(raw)
    if "." not in value and 1 <= int(value) <= 31:
        for near in (index - 1, index + 1):
            if 0 <= near < len(tokens) and tokens[near][0] == "word":
                month = month_of(tokens[near][1], language)
                if month:
                    _add(keys, f"d:{month:02d}-{int(value):02d}", 1.5)
                    return
    scale = _scale_of(tokens[index + 1][1], language) if index + 1 < len(tokens) else None
    if scale is not None:
        # "120 thousand" is "120,000": translators choose either.
        value = format(Decimal(value) * scale, "f")
        value = value.rstrip("0").rstrip(".") if "." in value else value
    elif "." not in value and 1900 <= int(value) <= 2100:
        _add(keys, f"y:{value}", 0.5)
        return
    _add(keys, f"n:{value}", _number_weight(value))


_SCALES = {
    # thousand, million, billion (with abbreviations) in each language
    "en": ("thousand", "million mln", "billion bln"),
    "ru": ("тыс тысяч", "млн миллион", "млрд миллиард"),
    "hy": ("հազար", "միլիոն մլն", "միլիարդ մլրդ"),
    "az": ("min", "milyon mln", "milyard mlrd"),
}
_SCALE_WORDS = {
    language: [
        (word, 10 ** (3 * (power + 1)))
        for power, words in enumerate(scales)
        for word in words.split()
    ]
    for language, scales in _SCALES.items()
}


def _scale_of(word: str, language: str) -> int | None:
    """10**3, 10**6 or 10**9 for a word naming thousands, millions or billions (any ending)."""
    lower = word.casefold()
    for stem, scale in _SCALE_WORDS.get(language, ()):
        if lower.startswith(stem) and len(lower) - len(stem) <= 3:
            return scale
    return None


# --------------------------------------------------------------------------
# Decision
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """Whether two texts are one report in two languages, and why."""

    linked: bool
    shared: float
    """Weight of what the two signatures share."""
    agreement: float
    """Shared weight over the two signatures' mean weight (Dice), 0..1."""
    conflict: float
    """Share of the strong figures of the text stating fewer that the other lacks, 0..1."""
    evidence: dict = field(default_factory=dict)
    """What was shared and what decided: stored with the link."""


def _matched_names(a: dict[str, float], b: dict[str, float]) -> list[tuple[str, str, float]]:
    """Pairs of names of ``a`` and ``b`` that are one name, each name used once, heaviest first."""
    pairs = []
    used: set[str] = set()
    for key, weight in sorted(a.items(), key=lambda item: (-item[1], item[0])):
        best = None
        for other in b:
            if other not in used and names_match(key, other):
                if best is None or abs(len(other) - len(key)) < abs(len(best) - len(key)):
                    best = other
        if best is not None:
            used.add(best)
            pairs.append((key, best, min(weight, b[best])))
    return pairs


def _strong(facts: dict[str, float]) -> set[str]:
    return {key for key, weight in facts.items() if key.startswith("n:") and weight >= 2.0}


def decide(
    a: Signature,
    b: Signature,
    *,
    same_family: bool,
    hours_apart: float | None,
) -> Decision:
    """Whether texts signed ``a`` and ``b`` are one report in two languages.

    ``same_family``: published by one outlet or by editions of one outlet;
    ``hours_apart``: between their publication times (None when unknown).
    """
    if a.language == b.language or not a.keys or not b.keys:
        return Decision(False, 0.0, 0.0, 0.0, {"reason": "same language or no signature"})
    if hours_apart is not None and hours_apart > WINDOW_HOURS:
        return Decision(False, 0.0, 0.0, 0.0, {"reason": "published too far apart"})
    facts_a, facts_b = a.facts, b.facts
    shared_facts = sorted(set(facts_a) & set(facts_b))
    names = _matched_names(a.names, b.names)
    shared = sum(min(facts_a[k], facts_b[k]) for k in shared_facts) + sum(w for *_, w in names)
    weight = sum(a.keys.values()) + sum(b.keys.values())
    agreement = 2 * shared / weight if weight else 0.0
    strong_a, strong_b = _strong(facts_a), _strong(facts_b)
    conflict = 0.0
    if strong_a and strong_b:
        # The text stating fewer figures is the shorter telling: each of its
        # figures should be in the other one.
        fewer, more = sorted((strong_a, strong_b), key=len)
        conflict = len(fewer - more) / len(fewer)
    if shared >= STRONG_SHARED:
        needed = MIN_AGREEMENT_STRONG
    else:
        needed = MIN_AGREEMENT if shared >= MIN_SHARED else MIN_AGREEMENT_WEAK
    if not same_family:
        needed += OTHER_FAMILY_MARGIN
    linked = shared >= MIN_SHARED_WEAK and agreement >= needed and conflict <= MAX_CONFLICT
    evidence = {
        "languages": [a.language, b.language],
        "facts": shared_facts,
        "names": [key for key, _, _ in names],
        "shared": round(shared, 2),
        "agreement": round(agreement, 3),
        "conflict": round(conflict, 3),
        "same_family": same_family,
        "hours_apart": None if hours_apart is None else round(hours_apart, 1),
    }
    return Decision(linked, shared, agreement, conflict, evidence)


def hours_between(a: str | None, b: str | None) -> float | None:
    """Hours between two ISO 8601 instants, None when either is missing or unreadable."""
    try:
        first, second = datetime.fromisoformat(a or ""), datetime.fromisoformat(b or "")
    except ValueError:
        return None
    if (first.tzinfo is None) != (second.tzinfo is None):
        return None
    return abs((first - second).total_seconds()) / 3600
