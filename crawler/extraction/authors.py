"""Author names from the strings publishers credit them with.

A byline string carries more than names: a "By" / "Von" / "Par" lead, several
names joined the page's own way ("A und B", "A, B & C", "A y B"), desk codes
in brackets ("Elena Oberholzer (obe)"), job titles, e-mail addresses and the
date glued on. :func:`clean_authors` turns such strings into names;
agencies (dpa, AP, AFP, Reuters, TASS…) are credits like people and kept,
written the way the agency writes itself.
"""

from __future__ import annotations

import re

from crawler.extraction.titles import host_names, slug

MAX_BYLINE_CHARS = 120
"""A longer string is prose (a comment policy, a bio), not a byline."""

# News agencies as they write their names, looked up by slug. Short or lower-case
# ones ("AP", "dpa", "AA") would otherwise fail the checks that keep initials
# and codes out.
_AGENCY_NAMES = (
    "dpa AP AFP Reuters ANSA EFE APA TASS ТАСС KNA epd SID AA Xinhua Kyodo Yonhap PA ANP Belga "
    "NTB TT Ritzau STT ČTK CTK PAP MTI Lusa SDA ATS Keystone-SDA dts UPI AGI Adnkronos "
    "Ukrinform UNIAN Interfax Интерфакс ИТАР-ТАСС Sputnik Armenpress Арменпресс "
    "Արմենպրես Azertac АЗЕРТАДЖ Trend Bernama Antara Jiji BTA HINA Tanjug IANS PTI ANI"
)
_MULTI_WORD_AGENCIES = (
    "Europa Press",
    "РИА Новости",
    "Associated Press",
    "Agence France-Presse",
    "Press Association",
    "Anadolu Agency",
    "Anadolu Ajansı",
)
AGENCIES: dict[str, str] = {
    slug(name): name for name in [*_AGENCY_NAMES.split(), *_MULTI_WORD_AGENCIES]
}

