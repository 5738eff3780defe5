"""A stand-in for Common Crawl: collinfo.json, each crawl's CDX index, WARC files by byte range.

The index speaks what newsmon asks of pywb's CDX server (``url`` with
``matchType=domain``, ``from``/``to`` timestamp prefixes, repeated
``filter=[!]field:regex`` matched from the start, ``output=json`` as one
JSON object per line, ``showNumPages=true`` then ``page=N``) and answers a
listing with nothing in it with a 404 "No Captures found", as the real one
does. Each crawl's captures are records of one WARC.gz file written with
warcio (a gzip member per record, a request record before each response);
the data host serves any byte range of it (206).
"""

from __future__ import annotations

import io
import json
import math
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.mockweb.server import MockWeb, Request, Response


@dataclass
class CcCapture:
    timestamp: str
    url: str
    body: bytes
    status: int = 200
    mime: str = "text/html"
    filename: str = ""
    offset: int = 0
    length: int = 0


@dataclass
class CcCrawl:
    id: str
    start: str | None
    """``from`` in collinfo.json (ISO), or None for an undated entry."""
    end: str | None
    captures: list[CcCapture] = field(default_factory=list)
    warc: io.BytesIO = field(default_factory=io.BytesIO)

    @property
    def filename(self) -> str:
        return f"crawl-data/{self.id}/segments/1/warc/{self.id}-00000.warc.gz"


