"""Who a page credits for an article, from its structured data and its visible text.

Evidence in order of strength: people the publisher declares in JSON-LD (and
agencies declared beside them), a desk it declares as a person ("Guardian
staff reporter"), author meta tags; elements marked as bylines
(``class="byline"``, ``itemprop="author"``) of the article that holds the
headline; a byline printed under the headline ("Von Lars Meier und Jana
Roth"); a signature closing the text (``<p><em>Jane Doe</em></p>``);
``rel="author"`` links, which often name a CMS account; and last an
organisation the publisher declares as the author, an agency or its own
newsroom ("Redaktion hessenschau.de", "mbl.is").
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree

from crawler.dates import find_date_mentions
from crawler.extraction.authors import (
    DATE_LABEL,
    LABEL_WORDS,
    LEAD_WORDS,
    agency,
    caseless,
    clean_authors,
    clean_name,
    desk_credit,
    looks_like_name,
    role_word,
)
from crawler.extraction.bylines import headline_element, inside_foreign, visible_text
from crawler.extraction.structured import CLASS_TOKEN, Structured, text_value
from crawler.extraction.titles import host_names, is_site_name, slug

AUTHOR_META = (
    "author",
    "article:author",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
    "citation_author",
    "twitter:misc:written by",  # Yoast's "Written by" label, often the only readable name
    "articleauthor",
    "byl",
    "dcterms.creator",
    "article:author_name",
    "cxenseparse:author",
)
_MARKED_BYLINES = etree.XPath(
    '//@itemprop[.="author"]/..//*[@itemprop="name"]'
    ' | //@itemprop[.="author"]/parent::*[not(.//*[@itemprop="name"])]'
    f" | {CLASS_TOKEN.format('byline')} | {CLASS_TOKEN.format('author-name')}"
    f" | {CLASS_TOKEN.format('article-byline')} | {CLASS_TOKEN.format('article-author')}"
    # An hCard's formatted name ("author vcard" > "fn"), the microformat of WordPress themes.
    f" | {CLASS_TOKEN.format('vcard')}//*[contains(concat(' ', normalize-space(@class), ' '), ' fn ')]"
)
_AUTHOR_LINKS = etree.XPath('//@rel[.="author"]/parent::a')
# Class names of CMS byline elements beyond the standard ones ("c-byline", "article__author",
# "td-post-author-name", "metaInfoAuthorList-item"), and of the author boxes, pictures and
# biographies beside them, which name no one or say more than a name.
_AUTHOR_CLASS = re.compile(
    r"(?:byline|author|autor|auteur|verfasser)(?:s|list|info)?(?:[-_]+(?:name|names|link|item|list|text))*$",
    re.IGNORECASE,
)
# Path segments of an author's profile page: /author/jane-doe/, /autoren/max-muster,
# /signataires/jean-dupont/, /yazar/ali-veli.
_PROFILE_SEGMENTS = frozenset(
    "author authors autor autoren autorin auteur auteurs autore autori journalist journalists "
    "journalisten journaliste signataires profile profiles profil staff writer writers "
    "reporter reporters redakteur redakteure columnist columnists kolumnisten avtor avtory "
    "yazar yazarlar muallif contributor contributors byline".split()
)
# Visible furniture of the site itself: its footer and copyright line credit the owner.
_SITE_FOOTER = re.compile(r"footer|copyright|imprint|impressum", re.IGNORECASE)
_ORGANISATIONS = {"organization", "newsmediaorganization", "newsagency", "corporation"}
# How much visible text after the headline is searched for a byline (characters).
_AFTER_HEADLINE = 300
# A desk or author code in brackets after a name: "(jb)", "[obe]".
_CODE = re.compile(r"[(\[][^()\[\]\s]{1,10}[)\]]")
# Words before "by" / "von" that credit someone else than the writer: "Photo by …".
_CREDIT_OTHERS = frozenset(
    "picture pictures photo photos photograph image images video illustration graphic "
    "foto fotos bild bilder grafik illustration photographie vidéo imagen imagem".split()
)
# Labels of a picture's credit ("Foto: ÖTZ", "Bild: Jan Roth CC BY-SA"): no byline leads.
_PICTURE_LABELS = _CREDIT_OTHERS & LABEL_WORDS
# Leads of a byline printed under the headline.
_LEADS = LEAD_WORDS | {f"{word}:" for word in LABEL_WORDS - _PICTURE_LABELS}
# Words after which a lower-case "by" / "von" still leads a byline: "Posted by …".
_BYLINE_VERBS = frozenset(
    "posted written reported published geschrieben verfasst erstellt veröffentlicht "
    "écrit écrite rédigé rédigée publié escrito escrita publicado scritto scritta".split()
)
# Words that begin a sentence, never a name, when capitalised: a byline ends before them
# ("von Tobi Ein Leser fragte …", "by LD Die massenmediale …").
_SENTENCE_WORDS = frozenset(
    "die das ein eine einen einem einer eines seit the this that these those it its he she "
    "we they er sie es wir ich im am mit für bei nach vor über zum zur dem il un une uno "
    "los las ce cette cet elle nous ils on".split()
)
# Words of a bold line opening an article that is a subheading, not a name ("Key Points",
# "Das Wichtigste in Kürze"), besides the words that begin a sentence.
_SUBHEAD_WORDS = (
    frozenset(
        "key points highlights summary update updates live watch listen overview breaking "
        "wichtigste kürze überblick zusammenfassung anzeige werbung résumé essentiel sommaire "
        "resumen claves riassunto kort".split()
    )
    | _SENTENCE_WORDS
)
# Words that may sit inside or between names in a byline: joiners and name particles.
_JOINING = frozenset(
    "and und et og och y e i a en ve и և və & von van der de la le da di dos".split()
)
_EMPHASIS = frozenset({"em", "i", "strong", "b"})
_SIGNATURE_CHARS = 40
# How many elements after the headline are looked at for a byline without a lead, and
# how long the element holding a name beside the date (and perhaps the date) may be.
_UNDER_HEADLINE_ELEMENTS = 80
_DATED_NAME_CHARS = 60
_NAME_THEN_DATE = re.compile(r"^(.{3,50}?)\s*[|·•–—/]\s*(.+)$")
_BYLINE_ELEMENT_CHARS = 200
_ELEMENTS_ABOVE_HEADLINE = 12
_PARAGRAPH_CHARS = 100


def declared_credits(found: Structured) -> tuple[list[str], list[str]]:
    """``(people, organisations)`` named as the JSON-LD article's author, or where it names
    no one (absent, or an empty Person), its creator."""
    for key in ("author", "creator"):
        people, organisations = _named(found, found.resolve(found.article.get(key)))
        if people or organisations:
            break
    return people, organisations


def _named(found: Structured, value) -> tuple[list[str], list[str]]:
    """``(people, organisations)`` a JSON-LD author value names."""
    people: list[str] = []
    organisations: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        item = found.resolve(item)
        if isinstance(item, dict):
            name = text_value(item.get("name"))
            if not name:
                # schema.org allows a Person with only its parts.
                parts = [text_value(item.get(k)) for k in ("givenName", "familyName")]
                name = " ".join(p for p in parts if p) or None
            types = item.get("@type")
            types = types if isinstance(types, list) else [types]
            kinds = {str(t).lower().rsplit("/", 1)[-1] for t in types if t}
            if name:
                (organisations if kinds & _ORGANISATIONS else people).append(name)
        else:
            name = text_value(item)
            if name:
                people.append(name)
    return people, organisations


def headline_bylines(tree, headline) -> list[str]:
    """Bylines printed just below the headline element: "Von Lars Meier und Jana Roth"."""
    if headline is None:
        return []
    body = tree.find(".//body")
    text, start, end = visible_text(
        body if body is not None else tree.getroottree().getroot(), headline
    )
    if end <= start:
        return []  # the headline sits in a part of the page the walk leaves out
    return led_names(text[end : end + _AFTER_HEADLINE])


def led_names(text: str) -> list[str]:
    """The names that follow a byline lead in running text: "… Travel By Sophie Foster
    Travel News Reporter 11:58 …" -> ["Sophie Foster"]."""
    words = text.split()
    found: list[str] = []
    for i, word in enumerate(words):
        if word.lower() not in _LEADS or (i and words[i - 1].lower() in _CREDIT_OTHERS):
            continue
        if i and word[:1].islower() and _mid_sentence(words[i - 1]):
            continue  # "die Gesundheit von Mutter und Kind"
        taken = []
        following = words[i + 1 : i + 14]
        for j, token in enumerate(following):
            bare = token.rstrip(",")
            if role_word(bare) or bare.endswith(("'s", "’s")):
                break  # the name ends where a job title or a possessive begins
            if bare[:1].isupper() and bare.lower() in _SENTENCE_WORDS:
                break
            if j + 1 < len(following) and following[j + 1][:1].isdigit():
                break  # a month name: "Massis Post February 7, 2023"
            if not (
                bare[:1].isupper()
                or bare.lower() in _JOINING
                or caseless(bare)
                or agency(bare)
                or _CODE.fullmatch(bare)
            ):
                break
            taken.append(token)
            if token.endswith((".", "|")):
                break
        while taken and taken[-1].rstrip(",").lower() in _JOINING:
            taken.pop()
        # A byline names people in full: "Von Mensch zu Mensch" is a section, not a byline.
        if len(taken) >= 2:
            found.append(" ".join(taken))
    return found