# Leads before a byline, in the languages newsmon meets: "By", "Von", "Par", "Por",
# "Door", "Av"/"Af", "di", "Przez", "Автор", "Yazan"; and labels that need a colon:
# "Text:", "Автор:", "Հեղինակ՝"…
LEAD_WORDS = frozenset("by von par por door av af di przez автор yazan".split())
_LEAD = re.compile(
    r"^\s*(?:(?:written|posted|reported|words|story|text)\s+by|(?:geschrieben|verfasst)\s+von|"
    r"(?:écrit|écrite|rédigé|rédigée)\s+par|(?:escrito|escrita)\s+por|(?:scritto|scritta)\s+da|"
    r"by|von|par|por|door|av|af|di|przez|автор|yazan)\s+",
    re.IGNORECASE,
)
# A label before a colon: "Text und Fotos:", "Autorin:", "Redaktion:", "Автор:".
_LABEL = re.compile(r"^\s*([^:՝]{1,30})[:՝]\s*")
LABEL_WORDS = frozenset(
    "text texte tekst texto textos words autor autorin autora autores author authors auteur "
    "redacción redaktion redaction fotos foto photos photo pictures bilder bild video "
    "interview quelle source fuente автор авторы текст фото հեղինակ müəllif yazar muhabir "
    "reporting reportage und and et y".split()
)
# Words that join names, per language; the short ones ("y", "e", "i", "a", "en"), and
# "with" / "mit" that join a writer and an agency, only between two full names or a
# name and an agency, and only in lower case: "Ortega y Gasset" stays one name.
_JOINERS = r"and|und|et|og|och|ja|oraz|ve|и|та|і|և|və"
_SHORT_JOINERS = r"y|e|i|a|en|u|mit|with|avec|con|com|met"
_SEPARATORS = re.compile(rf"\s*(?:[,;&+|/\n]|\s[-–—]\s|\s(?:{_JOINERS})\s)\s*", re.IGNORECASE)
# Words that join an agency's share to a byline: "mit Material von dpa", "(avec AFP)",
# "con información de EFE", "with reporting from Reuters".
_AGENCY_SHARE = re.compile(
    r"^(?:(?:mit|with|avec|con|com|and|und|plus)\s+)?(?:(?:material|informationen|information|"
    r"información|informações|reporting|additional reporting|agences?|agencies|agenturen)\s+)?"
    r"(?:(?:von|from|by|de|da|do|der|des|del|d')\s*)?",
    re.IGNORECASE,
)
_SHORT_SEPARATOR = re.compile(rf"\s(?:{_SHORT_JOINERS})\s")
# A bracketed code after a name: desk or author initials "(obe)", "(dpa)", "[AFP]".
_BRACKETED = re.compile(r"\s*[(\[]([^()\[\]]{1,40})[)\]]\s*")
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_URL = re.compile(r"https?://\S+|www\.\S+")
# A date or time glued to the name: "12.03.2024", "2024-03-12", "14:05 Uhr", "11:58, 23 APR 2024".
_DATE_TAIL = re.compile(
    r"[\s,|·–—-]*(?:\b(?:updated|published|aktualisiert|veröffentlicht|am|le|el|il|on)\b\s*)?"
    r"(?:\d{1,4}[./:-]\d{1,2}(?:[./:-]\d{1,4})?|\d{1,2}\s+\w{3,9}\.?\s+\d{4}|"
    r"[^\W\d_]{3,9}\.?\s+\d{1,2},?\s+\d{4}|\d{4}).*$",
    re.IGNORECASE,
)
# Words that label a date or share the page rather than name a person: "Veröffentlicht
# am …", "Zuletzt aktualisiert | 05.04.2025", "Twitter Facebook" (an author box's links).
DATE_LABEL = re.compile(
    r"\b(?:published|updated|posted|modified|created|aktualisiert|veröffentlicht|zuletzt|"
    r"erstellt|datum|publié|modifié|publicado|actualizado|fecha|pubblicato|aggiornato|"
    r"gepubliceerd|bijgewerkt|opublikowano|zaktualizowano|опубликовано|обновлено|дата|"
    r"güncelleme|yayınlanma|tarih|heute|today|gestern|yesterday)\b",
    re.IGNORECASE,
)
_NOT_NAMES = re.compile(
    r"\b(?:twitter|facebook|instagram|linkedin|whatsapp|telegram|youtube|tiktok|pinterest|"
    r"mastodon|bluesky|threads|e-?mail|rss|share|teilen|drucken|print|follow|folgen)\b",
    re.IGNORECASE,
)
# Job titles and desk words: a name keeps none of them ("Robert Burns, AP National
# Security Writer" -> "Robert Burns"); a credit made only of them is a desk.
_ROLE = re.compile(
    r"\b(?:writer|editor|correspondent|reporter|contributor|columnist|staff|photographer|"
    r"journalist|journalistin|redakteur|redakteurin|korrespondent|korrespondentin|reporterin|"
    r"autorin|rédacteur|rédactrice|journaliste|envoyée?|spéciale?|periodista|redactora?|"
    r"corresponsal|giornalista|inviato|dziennikarz|корреспондент|редактор|обозреватель|"
    r"թղթակից|müxbir|senior|chief|chef|national|political|security|sports?|news|business|"
    r"political|politics|economics|science|health|technology|tech|travel|crime|royal|"
    r"entertainment|showbiz|lifestyle|deputy|associate|assistant|digital|online|freelancer?|"
    r"kommentator|kommentatorin|commentator|analyst|kolumnist|kolumnistin|editorial|"
    r"für|for|pour|para|per|desk|team|reports|wire|services?)\b",
    re.IGNORECASE,
)
_ROLE_ONLY = re.compile(
    r"\b(?:writer|editor|correspondent|reporter|contributor|columnist|staff|photographer|"
    r"journalist\w*|redakteur\w*|korrespondent\w*|reporterin|rédact\w+|journaliste|"
    r"periodista|corresponsal|giornalista|корреспондент|редактор|обозреватель|թղթակից|müxbir|"
    r"reports|author|authors|autor|autoren|auteur|autore|автор|авторы)\b",
    re.IGNORECASE,
)
_PLACE_TAIL = re.compile(r"\s+(?:in|aus|from|à|desde|em|из|в)\s+\S+(?:\s+\S+)?$")
# Words that say a credit is a desk, not a person.
_DESK = re.compile(
    r"staff|reporter|redaktion|newsroom|desk|team|editors|editorial|rédaction|redacción|"
    r"redazione|redactie|redaksjon|redaktion|редакция|խմբագր|redaksiya|agency|agentur|wire",
    re.IGNORECASE,
)
# Particles that sit lower-case inside names: "Ursula von der Leyen", "Pedro de la Cruz".
_PARTICLES = frozenset(
    "von van der den de la le du da das dos del di bin ibn al el ter ten zu y e".split()
)
_WORD = re.compile(r"[^\W\d_][\w'’.-]*")


