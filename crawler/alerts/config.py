"""The alerts file (``alerts.toml``): loading and validating it.

Every problem is a :class:`crawler.config.ConfigError` whose one-line
message names the file, the alert and the field. SMTP settings come from the
file's ``[smtp]`` table, and where it says nothing, from ``NEWSMON_SMTP_*``
variables; a password is only ever read from the environment.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.config import ConfigError, check_url, load_toml
from crawler.durations import parse_duration, parse_since

DEFAULT_ALERTS_FILE = "alerts.toml"
WEBHOOK_FORMATS = ("json", "slack")
TLS_MODES = ("starttls", "ssl", "none")
DEFAULT_PASSWORD_ENV = "NEWSMON_SMTP_PASSWORD"
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class Smtp:
    """Where e-mail alerts are sent from."""

    host: str
    port: int
    """587 for STARTTLS, 465 for SSL, 25 without TLS unless given."""
    tls: str
    """``starttls``, ``ssl`` or ``none``."""
    sender: str
    """The From address."""
    user: str | None = None
    """Login name; None: no authentication."""
    password_env: str = DEFAULT_PASSWORD_ENV
    """The environment variable holding the password (read when sending)."""
    ca_file: str | None = None
    """PEM file of the certificate authorities that vouch for the server's certificate, in
    place of the system's (a relay with a private CA); None: the system's."""


@dataclass(frozen=True)
class Delivery:
    """How every channel is tried (the file's ``[delivery]`` table)."""

    timeout: float = 10.0
    """Seconds one attempt may take (connect, send, answer; a command's run)."""
    retry_first: timedelta = timedelta(minutes=1)
    """Wait after a first failure; doubled after each further failure."""
    retry_max: timedelta = timedelta(hours=6)
    """The longest wait between two attempts."""
    max_stories: int = 50
    """Most stories in one message (more go in further messages of the same run)."""

    def retry_delay(self, failures: int) -> timedelta:
        """The wait before the next attempt after ``failures`` failures in a row."""
        return min(self.retry_first * 2 ** max(failures - 1, 0), self.retry_max)


@dataclass(frozen=True)
class Alert:
    """One ``[[alert]]`` entry."""

    name: str
    """Unique key; the ledger remembers deliveries under it."""
    topics: tuple[str, ...] = ()
    """Topic names of topics.toml; empty: any relevant story."""
    search: str | None = None
    """A saved full-text query (FTS5 syntax) one of the story's articles must match."""
    since: str | None = None
    """ISO 8601 UTC: stories first seen from then on (default: from when the alert was first run)."""
    updates: bool = False
    """Send a story again when more outlets have carried it since it was sent."""
    webhook: str | None = None
    """URL receiving a JSON POST."""
    webhook_format: str = "json"
    """``json`` (``{"alert", "stories"}``) or ``slack`` (``{"text"}``)."""
    email: tuple[str, ...] = ()
    """Recipients of one digest message per run."""
    command: tuple[str, ...] = ()
    """A program (and its arguments) fed the JSON message on stdin."""

    @property
    def channels(self) -> list[str]:
        """The channel kinds this alert uses, in a fixed order."""
        return [
            kind
            for kind, on in (
                ("webhook", self.webhook),
                ("email", self.email),
                ("command", self.command),
            )
            if on
        ]


@dataclass(frozen=True)
class AlertSet:
    """Every alert of one file, in file order, with the shared settings."""

    path: Path
    alerts: tuple[Alert, ...] = ()
    delivery: Delivery = field(default_factory=Delivery)
    smtp: Smtp | None = None

    def get(self, name: str) -> Alert:
        for alert in self.alerts:
            if alert.name == name:
                return alert
        known = ", ".join(a.name for a in self.alerts) or "none"
        raise ConfigError(f"{self.path}: no alert named {name!r} (known: {known})")


_ALERT_FIELDS: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "topics": list,
    "search": str,
    "since": (str, date, datetime),
    "updates": bool,
    "webhook": str,
    "webhook_format": str,
    "email": (str, list),
    "command": (str, list),
}
_SMTP_FIELDS: dict[str, type | tuple[type, ...]] = {
    "host": str,
    "port": int,
    "tls": str,
    "user": str,
    "from": str,
    "password_env": str,
    "ca_file": str,
}
_DELIVERY_FIELDS = {"timeout": str, "retry_first": str, "retry_max": str, "max_stories": int}


