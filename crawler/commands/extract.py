"""``newsmon extract``: what newsmon reads from a saved page, as JSON."""

from __future__ import annotations

import gzip
import json
import sys
import zlib
from datetime import UTC, datetime
from pathlib import Path

import click

from crawler.dates import numeric_order, parse_date, to_iso
from crawler.extraction import extract_article


class PageError(Exception):
    """A page that cannot be read: missing, unreadable, a directory, broken gzip."""


def read_page(path: str) -> bytes:
    """The bytes of a saved page, gunzipped when it is gzip (by name or by magic number)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise PageError(f"cannot read {path}: {exc.strerror or exc}") from None
    if path.endswith(".gz") or data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise PageError(f"cannot read {path}: not valid gzip ({exc})") from None
    return data


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
    "--url", default=None, help="URL the page was fetched from (default: file:// URL of FILE)."
)
@click.option(
    "--timezone", default=None, help="IANA zone to read local times in (the source's zone)."
)
@click.option(
    "--language", "languages", multiple=True, help="Date languages (ISO 639-1), repeatable."
)
@click.option(
    "--batch",
    is_flag=True,
    help='Read JSON lines {"file": PATH, "url": URL} on stdin; write one JSON line per input, in order.',
)
def extract(
    file: str | None, url: str | None, timezone: str | None, languages: tuple[str, ...], batch: bool
) -> None:
    """Print what newsmon extracts from a saved HTML page (plain or .gz) as one JSON object:
    title, body, authors, language, published_at / modified_at (ISO 8601 UTC) and extras.

    With --batch, pages are read from JSON lines on stdin and extracted in this one
    process; a line that fails gives {"line", "error"} and the batch goes on (exit 1 at
    the end if any failed).

    \b
    Examples:
      newsmon extract page.html --url https://massispost.com/2023/01/x/
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
    record = extract_record(
        html, url or Path(file).resolve().as_uri(), timezone=timezone, languages=list(languages)
    )
    click.echo(json.dumps(record, ensure_ascii=False, indent=2))
