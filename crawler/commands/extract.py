"""``newsmon extract``: what newsmon reads from a saved page, as JSON."""

from __future__ import annotations

import gzip
import json
import sys
import zlib
from datetime import UTC, datetime
from pathlib import Path

import click

from crawler.config import check_language, check_timezone, check_url
from crawler.dates import numeric_order, parse_date, to_iso
from crawler.extraction import extract_article

STDIN = "-"
"""The FILE that means standard input."""
STDIN_URL = "file:///dev/stdin"

# Byte order marks of the encodings whose text holds NUL bytes.
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff")


class PageError(Exception):
    """A page that cannot be read: missing, unreadable, a directory, broken gzip, empty, binary."""


def read_page(path: str) -> bytes:
    """The bytes of a saved page (``-``: standard input), gunzipped when it is gzip (by name
    or by magic number). An empty or binary page is a :class:`PageError`: extracting
    it would give every field null and no word of why."""
    name = "standard input" if path == STDIN else path
    try:
        data = sys.stdin.buffer.read() if path == STDIN else Path(path).read_bytes()
    except OSError as exc:
        raise PageError(f"cannot read {name}: {exc.strerror or exc}") from None
    if path.endswith(".gz") or data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise PageError(f"cannot read {name}: not valid gzip ({exc})") from None
    if not data.strip():
        raise PageError(f"{name} is empty: there is no page to extract")
    if _looks_binary(data[:8192]):
        raise PageError(f"{name} is binary data, not an HTML page")
    return data


# C0 control bytes that text never holds (tab, newlines and form feed do occur).
_CONTROL = bytes(b for b in range(32) if b not in b"\t\n\r\f") + b"\x7f"


def _looks_binary(head: bytes) -> bool:
    """NUL bytes (outside UTF-16), or more than 1% control bytes: an image, a PDF, an archive.

    Text in any single-byte or UTF-8 encoding has none of them.
    """
    if head.startswith(_WIDE_BOMS):
        return False
    controls = len(head) - len(head.translate(None, _CONTROL))
    return b"\x00" in head or controls > len(head) / 100


def _option_check(problem_of):
    """A click callback refusing each value for which ``problem_of`` returns a problem."""

    def callback(ctx: click.Context, param: click.Parameter, value):
        for item in value if isinstance(value, tuple) else (value,):
            if item is not None and (problem := problem_of(item)):
                raise click.BadParameter(problem)
        return value

    return callback


def _url_problem(url: str) -> str | None:
    if url.startswith("file:"):
        return None
    return check_url(url)


def extract_record(
    html: bytes | str,
    url: str,
    *,
    timezone: str | None = None,
    languages: list[str] | None = None,
    language_hint: str | None = None,
    now: datetime | None = None,
) -> dict:
    """Extract ``html`` and normalise its dates as the pipeline does (``published_at``,
    ``modified_at``: ISO 8601 UTC, None when absent or unreadable)."""
    article = extract_article(html, url, language_hint=language_hint)
    now = now or datetime.now(UTC)
    langs = languages or ([article.language] if article.language else None)
    record = article.to_dict()
    for raw, key in (
        (article.published_raw, "published_at"),
        (article.modified_raw, "modified_at"),
    ):
        day_first = numeric_order(article.numeric_day_first, timezone)
        record[key] = to_iso(
            parse_date(raw, timezone=timezone, languages=langs, now=now, day_first=day_first)
        )
    return record


def _batch(timezone: str | None, languages: list[str]) -> int:
    """One JSON line out per JSON line in; a bad line gives an error object. Returns the errors."""
    done = errors = 0
    for lineno, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        job: dict = {}
        try:
            job = json.loads(line)
            if not isinstance(job, dict) or not isinstance(job.get("file"), str):
                raise ValueError('expected an object with a "file" string')
            path = job["file"]
            url = job.get("url") or Path(path).resolve().as_uri()
            record = extract_record(
                read_page(path),
                url,
                timezone=timezone,
                languages=languages,
                language_hint=job.get("language"),
            )
            done += 1
        except (PageError, ValueError) as exc:
            record = _error(job, lineno, str(exc))
            errors += 1
        except Exception as exc:  # a page that breaks the extractor must not stop the batch
            record = _error(job, lineno, f"extraction failed: {type(exc).__name__}: {exc}")
            errors += 1
        click.echo(json.dumps(record, ensure_ascii=False))
    click.echo(f"newsmon extract: {done} page(s) extracted, {errors} error(s)", err=True)
    return errors


def _error(job: dict, lineno: int, message: str) -> dict:
    record = {"line": lineno, "error": message}
    if isinstance(job, dict):
        record.update({k: job[k] for k in ("file", "url") if isinstance(job.get(k), str)})
    return record


@click.command()
@click.argument("file", required=False)
@click.option(
    "--url",
    default=None,
    callback=_option_check(_url_problem),
    help="URL the page was fetched from (default: file:// URL of FILE).",
)
@click.option(
    "--timezone",
    default=None,
    callback=_option_check(check_timezone),
    help="IANA zone to read local times in (the source's zone).",
)
@click.option(
    "--language",
    "languages",
    multiple=True,
    callback=_option_check(check_language),
    help="Date languages (ISO 639-1), repeatable.",
)
@click.option(
    "--batch",
    is_flag=True,
    help='Read JSON lines {"file": PATH, "url": URL} on stdin; write one JSON line per input, in order.',
)
def extract(
    file: str | None, url: str | None, timezone: str | None, languages: tuple[str, ...], batch: bool
) -> None:
    """Print what newsmon extracts from a saved HTML page (plain or .gz; FILE ``-`` reads
    standard input) as one JSON object: title, body, authors, language,
    published_at / modified_at (ISO 8601 UTC) and extras. A page where neither
    a title nor a body is found is printed too, with a one-line error and exit 1.

    With --batch, pages are read from JSON lines on stdin and extracted in this one
    process; a line that fails gives {"line", "error"} and the batch goes on (exit 1 at
    the end if any failed).

    \b
    Examples:
      newsmon extract page.html --url https://massispost.com/2023/01/x/
      curl -s https://example.org/a/1 | newsmon extract - --url https://example.org/a/1
      printf '{"file": "a.html", "url": "https://e.org/a"}\\n' | newsmon extract --batch
    """
    if batch:
        if file:
            raise click.UsageError("--batch reads stdin; give no FILE")
        if _batch(timezone, list(languages)):
            sys.exit(1)
        return
    if not file:
        raise click.UsageError("give a FILE, or --batch")
    try:
        html = read_page(file)
    except PageError as exc:
        raise click.ClickException(str(exc)) from None
    default_url = STDIN_URL if file == STDIN else Path(file).resolve().as_uri()
    record = extract_record(html, url or default_url, timezone=timezone, languages=list(languages))
    click.echo(json.dumps(record, ensure_ascii=False, indent=2))
    if not (record["title"] or record["body"]):
        name = "standard input" if file == STDIN else file
        raise click.ClickException(f"{name}: no title or body found (is it an article page?)")
