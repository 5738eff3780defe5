"""Full-text queries as people type them, turned into FTS5 queries over ``articles_fts``.

The index (``unicode61 remove_diacritics 2``) lowercases and drops accents,
and splits words at hyphens and apostrophes, but keeps letters that
topics.toml's folding (:mod:`crawler.textfold`) treats as one apart: the
Azerbaijani dotless ``ı`` (Laçın) and ``ə`` (Xankəndi) and the Russian
``ё`` are indexed as themselves, so ``Lacin`` would miss ``Laçın``. :func:`fold_fts_query`
therefore

- folds each word as topics.toml does (``LAÇIN`` → ``lacin``) and searches
  it in every spelling the index can hold (``lacin`` OR ``lacın``);
- turns a word that the index splits (``Nagorno-Karabakh``, ``it's``) into a
  phrase of its parts, as the tokenizer stored them;
- keeps FTS5's operators (``AND``, ``OR``, ``NOT``, ``NEAR(…)``, brackets,
  ``"phrases"``, ``prefix*``, ``title:``/``body:``) and closes an unbalanced
  quote or bracket rather than failing.

Pure text in, text out: no database is needed.
"""

from __future__ import annotations

import itertools
import re

from crawler.textfold import fold

OPERATORS = frozenset({"AND", "OR", "NOT"})
COLUMNS = ("title", "body")
# Letters the index keeps apart although folding merges them: the folded
# letter -> the indexed spellings it stands for.
_INDEX_SPELLINGS = {"i": "iı", "e": "eə", "е": "её"}
# Spellings of one word searched at most: a long Azerbaijani word would
# otherwise ask for 2^n variants; past the cap only the first letters vary.
MAX_SPELLINGS = 16
_TOKEN = re.compile(r'"[^"]*"?|[()]|,|[^\s()",]+')
_WORD_PARTS = re.compile(r"\w+")


def _parts(text: str) -> list[str]:
    """The index's tokens of ``text``: folded, split where unicode61 splits."""
    return _WORD_PARTS.findall(fold(text).replace("_", " "))


def _spellings(part: str) -> list[str]:
    """Every spelling of a folded token the index may hold (at most ``MAX_SPELLINGS``)."""
    choices = [_INDEX_SPELLINGS.get(char, char) for char in part]
    variable = [n for n, options in enumerate(choices) if len(options) > 1]
    keep = set(variable[: MAX_SPELLINGS.bit_length() - 1])
    choices = [c if n in keep else c[0] for n, c in enumerate(choices)]
    return ["".join(combo) for combo in itertools.product(*choices)]


def _phrase(parts: list[str], prefix: bool, variants: bool) -> str:
    star = "*" if prefix else ""
    if not parts:
        return '""'
    if not variants:
        return f'"{" ".join(parts)}"{star}'
    per_part = [_spellings(part) for part in parts]
    phrases = []
    for combo in itertools.product(*per_part):
        phrases.append(f'"{" ".join(combo)}"{star}')
        if len(phrases) >= MAX_SPELLINGS:
            break
    return phrases[0] if len(phrases) == 1 else f"({' OR '.join(phrases)})"


def _term(token: str, variants: bool) -> str:
    column = ""
    head, sep, rest = token.partition(":")
    if sep and head.lower() in COLUMNS and rest:
        column, token = f"{head.lower()}:", rest
    if token.startswith('"'):
        inner = token[1:-1] if token.endswith('"') and len(token) > 1 else token[1:]
        prefix = False
    else:
        prefix = token.endswith("*")
        inner = token.rstrip("*")
    return column + _phrase(_parts(inner), prefix, variants)


def fold_fts_query(text: str) -> str:
    """The FTS5 query for ``text`` as a person typed it (see the module's docstring).

    ``Nagorno-Karabakh`` → ``"nagorno karabakh"``; ``it's`` → ``"it s"``;
    ``Lacin*`` → ``("lacin"* OR "lacın"*)``; ``"Hakari bridge" OR Stepanakert``
    keeps its phrase and operator. Never returns text FTS5 rejects for its
    quoting, brackets or operators (an empty query matches nothing).
    """
    out: list[str] = []
    depth = 0
    near_depth: int | None = None  # inside NEAR( … ) only plain phrases are allowed
    after_operand = False

    def operand(part: str) -> None:
        nonlocal after_operand
        # FTS5 (3.40) rejects a bracket or NEAR group juxtaposed with a term:
        # outside NEAR, neighbouring terms are joined by an explicit AND.
        if after_operand and near_depth is None:
            out.append("AND")
        out.append(part)
        after_operand = part not in ("(", "NEAR")

    tokens = _TOKEN.findall(text)
    for n, token in enumerate(tokens):
        following = tokens[n + 1] if n + 1 < len(tokens) else ""
        if token == "(":
            depth += 1
            if out and out[-1] == "NEAR":
                out.append("(")
            else:
                operand("(")
        elif token == ")":
            if not depth:
                continue
            depth -= 1
            if near_depth is not None and depth < near_depth:
                near_depth = None
            while out and (out[-1] in OPERATORS or out[-1] == ","):
                out.pop()
            if out and out[-1] == "(":  # an empty group
                out.pop()
                if out and out[-1] in OPERATORS:
                    out.pop()
                after_operand = bool(out) and out[-1] not in ("(", "NEAR")
            else:
                out.append(")")
                after_operand = True
        elif token == ",":
            if near_depth is not None:
                out.append(",")
        elif token == "NEAR" and following == "(":
            operand("NEAR")
            near_depth = depth + 1
        elif near_depth is not None and token.isdigit() and out and out[-1] == ",":
            out.append(token)
        elif token in OPERATORS and after_operand and following not in ("", ")"):
            out.append(token)
            after_operand = False
        else:
            term = _term(token, variants=near_depth is None)
            if term != '""':
                operand(term)
    while out and out[-1] in OPERATORS:
        out.pop()
    while depth:
        depth -= 1
        while out and out[-1] == ",":
            out.pop()
        if out and out[-1] == "(":
            out.pop()
        else:
            out.append(")")
    while out and out[-1] in OPERATORS or out[-1:] == ["NEAR"]:
        out.pop()
    query = " ".join(out).replace("( ", "(").replace(" )", ")").replace(" ,", ",")
    return query.replace("NEAR (", "NEAR(") or '""'
