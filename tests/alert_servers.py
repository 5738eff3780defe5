"""Real receivers on 127.0.0.1 for the alerts tests: an HTTP webhook receiver and an SMTP server
(plain, STARTTLS or implicit TLS, with or without AUTH, over certificates made here).

The HTTP receiver answers each POST as its ``mode`` says (``ok``, ``500``,
``slow``: no answer before the sender's timeout, ``delay``: a short wait, then 2xx, ``redirect``: 307) and keeps the bodies it accepted (answered 2xx in time) apart from
those it did not. It can be stopped and started again on the same port, so a
test sees one webhook URL go down and come back.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


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
    """aiosmtpd handler keeping each message; ``refuse`` answers DATA with a temporary failure.

    ``sessions`` records, per accepted message, whether it came over TLS and who logged in."""

    def __init__(self):
        self.messages = []
        self.sessions: list[dict] = []
        self.refuse = False

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 4.3.0 try again later"
        self.messages.append(
            (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default))
        )
        login = session.auth_data.login.decode() if session.authenticated else None
        # STARTTLS sets session.ssl; an implicit-TLS connection has TLS from its transport.
        tls = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
        self.sessions.append({"tls": tls, "login": login})
        return "250 OK"


def smtp_server(**options) -> tuple[Controller, Mailbox]:
    """An SMTP server on 127.0.0.1; ``options`` go to aiosmtpd (``tls_context``,
    ``require_starttls``, ``authenticator``, ``ssl_context`` for implicit TLS …)."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    return controller, mailbox


def password_check(user: str, password: str):
    """An aiosmtpd authenticator accepting ``user`` with ``password`` only."""

    def check(server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            user.encode(),
            password.encode(),
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    return check


@dataclass(frozen=True)
class Certificates:
    """A certificate authority of the test's own and a server certificate it signed for
    127.0.0.1 and localhost, as PEM files."""

    ca: Path
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


def make_certificates(folder: Path) -> Certificates:
    """A CA and a server certificate made with ``cryptography`` (Scrapy's dependency)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.now(UTC)

    def name(text: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])

    def pem_key(key) -> bytes:
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("newsmon test CA"))
        .issuer_name(name("newsmon test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )  # fmt: skip
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.OID_SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    made = Certificates(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    made.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    made.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    made.key.write_bytes(pem_key(key))
    return made