def _mid_sentence(before: str) -> bool:
    """Whether a lower-case lead after the word ``before`` sits inside a sentence: a word
    comes before it, not a date, a separator or a verb of writing ("Posted by")."""
    return before[-1:].isalpha() and before.lower() not in _BYLINE_VERBS


def signature(tree) -> str | None:
    """A name set alone under the article's last paragraph (``<p><em>Jane Doe</em></p>`` or a
    right-aligned paragraph, followed by no more article text), or in bold above its first
    one (``<p><strong>Jane Doe</strong></p>``, no article text before it)."""
    for paragraph in tree.iter("p"):
        text = " ".join(paragraph.text_content().split())
        if not text or len(text) > _SIGNATURE_CHARS or not looks_like_name(text):
            continue
        emphasised = _emphasised(paragraph)
        if not (emphasised or _right_aligned(paragraph)):
            continue
        before = paragraph.getprevious()
        closing = (
            before is not None
            and before.tag == "p"
            and len(before.text_content().strip()) >= _PARAGRAPH_CHARS
            and not any(_plain_paragraph(p) for p in paragraph.itersiblings())
        )
        after = paragraph.getnext()
        opening = (
            emphasised
            and len(text.split()) >= 2
            and not any(w.lower() in _SUBHEAD_WORDS for w in text.split())
            and after is not None
            and _plain_paragraph(after)
            and not any(_plain_paragraph(p) for p in paragraph.itersiblings(preceding=True))
        )
        if closing or opening:
            return text
    return None