def _check_types(where: str, raw: dict, fields: Mapping[str, type | tuple[type, ...]]) -> None:
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        hint = ""
        if unknown[0] == "password":
            hint = (
                f" (give the password in the environment: {DEFAULT_PASSWORD_ENV} or password_env)"
            )
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}{hint}")
    for key, typ in fields.items():
        if key in raw and (
            not isinstance(raw[key], typ) or (typ is int and isinstance(raw[key], bool))
        ):
            names = " or ".join(t.__name__ for t in (typ if isinstance(typ, tuple) else (typ,)))
            raise ConfigError(f"{where}: field {key!r} must be of type {names}")


def _since(where: str, value: Any) -> str:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day, tzinfo=UTC)
    else:
        try:
            moment = parse_since(value)
        except ValueError as exc:
            raise ConfigError(f"{where}: field 'since': {exc}") from None
        if moment is None:
            raise ConfigError(f"{where}: field 'since': {value!r} is not a date (e.g. 2024-01-31)")
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def _addresses(where: str, key: str, value: str | list) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not items:
        raise ConfigError(f"{where}: field {key!r}: no address")
    for item in items:
        if not isinstance(item, str) or not _EMAIL.match(item.strip()):
            raise ConfigError(f"{where}: field {key!r}: {item!r} is not an e-mail address")
    return tuple(item.strip() for item in items)


def _alert(path: Path, index: int, raw: Any, topic_names: set[str] | None) -> Alert:
    where = f"{path}: alert #{index + 1}"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: must be a table ([[alert]])")
    if isinstance(raw.get("name"), str):
        where = f"{path}: alert {raw['name']!r}"
    _check_types(where, raw, _ALERT_FIELDS)
    name = raw.get("name", "").strip()
    if not name:
        raise ConfigError(f"{where}: missing field 'name'")
    if not _NAME.match(name):
        raise ConfigError(f"{where}: field 'name' must be letters, digits, '-', '_' or '.'")
    topics = raw.get("topics", [])
    for topic in topics:
        if not isinstance(topic, str):
            raise ConfigError(f"{where}: field 'topics': {topic!r} is not a topic name")
        if topic_names is not None and topic not in topic_names:
            raise ConfigError(
                f"{where}: field 'topics': unknown topic {topic!r} "
                f"(known: {', '.join(sorted(topic_names))})"
            )
    search = raw.get("search")
    if search is not None and not search.strip():
        raise ConfigError(f"{where}: field 'search' is empty")
    webhook = raw.get("webhook")
    if webhook is not None and (problem := check_url(webhook)):
        raise ConfigError(f"{where}: field 'webhook': {problem}")
    webhook_format = raw.get("webhook_format", "json")
    if webhook_format not in WEBHOOK_FORMATS:
        raise ConfigError(
            f"{where}: field 'webhook_format' must be one of {', '.join(WEBHOOK_FORMATS)}"
        )
    if "webhook_format" in raw and webhook is None:
        raise ConfigError(f"{where}: field 'webhook_format' without a 'webhook'")
    email = _addresses(where, "email", raw["email"]) if "email" in raw else ()
    command: tuple[str, ...] = ()
    if "command" in raw:
        value = raw["command"]
        try:
            command = tuple(shlex.split(value) if isinstance(value, str) else value)
        except ValueError as exc:
            raise ConfigError(f"{where}: field 'command': {exc}") from None
        if not command or not all(isinstance(part, str) and part for part in command):
            raise ConfigError(f"{where}: field 'command' must be a program and its arguments")
    alert = Alert(
        name=name,
        topics=tuple(dict.fromkeys(topics)),
        search=search.strip() if search else None,
        since=_since(where, raw["since"]) if "since" in raw else None,
        updates=raw.get("updates", False),
        webhook=webhook,
        webhook_format=webhook_format,
        email=email,
        command=command,
    )
    if not alert.channels:
        raise ConfigError(f"{where}: needs at least one of 'webhook', 'email', 'command'")
    return alert