def role_word(word: str) -> bool:
    """Whether ``word`` is part of a job title ("Reporter", "Senior", "Freelance")."""
    return bool(_ROLE.fullmatch(word.strip(".,:")))


def agency(text: str) -> str | None:
    """The agency ``text`` names ("DPA", "afp", "Associated Press"), as the agency writes it."""
    return AGENCIES.get(slug(text))


def looks_like_name(text: str) -> bool:
    """Whether ``text`` reads as a person's or a desk's name: one to five words, each
    capitalised or a name particle, no digits or stray symbols."""
    words = text.split()
    if not 1 <= len(words) <= 5 or any(ch.isdigit() for ch in text):
        return False
    if not all(_WORD.fullmatch(w) for w in words):
        return False
    capitalised = [w for w in words if _capitalised(w)]
    return len(capitalised) == len(words) or (
        len(capitalised) >= 1 and all(w in _PARTICLES for w in words if w not in capitalised)
    )


def _capitalised(word: str) -> bool:
    """A capitalised name word, also after a particle: "al-Masri", "d'Alembert", "O'Neil"."""
    if not word[0].isalpha() or word[0].isupper() or caseless(word):
        return True
    return any(part[:1].isupper() for part in re.split(r"[-'’]", word)[1:])


def caseless(word: str) -> bool:
    """Whether ``word`` is in a script without case (CJK, Thai, Arabic; Armenian has case)."""
    return bool(word) and word[0].isalpha() and word[0].upper() == word[0].lower()


def split_byline(value: str) -> list[str]:
    """``value`` cut at the words and marks that join names: commas, "&", "und", "and",
    "et", "og", "и", "և", "və"…; "y" / "e" / "i" / "en" / "with" / "mit" only between two
    full names or a name and an agency."""
    parts: list[str] = []
    for piece in _SEPARATORS.split(value):
        pieces = _SHORT_SEPARATOR.split(piece)
        if len(pieces) > 1 and all(len(p.split()) >= 2 or agency(p) for p in pieces):
            parts.extend(pieces)
        else:
            parts.append(piece)
    return [p.strip() for p in parts if p and p.strip()]


def _strip_lead(text: str) -> str:
    """``text`` without a byline lead or label: "Von Lars Meier", "Text und Fotos: Jana Roth".

    A lead word goes only before a capitalised name: "Von der Leyen" keeps its "Von"."""
    label = _LABEL.match(text)
    if label and all(w.lower() in LABEL_WORDS for w in label.group(1).split()):
        return text[label.end() :]
    lead = _LEAD.match(text)
    rest = text[lead.end() :] if lead else ""
    # Before a lone capitalised word, "Di" / "Von" is the name's own particle: "Di Maio".
    particle = lead is not None and text[: lead.end()].strip().lower() in _PARTICLES
    if rest[:1].isupper() and (len(rest.split()) >= 2 or agency(rest) or not particle):
        return rest
    return text