class StandInCommonCrawl:
    def __init__(self, web: MockWeb, site: str = "commoncrawl", rows_per_page: int = 3):
        self.web, self.site, self.rows_per_page = web, site, rows_per_page
        self.base = web.add_site(site)
        self.crawls: dict[str, CcCrawl] = {}
        self.collinfo_answer: bytes | None = None  # garbage to answer instead of the list
        self.index_answer: bytes | None = None  # garbage to answer instead of a listing page
        self.data_answer: bytes | None = None  # garbage to answer instead of a record
        web.route(site, "/collinfo.json", self._collinfo)

    @property
    def collinfo_url(self) -> str:
        return f"{self.base}/collinfo.json"

    @property
    def data_url(self) -> str:
        return f"{self.base}/data"

    def add_crawl(self, crawl_id: str, start: str | None, end: str | None) -> CcCrawl:
        crawl = self.crawls[crawl_id] = CcCrawl(crawl_id, start, end)
        self.web.route(self.site, f"/{crawl_id}-index", lambda r, c=crawl: self._index(r, c))
        self.web.route(self.site, f"/data/{crawl.filename}", lambda r, c=crawl: self._data(r, c))
        return crawl

    def add(self, crawl_id: str, capture: CcCapture) -> CcCapture:
        crawl = self.crawls[crawl_id]
        writer = WARCWriter(crawl.warc, gzip=True)
        when = _iso(capture.timestamp)
        request = StatusAndHeaders(
            "GET / HTTP/1.1", [("Host", urlsplit(capture.url).netloc)], is_http_request=True
        )
        writer.write_record(
            writer.create_warc_record(
                capture.url, "request", payload=io.BytesIO(b""), http_headers=request,
                warc_headers_dict={"WARC-Date": when},
            )
        )  # fmt: skip
        reason = {200: "OK", 404: "Not Found"}.get(capture.status, "Other")
        http = StatusAndHeaders(
            f"{capture.status} {reason}",
            [("Content-Type", f"{capture.mime}; charset=utf-8"), ("Content-Encoding", "identity")],
            protocol="HTTP/1.1",
        )
        capture.filename, capture.offset = crawl.filename, crawl.warc.tell()
        writer.write_record(
            writer.create_warc_record(
                capture.url, "response", payload=io.BytesIO(capture.body), http_headers=http,
                warc_headers_dict={"WARC-Date": when},
            )
        )  # fmt: skip
        capture.length = crawl.warc.tell() - capture.offset
        crawl.captures.append(capture)
        return capture

    def listings(self, crawl_id: str | None = None) -> list[Request]:
        return [
            r
            for r in self.web.requests(self.site)
            if r.path.endswith("-index") and (crawl_id is None or r.path == f"/{crawl_id}-index")
        ]

    def fetches(self) -> list[Request]:
        """Requests to the data host, in order."""
        return [r for r in self.web.requests(self.site) if r.path.startswith("/data/")]

    # --- the servers ------------------------------------------------------------
    def _collinfo(self, request: Request) -> Response:
        if self.collinfo_answer is not None:
            return Response(200, self.collinfo_answer, {"Content-Type": "application/json"})
        entries = []
        for crawl in self.crawls.values():
            entry = {
                "id": crawl.id,
                "name": f"{crawl.id} Index",
                "timegate": f"{self.base}/{crawl.id}/",
                "cdx-api": f"{self.base}/{crawl.id}-index",
            }
            if crawl.start:
                entry.update({"from": crawl.start, "to": crawl.end})
            entries.append(entry)
        entries.reverse()  # newest first, as Common Crawl lists them
        return Response(200, json.dumps(entries).encode(), {"Content-Type": "application/json"})

    def _index(self, request: Request, crawl: CcCrawl) -> Response:
        q = request.query
        assert q.get("matchType") == ["domain"] and q.get("output") == ["json"], q
        site = q["url"][0]
        start, end = q.get("from", [""])[0], q.get("to", ["99999999999999"])[0]
        rows = []
        for c in sorted(crawl.captures, key=lambda c: (urlsplit(c.url).path, c.timestamp)):
            host = urlsplit(c.url).netloc
            if not (host == site or host.endswith("." + site)):
                continue
            if c.timestamp < start.ljust(14, "0") or c.timestamp > end.ljust(14, "9"):
                continue
            values = {
                "urlkey": c.url, "timestamp": c.timestamp, "url": c.url, "mime": c.mime,
                "mime-detected": c.mime, "status": str(c.status), "digest": "X",
                "length": str(c.length), "offset": str(c.offset), "filename": c.filename,
                "languages": "eng",
            }  # fmt: skip
            if all(_passes(f, values) for f in q.get("filter", [])):
                rows.append(values)
        pages = max(1, math.ceil(len(rows) / self.rows_per_page))
        if q.get("showNumPages") == ["true"]:
            body = {"pages": pages, "pageSize": 5, "blocks": pages}
            return Response(200, json.dumps(body).encode(), {"Content-Type": "text/x-ndjson"})
        if self.index_answer is not None:
            return Response(200, self.index_answer, {"Content-Type": "text/x-ndjson"})
        page = int(q.get("page", ["0"])[0])
        chunk = rows[page * self.rows_per_page : (page + 1) * self.rows_per_page]
        if not chunk:
            message = {"message": f"No Captures found for: {site}/*"}
            return Response(404, json.dumps(message).encode(), {"Content-Type": "application/json"})
        lines = "".join(json.dumps(row) + "\n" for row in chunk)
        return Response(200, lines.encode(), {"Content-Type": "text/x-ndjson"})

    def _data(self, request: Request, crawl: CcCrawl) -> Response:
        data = self.data_answer if self.data_answer is not None else crawl.warc.getvalue()
        found = re.fullmatch(r"bytes=(\d+)-(\d+)", request.headers.get("Range", ""))
        if not found:
            return Response(200, data, {"Content-Type": "application/octet-stream"})
        first, last = int(found[1]), int(found[2])
        headers = {
            "Content-Type": "application/octet-stream",
            "Content-Range": f"bytes {first}-{last}/{len(data)}",
        }
        return Response(206, data[first : last + 1], headers)


def _iso(timestamp: str) -> str:
    t = timestamp
    return f"{t[:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}Z"


def _passes(spec: str, values: dict[str, str]) -> bool:
    negate = spec.startswith("!")
    name, _, pattern = spec.lstrip("!").partition(":")
    matched = re.match(pattern, values.get(name, "")) is not None
    return matched != negate
