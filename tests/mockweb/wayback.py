"""A stand-in for the Wayback Machine: a CDX server and ``id_`` captures, on the mock web.

It speaks the CDX API's parameters as newsmon uses them (``url`` with
``matchType=domain``, ``from``/``to`` timestamp prefixes, ``fl``, repeated
``filter=[!]field:regex``, ``limit``, ``showResumeKey``/``resumeKey``,
``output=json``) and serves each capture at ``/web/<timestamp>id_/<original>``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tests.mockweb.server import MockWeb, Request, Response


@dataclass
class Capture:
    timestamp: str
    original: str
    body: bytes = b""
    status: int = 200
    mimetype: str = "text/html"
    answers: list[Response] = field(default_factory=list)
    """What the ``id_`` URL answers, in turn (the last one repeats); default: the body."""


class StandInWayback:
    def __init__(self, web: MockWeb, site: str = "wayback"):
        self.web, self.site = web, site
        self.base = web.add_site(site)
        self.captures: list[Capture] = []
        self.cdx_answer: bytes | None = None  # garbage to answer instead of a listing
        web.route(site, "/cdx", self._cdx)

    @property
    def cdx_url(self) -> str:
        return f"{self.base}/cdx"

    @property
    def root(self) -> str:
        return f"{self.base}/web"

    def add(self, capture: Capture) -> Capture:
        self.captures.append(capture)
        path = f"/web/{capture.timestamp}id_/{capture.original}"
        turn = iter(range(1_000_000))

        def answer(request: Request, capture=capture, turn=turn) -> Response:
            if capture.answers:
                return capture.answers[min(next(turn), len(capture.answers) - 1)]
            return Response(capture.status, capture.body, {"Content-Type": capture.mimetype})

        self.web.route(self.site, path, answer)
        return capture

    def fetches(self) -> list[str]:
        """The ``id_`` paths requested so far, in order."""
        return [r.path for r in self.web.requests(self.site) if r.path.startswith("/web/")]

    def listings(self) -> list[Request]:
        return [r for r in self.web.requests(self.site) if r.path == "/cdx"]

    def _cdx(self, request: Request) -> Response:
        if self.cdx_answer is not None:
            return Response(200, self.cdx_answer, {"Content-Type": "application/json"})
        q = {k: v for k, v in request.query.items()}
        site = q["url"][0]
        assert q.get("matchType") == ["domain"] and q.get("output") == ["json"]
        fields = q.get("fl", ["urlkey,timestamp,original,mimetype,statuscode,digest,length"])[
            0
        ].split(",")
        start, end = q.get("from", [""])[0], q.get("to", ["99999999999999"])[0]
        rows = []
        for c in sorted(self.captures, key=lambda c: (urlsplit(c.original).path, c.timestamp)):
            host = urlsplit(c.original).netloc
            if not (host == site or host.endswith("." + site)):
                continue
            # from/to are prefixes: 2023 means 20230101000000 to 20231231235959
            if c.timestamp < start.ljust(14, "0") or c.timestamp > end.ljust(14, "9"):
                continue
            values = {
                "urlkey": c.original,
                "timestamp": c.timestamp,
                "original": c.original,
                "mimetype": c.mimetype,
                "statuscode": str(c.status),
                "digest": "X",
                # the WARC record's length: headers and all, never 0 for a real capture
                "length": str(len(c.body) + 400),
            }
            if all(_passes(f, values) for f in q.get("filter", [])):
                rows.append([values[f] for f in fields])
        offset = int(q.get("resumeKey", ["0"])[0])
        limit = int(q.get("limit", ["100000"])[0])
        page = rows[offset : offset + limit]
        answer: list = [fields, *page]
        if q.get("showResumeKey") == ["true"] and offset + limit < len(rows):
            answer += [[], [str(offset + limit)]]
        return Response(200, json.dumps(answer).encode(), {"Content-Type": "application/json"})


def _passes(spec: str, values: dict[str, str]) -> bool:
    negate = spec.startswith("!")
    name, _, pattern = spec.lstrip("!").partition(":")
    matched = re.fullmatch(pattern, values.get(name, "")) is not None
    return matched != negate
