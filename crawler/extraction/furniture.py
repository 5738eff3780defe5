"""Page furniture that survives boilerplate removal, and how to take it out of a body.

Three kinds, each a general rule (no site is named here):

* a *section marker* near the end of the body — "Leave a Reply", "You May
  Also Like", "Related posts", "Comments", "Читайте также", "Նմանատիպ
  նյութեր", "Oxşar xəbərlər" — starts what is not the article: it and
  everything after it go;
* at the end, lists of links and a closing "Source: …" credit go;
* a *furniture line* anywhere — follow-us / subscribe / newsletter / "click
  here" / "can be reached at" / copyright lines, comment-form notices,
  WordPress shortcodes that leaked as text — is dropped on its own;
* at the top, the headline or standfirst repeated as the first block, the
  date printed above the text, and short link-only crumbs (a section name,
  a handle) before the text starts.

Blocks are :class:`crawler.extraction.body.Block`; these functions return
the blocks to keep and never add text.
"""

from __future__ import annotations

import re

from crawler.extraction.body import Block, text_key

# A short block that is, as a whole, one of these headings announces page
# furniture (comments, related stories, sharing, sign-up boxes). Four
# languages: English, Russian, Armenian, Azerbaijani.
_SECTION = re.compile(
    r"\W*(?:"
    # English
    r"leave a (?:reply|comment)|post a comment|add a comment|(?:\d+ |user |reader |show |view )?comments?|"
    r"join the (?:discussion|conversation)|tell us what you think|what do you think|"
    r"you (?:may|might) (?:also )?(?:like|enjoy)|you may be interested in|"
    r"related(?: posts?| articles?| stories| news| content| coverage| reading| topics| links)?|"
    r"(?:more|latest|other|popular|top) (?:stories|news|articles|posts|headlines)|trending(?: now| stories| news)?|"
    r"more from .{1,40}|most (?:read|popular|viewed|shared)|recommended(?: for you| stories| articles| reading)?|"
    r"read (?:more|also|next)|see also|also read|"
    r"share(?: this(?: article| story| post)?)?|share (?:on|via) .{1,30}|"
    r"(?:sign up|subscribe)(?: now| today)?|(?:sign up for|subscribe to) our .{1,40}|get (?:the|our) .{1,30} newsletters?|"
    # Russian
    r"(?:читайте|читать) (?:также|еще|ещё|далее)|смотрите также|"
    r"(?:похожие|другие|последние|популярные|читаемые|рекомендуемые) (?:новости|статьи|материалы|публикации)|"
    r"(?:новости|материалы|статьи) по теме|поделиться(?: в соцсетях| с друзьями)?|комментарии(?: \d+)?|"
    r"(?:оставить|добавить|оставьте|написать) комментарий|подпи(?:шитесь|сывайтесь) на .{1,40}|"
    # Armenian
    r"կարդացեք նաև|կարդալ (?:նաև|ավելին)|նույն թեմայով|"
    r"(?:նմանատիպ|առնչվող|այլ|վերջին) (?:նյութեր|լուրեր|հոդվածներ)|կիսվել|"
    r"մեկնաբանություն(?:ներ)?|թողնել մեկնաբանություն|բաժանորդագրվ.{0,40}|"
    # Azerbaijani
    r"(?:həmçinin|bunu da) oxu(?:yun)?|(?:oxşar|digər|son|əlaqəli) xəbərlər|paylaş|şərhlər|"
    r"şərh (?:yaz|əlavə et)|abunə ol.{0,40}"
    r")(?:\s*\(?\d+\)?)?\W*",
    re.IGNORECASE,
)
SECTION_MAX_WORDS = 8

