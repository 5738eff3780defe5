"""The language of an article's text (ISO 639-1), declared languages as hints only.

Pages often declare the site's default (``<html lang="en">`` on a Russian
story of a trilingual site), so the text decides when it is clear. A
declared language wins only when the text is too short or the classifier
hesitates and still finds the declared language plausible.
"""

from __future__ import annotations

import re
from functools import cache

# Armenian letters: no other language newsmon reads uses this script.
_ARMENIAN = re.compile(r"[\u0531-\u0556\u0561-\u0587]")
# Schwa is Azerbaijani Latin's own letter; Turkish, the classifier's usual confusion, has none.
_SCHWA = re.compile(r"[əƏ]")
_LETTER = re.compile(r"[^\W\d_]")

SAMPLE_CHARS = 3000
"""Characters of text classified (the start of the body carries the language well)."""
MIN_LETTERS = 20
"""Below this many letters the text is not classified; the declared language is returned."""
CONFIDENT = 0.9
"""Classifier probability above which the text overrules the declared language."""
PLAUSIBLE = 0.01
"""Probability the classifier must give a declared language for it to be kept."""


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
    letters = _LETTER.findall(sample)
    if len(letters) < MIN_LETTERS:
        return hints[0] if hints else None
    if len(_ARMENIAN.findall(sample)) > 0.5 * len(letters):
        return "hy"
    ranked = _identifier().rank(sample)
    best, probability = ranked[0]
    if best in ("tr", "crh", "tk") and len(_SCHWA.findall(sample)) > 0.005 * len(letters):
        return "az"
    if probability >= CONFIDENT or not hints:
        return best
    scores = dict(ranked)
    for hint in hints:
        if scores.get(hint, 0.0) >= PLAUSIBLE:
            return hint
    return best
