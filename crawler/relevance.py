"""Topic relevance: which configured topics an article is about.

A topic is a set of *anchors* (words that place a story in the region:
Karabakh, Stepanakert, Лачин, Ղարաբաղ, Laçın …) and *terms* (what the story is
about: blockade, peacekeepers …). A term counts only when an anchor stands
within ``window`` words of it, so a lone "blockade" in a Gaza story or
"peacekeepers" in a Lebanon story is no evidence. The text is cut into units
(the title, then each sentence of the body); a unit with terms in context
scores 1 (``title_weight`` for the title) and the topic matches when the sum
reaches ``min_score``: one sentence that mentions the corridor in passing is
not enough. A topic is an event: terms that name only its setting (the
corridor's name, roads, the Red Cross) never make it on their own, and a
sentence that names the corridor with a word of its closure counts as one that
names the event. The rule format is documented at the top of ``topics.toml``.

Text and terms are folded the same way before matching (``crawler.textfold``:
case, Azerbaijani dotted/dotless i, diacritics, NFKC forms such as the
Armenian ligature ``և``), and a term word ending in ``*`` matches any
inflected ending (``коридор*`` matches ``коридора``, ``коридором``).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from crawler.config import DEFAULT_TOPICS_FILE, ConfigError, load_toml
from crawler.textfold import fold, fold_offsets
from crawler.texttime import (
    ceasefire_time,
    checkpoint_time,
    gas_cut_time,
    named_years,
    out_of_period,
    text_time,
    withdrawal_time,
    years_back,
)

__all__ = ["Pattern", "RelevanceResult", "Topic", "TopicSet", "fold", "load_topics"]

# --- term patterns ----------------------------------------------------------------

_WORD_RE = re.compile(r"\w+")
# Between the words of a phrase: a space, hyphen, quote or bracket, not a
# sentence end ("Lachin corridor", "Nagorno-Karabakh", "Лачинского «коридора»").
_JOINER = r"[^\w.!?։\n]{1,3}"
# Sentence ends: . ! ? … and the Armenian full stop (։, or a colon after an
# Armenian letter, as typed on Latin keyboards), or a line break.
_SENTENCE_END = re.compile(r"(?:[.!?…։]+|(?<=[\u0561-\u0587]):)[\"'»”’)]*\s+|\n+")
_TERM_CHARS = re.compile(r"^[\w\s'’*-]+$")
MIN_STEM = 3
# Words between two terms of one noun phrase ("sülhməramlıların komandanı general
# Volkovun": the peacekeepers' commander, General Volkov).
_PHRASE_GAP = 4
# Bound on the per-topic cache of hit spellings (inflected forms are many but finite).
_NAMES_SEEN_MAX = 100_000


def _words(term: str) -> list[str]:
    """The folded words of a term (hyphens and blanks separate words)."""
    return [w for w in re.split(r"[\s-]+", fold(term)) if w]


def _term_regex(term: str) -> str:
    """Regex source for one term (already validated): words joined, ``*`` = any ending."""
    words = _words(term)
    parts = []
    for word in words:
        if word.endswith("*"):
            parts.append(re.escape(word[:-1]) + r"\w*")
        else:
            parts.append(re.escape(word))
    return _JOINER.join(parts) + r"(?!\w)"


def _scan(sources: list[str], names: list[str] | None = None) -> str:
    """One alternation of term regexes ``sources``, in order of preference, for a scan;
    with ``names``, each branch is a named group.

    Python's engine tries every branch at each position, so the branches are grouped
    by their first character ("l(?:achin corridor…|achin…)|s(?:…)"): at a position
    only the branches that can start there are tried. Branches of one group keep
    their order, and two groups never match at one position, so the scan finds what
    one flat alternation would. The lookahead on first letters skips most positions
    fast."""
    groups: dict[str, list[str]] = {}
    for index, source in enumerate(sources):
        cut = 2 if source.startswith("\\") else 1
        rest = f"(?P<{names[index]}>{source[cut:]})" if names else source[cut:]
        groups.setdefault(source[:cut], []).append(rest)
    body = "|".join(f"{first}(?:{'|'.join(rests)})" for first, rests in groups.items())
    return rf"(?=[{''.join(groups)}])(?<!\w)(?:{body})"


def _check_term(term: Any) -> str | None:
    """A problem with ``term`` as written in the topics file, or None."""
    if not isinstance(term, str) or not term.strip():
        return "must be a non-empty string"
    if not _TERM_CHARS.match(term):
        return (
            f"{term!r}: only letters, digits, spaces, hyphens, apostrophes and a final '*' per word"
        )
    for word in re.split(r"[\s-]+", term.strip()):
        if "*" in word[:-1]:
            return f"{term!r}: '*' may only end a word"
        stem = fold(word.rstrip("*"))
        if word.endswith("*") and len(stem) < MIN_STEM:
            return f"{term!r}: a stem before '*' needs at least {MIN_STEM} letters"
        if not _WORD_RE.fullmatch(stem.replace("'", "").replace("’", "")) and stem:
            return f"{term!r}: {word!r} is not a word"
    return None


# --- topics ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    """One anchor or term of a topic as written in the topics file."""

    text: str
    """The term as written (``"Лачинск* коридор*"``)."""
    kind: str
    """``anchor``, ``carried`` (an anchor only after a real one: "the region"), ``term``,
    ``weak``, ``refer`` (a word that refers back to a strong term: "the corridor",
    "the contingent"), ``setting`` (words that make a term beside them a place or a
    notice: "temporarily deployed", "area of responsibility") or ``ignore`` (a phrase
    skipped whole)."""
    weight: float
    """Evidence a term brings to its sentence (1 for a term, ``weak_weight`` for a weak one)."""
    anchored: bool
    """The term itself contains an anchor ("Lachin corridor"), so it is its own context."""
    context: bool = False
    """The term names the setting (a place, a route, an organisation there in every
    year: "Lachin corridor", "road", "Red Cross"), not an event: a topic with evidence
    of nothing else is not matched (see ``context_terms``)."""
    in_period: bool = False
    """A weak term that names the event itself in a text dated within the topic's period
    (the checkpoint on the Lachin road from April 2023), see ``period_terms``."""


@dataclass(frozen=True)
class Topic:
    """One topic: anchors, terms and the rule that turns them into a match."""

    name: str
    """Unique key, stored in ``articles.topics``."""
    description: str
    """One line for people."""
    patterns: tuple[Pattern, ...]
    """Anchors, terms and ignored phrases; group ``p<i>`` of ``which`` is ``patterns[i]``."""
    regex: re.Pattern
    """All patterns in one alternation, longest first, matched on folded text."""
    which: re.Pattern
    """The same alternation with a group ``p<i>`` per pattern: which pattern a hit of ``regex`` is."""
    search_terms: tuple[str, ...]
    """Plain phrases for search APIs."""
    window: int = 40
    """Largest distance in words between a term and an anchor."""
    min_score: float = 2.0
    """Score at which the topic matches."""
    title_weight: float = 2.0
    """What a title with terms in context scores (a body sentence scores 1)."""
    period: tuple[tuple[int, int], tuple[int, int]] | None = None
    """First and last (year, month) of the events the topic follows, or None (any time)."""
    short_body: int = 0
    """A body of at most this many sentences needs only one sentence with terms in context."""
    refer_span: int = 2
    """Sentences before or after one with a strong term in context in which a referring or
    weak word carries the topic without an anchor of its own ("the corridor", "the
    contingent")."""
    weak_weight: float = 0.5
    """What a weak word weighs, and a term that only names the setting."""
    setting_span: int = 5
    """Words between a term and a ``setting`` phrase that make the term a mention of the
    topic's setting ("in the area under the temporary control of the Russian
    peacekeepers"), not of its event."""
    names_seen: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    """Cache: folded text of a hit -> index of its pattern."""


@dataclass(frozen=True)
class RelevanceResult:
    """What :meth:`TopicSet.match` found in one article."""

    topics: list[str] = field(default_factory=list)
    """Names of matched topics, in file order."""
    terms: dict[str, list[str]] = field(default_factory=dict)
    """Per matched topic, the terms then the anchors found in context, as written in the text."""
    score: float = 0.0
    """Highest topic score (matched or not)."""
    scores: dict[str, float] = field(default_factory=dict)
    """Score of every topic."""

    @property
    def relevant(self) -> bool:
        return bool(self.topics)


# A tag line of a page ("Region: Armenia, Karabakh", "Theme: Politics"): a label
# and a short list, no sentence. It names places the story may not be about.
_TAG_ITEM = r"[^\W\d_]+(?:[ -][^\W\d_]+)?"
_TAG_LINE = (
    rf"^[^\W\d_]{{2,15}}(?: [^\W\d_]{{2,15}})?[ \t]*:[ \t]*{_TAG_ITEM}"
    rf"(?:[ \t]*,[ \t]*{_TAG_ITEM})*[ \t]*$"
)
# A line that points to another article ("Read also: …", "Следите за развитием
# событий в трансляции: «…»"): the headline it quotes is not this text's subject.
_RELATED_OPENINGS = (
    "read also",
    "read more",
    "see also",
    "читайте также",
    "см. также",
    "следите за",
    "կարդացեք նաև",
    "տես նաև",
    "oxu həmçinin",
    "həmçinin oxuyun",
)
_RELATED_LINE = (
    r"^[ \t]*(?:"
    + "|".join(re.escape(fold(opening)) for opening in _RELATED_OPENINGS)
    + r")(?!\w)[^\n]*$"
)
_SKIPPED_LINE = re.compile(f"{_TAG_LINE}|{_RELATED_LINE}", re.MULTILINE)
# An aside that compares with another case ("(for comparison, in November 2020
# Russia deployed a contingent in Nagorno-Karabakh)"): a story about another mission
# or another blockade names Karabakh there, and that place must not anchor the rest.
_COMPARISON_OPENINGS = (
    "for comparison",
    "by comparison",
    "in comparison",
    "compare",
    "для сравнения",
    "по сравнению с",
    "сравните",
    "համեմատության համար",
    "համեմատենք",
    "müqayisə üçün",
    "müqayisə edək",
)
_COMPARISON_FOLDED = tuple(fold(opening) for opening in _COMPARISON_OPENINGS)
_COMPARISON = "(?:" + "|".join(re.escape(o) for o in _COMPARISON_FOLDED) + r")(?!\w)"
_COMPARISON_ASIDE = re.compile(
    rf"\(\s*{_COMPARISON}[^()\n]*\)|(?:^|(?<=[.!?։]\s)){_COMPARISON}[^.!?։\n]*", re.MULTILINE
)


# Events a text names without a year that date it (crawler.texttime).
_CUES = (withdrawal_time, ceasefire_time, gas_cut_time, checkpoint_time)

_PUBLISHED = re.compile(r"((?:19|20)\d\d)-(0[1-9]|1[0-2])")


class _Text:
    """An article prepared once for every topic: folded; words and units found on demand."""

    def __init__(self, title: str | None, body: str | None, published: str | None = None) -> None:
        self.original = f"{title or ''}\n{body or ''}"
        self.published = published
        # Blanked with a character that is neither a letter nor a blank, so offsets
        # and word counts stay as they were and no term matches inside.
        folded = fold(self.original)
        self.title_end = len(fold(title or ""))
        body_start = self.title_end + 1
        body = _SKIPPED_LINE.sub(lambda m: "\x01" * len(m.group()), folded[body_start:])
        self.folded = folded[:body_start] + body
        self._unit_starts: list[int] | None = None
        self._offsets: list[int] | None | bool = False
        self._when: tuple[tuple[int, int] | None, list[int], tuple[int, int] | None] | None = None
        self._year_units: list[tuple[int, int]] | None = None
        self._cue: tuple[int, int] | None | bool = False

    def drop_asides(self) -> None:
        """Blank comparison asides; done once the text is known to name a place (it can
        only take places away, and most texts name none)."""
        if any(opening in self.folded for opening in _COMPARISON_FOLDED):
            body_start = self.title_end + 1
            body = _COMPARISON_ASIDE.sub(
                lambda m: "\x01" * len(m.group()), self.folded[body_start:]
            )
            self.folded = self.folded[:body_start] + body

    def when(self) -> tuple[tuple[int, int] | None, list[int], tuple[int, int] | None]:
        """The text's own (year, month) near its start, the years it names, and the
        (year, month) of its publication (None where unknown)."""
        if self._when is None:
            own, years = text_time(self.original, self.title_end)
            m = _PUBLISHED.match(self.published or "")
            self._when = (own, years, (int(m[1]), int(m[2])) if m else None)
        return self._when

    def cue_dated(self) -> tuple[int, int] | None:
        """For a text with no date of its own and no publication date, the earliest
        (year, month) it can have been written in by the events it names without a
        year (``_CUES``): the months after the 2020 war when it names the ceasefire of
        November 2020 by its day alone, 2024 when it tells of the contingent's
        withdrawal. The latest wins: a withdrawal story recalls the ceasefire."""
        if self._cue is False:
            own, _, published = self.when()
            undated = own is None and published is None
            cues = [cue for time in _CUES if undated and (cue := time(self.original))]
            self._cue = max(cues, default=None)
        return self._cue

    def year_units(self) -> list[tuple[int, int]]:
        """(unit, year) of every year the text names, and of every year it looks back to
        ("23 years ago" from its publication, or from today when that is unknown)."""
        if self._year_units is None:
            _, _, published = self.when()
            now = published[0] if published else date.today().year
            found = named_years(self.folded)
            found += [(start, now - back) for start, back in years_back(self.folded)]
            found.sort()
            _, units = self.words_and_units([start for start, _ in found])
            self._year_units = [(unit, year) for unit, (_, year) in zip(units, found, strict=True)]
        return self._year_units

    def unit_count(self) -> int:
        """Units of the text: the title, then each body sentence."""
        self.words_and_units([])
        return len(self._unit_starts)

    def _continues(self, end: re.Match) -> bool:
        """Whether a sentence end found in the folded text is a full stop followed by a
        lower-case letter in the original: an abbreviation ("5 km. enliyində", "т. е.")
        or the Armenian միջակետ ("օդանավակայանում. մասնակցում են"), which marks a pause
        inside a sentence, not its end."""
        if not end.group().startswith(".") or "\n" in end.group():
            return False
        if self._offsets is False:
            self._offsets = fold_offsets(self.original)
        at = end.end() if self._offsets is None else self._offsets[end.end()]
        return self.original[at].islower()

    def words_and_units(self, starts: list[int]) -> tuple[list[int], list[int]]:
        """Word index and unit index (0: the title, then body sentences) of sorted offsets."""
        if self._unit_starts is None:
            units = [0, self.title_end + 1]
            units += [
                m.end()
                for m in _SENTENCE_END.finditer(self.folded, self.title_end + 1)
                if m.end() < len(self.folded) and not self._continues(m)
            ]
            self._unit_starts = units
        folded, words, units = self.folded, [], []
        # Folding turned every blank but the newline into a space, so counting
        # both gives the word index without tokenising the whole text.
        count, previous = 0, 0
        for start in starts:
            count += folded.count(" ", previous, start) + folded.count("\n", previous, start)
            previous = start
            words.append(count)
            units.append(bisect_right(self._unit_starts, start) - 1)
        return words, units

    def surface(self, start: int, end: int) -> str:
        """The matched text as written in the article (NFC)."""
        if self._offsets is False:
            self._offsets = fold_offsets(self.original)
        if self._offsets is not None:
            start, end = self._offsets[start], self._offsets[end]
        return unicodedata.normalize("NFC", self.original[start:end])


def _within(units: list[int], unit: int, span: int) -> bool:
    """Whether a unit of sorted ``units`` other than ``unit`` lies within ``span`` of it."""
    first = bisect_left(units, unit - span)
    return any(other != unit for other in units[first : bisect_right(units, unit + span)])


def _score(topic: Topic, text: _Text) -> tuple[float, list[str], bool]:
    """The topic's score in ``text``, the hits found when it matches, and whether it
    matched only by the short-text rule (one strong sentence in a short body)."""
    own, _, published = text.when()
    # The text's own date and its publication decide first; the years it names
    # are weighed once the topic's hits are known (below).
    if topic.period is not None and out_of_period(topic.period, own, [], published):
        return 0.0, [], False
    # The scan runs without groups (groups make Python's regex engine ~30x
    # slower); a hit is then named by the first branch that matches exactly its
    # text, which is the branch that won the scan (same order), remembered per
    # spelling.
    hits = []
    names = topic.names_seen
    for m in topic.regex.finditer(text.folded):
        found = m.group()
        index = names.get(found)
        if index is None:
            index = int(topic.which.fullmatch(found).lastgroup[1:])
            if len(names) < _NAMES_SEEN_MAX:
                names[found] = index
        hits.append((m.start(), m.end(), topic.patterns[index], index))
    first_anchor = next(
        (start for start, _, pattern, _ in hits if pattern.anchored and pattern.kind != "carried"),
        None,
    )
    if first_anchor is None:
        return 0.0, [], False
    words, units = text.words_and_units([start for start, _, _, _ in hits])
    dated = own or published
    # A text with no date that names a word of the period names events that may date it
    # (``_CUES``): the Lachin border checkpoint of April 2023 places an undated report of
    # it within the blockade's period.
    if dated is None and topic.period is not None and any(hit[2].in_period for hit in hits):
        dated = text.cue_dated()
    dated_within = topic.period is None or (
        dated is not None and topic.period[0] <= dated <= topic.period[1]
    )
    # "The region", "the enclave" place a sentence only once a real anchor came before.
    anchor_words = [
        w
        for w, (start, _, pattern, _) in zip(words, hits, strict=True)
        if pattern.anchored and (pattern.kind != "carried" or start > first_anchor)
    ]

    def near_anchor(word: int) -> bool:
        near = bisect_left(anchor_words, word - topic.window)
        return near < len(anchor_words) and anchor_words[near] <= word + topic.window

    # Units that name the event, found first: a strong term in context, or the
    # corridor's name with a weak word of the event beside it ("the Lachin corridor
    # remains closed", "a checkpoint at the start of the Lachin road"). A referring or
    # weak word names what they name in other sentences too ("The shops have run out
    # of food. … Artsakh has been under blockade since December 12").
    # A term beside a setting phrase names where something happened or whom it was
    # reported to ("in the territory where the Russian peacekeeping contingent is
    # temporarily deployed", "the peacekeepers were informed"), not the topic's event:
    # it weighs as a word of the setting, and never as the sentence that set the topic.
    # A setting phrase spans words ("under the control of"): a term counts from its last
    # word as well as its first ("under the control of the Russian peacekeepers").
    # A weak word beside one is placed too: others' withdrawal "from the territory where
    # the peacekeepers are temporarily deployed" is that territory's story.
    setting_words = [
        (word, word + text.folded.count(" ", start, end), unit)
        for word, unit, (start, end, pattern, _) in zip(words, units, hits, strict=True)
        if pattern.kind == "setting"
    ]
    placed: set[int] = set()  # hits (by position) that only name the setting
    if setting_words:
        for position, ((_, _, pattern, _), word, unit) in enumerate(
            zip(hits, words, units, strict=True)
        ):
            if pattern.kind in ("term", "weak") and any(
                other_unit == unit
                and first - topic.setting_span <= word <= last + topic.setting_span
                for first, last, other_unit in setting_words
            ):
                placed.add(position)
        # Terms a few words apart in one sentence are one noun phrase ("the commander
        # of the Russian peacekeepers, General Volkov"): a setting phrase beside any of
        # them places the whole phrase, however long the name it holds.
        terms = [
            (position, word, unit)
            for position, ((_, _, pattern, _), word, unit) in enumerate(
                zip(hits, words, units, strict=True)
            )
            if pattern.kind == "term"
        ]
        for ordered in (terms, terms[::-1]):
            for (before, word_before, unit_before), (after, word_after, unit_after) in zip(
                ordered, ordered[1:], strict=False
            ):
                if (
                    before in placed
                    and unit_before == unit_after
                    and abs(word_after - word_before) <= _PHRASE_GAP
                ):
                    placed.add(after)
    strong: set[int] = set()
    named: set[int] = set()  # units with a term that holds a place name
    eventful: dict[int, set[int]] = {}  # unit -> its weak words of the event, in context
    for position, ((_, _, pattern, index), word, unit) in enumerate(
        zip(hits, words, units, strict=True)
    ):
        if position in placed:
            continue
        if pattern.kind == "term" and pattern.anchored:
            named.add(unit)
        elif pattern.kind == "term" and not pattern.context and near_anchor(word):
            strong.add(unit)
        elif pattern.in_period and dated_within and near_anchor(word):
            strong.add(unit)
        elif pattern.kind == "weak" and not pattern.context and near_anchor(word):
            eventful.setdefault(unit, set()).add(index)
    strong |= named & eventful.keys()
    # Within the period two words of the event in one sentence name it, as a strong
    # term does: patients moved by the Red Cross while aid is barred (July 2023) are the
    # blockade's even where no sentence says "blockade". Undated, they may be any year's.
    if dated_within and topic.period is not None:
        strong |= {unit for unit, words_of_event in eventful.items() if len(words_of_event) >= 2}
    strong_units = sorted(strong)
    # The years of the headline, the lead and the sentences that hold the topic's
    # places or words date what the text says of it; a year elsewhere is someone's
    # past ("awarded Hero of Russia in 2017", "born in 1975"), not when it happened.
    # A text published within the period is read as of its time unless the headline,
    # the lead or a sentence naming the event holds the earlier year (an anniversary
    # piece): a year in a sentence beside it is background ("detained at the Lachin
    # checkpoint … charged over killings in December 1991").
    if topic.period is not None and own is None:
        hit_units = {0, 1, *(strong if dated_within else units)}
        topical = [year for unit, year in text.year_units() if unit in hit_units]
        if topical and out_of_period(topic.period, None, topical, published):
            return 0.0, [], False
    evidence: dict[int, dict[int, float]] = {}  # unit -> pattern index -> weight
    used: list[tuple[int, int]] = []
    own_unit: dict[int, int] = {}  # term -> the first unit it fills
    repeats: dict[int, list[tuple[int, int, int, float]]] = {}  # unit -> place-name terms again
    setting: dict[int, float] = {}  # unit -> weight of its mentions of the setting alone
    for position, ((start, end, pattern, index), word, unit) in enumerate(
        zip(hits, words, units, strict=True)
    ):
        if pattern.kind in ("anchor", "carried", "ignore", "setting"):
            continue
        if position in placed:
            if pattern.anchored or near_anchor(word):
                setting[unit] = topic.weak_weight
                used.append((start, end))
            continue
        # Beside a sentence that set the topic, "the corridor", "the road", "the
        # contingent" name what that sentence named, wherever the place name is.
        refers = pattern.kind in ("weak", "refer") and _within(strong_units, unit, topic.refer_span)
        if refers:
            evidence.setdefault(unit, {})[index] = 1.0
            used.append((start, end))
            continue
        if pattern.kind == "refer":
            continue
        if not pattern.anchored and not near_anchor(word):
            continue
        # A term that holds its own place name ("Lachin corridor") and a weak term
        # are evidence on their own in one sentence per text: an article naming the
        # corridor in every sentence (its history, its route), or the Red Cross or
        # a road in four, is not thereby about the blockade. Named again, the
        # corridor still adds to a strong term beside it; a weak term does not.
        weight = pattern.weight
        first_unit = own_unit.setdefault(index, unit)
        if pattern.kind == "weak" and _within(strong_units, unit, len(units)):
            # Once a strong term has set the topic, a weak one anywhere in the text
            # refers to it: "Russian servicemen" beside "peacekeepers", "the shops
            # have run out" before "the blockade" carry their sentences.
            weight = 1.0
        elif (pattern.anchored or pattern.kind == "weak") and first_unit != unit:
            if pattern.anchored:
                repeats.setdefault(unit, []).append((start, end, index, weight))
            continue
        evidence.setdefault(unit, {})[index] = weight
        used.append((start, end))
    for unit, repeated in repeats.items():
        if any(topic.patterns[index].kind == "term" for index in evidence.get(unit, ())):
            for start, end, index, weight in repeated:
                evidence[unit].setdefault(index, weight)
                used.append((start, end))
    score = 0.0
    for unit in evidence.keys() | setting.keys():
        weights = evidence.get(unit, {})
        weight = topic.title_weight if unit == 0 else 1.0
        # A headline weighs double when it names the event: a strong term, or the
        # corridor's name with a word of its closure. One that only names the corridor
        # (a history of it) weighs as one sentence, and so does one of weak words only
        # ("112 patients moved by air") unless the text is dated within the topic's
        # period, when patients moved from Karabakh are the blockade's.
        if unit == 0 and 0 not in strong_units:
            only_names = all(topic.patterns[index].anchored for index in weights)
            event_words = sum(
                w for index, w in weights.items() if not topic.patterns[index].context
            )
            if only_names or not (dated_within or event_words >= 1.0):
                weight = 1.0
        score += min(1.0, sum(weights.values()) + setting.get(unit, 0.0)) * weight
    # The corridor named with its roads, routes and the Red Cross, however often, is
    # the setting: the topic is an event (a blockade, a contingent's work), so some
    # term must name one (the August 2022 move of the corridor's route, the search
    # for the missing, are not the blockade): the topic does not apply, as outside
    # its period.
    if not any(
        not topic.patterns[index].context for weights in evidence.values() for index in weights
    ):
        return 0.0, [], False
    needed = topic.min_score
    # A short agency text says its subject once, in its lead: one full sentence
    # there is enough (a photo caption after the lead is not).
    if (
        topic.short_body
        and sum(evidence.get(1, {}).values()) >= 1.0
        and text.unit_count() - 1 <= topic.short_body
    ):
        needed = min(needed, 1.0)
    if score < needed:
        return score, [], False
    # Checked last, as few texts get here: an undated text that names the ceasefire of
    # November 2020 by its day alone was written in the months after the war, one that
    # tells of the contingent's withdrawal in 2024 or later.
    if topic.period is not None:
        cued = text.cue_dated()
        if cued is not None and out_of_period(topic.period, cued, [], None):
            return 0.0, [], False
    found: dict[str, str] = {}
    anchors = [
        (start, end) for start, end, pattern, _ in hits if pattern.kind in ("anchor", "carried")
    ]
    for start, end in used + anchors:
        found.setdefault(text.folded[start:end], text.surface(start, end))
    return score, list(found.values()), score < topic.min_score


@dataclass(frozen=True)
class TopicSet:
    """Every topic of one topics file."""

    path: Path
    topics: tuple[Topic, ...]

    @property
    def search_terms(self) -> list[str]:
        """Plain search phrases for APIs that take a query (WordPress search), all languages."""
        return list(dict.fromkeys(t for topic in self.topics for t in topic.search_terms))

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.topics]

    @cached_property
    def anchors(self) -> re.Pattern:
        """Every topic's anchors and anchored terms in one alternation.

        A text where it finds nothing scores 0 for every topic (a topic scores
        only terms near an anchored hit, and every anchored hit of a topic's
        scan is a match of this alternation): most articles are about
        something else, and one scan clears them.
        """
        anchored = [
            p for topic in self.topics for p in topic.patterns if p.anchored and p.kind != "carried"
        ]
        if not anchored:
            return re.compile(r"(?!)")
        sources = sorted(
            {_term_regex(p.text) for p in anchored}, key=lambda source: (-len(source), source)
        )
        return re.compile(_scan(sources))

    def match(
        self, title: str | None, body: str | None, published: str | None = None
    ) -> RelevanceResult:
        """Score ``title`` and ``body`` (plain text) against every topic.

        ``published`` (ISO 8601, as ``ArticleItem.published_at``) dates a text
        that gives no date of its own near its start, for the topics' periods.
        """
        text = _Text(title, body, published)
        topics: list[str] = []
        terms: dict[str, list[str]] = {}
        scores: dict[str, float] = {}
        if self.anchors.search(text.folded) is None:
            return RelevanceResult(scores={topic.name: 0.0 for topic in self.topics})
        text.drop_asides()
        short: set[str] = set()
        for topic in self.topics:
            score, found, by_short_rule = _score(topic, text)
            scores[topic.name] = score
            if found:
                topics.append(topic.name)
                terms[topic.name] = found
                if by_short_rule:
                    short.add(topic.name)
        # A short text says its subject once, in its lead; a second topic named there
        # beside a subject that scores more ("the peacekeepers' vehicles passed the
        # protest site") is a mention in a text about something else, and needs what
        # any mention needs: the headline or a second sentence.
        for name in short:
            if any(
                other > scores[name] for other_name, other in scores.items() if other_name != name
            ):
                topics.remove(name)
                del terms[name]
        return RelevanceResult(
            topics=topics, terms=terms, score=max(scores.values(), default=0.0), scores=scores
        )