# A sentence of this kind marks the whole (short) block as furniture. An alternative that
# can match past the start needs a word of _FURNITURE_WORDS below: add it there too.
_FURNITURE_LINE = re.compile(
    r"(?:"
    r"\bclick here\b|^\W*explore further\W*$|\b(?:right )?in(?:to)? your inbox\b|"
    # a newsletter offered, not one reported on
    r"\b(?:sign up|subscribe|register|join)\b[^.!?]{0,60}\bnewsletters?\b|\bour (?:\w+ )?newsletters?\b|"
    r"\bnewsletters?\b[^.!?]{0,60}\b(?:sign up|subscribe|inbox)\b|"
    r"\bfollow (?:us|me)\b|\bfollow\b[^.!?]{0,40}\bon (?:twitter|x|facebook|instagram|youtube|linkedin|"
    r"telegram|tiktok|threads|bluesky|google news)\b|"
    r"\bsubscribe to\b[^.!?]{0,60}\b(?:channel|feed|alerts?|updates|podcast)\b|"
    r"\b(?:can|may) be (?:reached|contacted) at\b|\bhave a (?:news )?tip\b|"
    r"your email address will not be published|required fields are marked|"
    r"\ball rights reserved\b|\bcopyright\b\s*(?:©|\(c\)|\d{4})|©\s*\d{4}|"
    # Russian, Armenian, Azerbaijani: rights, "subscribe to our channel", "link required"
    r"все права защищены|подписывайтесь|подпишитесь на наш|следите за (?:нами|новостями) в|"
    r"բաժանորդագրվեք|հետևեք մեզ|abunə olun|kanalımızda izləyin|bizi (?:telegram|facebook|instagram)|"
    r"при (?:полном или частичном )?(?:использовании|цитировании|перепечатке).{0,80}ссылка.{0,40}обязательна|"
    r"բոլոր իրավունքները պաշտպանված են|հղումը[^.]{0,40}պարտադիր է|"
    r"bütün hüquqlar qorunur|istinad(?: edilməsi)? (?:mütləqdir|vacibdir)"
    r")"
    # A teaser or a tag line: "Related: <headline>", "Read more: …", "Tags: a, b".
    r"|^\W*(?:related|more|read (?:also|more|next)|see also|also read|also see|watch|listen|"
    r"filed under|tags?|tagged(?: with)?|categories|category|posted in|topics|"
    r"читайте также|читать также|смотрите также|теги|метки|"
    r"կարդացեք նաև|պիտակներ|թեգեր|həmçinin oxuyun|teqlər|etiketlər)\s*[:>»|՝։—–]",
    re.IGNORECASE,
)
FURNITURE_MAX_WORDS = 45

# A WordPress shortcode that leaked into the text: "[button link=…]Send[/button]".
_SHORTCODE = re.compile(r"\[(/?)([a-z][\w-]*)(?:\s+[^\]]*)?\]", re.IGNORECASE)


def is_section_marker(block: Block) -> bool:
    """A short block announcing comments, related stories, sharing, tags or a sign-up box."""
    return block.words <= SECTION_MAX_WORDS and bool(_SECTION.fullmatch(block.text.strip()))


def is_furniture_line(block: Block) -> bool:
    """A block that is a call to follow, subscribe, click or write, a rights notice or a shortcode."""
    if has_shortcode(block.text):
        return True
    limit = FURNITURE_MAX_WORDS * (2 if block.link_share >= 0.5 else 1)
    return block.words <= limit and _has_furniture_line(block.text)


# Words one of which every unanchored alternative of _FURNITURE_LINE needs (after the
# folding below). Searching the big pattern costs about 0.3 µs a character, most of the
# extraction's furniture time; without any of these words only a match at the start
# (the anchored alternatives) is possible, and ``match`` tries that one position alone.
_FURNITURE_WORDS = (
    "click here", "your inbox", "newsletter", "follow", "subscribe to", "reached at",
    "contacted at", "tip", "your email address", "required fields", "rights reserved",
    "copyright", "©", "все права", "подписывайтесь", "подпишитесь", "следите за", "обязательна",
    "բաժանորդագրվեք", "հետևեք մեզ", "իրավունքները", "պարտադիր", "abunə olun", "kanal",
    "telegram", "facebook", "instagram", "hüquqlar", "mütləq", "vacib",
)  # fmt: skip
# ``re.IGNORECASE`` also matches "ı" and "İ" to "i" (and "ſ" to "s"); fold them alike.
_FOLD = str.maketrans({"ı": "i", "\u0307": None})