def _emphasised(paragraph) -> bool:
    """All of the paragraph's text sits in one ``<em>`` / ``<strong>``."""
    children = list(paragraph)
    return (
        len(children) == 1
        and children[0].tag in _EMPHASIS
        and not (paragraph.text or "").strip()
        and not (children[0].tail or "").strip()
    )


def _right_aligned(paragraph) -> bool:
    style = (paragraph.get("style") or "").replace(" ", "").lower()
    return "text-align:right" in style or paragraph.get("align") == "right"


def _plain_paragraph(element) -> bool:
    """Article text after a would-be signature: a long paragraph not wholly emphasised."""
    return (
        element.tag == "p"
        and len(element.text_content().strip()) >= _PARAGRAPH_CHARS
        and not _emphasised(element)
    )


def element_texts(elements) -> list[str]:
    """Each element's text with whitespace collapsed (strings as they are), empty ones left out."""
    out = []
    for element in elements:
        text = (
            " ".join("".join(element.itertext()).split())
            if hasattr(element, "itertext")
            else str(element)
        )
        if text:
            out.append(text)
    return out


def byline_texts(elements, limit: int = 5) -> list[str]:
    """Texts of the article's byline elements (not those of teasers, related links or
    comments), element boundaries kept as breaks between names where each piece is a
    full name: ``<span>Anna Fink</span><span>Jan Marchart</span>``."""
    out: list[str] = []
    for element in elements:
        if inside_foreign(element):
            continue
        pieces = [" ".join(t.split()) for t in element.itertext()]
        pieces = [p for p in pieces if p]
        names = [p for p in pieces if looks_like_name(p)]
        if len(names) >= 2 and all(len(p.split()) >= 2 for p in names):
            out.append(" | ".join(dict.fromkeys(pieces)))
        elif pieces:
            out.append(" ".join(pieces))
        if len(out) >= limit:
            break
    return out