# --- loading ----------------------------------------------------------------------------

_TOPIC_KEYS = {
    "name",
    "description",
    "search_terms",
    "anchors",
    "terms",
    "weak_terms",
    "weak_weight",
    "ignore",
    "window",
    "min_score",
    "title_weight",
    "carried_anchors",
    "period",
    "short_body",
    "referring_terms",
    "refer_span",
    "context_terms",
    "period_terms",
    "setting_terms",
    "setting_span",
}

_MONTH = re.compile(r"^((?:19|20)\d\d)-(0[1-9]|1[0-2])$")


def _period(path: Path, where: str, value: Any) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """``["2022-12", "2023-09"]`` as ((2022, 12), (2023, 9)); None when absent."""
    if value is None:
        return None
    months = (
        [_MONTH.match(v) if isinstance(v, str) else None for v in value]
        if isinstance(value, list)
        else []
    )
    if len(months) != 2 or not all(months):
        raise ConfigError(
            f'{path}: {where}: field \'period\' must be two months ["YYYY-MM", "YYYY-MM"]'
        )
    first, last = ((int(m[1]), int(m[2])) for m in months)
    if first > last:
        raise ConfigError(f"{path}: {where}: field 'period' ends before it starts")
    return first, last


def _term_list(path: Path, where: str, key: str, value: Any) -> list[str]:
    """Terms of a field that is a list or a table of lists (one per language)."""
    if isinstance(value, dict):
        lists = list(value.items())
    else:
        lists = [(None, value)]
    terms: list[str] = []
    for language, items in lists:
        label = f"{key}.{language}" if language else key
        if not isinstance(items, list):
            raise ConfigError(f"{path}: {where}: field {label!r} must be a list of strings")
        for term in items:
            if problem := _check_term(term):
                raise ConfigError(f"{path}: {where}: field {label!r}: {problem}")
            terms.append(term.strip())
    return terms


