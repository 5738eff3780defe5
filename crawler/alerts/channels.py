"""Sending one alert message through one channel: a webhook, an e-mail digest, a command.

Each sender returns when the channel accepted the message and raises
:class:`ChannelError` (one line) otherwise: a connection refused, a timeout,
an HTTP status other than 2xx, an SMTP refusal, a command's non-zero exit.
The caller writes the ledger only after a sender returned.
"""

from __future__ import annotations

import hashlib
import html
import http.client
import json
import logging
import os
import smtplib
import ssl
import subprocess
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from crawler.alerts.config import Alert, Smtp
from crawler.store.base import AlertStory

USER_AGENT = "newsmon-alerts"
logger = logging.getLogger("newsmon.alerts")


class ChannelError(RuntimeError):
    """The channel did not accept the message; the message is one line."""


def payload(alert: Alert, stories: Sequence[AlertStory]) -> dict:
    """The JSON message of the webhook and command channels."""
    return {"alert": alert.name, "stories": [asdict(story) for story in stories]}


def _plural(n: int) -> str:
    return f"{n} new stor{'y' if n == 1 else 'ies'}"


def _when(story: AlertStory) -> str:
    """``2024-06-01 09:30``: when it was first seen, to the minute (UTC)."""
    return story.first_seen[:16].replace("T", " ")


def _story_line(story: AlertStory) -> str:
    outlets = ", ".join(story.outlets)
    return f"{story.title} ({outlets}; first seen {_when(story)} UTC)"


def slack_payload(alert: Alert, stories: Sequence[AlertStory]) -> dict:
    """A Slack (or Mattermost, Rocket.Chat) incoming-webhook body: ``{"text": ...}`` in mrkdwn."""
    lines = [f"*newsmon {alert.name}*: {_plural(len(stories))}"]
    for story in stories:
        # Slack's link syntax breaks on these characters in a title.
        title = story.title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        lines.append(
            f"• <{story.url}|{title}> ({', '.join(story.outlets)}; "
            f"{', '.join(story.languages)}; first seen {_when(story)})"
        )
    return {"text": "\n".join(lines)}


def delivery_key(alert: Alert, channel: str, stories: Sequence[AlertStory]) -> str:
    """The same for a retried message: a receiver may use it to drop a copy it already has."""
    text = json.dumps(
        [alert.name, channel, [(s.story_id, len(s.outlets)) for s in stories]], sort_keys=True
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirected POST would be replayed as a GET without its body: not a delivery.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def send_webhook(alert: Alert, stories: Sequence[AlertStory], *, timeout: float) -> None:
    body = (
        slack_payload(alert, stories)
        if alert.webhook_format == "slack"
        else payload(alert, stories)
    )
    request = urllib.request.Request(
        alert.webhook,
        data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "Idempotency-Key": delivery_key(alert, "webhook", stories),
        },
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise ChannelError(f"webhook {alert.webhook}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        text = "timed out" if isinstance(reason, TimeoutError) else str(reason)
        raise ChannelError(f"webhook {alert.webhook}: {text}") from None
    except (TimeoutError, OSError, http.client.HTTPException) as exc:
        text = "timed out" if isinstance(exc, TimeoutError) else str(exc) or type(exc).__name__
        raise ChannelError(f"webhook {alert.webhook}: {text}") from None


def email_message(alert: Alert, stories: Sequence[AlertStory], smtp: Smtp) -> EmailMessage:
    """One digest: plain text and HTML alternatives."""
    message = EmailMessage()
    message["Subject"] = f"newsmon {alert.name}: {_plural(len(stories))}"
    message["From"] = smtp.sender
    message["To"] = ", ".join(alert.email)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2])
    text = [f"{_plural(len(stories))} for the alert {alert.name}:", ""]
    for story in stories:
        text += [_story_line(story), f"  {story.url}", ""]
    message.set_content("\n".join(text))
    items = "".join(
        f'<li><a href="{html.escape(s.url)}">{html.escape(s.title)}</a><br>'
        f"<small>{html.escape(', '.join(s.outlets))} · {html.escape(', '.join(s.languages))}"
        f" · first seen {html.escape(_when(s))} UTC"
        f"{' · ' + html.escape(', '.join(s.topics)) if s.topics else ''}</small></li>"
        for s in stories
    )
    message.add_alternative(
        f"<html><body><p>{_plural(len(stories))} for the alert "
        f"<b>{html.escape(alert.name)}</b>:</p><ul>{items}</ul></body></html>",
        subtype="html",
    )
    return message


