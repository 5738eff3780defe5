"""When a text says it is: its own date near its start, and the years it names.

Topic relevance uses both to keep a topic to its time (``period`` in
``topics.toml``): a text dated 2022-08 is not about a blockade that began in
December 2022, and one whose only years are 1992 and 1994 is about the first war.
What the text says comes first; the page's publication date (found by the
dates pipeline) only dates a text that gives no date of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = [
    "YEAR_SLACK",
    "ceasefire_time",
    "checkpoint_time",
    "gas_cut_time",
    "named_years",
    "out_of_period",
    "text_time",
    "withdrawal_time",
    "years_back",
]

# The text's own date near its start: 2023-04, 2023-04-25, 25.04.2023, 25-04-2023,
# "August 2022", "12 января 2023", "Nov 09, 2020", "2020 թվականի նոյեմբերի",
# "2021-ci il 12 sentyabr". Month names by their stems in en, ru, az, hy.
_MONTHS = [
    ("jan", "январ", "yanvar", "հունվար"),
    ("feb", "феврал", "fevral", "փետրվար"),
    ("mar", "март", "mart", "մարտ"),
    ("apr", "апрел", "aprel", "ապրիլ"),
    ("may", "ма[йя]", "may", "մայիս"),
    ("jun", "июн", "iyun", "հունիս"),
    ("jul", "июл", "iyul", "հուլիս"),
    ("aug", "август", "avqust", "օգոստոս"),
    ("sep", "сентябр", "sentyabr", "սեպտեմբեր"),
    ("oct", "октябр", "oktyabr", "հոկտեմբեր"),
    ("nov", "ноябр", "noyabr", "նոյեմբեր"),
    ("dec", "декабр", "dekabr", "դեկտեմբեր"),
]
_MONTH_NAME = "|".join(f"(?P<n{i}>{'|'.join(stems)})" for i, stems in enumerate(_MONTHS, start=1))
_YYYY = r"(?:19|20)\d\d"
_OWN_DATE = re.compile(
    rf"(?<!\d)(?:(?P<y1>{_YYYY})[-/.](?P<m1>0?[1-9]|1[0-2])(?!\d)"
    rf"|(?P<d2>[0-3]?\d)[-/.](?P<m2>0?[1-9]|1[0-2])[-/.](?P<y2>{_YYYY})(?!\d)"
    rf"|(?<!\w)(?:{_MONTH_NAME})\w*\.?,?\s+(?:[0-3]?\d,?\s+)?(?P<y3>{_YYYY})(?!\d)"
    rf"|(?P<y4>{_YYYY})[^\d\n.]{{1,18}}?(?<!\w)(?:{_MONTH_NAME.replace('?P<n', '?P<k')}))",
    re.IGNORECASE,
)


def _own_month(m: re.Match) -> tuple[int, int]:
    """(year, month) of an ``_OWN_DATE`` match."""
    if m["y1"]:
        return int(m["y1"]), int(m["m1"])
    if m["y2"]:
        return int(m["y2"]), int(m["m2"])
    prefix = "n" if m["y3"] else "k"
    month = next(i for i in range(1, 13) if m[f"{prefix}{i}"])
    return int(m["y3"] or m["y4"]), month


_YEAR = re.compile(r"(?<![\d.,])(?:19[89]\d|20[0-3]\d)(?!\d)")
# A round number followed by a word or a case ending is a count ("2000 civilians",
# "2000-dən çox", "2000-ից ավելի"), unless the word says year in one of the
# languages ("2000 год", "2000-ci il", "2000 թ.").
_NOT_A_YEAR = re.compile(r"(?:\s+|-)(?!год|г\.|гг|թ|il|ci|cu|cü|cı|year|y\.)[^\W\d_]")
# A date that ends a span is a deadline, not the day the text speaks from
# ("until November 2025", "до ноября 2025", "մինչև 2025 թ. նոյեմբեր", "2025-ci ilin
# noyabrına qədər").
_UNTIL_BEFORE = re.compile(r"(?<!\w)(?:until|till|до|մինչև)\s*$", re.IGNORECASE)
_UNTIL_AFTER = re.compile(r"\w*\s+(?:qədər|dək)(?!\w)", re.IGNORECASE)
_OWN_DATE_SPAN = 300
_DATELINE = 60
# Years that far before a topic's period, and no later one, put a text in another
# time; a closer year is usually the background (the 2020 war behind the 2022 blockade).
YEAR_SLACK = 2


def _deadline(line: str, m: re.Match) -> bool:
    """Whether the date ``m`` in ``line`` ends a span ("until November 2025")."""
    return bool(
        _UNTIL_BEFORE.search(line, max(0, m.start() - 12), m.start())
        or _UNTIL_AFTER.match(line, m.end())
    )


def text_time(text: str, title_end: int = 0) -> tuple[tuple[int, int] | None, list[int]]:
    """The (year, month) ``text`` gives itself near its start, or None, and every year it names.

    ``text`` is the title, a line break and the body; ``title_end`` is the
    title's length. A date with a month name counts as the text's own only in
    the title or a dateline (a short line): inside a sentence it is usually
    another event ("the statement of November 9, 2020").
    """
    own = None
    for number, line in enumerate(text[: title_end + 1 + _OWN_DATE_SPAN].split("\n")):
        m = next((m for m in _OWN_DATE.finditer(line) if not _deadline(line, m)), None)
        if m and (m["y1"] or m["y2"] or number == 0 or len(line) <= _DATELINE):
            own = _own_month(m)
            break
    return own, [year for _, year in named_years(text)]


# "23 years ago", "the 30th anniversary": the text looks back that many years from
# its own time. Matched on folded text (crawler.textfold: lower case, no diacritics).
_YEARS_BACK = re.compile(
    r"(?<![\d.,])(?P<n>\d{1,3})(?:[ -]|-?(?:th|st|nd|rd|ci|cı|cu|ое|ая|я|й|ой)[ -]?)?"
    r"(?:years? ago|year anniversary|anniversary|(?:года|лет|год) назад|(?:летие|летия|летию)"
    r"|годовщин\w*|տարի առաջ|ամյակ\w*|տարելից\w*|il (?:evvel|once)|ildonum\w*)",
    re.IGNORECASE,
)


def years_back(text: str) -> list[tuple[int, int]]:
    """(offset, number of years) of every "N years ago" or "Nth anniversary" in folded ``text``."""
    return [(m.start(), int(m["n"])) for m in _YEARS_BACK.finditer(text) if int(m["n"]) > 0]


# An event named by its day alone, with no year beside it, in a text that gives no year:
# the text was written in the months after it. Each event: the month's spellings (found
# by a plain substring search first), the day and month in either order, and its words
# near the day.
_DAY_SPAN = 16
_YEAR_NEAR = 25
_WORDS_NEAR = 160


# Armenian names a night by the day it dawns on ("մարտի 7-ի լույս 8-ի գիշերը", "մարտի
# լույս 8-ի գիշերը": the night of 7 to 8 March): the day after "լույս" is the event's.
_DAWN_OF = r"(?:\d{1,2}-ի\s+)?լույս\s+"


@dataclass(frozen=True)
class _DayNamed:
    when: tuple[int, int]
    months: tuple[str, ...]
    day: re.Pattern
    words: re.Pattern


def _occurrences(lowered: str, needles: tuple[str, ...]) -> Iterator[tuple[int, str]]:
    """(offset, needle) of every occurrence of each of ``needles``, by plain substring
    search: a cue is looked for only around them, as most texts name none and a regex
    scan of a whole long text would cost more than the rest of the match."""
    for needle in needles:
        at = lowered.find(needle)
        while at != -1:
            yield at, needle
            at = lowered.find(needle, at + 1)


def _day_named(lowered: str, event: _DayNamed) -> bool:
    """Whether lower-cased text names ``event`` by its day alone, with its words near."""
    for at, month in _occurrences(lowered, event.months):
        start = max(0, at - _DAY_SPAN)
        m = event.day.search(lowered, start, at + len(month) + _DAY_SPAN)
        if m and not _YEAR.search(lowered, max(0, m.start() - _YEAR_NEAR), m.end() + _YEAR_NEAR):
            near = lowered[max(0, m.start() - _WORDS_NEAR) : m.end() + _WORDS_NEAR]
            if event.words.search(near):
                return True
    return False


# The ceasefire statement of 9-10 November 2020 named by its day alone ("the November 9
# statement", "с 10 ноября", "նոյեմբերի 9-ի հայտարարությունը", "noyabrın 10-da imzalanmış
# bəyanat"): a text that needs no year for it was written in the months after the 2020
# war.
_CEASEFIRE = _DayNamed(
    when=(2020, 11),
    months=("novemb", "nov.", "ноябр", "նոյեմբեր", "noyabr"),
    day=re.compile(
        r"(?<!\d)(?:9|10)(?:-?(?:th|го|ի|ին|da|də|u|cu))?\s+(?:of\s+)?"
        r"(?:november|ноябр|նոյեմբեր|noyabr)"
        rf"|(?:november|nov\.|ноябр\w*|նոյեմբերի|noyabr\w*)\s+(?:{_DAWN_OF})?(?:9|10)(?!\d)"
    ),
    words=re.compile(
        r"statement|agree|declaration|armistice|ceasefire|cease-fire|truce"
        r"|заявлени|соглашени|договорённост|договоренност|перемири|прекращени\w* огня"
        r"|հայտարարությ|համաձայնագ|պայմանավորվածությ|հրադադար|կրակի դադարեցմ"
        r"|bəyanat|saziş|razılaş|atəşkəs|kapitulyasiya"
    ),
)
# The gas pipeline to Karabakh damaged on 8 March 2022 ("в ночь на 8 марта", "մարտի 8-ին
# վթարված գազատարը", "on March 8", "martın 8-də"), nine months before the blockade's gas
# cuts: named by its day alone, it is that spring's.
_GAS_CUT = _DayNamed(
    when=(2022, 3),
    months=("march", "марта", "մարտի", "mart"),
    day=re.compile(
        r"(?<!\d)8(?:-?(?:th|го|ի|ին|də|da|i|ı))?\s+(?:of\s+)?(?:march|марта|մարտի|mart)"
        rf"|(?:march|марта|մարտի|mart\w*)\s+(?:{_DAWN_OF})?8(?!\d)"
    ),
    # Not "газета" (newspaper), "qazanmaq" (to win): the forms of gas itself.
    words=re.compile(
        r"(?<!\w)(?:gas|газ|газа|газу|газом|газопровод\w*|газоснабжени\w*"
        r"|գազ|գազի|գազը|գազատար\w*|գազամատակարար\w*|qaz|qazı|qazın|qaz kəmər\w*)(?!\w)"
    ),
)


def ceasefire_time(text: str) -> tuple[int, int] | None:
    """(2020, 11) when ``text`` names the ceasefire statement of 9-10 November by its day
    alone, with no year beside it: the year after the 2020 war; else None."""
    return _CEASEFIRE.when if _day_named(text.lower(), _CEASEFIRE) else None


def gas_cut_time(text: str) -> tuple[int, int] | None:
    """(2022, 3) when ``text`` names the gas cut of 8 March 2022 by its day alone, with no
    year beside it; else None."""
    return _GAS_CUT.when if _day_named(text.lower(), _GAS_CUT) else None


# The contingent's withdrawal from Karabakh (April-June 2024) named as having begun or
# happened ("the withdrawal of the Russian peacekeepers", "вывод российских
# миротворцев", "խաղաղապահների դուրսբերումը", "sülhməramlıların çıxarılması",
# "peacekeepers leaving Karabakh"): a text that tells it was written in 2024 or later,
# whatever else it recalls. The contingent's word and the withdrawal's stand a few
# words apart, in either order.
_PEACEKEEPERS = r"peace-?keep\w*|миротвор\w*|խաղաղապահ\w*|sülhməramlı\w*"
# Forms of having left or leaving, not of a wish or a fear ("will leave", "abandoned by
# the peacekeepers", "the commander must come out to them": "qarşısına çıxmasını").
_WITHDRAWAL = (
    r"withdr\w*|pull\w* out|left|leaving"
    r"|вывод\w*|выв[её]\w*|покинул\w*|покида\w*"
    r"|դուրսբեր\w*|դուրս (?:են )?բեր\w*|դուրս (?:են )?եկ\w*|լքել են|լքեցին"
    r"|çıxarıl\w*|tərk\w*"
)
_WITHDRAWAL_NEAR = re.compile(
    rf"(?<!\w)(?:(?:{_PEACEKEEPERS})(?:\W+\w+){{0,4}}?\W+(?:{_WITHDRAWAL})"
    rf"|(?:{_WITHDRAWAL})(?:\W+\w+){{0,4}}?\W+(?:{_PEACEKEEPERS}))(?!\w)"
)
_WITHDRAWAL_STEMS = ("peace", "миротвор", "խաղաղապահ", "sülhməramlı")
# Characters either side of a peacekeeper word searched for the pair: four words and more.
_WITHDRAWAL_SPAN = 90


def withdrawal_time(text: str) -> tuple[int, int] | None:
    """(2024, 4) when ``text`` tells of the Russian contingent's withdrawal from
    Karabakh (it began in April 2024); else None."""
    lowered = text.lower()
    # The pair is looked for only around each peacekeeper named.
    for at, _ in _occurrences(lowered, _WITHDRAWAL_STEMS):
        if _WITHDRAWAL_NEAR.search(lowered, max(0, at - _WITHDRAWAL_SPAN), at + _WITHDRAWAL_SPAN):
            return 2024, 4
    return None


# The border checkpoint Azerbaijan set up at the Hakari bridge on the Lachin road on 23
# April 2023, by its names ("пункт пропуска «Лачин»", "ПП «Лачин»", "Laçın sərhəd-buraxılış
# məntəqəsi", "the Lachin border checkpoint", "Լաչինի սահմանային անցակետ"): a text that
# names it was written from then on. The contingent's checkpoints in the corridor (2020-22)
# were no border crossing: "the Lachin checkpoint" alone may be one of them.
_CHECKPOINT = re.compile(
    # The lookahead on first letters skips most positions fast.
    r"(?=[пкlլ])(?:(?:пункт\w* пропуска|пп|кпп)[^.!?\n]{0,50}?[«\"“]лачин"
    r"|laçın sərhəd[- ]buraxılış məntəqə"
    r"|lachin border (?:check-?point|crossing)"
    r"|լաչինի սահմանային (?:անցակետ|անցման կետ))"
)


def checkpoint_time(text: str) -> tuple[int, int] | None:
    """(2023, 4) when ``text`` names the Lachin border checkpoint of April 2023; else None."""
    return (2023, 4) if _CHECKPOINT.search(text.lower()) else None


def named_years(text: str) -> list[tuple[int, int]]:
    """(offset, year) of every year ``text`` names, in order (a round count is not one)."""
    return [
        (m.start(), int(m.group()))
        for m in _YEAR.finditer(text)
        if int(m.group()) % 100 or not _NOT_A_YEAR.match(text, m.end())
    ]


def out_of_period(
    period: tuple[tuple[int, int], tuple[int, int]],
    own: tuple[int, int] | None,
    years: list[int],
    published: tuple[int, int] | None = None,
) -> bool:
    """Whether a text with its own date ``own``, named ``years`` and publication
    month ``published`` lies outside ``period``.

    The text's own date decides when there is one. Otherwise a text published
    outside the period is outside it, and so is one naming years only well
    before the period (``YEAR_SLACK``): it is about an earlier time (the 1992
    corridor, the missing of the 1990s) even when published within it, as an
    anniversary piece is.
    """
    first, last = period
    if own is not None:
        return own < first or own > last
    if published is not None and (published < first or published > last):
        return True
    return bool(years) and max(years) < first[0] - YEAR_SLACK