def _number(
    path: Path, where: str, raw: dict, key: str, default: float, *, minimum: float
) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise ConfigError(f"{path}: {where}: field {key!r} must be a number >= {minimum}")
    return float(value)


def _build_topic(path: Path, raw: dict, shared_anchors: dict[str, list[str]]) -> Topic:
    name = raw["name"]
    where = f"topic {name!r}"
    unknown = sorted(set(raw) - _TOPIC_KEYS)
    if unknown:
        raise ConfigError(f"{path}: {where}: unknown key {unknown[0]!r}")
    if not isinstance(raw.get("description", ""), str):
        raise ConfigError(f"{path}: {where}: field 'description' must be a string")
    anchors_value = raw.get("anchors")
    if isinstance(anchors_value, str):
        if anchors_value not in shared_anchors:
            raise ConfigError(
                f"{path}: {where}: field 'anchors': no [anchors.{anchors_value}] table"
            )
        anchors = shared_anchors[anchors_value]
    elif anchors_value is None:
        raise ConfigError(f"{path}: {where}: missing field 'anchors'")
    else:
        anchors = _term_list(path, where, "anchors", anchors_value)
    if "terms" not in raw:
        raise ConfigError(f"{path}: {where}: missing field 'terms'")
    terms = _term_list(path, where, "terms", raw["terms"])
    weak = _term_list(path, where, "weak_terms", raw.get("weak_terms", []))
    context = _term_list(path, where, "context_terms", raw.get("context_terms", []))
    in_period = _term_list(path, where, "period_terms", raw.get("period_terms", []))
    weak_weight = _number(path, where, raw, "weak_weight", 0.5, minimum=0)
    ignore = _term_list(path, where, "ignore", raw.get("ignore", []))
    carried = _term_list(path, where, "carried_anchors", raw.get("carried_anchors", []))
    referring = _term_list(path, where, "referring_terms", raw.get("referring_terms", []))
    settings = _term_list(path, where, "setting_terms", raw.get("setting_terms", []))
    if not anchors or not terms:
        raise ConfigError(f"{path}: {where}: fields 'anchors' and 'terms' must not be empty")
    search_terms = raw.get("search_terms", [])
    if not isinstance(search_terms, list) or not all(
        isinstance(t, str) and t.strip() for t in search_terms
    ):
        raise ConfigError(
            f"{path}: {where}: field 'search_terms' must be a list of non-empty strings"
        )

    anchor_regex = re.compile(r"(?<!\w)(?:" + "|".join(_term_regex(a) for a in anchors) + ")")
    patterns = [Pattern(a, "anchor", 0.0, True) for a in anchors]
    patterns += [Pattern(a, "carried", 0.0, True) for a in carried]
    for kind, items, weight, setting, period in (
        ("term", terms, 1.0, False, False),
        ("weak", weak, weak_weight, False, False),
        ("weak", context, weak_weight, True, False),
        ("refer", referring, 1.0, True, False),
        ("weak", in_period, weak_weight, False, True),
    ):
        for term in items:
            anchored = bool(anchor_regex.search(fold(term.replace("*", ""))))
            patterns.append(Pattern(term, kind, weight, anchored, setting or anchored, period))
    patterns += [Pattern(term, "setting", 0.0, False, True) for term in settings]
    # An ignored phrase is consumed by the scan, so the terms and anchors inside
    # it ("Zangezur corridor", "Qarabag FK") are never seen.
    patterns += [Pattern(term, "ignore", 0.0, False) for term in ignore]
    sources = [_term_regex(p.text) for p in patterns]
    # Python's alternation takes the first branch that matches, not the longest:
    # longer terms go first so "Lachin corridor" wins over the anchor "Lachin".
    # Ignored phrases go before everything so that they win where they start.
    order = sorted(
        range(len(patterns)), key=lambda i: (patterns[i].kind != "ignore", -len(sources[i]))
    )
    regex = re.compile(_scan([sources[i] for i in order]))
    which = re.compile(_scan([sources[i] for i in order], [f"p{i}" for i in order]))
    return Topic(
        name=name,
        description=raw.get("description", ""),
        patterns=tuple(patterns),
        regex=regex,
        which=which,
        search_terms=tuple(t.strip() for t in search_terms),
        window=int(_number(path, where, raw, "window", 40, minimum=1)),
        min_score=_number(path, where, raw, "min_score", 2.0, minimum=0),
        title_weight=_number(path, where, raw, "title_weight", 2.0, minimum=0),
        period=_period(path, where, raw.get("period")),
        short_body=int(_number(path, where, raw, "short_body", 0, minimum=0)),
        refer_span=int(_number(path, where, raw, "refer_span", 2, minimum=0)),
        weak_weight=weak_weight,
        setting_span=int(_number(path, where, raw, "setting_span", 5, minimum=0)),
    )