def send_email(
    alert: Alert,
    stories: Sequence[AlertStory],
    *,
    smtp: Smtp | None,
    timeout: float,
    env: Mapping[str, str] | None = None,
) -> None:
    if smtp is None:
        raise ChannelError("email: no SMTP server configured")
    env = os.environ if env is None else env
    message = email_message(alert, stories, smtp)
    where = f"email via {smtp.host}:{smtp.port}"
    password = None
    if smtp.user:
        # Known before connecting: a server is never contacted for a login that cannot be made.
        password = env.get(smtp.password_env)
        if password is None:
            raise ChannelError(f"{where}: ${smtp.password_env} is not set")
    try:
        if smtp.tls == "ssl":
            client = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=timeout, context=_tls_context(smtp)
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout)
        with client:
            if smtp.tls == "starttls":
                client.starttls(context=_tls_context(smtp))
            if smtp.user:
                client.login(smtp.user, password)
            refused = client.send_message(message)
    except smtplib.SMTPException as exc:
        raise ChannelError(f"{where}: {smtp_error_text(exc)}") from None
    except ssl.SSLCertVerificationError as exc:
        raise ChannelError(
            f"{where}: the server's certificate is not trusted ({exc.verify_message}; "
            "a private certificate authority goes in [smtp] ca_file)"
        ) from None
    except TimeoutError:
        raise ChannelError(f"{where}: timed out") from None
    except OSError as exc:
        raise ChannelError(f"{where}: {exc.strerror or exc}") from None
    if refused:
        # Some recipients took it: the digest counts as delivered (a resend would
        # duplicate it for them); the refused ones are named in the log.
        logger.warning(
            "alert %s: %s: recipients refused: %s", alert.name, where, ", ".join(sorted(refused))
        )


def _tls_context(smtp: Smtp) -> ssl.SSLContext:
    """Certificates checked against the system's authorities, or only ``ca_file``'s when given."""
    return ssl.create_default_context(cafile=smtp.ca_file)


def smtp_error_text(exc: smtplib.SMTPException) -> str:
    """One line for an SMTP failure: the server's code and words (``535 5.7.8 Authentication
    credentials invalid``), not the tuple of bytes smtplib's message is."""
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        return " ".join(f"{exc.smtp_code} {text}".split())
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refusals = [
            f"{address}: {code} {answer.decode('utf-8', 'replace') if isinstance(answer, bytes) else answer}"
            for address, (code, answer) in sorted(exc.recipients.items())
        ]
        return " ".join(f"every recipient refused ({'; '.join(refusals)})".split())
    return " ".join(str(exc).split()) or type(exc).__name__


def send_command(alert: Alert, stories: Sequence[AlertStory], *, timeout: float) -> None:
    body = json.dumps(payload(alert, stories), ensure_ascii=False).encode("utf-8")
    name = alert.command[0]
    try:
        done = subprocess.run(
            list(alert.command), input=body, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise ChannelError(f"command {name}: timed out after {timeout:g}s") from None
    except OSError as exc:
        raise ChannelError(f"command {name}: {exc.strerror or exc}") from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        tail = f": {lines[-1][:200]}" if lines else ""
        raise ChannelError(f"command {name}: exit status {done.returncode}{tail}")


def send(
    alert: Alert,
    channel: str,
    stories: Sequence[AlertStory],
    *,
    smtp: Smtp | None,
    timeout: float,
) -> None:
    """Send ``stories`` through one of the alert's channels; raises :class:`ChannelError`."""
    if channel == "webhook":
        send_webhook(alert, stories, timeout=timeout)
    elif channel == "email":
        send_email(alert, stories, smtp=smtp, timeout=timeout)
    elif channel == "command":
        send_command(alert, stories, timeout=timeout)
    else:
        raise ValueError(channel)