def _delivery(path: Path, raw: Any) -> Delivery:
    where = f"{path}: [delivery]"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: must be a table")
    _check_types(where, raw, _DELIVERY_FIELDS)
    values: dict[str, Any] = {}
    for key in ("timeout", "retry_first", "retry_max"):
        if key in raw:
            try:
                values[key] = parse_duration(raw[key])
            except ValueError as exc:
                raise ConfigError(f"{where}: field {key!r}: {exc}") from None
    if "timeout" in values:
        values["timeout"] = values["timeout"].total_seconds()
    if "max_stories" in raw:
        if raw["max_stories"] < 1:
            raise ConfigError(f"{where}: field 'max_stories' must be 1 or more")
        values["max_stories"] = raw["max_stories"]
    delivery = Delivery(**values)
    if delivery.retry_max < delivery.retry_first:
        raise ConfigError(f"{where}: field 'retry_max' is shorter than 'retry_first'")
    return delivery


def _smtp(path: Path, raw: Any, env: Mapping[str, str]) -> Smtp | None:
    where = f"{path}: [smtp]"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: must be a table")
    _check_types(where, raw, _SMTP_FIELDS)

    def value(key: str) -> Any:
        # The file first; the environment fills what it leaves out.
        if key in raw:
            return raw[key]
        return env.get(f"NEWSMON_SMTP_{key.upper()}") or None

    host = value("host")
    if not host:
        return None
    tls = (value("tls") or "starttls").lower()
    if tls not in TLS_MODES:
        raise ConfigError(f"{where}: field 'tls' must be one of {', '.join(TLS_MODES)}")
    port = value("port") or {"starttls": 587, "ssl": 465, "none": 25}[tls]
    try:
        port = int(port)
    except ValueError:
        raise ConfigError(f"{where}: field 'port': {port!r} is not a number") from None
    if not 0 < port < 65536:
        raise ConfigError(f"{where}: field 'port': {port} is not a port number")
    sender = value("from")
    if not sender:
        raise ConfigError(f"{where}: missing field 'from' (or NEWSMON_SMTP_FROM)")
    _addresses(where, "from", sender)
    user = value("user")
    if user and tls == "none":
        raise ConfigError(
            f'{where}: field \'user\': a login needs tls = "starttls" or "ssl" '
            "(the password would cross the network unencrypted)"
        )
    ca_file = value("ca_file")
    if ca_file:
        # Relative to the alerts file, as a service's working folder is anyone's guess.
        ca_file = str(path.parent / Path(ca_file).expanduser())
        if not Path(ca_file).is_file():
            raise ConfigError(f"{where}: field 'ca_file': no such file {ca_file}")
    return Smtp(
        host=host,
        port=port,
        tls=tls,
        sender=sender,
        user=user,
        password_env=raw.get("password_env", DEFAULT_PASSWORD_ENV),
        ca_file=ca_file,
    )


def load_alerts(
    path: str | Path | None = None,
    *,
    topic_names: set[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> AlertSet:
    """Load and validate an alerts file; ``topic_names`` are the names an alert may use."""
    path = Path(path or DEFAULT_ALERTS_FILE)
    env = os.environ if env is None else env
    data = load_toml(path)
    unknown = sorted(set(data) - {"alert", "delivery", "smtp"})
    if unknown:
        raise ConfigError(
            f"{path}: unknown top-level key {unknown[0]!r} (expected [[alert]], [delivery], [smtp])"
        )
    raw_alerts = data.get("alert")
    if not isinstance(raw_alerts, list) or not raw_alerts:
        raise ConfigError(f"{path}: no [[alert]] entries")
    alerts: list[Alert] = []
    for index, raw in enumerate(raw_alerts):
        alert = _alert(path, index, raw, topic_names)
        if alert.name in {a.name for a in alerts}:
            raise ConfigError(f"{path}: alert {alert.name!r}: duplicate name")
        alerts.append(alert)
    smtp = _smtp(path, data.get("smtp", {}), env)
    for alert in alerts:
        if alert.email and smtp is None:
            raise ConfigError(
                f"{path}: alert {alert.name!r}: field 'email': no SMTP server "
                "(set host in [smtp] or NEWSMON_SMTP_HOST)"
            )
    return AlertSet(
        path=path,
        alerts=tuple(alerts),
        delivery=_delivery(path, data.get("delivery", {})),
        smtp=smtp,
    )