def load_topics(path: str | Path | None = None) -> TopicSet:
    """Load and validate a topics file (``crawler/topics.toml`` by default).

    Raises :class:`ConfigError` with a one-line message naming the file, the
    topic and the field.
    """
    path = Path(path) if path else DEFAULT_TOPICS_FILE
    data = load_toml(path)
    unknown = sorted(set(data) - {"topic", "anchors"})
    if unknown:
        raise ConfigError(
            f"{path}: unknown top-level key {unknown[0]!r} (expected [[topic]] or [anchors.NAME])"
        )
    shared_raw = data.get("anchors", {})
    if not isinstance(shared_raw, dict):
        raise ConfigError(f"{path}: 'anchors' must be tables [anchors.NAME]")
    shared = {
        key: _term_list(path, f"anchors {key!r}", "anchors", value)
        for key, value in shared_raw.items()
    }
    raw_topics = data.get("topic")
    if not isinstance(raw_topics, list) or not raw_topics:
        raise ConfigError(f"{path}: no [[topic]] entries")
    topics: list[Topic] = []
    for index, raw in enumerate(raw_topics):
        name = raw.get("name") if isinstance(raw, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{path}: topic #{index + 1}: missing field 'name'")
        if name in {t.name for t in topics}:
            raise ConfigError(f"{path}: topic {name!r}: duplicate name")
        topics.append(_build_topic(path, raw, shared))
    return TopicSet(path=path, topics=tuple(topics))
