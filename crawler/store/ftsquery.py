"""Search queries as people type them, turned into a full-text query the index understands.

``newsmon search 'Nagorno-Karabakh'``, ``it's`` or ``Lacin*`` are words, not
FTS5 syntax errors: every word is quoted (a hyphen or an apostrophe inside a
word keeps the word's parts together, as a phrase) and folded as topics.toml
folds text (``Laçın`` = ``LAÇIN`` = ``Lacin``). The FTS5 syntax people do use
keeps its meaning: ``"exact phrases"``, ``OR``, ``AND``, ``NOT``,
``prefix*``, parentheses, ``NEAR(a b, 5)`` and column filters ``title:word``.
A query that cannot mean anything (an unbalanced quote or parenthesis, an
operator with nothing on one side) raises :class:`SearchQueryError` with one
line naming what is wrong.

Folding is split between the index and the query so that both sides agree
exactly: SQLite's ``unicode61 remove_diacritics 2`` tokenizer folds case and
most diacritics; the letters it leaves alone but :func:`crawler.textfold.fold`
merges (``ı`` → ``i``, ``ə`` → ``e``, ``й`` → ``и``, ``ё`` → ``е``, Armenian
``ւ`` → ``վ``, ligatures, soft hyphens …) are :data:`INDEX_FOLDS`, applied to
the indexed text (the SQLite backend builds its triggers from it) and to
every query word (:func:`fold_for_index`). Pure functions: no SQL here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from crawler.store.base import SearchQueryError
from crawler.textfold import fold

# Characters of the monitored languages' scripts (Latin with Azerbaijani and
# Turkish letters, Cyrillic, Armenian) and the invisible ones, which
# textfold merges but the unicode61 tokenizer does not
# (tests/test_store_ftsquery.py checks the list against SQLite's tokenizer).
_INDEX_FOLD_CHARS = (
    "ªºß²³¹ıƏə"
    "ЀЁЃЇЌЍЎЙйѐёѓїќѝў"
    "\u0483\u0484\u0485\u0486\u0487\u0488\u0489"
    "Ււև\u055b\u055c\u055e\u055f"
    "\ufb00\ufb01\ufb02\ufb03\ufb04\ufb05\ufb06\ufb13\ufb14\ufb15\ufb16\ufb17"
    "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff"
)
INDEX_FOLDS: dict[str, str] = {char: fold(char) for char in _INDEX_FOLD_CHARS}
"""Character -> its folded form, applied to indexed text and query words alike."""

_INDEX_TABLE = str.maketrans(INDEX_FOLDS)

COLUMNS = ("title", "body")
"""Columns a ``column:word`` filter may name."""

OPERATORS = ("AND", "OR", "NOT")


def fold_for_index(text: str) -> str:
    """``text`` with :data:`INDEX_FOLDS` applied (the tokenizer does the rest)."""
    return text.translate(_INDEX_TABLE)


def has_word(text: str) -> bool:
    """Whether ``text`` holds a letter or digit (punctuation alone is no word to search for)."""
    return any(unicodedata.category(char)[0] in "LN" for char in text)


# --- the query tree -------------------------------------------------------------------


@dataclass(frozen=True)
class Phrase:
    """Words that must follow each other (one typed word is a phrase of its parts)."""

    text: str
    prefix: bool = False
    column: str | None = None

    def fts5(self, fold: bool = True) -> str:
        text = fold_for_index(self.text) if fold else self.text
        quoted = '"' + text.replace('"', '""') + '"'
        return (f"{self.column}:" if self.column else "") + quoted + ("*" if self.prefix else "")


@dataclass(frozen=True)
class Near:
    phrases: tuple[Phrase, ...]
    distance: int | None = None

    def fts5(self, fold: bool = True) -> str:
        inner = " ".join(p.fts5(fold) for p in self.phrases)
        return f"NEAR({inner}" + (f", {self.distance})" if self.distance is not None else ")")


@dataclass(frozen=True)
class Operation:
    operator: str
    """AND, OR or NOT."""
    operands: tuple = field(default_factory=tuple)

    def fts5(self, fold: bool = True) -> str:
        return f" {self.operator} ".join(
            f"({o.fts5(fold)})" if isinstance(o, Operation) else o.fts5(fold) for o in self.operands
        )


# --- reading what was typed ------------------------------------------------------------

_SPACE = re.compile(r"\s+")
_BARE = re.compile(r'[^\s"()]+')
_DISTANCE = re.compile(r"(.*?),(\d*)")


@dataclass
class _Token:
    kind: str
    """word, phrase, op, open, close, near, column"""
    text: str
    at: int
    prefix: bool = False


def _tokens(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    at = 0
    while at < len(query):
        space = _SPACE.match(query, at)
        if space:
            at = space.end()
            continue
        char = query[at]
        if char == '"':
            end = query.find('"', at + 1)
            if end < 0:
                raise SearchQueryError(
                    f'unbalanced double quote at character {at + 1}: close the phrase with "'
                )
            prefix = query.startswith("*", end + 1)
            tokens.append(_Token("phrase", query[at + 1 : end], at, prefix))
            at = end + 1 + prefix
        elif char in "()":
            tokens.append(_Token("open" if char == "(" else "close", char, at))
            at += 1
        else:
            word = _BARE.match(query, at).group()
            tokens.extend(_bare_tokens(word, at, query))
            at += len(word)
    return tokens


def _bare_tokens(word: str, at: int, query: str) -> list[_Token]:
    if word in OPERATORS:
        return [_Token("op", word, at)]
    if word == "NEAR" and query.startswith("(", at + len(word)):
        return [_Token("near", word, at)]
    column, colon, rest = word.partition(":")
    if colon and column.lower() in COLUMNS:
        tail = _bare_tokens(rest, at + len(column) + 1, query) if rest else []
        return [_Token("column", column.lower(), at), *tail]
    # A lower-case name before a colon reads as a column filter gone wrong; a
    # URL (https://…), a time (10:30) or "Re:Armenia" is searched as words.
    if (
        colon
        and rest
        and not rest.startswith("/")
        and column.isascii()
        and column.isalpha()
        and column.islower()
    ):
        raise SearchQueryError(
            f"unknown column {column!r} in {word!r} (a filter is title:word or body:word)"
        )
    prefix = word.endswith("*")
    stem = word.rstrip("*")
    if prefix and not has_word(stem):
        raise SearchQueryError(f"{word!r} at character {at + 1}: * must end a word (prefix*)")
    return [_Token("word", stem, at, prefix)]


class _Parser:
    """Recursive descent over FTS5's precedence: NOT binds tighter than AND, AND than OR."""

    def __init__(self, tokens: list[_Token]):
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self):
        node = self.expression()
        token = self.peek()
        if token is not None:
            raise SearchQueryError(f"unmatched ) at character {token.at + 1}")
        if node is None:
            raise SearchQueryError("the query has no word to search for")
        return node

    def expression(self):
        return self.binary("OR", self.conjunction)

    def conjunction(self):
        operands = []
        while True:
            token = self.peek()
            if token is None or token.kind == "close" or token.text == "OR" and token.kind == "op":
                break
            if token.kind == "op" and token.text == "AND":
                if not operands:
                    raise SearchQueryError(
                        f"AND at character {token.at + 1} needs a word before it"
                    )
                self.take()
                following = self.peek()
                if following is None or following.kind in ("op", "close"):
                    raise SearchQueryError(f"AND at character {token.at + 1} needs a word after it")
                continue
            node = self.negation()
            if node is not None:
                operands.append(node)
        if not operands:
            return None
        return operands[0] if len(operands) == 1 else Operation("AND", tuple(operands))

    def negation(self):
        token = self.peek()
        if token.kind == "op" and token.text == "NOT":
            raise SearchQueryError(
                f"NOT at character {token.at + 1} needs a word before it (a NOT b)"
            )
        node = self.primary()
        while (token := self.peek()) is not None and token.kind == "op" and token.text == "NOT":
            self.take()
            following = self.peek()
            right = self.primary() if following is not None and following.kind != "op" else None
            if right is None:
                raise SearchQueryError(f"NOT at character {token.at + 1} needs a word after it")
            if node is None:
                raise SearchQueryError(f"NOT at character {token.at + 1} needs a word before it")
            node = Operation("NOT", (node, right))
        return node

    def binary(self, operator: str, operand):
        operands = []
        while True:
            node = operand()
            token = self.peek()
            if token is not None and token.kind == "op" and token.text == operator:
                if node is None:
                    raise SearchQueryError(
                        f"{operator} at character {token.at + 1} needs a word before it"
                    )
                self.take()
                operands.append(node)
                continue
            if node is None and operands:
                raise SearchQueryError(f"{operator} needs a word after it")
            if node is not None:
                operands.append(node)
            break
        if not operands:
            return None
        return operands[0] if len(operands) == 1 else Operation(operator, tuple(operands))

    def primary(self):
        token = self.take()
        if token.kind == "open":
            node = self.expression()
            closing = self.peek()
            if closing is None or closing.kind != "close":
                raise SearchQueryError(f"unclosed ( at character {token.at + 1}")
            self.take()
            return node
        if token.kind == "close":
            raise SearchQueryError(f"unmatched ) at character {token.at + 1}")
        if token.kind == "near":
            return self.near(token)
        if token.kind == "column":
            target = self.peek()
            if target is None or target.kind not in ("word", "phrase"):
                raise SearchQueryError(
                    f"{token.text}: at character {token.at + 1} needs a word after it"
                )
            phrase = self.primary()
            return None if phrase is None else Phrase(phrase.text, phrase.prefix, token.text)
        if token.kind == "op":
            raise SearchQueryError(
                f"{token.text} at character {token.at + 1} needs a word before it"
            )
        # Punctuation typed alone (a dash, an ampersand) has no word to find.
        return Phrase(token.text, token.prefix) if has_word(token.text) else None

    def near(self, token: _Token) -> Near:
        self.take()  # the "(" that follows NEAR
        phrases: list[Phrase] = []
        distance = None
        comma = False
        while True:
            inner = self.peek()
            if inner is None:
                raise SearchQueryError(f"unclosed NEAR( at character {token.at + 1}")
            self.take()
            if inner.kind == "close":
                break
            if inner.kind not in ("word", "phrase"):
                raise SearchQueryError(
                    f"NEAR( at character {token.at + 1} takes words and phrases, then an optional , N"
                )
            text = inner.text
            if inner.kind == "word":
                if comma and text.isdigit():
                    distance = int(text)
                    continue
                if match := _DISTANCE.fullmatch(text):
                    text, comma = match.group(1), True
                    distance = int(match.group(2)) if match.group(2) else distance
            if has_word(text):
                phrases.append(Phrase(text, inner.prefix))
        if len(phrases) < 2:
            raise SearchQueryError(f"NEAR( at character {token.at + 1} needs two words or more")
        return Near(tuple(phrases), distance)


def parse(query: str):
    """The query tree of ``query`` (raises :class:`SearchQueryError`)."""
    return _Parser(_tokens(query)).parse()


def fts5_query(query: str, *, fold: bool = True) -> str:
    """``query`` as typed, as an FTS5 ``MATCH`` expression over the folded index
    (``fold=False``: over an index of unfolded text, as before migration m020)."""
    return parse(query).fts5(fold)


_WORDS = re.compile(r"\w+")


def fold_fts_query(query: str) -> str:
    """Like :func:`fts5_query`, but never fails: a query that cannot mean
    anything is searched as its words (for a search box, where an error page
    helps nobody; the command line says what is wrong instead)."""
    try:
        return fts5_query(query)
    except SearchQueryError:
        words = [fold_for_index(word) for word in _WORDS.findall(query.replace("_", " "))]
        return " ".join(f'"{word}"' for word in words) or '""'