def clean_name(text: str) -> tuple[str | None, list[str]]:
    """One credited name from a piece of a byline, and the agencies bracketed beside it.

    ``(None, [...])`` when what is left is not a name (a URL, a job title alone)."""
    text = _URL.sub(" ", _EMAIL.sub(" ", text))
    agencies: list[str] = []

    def bracket(match: re.Match) -> str:
        found = agency(_AGENCY_SHARE.sub("", match.group(1).strip()))
        if found:
            agencies.append(found)
        return " "

    text = _BRACKETED.sub(bracket, text)
    text = _DATE_TAIL.sub("", _strip_lead(" ".join(text.split())))
    text = text.strip(" .,;:·|-–—*\"'“”„«»")
    text = _strip_lead(text).strip(" .,;:·|-–—")
    label = DATE_LABEL.search(text)
    if label:
        text = text[: label.start()].strip(" .,;:·|-–—")  # "Herr Rein Veröffentlicht am"
    if not text or _NOT_NAMES.search(text):
        return None, agencies
    found = agency(text)
    if found:
        return found, agencies
    # Where the writer filed from: "Shaun Walker in Kyiv", "Birgit Baumann aus Berlin".
    place = _PLACE_TAIL.search(text)
    if place and (agency(text[: place.start()]) or len(text[: place.start()].split()) >= 2):
        text = text[: place.start()]
        if found := agency(text):
            return found, agencies
    # Job titles on either side of the name: "Senior Reporter Jane Doe", "Jane Doe Staff Writer".
    words = text.split()
    half = len(words) // 2
    if half and words[:half] == words[half:]:
        words = words[:half]  # a name printed twice (hidden for screen readers, then shown)
    while words and role_word(words[0]):
        words = words[1:]
    while words and role_word(words[-1]):
        words = words[:-1]
    if len(words) < len(text.split()) and len(words) < 2:
        # A job title alone, or one at an agency ("AP National Security Writer").
        return None, agencies
    text = " ".join(words)
    if (
        _ROLE_ONLY.search(text)
        or len(text) < 3
        or text.lower() in LABEL_WORDS
        or not looks_like_name(text)
    ):
        return None, agencies
    # "ROBERT BURNS" -> "Robert Burns"; mixed case ("Ed McCain") stays as written.
    if text.isupper() and any(len(w) > 3 for w in text.split()):
        text = text.title()
    return text, agencies


def clean_authors(
    values: list[str], site_names: list[str] = (), url: str | None = None
) -> list[str]:
    """Author names from byline strings: "By A and B" -> ["A", "B"]; no URLs, handles, job
    titles or the site's own name (``site_names``, the host of ``url``); agencies kept."""
    site_slugs = {slug(s) for s in site_names if s} | set(host_names(url))
    names: list[str] = []
    seen: set[str] = set()

    def add(name: str) -> None:
        words = name.split()
        if len(words) > 2 and slug(words[-1]) in site_slugs:
            name = " ".join(words[:-1])  # the outlet glued on: "Adam Aaronson PhillyVoice"
        key = slug(name)
        if key and key not in seen and key not in site_slugs:
            seen.add(key)
            names.append(name)

    for value in values:
        if not value:
            continue
        value = " ".join(str(value).split())
        if len(value) > MAX_BYLINE_CHARS or value.startswith("@"):
            continue
        parts = split_byline(_strip_lead(value))
        if len(parts) > 1 and slug(parts[0]) in site_slugs:
            continue  # the outlet and its address ("hessenschau.de, Frankfurt, Germany")
        credited: list[str] = []
        for part in parts:
            name, agencies = clean_name(part)
            if name is None and (share := agency(_AGENCY_SHARE.sub("", part))):
                name = share  # "mit Material von dpa", "avec AFP"
            credited += [name] if name else []
            credited += agencies
        # Beside a full name, one word that is no agency is where it was filed or the
        # outlet: "Jane Doe, Kyiv", "Mehmet Yılmaz - İstanbul".
        if any(len(c.split()) >= 2 for c in credited):
            credited = [c for c in credited if len(c.split()) >= 2 or agency(c)]
        for credit in credited:
            add(credit)
    return names


def desk_credit(value: str | None, *, named: bool = False) -> str | None:
    """A credit that names a desk or the outlet rather than a person ("Guardian staff
    reporter", "Redaktion hessenschau.de", "mbl.is"), as written; None for other text.

    ``named``: the credit must say it is a desk ("staff", "Redaktion", "newsroom"…), as
    a "Person" the publisher declares must; a bare account name ("admin") is no credit.
    Kept only where a publisher declares it as the article's author and credits no one
    else: the page then credits the desk."""
    if not value:
        return None
    text = " ".join(value.split())
    if not text or len(text) > 60 or _EMAIL.search(text) or _URL.search(text):
        return None
    if len(text.split()) > 5 or (named and not _DESK.search(text)):
        return None
    return text
