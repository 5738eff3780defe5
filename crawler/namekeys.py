"""Proper names as keys that do not depend on the language or script they are written in.

:func:`name_key` turns a name written in English, Armenian, Russian or
Azerbaijani into the consonant skeleton of its Latin transliteration:
Stepanakert, Степанакерте, Ստեփանակերտում and Xankəndi are one key, and so
are Pashinyan, Пашиняном, Փաշինյանը and Paşinyan. :func:`names_match` tells
two keys of one name apart from two names. Pure functions and tables, used by
:mod:`crawler.translations`.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache


def _classes(letters: str, classes: str) -> dict[str, str]:
    """Letter -> consonant class, from two aligned strings ("." drops the letter)."""
    return {letter: "" if cls == "." else cls for letter, cls in zip(letters, classes, strict=True)}


# Consonant classes. Transliterations agree on few vowels and on few of the
# sibilants and velars (Hakari / Акари / Həkəri, Ghazaryan / Казарян,
# Hajizada / Hacızadə), so each class is one letter and h is dropped.
_ARMENIAN = _classes(
    "աբգդեզէըթժիլխծկհձղճմյնշոչպջռսվտրցւփքևօֆ",
    ".BKD.Z..TJ.LKCK.ZKCM.NS.CPJRSVTRC.PKV.V",
)
_CYRILLIC = _classes(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ".BVKD..JZ..KLMN.PRST.VKCCSS......",
)
_LATIN = _classes(
    "abcdefghijklmnopqrstuvwxyzçşğəıöü",
    ".BKD.VK..JKLMN.PKRST.VVK.ZCSK....",
)
_AZERBAIJANI_VOWELS = "aeiouəıöü"
# Azerbaijani c is English j.
_AZERBAIJANI = {**_LATIN, "c": "J"}
# Digraphs first: "kh", "gh" are one velar, "sh", "zh", "ch", "ts", "dz" one
# sibilant or affricate; ``Ո`` starting a word is "vo"; Russian "дж" is j.
_DIGRAPHS = {
    "en": [
        ("kh", "K"),
        ("gh", "K"),
        ("sh", "S"),
        ("zh", "J"),
        ("ch", "C"),
        ("ts", "C"),
        ("dz", "Z"),
        ("ph", "P"),
        ("th", "T"),
        ("ck", "K"),
        ("ce", "Se"),
        ("ci", "Si"),
        ("cy", "Sy"),
    ],
    "az": [("dz", "Z")],
    "ru": [("дж", "J"), ("дз", "Z"), ("кс", "KS")],
    "hy": [("ու", "u")],
}


# Case endings cut off a name before its skeleton is taken (longest first),
# when what is left keeps three consonants: Пашиняном, Լաչինի, Bayramovun.
_ENDINGS = {
    "ru": "ского скому ским ской ская ское ский ском ами ями ом ем ым им ой ей ам ям ах ях",
    "hy": "ներից ների ներ ում ից ին ով ն",
    "az": "ndakı ndəki ndan ndən nda ndə dakı dəki ların lərin ları ləri dan dən nın nin nun nün "
    "lar lər da də ta tə ın in un ün nı ni na nə ya yə la lə",
}
_ENDING_LISTS = {
    language: sorted(endings.split(), key=len, reverse=True)
    for language, endings in _ENDINGS.items()
}


def _skeleton(word: str, language: str) -> str:
    """Consonant classes of ``word``, repeats collapsed ("Hakkari" = "Hakari")."""
    word = unicodedata.normalize("NFC", word).casefold()
    for ending in _ENDING_LISTS.get(language, ()):
        stem = word[: -len(ending)]
        if not word.endswith(ending) or len(_consonants(stem, language)) < 3:
            continue
        # Azerbaijani puts n or y between a vowel and an ending (Bakının,
        # Xankəndiyə), never after a consonant (Ermənistanın is -ın).
        if language == "az" and ending[0] in "ny" and stem[-1] not in _AZERBAIJANI_VOWELS:
            continue
        word = stem
        break
    return _consonants(word, language)


def _consonants(word: str, language: str) -> str:
    if language == "hy" and word.startswith("ո"):
        word = "վ" + word[1:]
    for digraph, replacement in _DIGRAPHS.get(language, ()):
        word = word.replace(digraph, replacement)
    table = {"hy": _ARMENIAN, "ru": _CYRILLIC, "az": _AZERBAIJANI}.get(language, _LATIN)
    out: list[str] = []
    for char in word:
        mapped = char if char.isupper() else table.get(char, "")
        for letter in mapped:
            if letter.isupper() and (not out or out[-1] != letter):
                out.append(letter)
    return "".join(out)


# Names that are another word in another language. Written in English
# spelling; a name whose skeleton is the left side's (a case ending allowed)
# becomes the right side's.
ALIASES = {
    "Hayastan": "Armenia",
    "Ermenistan": "Armenia",
    "Adrbejan": "Azerbaijan",
    "Rusastan": "Russia",
    "Rusiya": "Russia",
    "Khankendi": "Stepanakert",
    "Shusha": "Shushi",
    "Berdzor": "Lachin",
    "Aghdara": "Martakert",
    "Khojavend": "Martuni",
    "Artsakh": "Karabakh",
    "Gharabagh": "Karabakh",
    "Haag": "Hague",
}
_ALIASES = sorted(
    ((_skeleton(a, "en"), _skeleton(b, "en")) for a, b in ALIASES.items()),
    key=lambda pair: -len(pair[0]),
)
# Names in every story of the topic: they say little about which story.
COMMON_NAMES = frozenset(
    _skeleton(name, "en")
    for name in (
        "Armenia Azerbaijan Russia Karabakh Nagorno Stepanakert Lachin Baku Yerevan "
        "Moscow Kremlin Hakari Shushi"
    ).split()
)


@lru_cache(maxsize=65536)
def name_key(word: str, language: str) -> str:
    """The language-independent key of proper name ``word`` written in ``language``."""
    whole = _consonants(unicodedata.normalize("NFC", word).casefold(), language)
    for alias, target in _ALIASES:
        if len(alias) >= 3 and whole.startswith(alias) and len(whole) - len(alias) <= 3:
            return target
    return _skeleton(word, language)


def names_match(a: str, b: str) -> bool:
    """Two name keys of one name: equal, or one the other plus what is left of a case ending.

    A skeleton of four consonants or more is a stem (Лачинскому / Lachin when
    the ending was not recognised); shorter ones must be equal. Russian writes
    an initial h of Armenian and Azerbaijani names as г (Гаджизаде, Hacızadə),
    so one initial K may be missing.
    """
    if a == b:
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 4 and long.startswith(short) and len(long) - len(short) <= 2:
        return True
    return len(short) >= 3 and long[0] == "K" and long[1:] == short


# Words written with a capital that are not names: English title words, and
# the first words of institutions' names, which other languages translate.
_NOT_NAMES = frozenset(
    """the a an in on at of for and but or to by with from as it its this that these those
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday
    mr mrs ms dr president prime minister ministry foreign defense defence state secretary
    service council security court justice international committee republic national
    government parliament spokesman spokeswoman office mission union european department
    interior health border general representative permanent high affairs policy
    agency society center centre company head deputy chairman speaker red cross crescent""".split()
)
_NOT_NAME_STEMS = {
    "ru": "министерств минобороны мид международн государственн совет правительств президент "
    "генеральн общество союз верховн национальн федеральн красн крест полумесяц комитет служб",
    "hy": "կառավարությ նախարարությ ազգային միջազգային պետական կարմիր խորհուրդ "
    "նախագահ վարչապետ դատարան կոմիտե ծառայությ",
    "az": "nazirliy nazir xidmət komitə idarə şura məhkəmə agentlik cəmiyyət prezident dövlət "
    "xarici işlər müdafiə beynəlxalq milli respublika qırmızı xaç aypara baş təhlükəsizlik",
}


def not_a_name(word: str, language: str) -> bool:
    """True for a capitalised word that is a title or an institution's word, not a name."""
    lower = word.casefold()
    if lower in _NOT_NAMES:
        return True
    return any(lower.startswith(stem) for stem in _NOT_NAME_STEMS.get(language, "").split())