def of_headline_article(elements: list, headline) -> list:
    """``elements`` inside the ``<article>`` that holds the headline, when any are; all of
    them otherwise. Teasers on the page are articles with bylines of their own."""
    own = next(headline.iterancestors("article"), None) if headline is not None else None
    if own is None:
        return elements
    inside = [e for e in elements if any(a is own for a in e.iterancestors("article"))]
    return inside or elements


def marked_bylines(tree, headline, site_names: list[str], url: str, elements=None) -> list[str]:
    """Names in the elements marked as bylines (``elements``, by default those of the standard
    marks); where one holds more than a byline ("Share Travel By Sophie Foster Travel News
    Reporter 11:58"), the names after its lead."""
    if elements is None:
        elements = _MARKED_BYLINES(tree)
    out: dict[str, str] = {}
    for text in byline_texts(of_headline_article(elements, headline)):
        names = clean_authors([text], site_names, url) or clean_authors(
            led_names(text), site_names, url
        )
        for name in names:
            out.setdefault(slug(name), name)  # one name in two byline elements counts once
    return list(out.values())


def classed_bylines(tree, headline, near: list, site_names: list[str], url: str) -> list[str]:
    """Names in the elements between the headline and the article text whose class says
    byline or author in a CMS's own words ("c-byline", "article__author",
    "td-post-author-name", "metaInfoAuthorList-item"); elsewhere on the page such classes
    mark the bylines of videos and teasers, or the credit of a source."""
    elements = [
        e
        for e in near
        if _byline_class(e.get("class", "")) and len(e.text_content()) <= _BYLINE_ELEMENT_CHARS
    ]
    return marked_bylines(tree, headline, site_names, url, elements)


def _byline_class(value: str) -> bool:
    return any(_AUTHOR_CLASS.search(token) for token in value.split())


def near_headline(headline) -> list:
    """The few elements just above the headline (where a byline or a date may sit above
    it) and those under it until the article text begins (its first long paragraph): where
    the byline, the date and the standfirst are set. In document order."""
    if headline is None:
        return []
    out = _above(headline, _ELEMENTS_ABOVE_HEADLINE)
    for element in _below(headline, _UNDER_HEADLINE_ELEMENTS):
        if element.tag == "p" and len(element.text_content().strip()) >= _PARAGRAPH_CHARS:
            break
        out.append(element)
    return out


# The XPath axes preceding:: and following:: build and sort node sets of the whole page;
# these walks stop after the few elements wanted.
def _above(element, limit: int) -> list:
    """The ``limit`` elements nearest before ``element`` (not its ancestors), in document order."""
    out: list = []
    node = element
    while node is not None and len(out) < limit:
        for sibling in node.itersiblings(preceding=True):
            out += [e for e in reversed(list(sibling.iter())) if isinstance(e.tag, str)]
            if len(out) >= limit:
                break
        node = node.getparent()
    return out[:limit][::-1]


def _below(element, limit: int):
    """The ``limit`` elements after ``element`` (not its descendants), in document order."""
    count = 0
    node = element
    while node is not None:
        for sibling in node.itersiblings():
            for found in sibling.iter():
                if isinstance(found.tag, str):
                    yield found
                    count += 1
                    if count >= limit:
                        return
        node = node.getparent()


def profile_links(headline, near: list, site_names: list[str], url: str) -> list[str]:
    """Names of the links to an author's profile page (``/author/jane-doe/``) in the article
    that holds the headline, or, where no ``<article>`` holds it, ``near`` the headline;
    none when they name more than three (a list of writers)."""
    own = next(headline.iterancestors("article"), None) if headline is not None else None
    candidates = own.iter("a") if own is not None else [e for e in near if e.tag == "a"]
    links = [
        a
        for a in candidates
        if _profile_path(a.get("href", ""))
        and not inside_foreign(a)
        and not _in_site_footer(a)
        and not _in_prose(a)
    ]
    names = clean_authors(element_texts(links), site_names, url)
    return names if len(names) <= 3 else []


def _profile_path(href: str) -> bool:
    """Whether ``href`` leads to a person's page: a profile segment followed by its slug."""
    try:
        path = urlsplit(href.strip()).path
    except ValueError:
        return False
    segments = [s for s in path.lower().split("/") if s]
    return any(
        segment in _PROFILE_SEGMENTS and i + 1 < len(segments) for i, segment in enumerate(segments)
    )


