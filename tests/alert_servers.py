"""Real receivers on 127.0.0.1 for the alerts tests: an HTTP webhook receiver and an SMTP server.

The HTTP receiver answers each POST as its ``mode`` says (``ok``, ``500``,
``slow``: no answer before the sender's timeout, ``delay``: a short wait, then 2xx, ``redirect``: 307) and keeps the bodies it accepted (answered 2xx in time) apart from
those it did not. It can be stopped and started again on the same port, so a
test sees one webhook URL go down and come back.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Receiver:
    """A webhook receiver at ``url``; see the module docstring."""

    def __init__(self, slow_seconds: float = 2.0):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.slow_seconds = slow_seconds
        self.mode = "ok"
        self.accepted: list[dict] = []
        self.refused: list[dict] = []
        self.headers: list[dict] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def reset(self) -> None:
        with self._lock:
            self.mode = "ok"
            self.accepted.clear()
            self.refused.clear()
            self.headers.clear()
        self.start()

    def start(self) -> None:
        if self._server is not None:
            return
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                mode = receiver.mode
                if mode == "slow":
                    time.sleep(receiver.slow_seconds)  # the sender has given up by now
                    with receiver._lock:
                        receiver.refused.append(body)
                    return
                if mode == "delay":
                    time.sleep(0.2)  # long enough for two senders to overlap
                if mode == "redirect":
                    with receiver._lock:
                        receiver.refused.append(body)
                    self.send_response(307)
                    self.send_header("Location", receiver.url + "/moved")
                    self.end_headers()
                    return
                if mode == "500":
                    with receiver._lock:
                        receiver.refused.append(body)
                    self.send_response(500)
                    self.end_headers()
                    return
                with receiver._lock:
                    receiver.accepted.append(body)
                    receiver.headers.append(dict(self.headers))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._server = server

    def stop(self) -> None:
        """Down: connections to the URL are refused."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def story_ids(self) -> list[int]:
        """Story ids of every accepted message, in order (a duplicate shows twice)."""
        return [s["story_id"] for body in self.accepted for s in body.get("stories", [])]


class Mailbox:
    """aiosmtpd handler keeping each message; ``refuse`` answers DATA with a temporary failure."""

    def __init__(self):
        self.messages = []
        self.refuse = False

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 4.3.0 try again later"
        self.messages.append(
            (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 OK"


def smtp_server() -> tuple[Controller, Mailbox]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, mailbox