def _fold(text: str) -> str:
    return text.casefold().translate(_FOLD)


_FOLDED_WORDS = tuple(map(_fold, _FURNITURE_WORDS))


def _has_furniture_line(text: str) -> bool:
    """``_FURNITURE_LINE.search(text)``, without the search when no alternative can match."""
    folded = _fold(text)
    if any(word in folded for word in _FOLDED_WORDS):
        return _FURNITURE_LINE.search(text) is not None
    return _FURNITURE_LINE.match(text) is not None


def has_shortcode(text: str) -> bool:
    """True when ``text`` holds an opening and the matching closing shortcode tag."""
    opened: set[str] = set()
    closed: set[str] = set()
    for m in _SHORTCODE.finditer(text):
        (closed if m.group(1) else opened).add(m.group(2).lower())
    return bool(opened & closed) or bool(re.search(r"\[[a-z][\w-]*\s+[a-z_-]+=[\"”“']", text, re.I))


_DATE_PART = re.compile(
    r"\b(?:1[89]|20)\d\d\b|\b\d{1,2}[:.]\d\d\b|\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b"
)
_LETTERS = re.compile(r"[^\W\d_]+")


def is_dateline(block: Block) -> bool:
    """A short block that is only a date or time ("12 января 2023, 14:05", "Updated Feb 7,
    2023 10:15 AM"): page metadata printed above the text, not part of it."""
    if block.words > 8 or not _DATE_PART.search(block.text):
        return False
    return len(_LETTERS.findall(block.text)) <= 4


def trim_head(blocks: list[Block], titles: list[str], standfirsts: list[str] = ()) -> list[Block]:
    """Drop the blocks before the text starts that repeat the headline (``titles``), headings
    that repeat the standfirst, and short link-only crumbs (section name, social handle).

    A paragraph equal to the standfirst stays: sites often use the lede as description."""
    title_keys = [k for k in map(text_key, titles) if k]
    standfirst_keys = [k for k in map(text_key, standfirsts) if k]
    start = 0
    while start < len(blocks) - 1:
        block = blocks[start]
        key = block.key
        heading = block.tag == "head"
        echo = any(key == k or (heading and (key in k or k in key)) for k in title_keys)
        echo = echo or (heading and any(key == k or key in k for k in standfirst_keys))
        crumb = block.words <= 5 and block.link_share >= 0.5
        if not key or echo or crumb or is_dateline(block):
            start += 1
            continue
        break
    return blocks[start:]


def trim_tail(blocks: list[Block], *, min_share: float = 0.4) -> list[Block]:
    """Cut at the first section marker that comes after ``min_share`` of the text, then drop
    trailing link lists (related stories) and source credits."""
    total = sum(b.words for b in blocks) or 1
    seen = 0
    for i, block in enumerate(blocks):
        if i > 0 and seen >= min_share * total and is_section_marker(block):
            blocks = blocks[:i]
            break
        seen += block.words
    while len(blocks) > 1 and (
        (blocks[-1].tag == "list" and blocks[-1].link_share >= 0.6) or is_credit(blocks[-1])
    ):
        blocks = blocks[:-1]
    return blocks


_CREDIT = re.compile(
    r"\W*(?:source|sources|via|источник|источники|աղբյուր|աղբյուրը|mənbə)\s*[:՝-]\s*\S.{0,60}",
    re.IGNORECASE,
)


def is_credit(block: Block) -> bool:
    """A closing "Source: News agencies" line: who supplied the story, not what it says."""
    return block.words <= 6 and bool(_CREDIT.fullmatch(block.text.strip()))


def remove_furniture(
    blocks: list[Block], titles: list[str], standfirsts: list[str] = ()
) -> list[Block]:
    """All three rules, in order: furniture lines, the tail cut, the head trim."""
    kept = [b for b in blocks if not is_furniture_line(b)]
    if not kept:
        return blocks
    kept = trim_tail(kept)
    return trim_head(kept, titles, standfirsts)
