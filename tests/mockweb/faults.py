"""Misbehaving routes for the mock news web: slow, failing, cut-off and oversized responses.

Each factory returns a handler for :meth:`MockWeb.route`. Handlers that
misbehave at the transport level (a dropped connection, a body streamed
without ``Content-Length``) write to the socket themselves and return None.
"""

from __future__ import annotations

import struct
import threading
import time
import zlib
from dataclasses import dataclass

from tests.mockweb.server import Handler, Request, Response

MIB = 1024 * 1024


def slow(seconds: float, response: Response) -> Handler:
    """Answer ``response`` after ``seconds``."""

    def handler(request: Request) -> Response:
        time.sleep(seconds)
        return response

    return handler


def sequence(*responses: Response) -> Handler:
    """Answer the responses in turn, then repeat the last one (e.g. a 500, then a 200)."""
    lock = threading.Lock()
    served = [0]

    def handler(request: Request) -> Response:
        with lock:
            index = min(served[0], len(responses) - 1)
            served[0] += 1
        return responses[index]

    return handler


def redirect(location: str, status: int = 302) -> Response:
    """A redirect to ``location`` (absolute, or a path on the same site)."""
    return Response(status, b"", {"Location": location})


def _write_head(request: Request, status: int, headers: dict[str, str]) -> None:
    raw = request.raw
    assert raw is not None
    raw.send_response(status)
    for name, value in headers.items():
        raw.send_header(name, value)
    raw.end_headers()


def drop_mid_body(body: bytes, content_type: str = "text/html; charset=utf-8") -> Handler:
    """Announce the full ``Content-Length``, send half the body, then close the connection."""

    def handler(request: Request) -> None:
        raw = request.raw
        assert raw is not None
        raw.close_connection = True
        try:
            _write_head(
                request, 200, {"Content-Type": content_type, "Content-Length": str(len(body))}
            )
            raw.wfile.write(body[: len(body) // 2])
            raw.wfile.flush()
        except OSError:
            pass

    return handler


@dataclass
class Sent:
    """How many body bytes a streaming route managed to write before the client hung up."""

    bytes: int = 0


def stream(
    total: int,
    *,
    content_type: str = "text/html; charset=utf-8",
    content_length: bool = False,
    chunk: bytes = b"<p>" + b"x" * 65530 + b"</p>",
    sent: Sent | None = None,
) -> Handler:
    """A ``total``-byte body written chunk by chunk, without holding it in memory.

    Without ``content_length`` the body is delimited by closing the connection,
    so the client only learns its size by reading it. ``sent`` records what
    was written before the client went away.
    """
    sent = sent if sent is not None else Sent()

    def handler(request: Request) -> None:
        raw = request.raw
        assert raw is not None
        raw.close_connection = True
        headers = {"Content-Type": content_type, "Connection": "close"}
        if content_length:
            headers["Content-Length"] = str(total)
        try:
            _write_head(request, 200, headers)
            remaining = total
            while remaining > 0:
                piece = chunk[:remaining]
                raw.wfile.write(piece)
                sent.bytes += len(piece)
                remaining -= len(piece)
            raw.wfile.flush()
        except OSError:
            pass

    return handler


def gzip_bomb(size: int = 1024 * MIB) -> bytes:
    """A valid gzip stream of ``size`` zero bytes (a multiple of 1 MiB), about 1/1000 of that long.

    Built from one compressed 1 MiB block repeated: after a full flush the
    deflate state is reset, so every 1 MiB of zeros compresses to the same bytes.
    """
    block_in = b"\0" * MIB
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(block_in) + compressor.flush(zlib.Z_FULL_FLUSH)
    count = size // MIB
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(block_in, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    final_empty_block = b"\x03\x00"
    return header + block * count + final_empty_block + struct.pack("<II", crc, size & 0xFFFFFFFF)
