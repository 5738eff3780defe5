"""``newsmon extract``: what newsmon reads from a saved page, as JSON."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from crawler.dates import parse_date, to_iso
from crawler.extraction import extract_article


def _read(path: str) -> bytes:
    data = Path(path).read_bytes()
    if path.endswith(".gz") or data[:2] == b"\x1f\x8b":
        import gzip

        data = gzip.decompress(data)
    return data


def extract_record(
    html: bytes, url: str, *, timezone: str | None = None, languages: list[str] | None = None
) -> dict:
    """Extract ``html`` and normalise its dates as the pipeline does."""
    article = extract_article(html, url)
    now = datetime.now(UTC)
    langs = languages or ([article.language] if article.language else None)
    record = article.to_dict()
    record["published_at"] = to_iso(
        parse_date(article.published_raw, timezone=timezone, languages=langs, now=now)
    )
    record["modified_at"] = to_iso(
        parse_date(article.modified_raw, timezone=timezone, languages=langs, now=now)
    )
    return record


@click.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False))
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
    help='Read JSON lines {"file": PATH, "url": URL} on stdin; one JSON line out per input.',
)
def extract(
    file: str | None, url: str | None, timezone: str | None, languages: tuple[str, ...], batch: bool
) -> None:
    """Print what newsmon extracts from a saved HTML page (plain or .gz) as one JSON object.

    \b
    Examples:
      newsmon extract page.html --url https://massispost.com/2023/01/x/
      printf '{"file": "a.html", "url": "https://e.org/a"}\\n' | newsmon extract --batch
    """
    if batch:
        if file:
            raise click.UsageError("--batch reads stdin; give no FILE")
        for lineno, line in enumerate(sys.stdin, 1):
            if not line.strip():
                continue
            try:
                job = json.loads(line)
                path = job["file"]
                record = extract_record(
                    _read(path),
                    job.get("url") or Path(path).resolve().as_uri(),
                    timezone=timezone,
                    languages=list(languages),
                )
            except (ValueError, KeyError, TypeError, OSError) as exc:
                record = {"error": f"line {lineno}: {type(exc).__name__}: {exc}"}
            click.echo(json.dumps(record, ensure_ascii=False))
        return
    if not file:
        raise click.UsageError("give a FILE, or --batch")
    try:
        html = _read(file)
    except OSError as exc:
        raise click.FileError(file, exc.strerror or str(exc)) from None
    record = extract_record(
        html, url or Path(file).resolve().as_uri(), timezone=timezone, languages=list(languages)
    )
    click.echo(json.dumps(record, ensure_ascii=False, indent=2))
