"""Pages from local WARC / WARC.gz files (warcio): the ``response`` records, up to any damage.

A Common Crawl News file, a crawl someone hands over, a site's own export:
each ``response`` record with an HTTP payload is a page as the crawler that
wrote it received it. Reading stops at the first damaged record (a truncated
gzip member, a broken header); the pages before it are kept and the damage
is reported as :class:`WarcDamaged` once the caller has taken them.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator


class WarcDamaged(ValueError):
    """A WARC file cannot be read (further); the message is one line."""


@dataclass(frozen=True)
class WarcPage:
    """One ``response`` record."""

    url: str
    """``WARC-Target-URI``: the page's original URL."""
    captured_at: str
    """``WARC-Date``, ISO 8601 UTC."""
    status: int
    headers: dict[str, str]
    """The HTTP response's headers."""
    body: bytes
    """The payload, with the transfer and content encodings removed."""


def read_pages(path: str | Path, counts: dict[str, int] | None = None) -> Iterator[WarcPage]:
    """The ``response`` records of ``path``, in file order; then :class:`WarcDamaged` if it is damaged.

    ``counts`` (if given) gets ``records`` (all read) and ``other`` (not responses).
    """
    counts = counts if counts is not None else {}
    counts.setdefault("records", 0)
    counts.setdefault("other", 0)
    try:
        stream = open(path, "rb")  # noqa: SIM115 - closed below, after the generator ends
    except OSError as exc:
        raise WarcDamaged(f"{path}: cannot read: {exc.strerror or exc}") from None
    with stream:
        records = ArchiveIterator(stream)
        while True:
            offset = stream.tell()
            warned = io.StringIO()
            try:
                # warcio reports a record whose length is wrong on stderr and reads on:
                # here that is damage, and the terminal gets one line about it.
                with contextlib.redirect_stderr(warned):
                    record = next(records)
                    if not str(record.format).startswith("warc"):
                        raise ValueError(f"a {record.format} record, not WARC")
                    if record.rec_type is None or record.length is None:
                        raise ValueError("a record header cut short (no type or length)")
                    page = _page(record)
                    missing = getattr(record.raw_stream, "limit", 0)
                    if missing:
                        raise ValueError(f"the record ends {missing} byte(s) short of its length")
                if warned.getvalue().strip():
                    raise ValueError(
                        warned.getvalue().strip().splitlines()[0].removeprefix("WARNING: ")
                    )
            except StopIteration:
                # warcio ends quietly at a gzip member cut short: what it left unread is damage.
                left = os.fstat(stream.fileno()).st_size - getattr(records, "offset", 0)
                if left > 0:
                    raise WarcDamaged(
                        f"{path}: damaged after {counts['records']} record(s) (near byte "
                        f"{records.offset}): {left} byte(s) at the end are not a whole record"
                    ) from None
                return
            except Exception as exc:  # warcio raises many kinds on damage: all mean "stop here"
                raise WarcDamaged(
                    f"{path}: damaged after {counts['records']} record(s) (near byte {offset}): "
                    f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'unreadable'}"
                ) from None
            counts["records"] += 1
            if page is None:
                counts["other"] += 1
                continue
            yield page


def read_record(data: bytes) -> WarcPage:
    """The page of one ``response`` record (a gzip member or plain), as a data host serves it by range."""
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            record = next(ArchiveIterator(io.BytesIO(data)))
            page = _page(record) if str(record.format).startswith("warc") else None
    except StopIteration:
        raise WarcDamaged("not a WARC record (empty)") from None
    except Exception as exc:  # warcio raises many kinds on damage
        raise WarcDamaged(f"not a WARC record ({type(exc).__name__})") from None
    if page is None:
        raise WarcDamaged("not a WARC response record")
    return page


def _page(record) -> WarcPage | None:
    if record.rec_type != "response" or record.http_headers is None:
        record.content_stream().read()  # consumed so the iterator can check the next record
        return None
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    status = int(record.http_headers.get_statuscode() or 0)
    body = record.content_stream().read()
    return WarcPage(
        url=url.strip("<>"),
        captured_at=_iso(record.rec_headers.get_header("WARC-Date")),
        status=status,
        headers={k: v for k, v in record.http_headers.headers},
        body=body,
    )


def _iso(value: str | None) -> str:
    if not value:
        return ""
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return ""
    return when.astimezone(UTC).replace(microsecond=0).isoformat()
