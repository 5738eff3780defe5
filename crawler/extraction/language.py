"""The language of an article's text (ISO 639-1), declared languages as hints only.

Pages often declare the site's default (``<html lang="en">`` on a Russian
story of a trilingual site), so the text decides when it is clear. A
declared language wins only when the text is too short or the classifier
hesitates and still finds the declared language plausible. Plain English text
declared English, or not declared, is recognised by its words without the classifier.
"""

from __future__ import annotations

import re
from functools import cache

# Armenian letters: no other language newsmon reads uses this script.
_ARMENIAN = re.compile(r"[\u0531-\u0556\u0561-\u0587]")
# Schwa is Azerbaijani Latin's own letter; Turkish, the classifier's usual confusion, has none.
_SCHWA = re.compile(r"[əƏ]")

SAMPLE_CHARS = 3000
"""Characters of text classified (the start of the body carries the language well)."""
MIN_LETTERS = 20
"""Below this many letters the text is not classified; the declared language is returned."""
CONFIDENT = 0.9
"""Classifier probability above which the text overrules the declared language."""
PLAUSIBLE = 0.01
"""Probability the classifier must give a declared language for it to be kept."""


# Words only English writes (not Dutch "is"/"was", German "will", Polish "to"/"on"…):
# about a sixth of English news text, none of the other languages' texts of the dev sets
# (0.09 on a German page quoting an English speech, whose German words then count).
_ENGLISH_WORDS = frozenset(
    "the of and that with from said which their they this were been would have has".split()
)
# Common words of other languages written in Latin letters that English text does not use
# (not "el", "los", "von", "com", "et"…: Los Angeles, von der Leyen, .com, et al.).
_OTHER_WORDS = frozenset(
    """der und ist nicht ein eine zu das dem sich auch auf für wird werden sind
    le la les des une que pour dans qui sur sont avec por una para como pero más
    não uma foi ini itu dengan untuk dari tidak akan het een niet zijn voor ook
    bir için ile olan og ikke som och att är inte się nie jest że""".split()
)
_WORD = re.compile(r"[^\W\d_]+")
_NOT_LATIN = re.compile(r"[^\W\d_\u0000-\u024f]")
ENGLISH_SHARE = 0.08
"""Share of English's own words from which a text declared English (or undeclared) is English…"""
OTHER_SHARE = 0.02
"""…unless more than this share of its words belong to another language."""


def _plainly_english(sample: str, letters: int) -> bool:
    """Latin script, English's own words and hardly another language's: the classifier
    (1–2 ms a page) could only confirm English. On the dev sets and the relevance texts,
    with every declaration, a wrong one or none, it gives the classifier's answer."""
    if len(_NOT_LATIN.findall(sample)) > 0.05 * letters:
        return False
    words = _WORD.findall(sample.lower())
    english = sum(map(_ENGLISH_WORDS.__contains__, words))
    other = sum(map(_OTHER_WORDS.__contains__, words))
    return english >= ENGLISH_SHARE * len(words) and other <= OTHER_SHARE * len(words)


@cache
def _identifier():
    # Loaded once per process (about 0.3 s); py3langid ships its model in the wheel.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def normalise_code(value: str | None) -> str | None:
    """``hy-AM`` / ``ru_RU`` / ``az-Latn`` / ``EN`` -> the ISO 639-1 code, None if not a code."""
    if not value:
        return None
    code = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    return code if re.fullmatch(r"[a-z]{2}", code) else None


def detect_language(text: str | None, declared: list[str | None] = ()) -> str | None:
    """ISO 639-1 code of ``text``; ``declared`` (page, structured data, source) in order of trust."""
    hints = [code for code in map(normalise_code, declared) if code]
    sample = (text or "")[:SAMPLE_CHARS]
    # Runs of letters, not single letters: the same count, a shorter list.
    letters = sum(map(len, _WORD.findall(sample)))
    if letters < MIN_LETTERS:
        return hints[0] if hints else None
    if len(_ARMENIAN.findall(sample)) > 0.5 * letters:
        return "hy"
    if (not hints or hints[0] == "en") and _plainly_english(sample, letters):
        return "en"
    ranked = _identifier().rank(sample)
    best, probability = ranked[0]
    if best in ("tr", "crh", "tk") and len(_SCHWA.findall(sample)) > 0.005 * letters:
        return "az"
    if probability >= CONFIDENT or not hints:
        return best
    scores = dict(ranked)
    for hint in hints:
        if scores.get(hint, 0.0) >= PLAUSIBLE:
            return hint
    return best