def _in_prose(link) -> bool:
    """Whether ``link`` sits in a paragraph of article text: a person the story names, linked
    to a page about them ("US President <a href=/topics/people/…>Donald Trump</a> has…")."""
    paragraph = next(link.iterancestors("p"), None)
    return paragraph is not None and len(paragraph.text_content().strip()) >= _PARAGRAPH_CHARS


def _in_site_footer(element) -> bool:
    """Whether ``element`` sits in the site's footer or copyright line, outside any article:
    a link there credits the site's owner, not the story's writer."""
    ancestors = list(element.iterancestors())
    if any(a.tag == "article" for a in ancestors):
        return False
    return any(
        a.tag == "footer" or _SITE_FOOTER.search(f"{a.get('class', '')} {a.get('id', '')}")
        for a in ancestors
    )


def dated_names(near: list) -> list[str]:
    """A name printed with no lead beside the article's date, near the headline: its own
    element just before the date's (``<span>Jane Doe |</span><span>05.04.2025</span>``)
    or one element "Jane Doe · 05.04.2025"."""
    for element in near:
        text = " ".join(element.text_content().split())
        if not text or len(text) > _DATED_NAME_CHARS:
            continue
        # The cheap test of the name first: the date and the ancestors only for a name.
        split = _NAME_THEN_DATE.match(text)
        if split and _name_beside_date(split.group(1)) and _starts_with_date(split.group(2)):
            name = split.group(1)
        else:
            name = text.rstrip(" |·•–—/,")
            after = element.getnext()
            if not _name_beside_date(name) or after is None:
                continue
            if not _starts_with_date(" ".join(after.text_content().split())):
                continue
        if not inside_foreign(element):
            return [name]
    return []


def _name_beside_date(text: str) -> bool:
    return 2 <= len(text.split()) <= 4 and looks_like_name(text) and not DATE_LABEL.search(text)


def _starts_with_date(text: str) -> bool:
    mentions = find_date_mentions(text[:40])
    return bool(mentions) and mentions[0].start <= 2


def page_authors(tree, found: Structured, site_names: list[str], url: str) -> list[str]:
    """The people (or agencies, or desk) the page credits for the article, strongest evidence first."""
    return next((names for names in _credits(tree, found, site_names, url) if names), [])


def _credits(tree, found: Structured, site_names: list[str], url: str):
    """Lists of credited names, one per kind of evidence, strongest first (computed lazily)."""
    people, organisations = declared_credits(found)

    def clean(values: list[str]) -> list[str]:
        return clean_authors(values, site_names, url)

    # Agencies credited beside people ("Jane Doe" and an Organization "dpa") are credits too.
    yield clean(people + [o for o in organisations if agency(o)]) if people else []
    # A desk declared in the publisher's own author field ("Guardian staff reporter") is
    # its credit; a "Person" named like the site is a CMS account and no credit at all.
    yield [d for v in people if clean_name(v)[0] is None and (d := desk_credit(v, named=True))][:1]
    yield clean(found.all(*AUTHOR_META))
    # Only pages without a declared person get this far: find the headline now.
    headline = headline_element(tree, found.article or found.page or None)
    yield marked_bylines(tree, headline, site_names, url)
    yield clean(headline_bylines(tree, headline))
    near = near_headline(headline)
    yield profile_links(headline, near, site_names, url)
    yield classed_bylines(tree, headline, near, site_names, url)
    yield clean(dated_names(near))
    yield clean([s] if (s := signature(tree)) else [])
    links = [a for a in _AUTHOR_LINKS(tree) if not _in_site_footer(a)]
    yield clean(byline_texts(of_headline_article(links, headline)))
    yield clean(organisations)
    # Nothing reads as a person or an agency: the desk or outlet the publisher declares
    # as the author, its own name included ("sportschau.de"); where it declares one, an
    # author meta tag naming the site ("ntv.com.tr") first, the page's own way of writing
    # that credit. (A site-named Person is a CMS account, no credit at all.)
    hosts = host_names(url)
    own = [v for v in found.all(*AUTHOR_META) if is_site_name(v, site_names, hosts)]
    own = own if organisations else []
    yield [d for v in own + organisations if (d := desk_credit(v))][:1]
