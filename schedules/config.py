"""The schedules file: which sources are crawled how often, with which limits.

``schedules/default.toml`` (or the file given with ``--schedules``) holds an
optional ``[daemon]`` table, an optional ``[defaults]`` table applied to every
job, and one ``[[job]]`` table per job. Every problem is raised as
:class:`~crawler.config.ConfigError` naming the file, the job and the field,
so the command line prints it as one line.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from crawler.config import (
    DISCOVERY_KINDS,
    ConfigError,
    SourceSet,
    check_timezone,
    load_toml,
    parse_discovery,
)
from crawler.durations import parse_duration, parse_since
from crawler.freshness import Bounds
from crawler.overrides import SETTING_NAME
from schedules import DEFAULT_SCHEDULES_FILE

_JOB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
# Standard crontab numbers weekdays from Sunday = 0 (or 7); APScheduler 3
# numbers them from Monday = 0. Numbers are turned into names so that a
# crontab line means what it means everywhere else.
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_NUMBER = re.compile(r"(?<![/\d])([0-7])(?!\d)")


def parse_size(text: str) -> int | None:
    """``"2GB"`` -> bytes (binary units: K, M, G, T; ``B``/``iB`` optional); ``"none"`` -> None."""
    if str(text).strip().lower() in ("none", "off", "0"):
        return None
    match = _SIZE.match(str(text))
    if not match:
        raise ValueError(f"{text!r} is not a size (expected e.g. 512MB, 2GB, or 'none')")
    size = int(float(match.group(1)) * _SIZE_UNITS[match.group(2).upper()])
    if size < 64 << 20:
        raise ValueError(f"{text!r} is too small for a crawl process (at least 64MB)")
    return size


def crontab_for_apscheduler(expr: str) -> str:
    """A five-field crontab line with numeric weekdays written as names (see ``_WEEKDAYS``)."""
    fields = expr.split()
    if len(fields) == 5:
        fields[4] = _WEEKDAY_NUMBER.sub(lambda m: _WEEKDAYS[int(m.group(1))], fields[4])
    return " ".join(fields)


@dataclass(frozen=True)
class Job:
    """One scheduled crawl: what it crawls, how often, and its limits."""

    id: str
    """Fixed job id, e.g. ``"feeds"``; recorded as ``crawl_runs.job_id``."""
    every: timedelta | None = None
    """Interval between runs (exclusive with ``cron``)."""
    cron: str | None = None
    """Five-field crontab expression (exclusive with ``every``)."""
    timezone: str = "UTC"
    """IANA zone the ``cron`` expression is read in."""
    jitter: timedelta = timedelta(0)
    """Each run starts up to this much later than its nominal time (spreads load)."""
    timeout: timedelta = timedelta(minutes=30)
    """Hard limit of one run: then a graceful stop, then a kill after ``kill_grace``."""
    kill_grace: timedelta = timedelta(seconds=30)
    """Time a crawl gets to close after the graceful stop before its process group is killed."""
    memory: int | None = 2 << 30
    """Address-space limit of the crawl process in bytes (None: no limit)."""
    lock_wait: timedelta = timedelta(minutes=5)
    """How long the crawl waits for a source another crawl holds before skipping it."""
    since: str | None = None
    """Recent window passed to ``newsmon crawl --since`` (None: the crawl's default)."""
    sources: tuple[str, ...] = ()
    """Source names; empty means every enabled source."""
    discovery: tuple[str, ...] = DISCOVERY_KINDS
    """Discovery kinds among ``feeds``, ``sitemaps``, ``wordpress``."""
    settings: tuple[tuple[str, str], ...] = ()
    """Scrapy setting overrides passed as ``-s NAME=VALUE``."""
    misfire_grace: timedelta | None = None
    """How late a run may still start (None: one interval)."""
    enabled: bool = True
    """A disabled job is validated but not scheduled."""
    adaptive: bool = False
    """Poll each source when its feeds are due (``crawler.polling``), not on a fixed cadence."""

    @property
    def cadence(self) -> str:
        """``every 15m``, ``cron 20 */4 * * * (UTC)`` or ``adaptive``, for logs and ``newsmon status``."""
        if self.adaptive:
            return "adaptive"
        if self.every is not None:
            return f"every {format_duration(self.every)}"
        return f"cron {self.cron} ({self.timezone})"


RUNNERS = ("local", "scrapyd")


@dataclass(frozen=True)
class Node:
    """One Scrapyd node the daemon may hand crawls to (a ``[[daemon.node]]`` entry)."""

    url: str
    """Base URL of its HTTP API, without a trailing slash, e.g. ``http://crawl1:6800``."""
    username: str | None = None
    """HTTP basic-auth user (Scrapyd's ``username`` setting), or None."""
    password: str | None = field(default=None, repr=False)
    """Its password, from the file or from the variable named by ``password_env``."""
    slots: int | None = None
    """Crawls it may carry at once (running + waiting in its queue); None: the ``max_proc``
    its ``daemonstatus.json`` reports (``newsmon scrapyd-node`` does), else 1."""

    @property
    def name(self) -> str:
        """``host:port``, as logs and ``newsmon status`` show the node."""
        return urlsplit(self.url).netloc


@dataclass(frozen=True)
class DaemonSettings:
    """Settings of the daemon itself (the ``[daemon]`` table)."""

    shutdown_grace: timedelta = timedelta(seconds=60)
    """On SIGTERM/SIGINT, how long running crawls may go on before they are stopped."""
    startup_delay: timedelta = timedelta(seconds=30)
    """A job that is overdue at start-up (or never ran) first runs this long after start."""
    max_parallel: int = 2
    """At most this many crawls at once; a due job waits for a free slot."""
    keep_crawl_logs: int = 200
    """Per-run crawl logs kept under ``logs/crawls/`` (older ones are deleted)."""
    runner: str = "local"
    """Where crawls run: ``"local"`` (child processes) or ``"scrapyd"`` (the ``nodes``)."""
    nodes: tuple[Node, ...] = ()
    """Scrapyd nodes, the one with the most free slots first (runner ``"scrapyd"``)."""
    project: str = "newsmon"
    """Scrapyd project the crawls run in (the name the project was deployed under)."""
    poll_interval: timedelta = timedelta(seconds=5)
    """How often a crawl on a node is looked at (``listjobs.json``)."""
    node_timeout: timedelta = timedelta(seconds=60)
    """A node that does not answer for this long has lost its crawl, which is rescheduled."""
    leave_node_runs: bool = False
    """On SIGTERM/SIGINT, leave the crawls on nodes running (their rows open) for the next
    daemon to follow, instead of stopping them after ``shutdown_grace``."""


@dataclass(frozen=True)
class AdaptiveSettings:
    """Settings of adaptive jobs (the ``[adaptive]`` table): the daemon's tick and the default bounds."""

    tick: timedelta = timedelta(seconds=30)
    """How often the daemon looks for sources whose feeds are due."""
    min_interval: timedelta = timedelta(minutes=2)
    """A feed is never polled more often (a source's ``min_interval`` overrides it)."""
    max_interval: timedelta = timedelta(hours=6)
    """... nor more seldom (a source's ``max_interval`` overrides it)."""
    default_interval: timedelta = timedelta(minutes=15)
    """The interval of a feed with too little history to learn from."""

    @property
    def bounds(self) -> Bounds:
        return Bounds(
            min_interval=self.min_interval,
            max_interval=self.max_interval,
            default=self.default_interval,
        )


@dataclass(frozen=True)
class Schedule:
    """A validated schedules file."""

    path: Path
    daemon: DaemonSettings = field(default_factory=DaemonSettings)
    jobs: tuple[Job, ...] = ()
    adaptive: AdaptiveSettings = field(default_factory=AdaptiveSettings)

    @property
    def enabled_jobs(self) -> list[Job]:
        return [job for job in self.jobs if job.enabled]


def format_duration(value: timedelta) -> str:
    """The shortest of ``90s``, ``15m``, ``2h``, ``1d`` that is exact."""
    seconds = value.total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------

_JOB_KEYS = {
    "id", "every", "cron", "timezone", "jitter", "timeout", "kill_grace", "memory", "lock_wait",
    "since", "sources", "discovery", "settings", "misfire_grace", "enabled", "adaptive",
}  # fmt: skip
_DEFAULTS_KEYS = _JOB_KEYS - {"id", "every", "cron", "misfire_grace", "adaptive"}
# A fixed cadence's fields: an adaptive job has none of them.
_CADENCE_KEYS = ("every", "cron", "timezone", "jitter", "misfire_grace")
_ADAPTIVE_KEYS = {"tick", "min_interval", "max_interval", "default_interval"}
_DAEMON_KEYS = {
    "shutdown_grace", "startup_delay", "max_parallel", "keep_crawl_logs", "runner", "node",
    "nodes", "project", "poll_interval", "node_timeout", "leave_node_runs",
}  # fmt: skip
_NODE_KEYS = {"url", "username", "password", "password_env", "slots"}


class _Checker:
    """Field readers that raise one-line errors prefixed with ``where``."""

    def __init__(self, where: str):
        self.where = where

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.where}: field {key!r}: {problem}")

    def duration(self, raw: dict, key: str, *, allow_zero: bool = False) -> timedelta | None:
        if key not in raw:
            return None
        value = raw[key]
        if not isinstance(value, str):
            raise self.fail(key, f"must be a duration string such as '15m', not {value!r}")
        try:
            return parse_duration(value, allow_zero=allow_zero)
        except ValueError as exc:
            raise self.fail(key, str(exc)) from None

    def typed(self, raw: dict, key: str, typ: type) -> Any:
        value = raw.get(key)
        # bool is an int in Python; a count written as `true` is a mistake.
        if key in raw and (not isinstance(value, typ) or (typ is int and isinstance(value, bool))):
            raise self.fail(key, f"must be of type {typ.__name__}, not {value!r}")
        return value

    def unknown(self, raw: dict, allowed: set[str]) -> None:
        extra = sorted(set(raw) - allowed)
        if extra:
            raise ConfigError(
                f"{self.where}: unknown field {extra[0]!r} (known: {', '.join(sorted(allowed))})"
            )


def _job_fields(check: _Checker, raw: dict, sources: SourceSet | None) -> dict[str, Any]:
    """The job fields present in ``raw`` (a ``[[job]]`` or the ``[defaults]`` table), validated."""
    out: dict[str, Any] = {}
    for key in ("jitter", "lock_wait"):
        if (value := check.duration(raw, key, allow_zero=True)) is not None:
            out[key] = value
    for key in ("timeout", "kill_grace", "misfire_grace", "every"):
        if (value := check.duration(raw, key)) is not None:
            out[key] = value
    if "memory" in raw:
        value = raw["memory"]
        if not isinstance(value, str):
            raise check.fail(
                "memory", f"must be a size string such as '2GB' or 'none', not {value!r}"
            )
        try:
            out["memory"] = parse_size(value)
        except ValueError as exc:
            raise check.fail("memory", str(exc)) from None
    if "since" in raw:
        value = check.typed(raw, "since", str)
        try:
            parse_since(value)
        except ValueError as exc:
            raise check.fail("since", str(exc)) from None
        out["since"] = value
    if "timezone" in raw:
        value = check.typed(raw, "timezone", str)
        if problem := check_timezone(value):
            raise check.fail("timezone", problem)
        out["timezone"] = value
    if "enabled" in raw:
        out["enabled"] = check.typed(raw, "enabled", bool)
    if "sources" in raw:
        out["sources"] = _sources(check, raw["sources"], sources)
    if "discovery" in raw:
        value = raw["discovery"]
        kinds = [value] if isinstance(value, str) else value
        if not isinstance(kinds, list) or not kinds or not all(isinstance(k, str) for k in kinds):
            raise check.fail("discovery", f"must be a list among {', '.join(DISCOVERY_KINDS)}")
        try:
            out["discovery"] = parse_discovery(kinds)
        except ValueError as exc:
            raise check.fail("discovery", str(exc)) from None
    if "settings" in raw:
        value = check.typed(raw, "settings", dict)
        pairs = []
        for name, setting in value.items():
            if not isinstance(setting, str | int | float | bool) or not SETTING_NAME.fullmatch(
                name
            ):
                raise check.fail(
                    "settings",
                    f'{name!r}: expected NAME = "value" with an upper-case Scrapy setting name',
                )
            pairs.append((name, str(setting)))
        out["settings"] = tuple(pairs)
    return out


def _sources(check: _Checker, value: Any, sources: SourceSet | None) -> tuple[str, ...]:
    if value == "all":
        return ()
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise check.fail("sources", 'must be "all" or a non-empty list of source names')
    if sources is not None:
        known = set(sources.names)
        for name in value:
            if name not in known:
                raise check.fail("sources", f"unknown source {name!r} (not in {sources.path})")
    return tuple(dict.fromkeys(value))


def _job(
    path: Path, index: int, raw: Any, defaults: dict[str, Any], sources: SourceSet | None
) -> Job:
    check = _Checker(f"{path}: job #{index + 1}")
    if not isinstance(raw, dict):
        raise ConfigError(f"{check.where}: must be a table ([[job]])")
    job_id = raw.get("id")
    if not isinstance(job_id, str) or not _JOB_ID.match(job_id):
        raise check.fail("id", "required: letters, digits, '-', '_' or '.'")
    check.where = f"{path}: job {job_id!r}"
    check.unknown(raw, _JOB_KEYS)
    fields = {**defaults, **_job_fields(check, raw, sources)}
    if check.typed(raw, "adaptive", bool):
        if extra := [key for key in _CADENCE_KEYS if key in raw]:
            raise check.fail(
                extra[0], "an adaptive job polls each source when it is due: no fixed cadence"
            )
        fields.pop("jitter", None)  # from [defaults]: a fixed cadence's spread
        return Job(id=job_id, adaptive=True, **fields)
    if "cron" in raw:
        fields["cron"] = _cron(check, raw, fields.get("timezone", "UTC"))
    if ("every" in fields) == ("cron" in fields):
        raise ConfigError(
            f"{check.where}: needs exactly one of 'every' (e.g. \"15m\") or 'cron' (e.g. \"0 * * * *\")"
        )
    if "timezone" in raw and "every" in fields:
        raise check.fail(
            "timezone", "only applies to 'cron' jobs (intervals do not depend on a zone)"
        )
    every, jitter = fields.get("every"), fields.get("jitter", timedelta(0))
    if every is not None and jitter >= every:
        raise check.fail("jitter", f"must be shorter than the interval ({format_duration(every)})")
    return Job(id=job_id, **fields)


def _cron(check: _Checker, raw: dict, timezone: str) -> str:
    from apscheduler.triggers.cron import CronTrigger

    expr = check.typed(raw, "cron", str)
    try:
        CronTrigger.from_crontab(crontab_for_apscheduler(expr), timezone=ZoneInfo(timezone))
    except ValueError as exc:
        raise check.fail("cron", f"{expr!r}: {exc}") from None
    return " ".join(expr.split())


def _daemon(path: Path, raw: Any) -> DaemonSettings:
    check = _Checker(f"{path}: [daemon]")
    if not isinstance(raw, dict):
        raise ConfigError(f"{check.where}: must be a table")
    check.unknown(raw, _DAEMON_KEYS)
    values: dict[str, Any] = {}
    for key in ("shutdown_grace", "startup_delay"):
        if (value := check.duration(raw, key, allow_zero=True)) is not None:
            values[key] = value
    for key, minimum in (("max_parallel", 1), ("keep_crawl_logs", 0)):
        if key in raw:
            value = check.typed(raw, key, int)
            if value < minimum:
                raise check.fail(key, f"must be at least {minimum}")
            values[key] = value
    for key in ("poll_interval", "node_timeout"):
        if (value := check.duration(raw, key)) is not None:
            values[key] = value
    if "project" in raw:
        value = check.typed(raw, "project", str)
        if not _JOB_ID.match(value):
            raise check.fail("project", "letters, digits, '-', '_' or '.'")
        values["project"] = value
    runner = check.typed(raw, "runner", str) or "local"
    if runner not in RUNNERS:
        raise check.fail("runner", f"{runner!r} is not one of {', '.join(RUNNERS)}")
    values["runner"] = runner
    nodes = _nodes(path, check, raw)
    if runner == "scrapyd" and not nodes:
        raise check.fail("runner", "'scrapyd' needs at least one [[daemon.node]] with its url")
    values["nodes"] = nodes
    if check.typed(raw, "leave_node_runs", bool):
        if runner != "scrapyd":
            raise check.fail("leave_node_runs", "only with runner = 'scrapyd'")
        values["leave_node_runs"] = True
    return DaemonSettings(**values)


def _nodes(path: Path, check: _Checker, raw: dict) -> tuple[Node, ...]:
    """The ``[[daemon.node]]`` tables and the ``nodes = [...]`` URLs, validated."""
    if "node" in raw and "nodes" in raw:
        raise check.fail("nodes", "give the nodes either as [[daemon.node]] or as nodes = [...]")
    key = "node" if "node" in raw else "nodes"
    entries = raw.get(key, [])
    if not isinstance(entries, list):
        raise check.fail(key, "must be a list of node URLs or [[daemon.node]] tables")
    nodes: list[Node] = []
    for index, entry in enumerate(entries):
        node_check = _Checker(f"{path}: [daemon] node #{index + 1}")
        node = _node(node_check, {"url": entry} if isinstance(entry, str) else entry)
        if any(n.url == node.url for n in nodes):
            raise node_check.fail("url", f"{node.url!r} is listed twice")
        nodes.append(node)
    return tuple(nodes)


def _node(check: _Checker, raw: Any) -> Node:
    if not isinstance(raw, dict):
        raise ConfigError(f"{check.where}: must be a URL string or a table with 'url'")
    check.unknown(raw, _NODE_KEYS)
    url = check.typed(raw, "url", str)
    if not url:
        raise check.fail("url", "required, e.g. 'http://crawl1:6800'")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise check.fail("url", f"{url!r} is not an http(s) URL with a host")
    if parts.username or parts.password:
        raise check.fail("url", "credentials go in 'username' and 'password' (or 'password_env')")
    try:
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError as exc:
        raise check.fail("url", f"{url!r}: {exc}") from None
    username = check.typed(raw, "username", str)
    password = check.typed(raw, "password", str)
    env = check.typed(raw, "password_env", str)
    if password is not None and env is not None:
        raise check.fail("password_env", "give either 'password' or 'password_env'")
    if env is not None:
        password = os.environ.get(env)
        if password is None:
            raise check.fail("password_env", f"the environment variable {env} is not set")
    if (username is None) != (password is None):
        raise check.fail(
            "username" if username is None else "password",
            "HTTP basic auth needs both 'username' and a password",
        )
    slots = check.typed(raw, "slots", int)
    if slots is not None and slots < 1:
        raise check.fail("slots", "must be at least 1")
    return Node(url=url.strip().rstrip("/"), username=username, password=password, slots=slots)


def _adaptive(path: Path, raw: Any) -> AdaptiveSettings:
    check = _Checker(f"{path}: [adaptive]")
    if not isinstance(raw, dict):
        raise ConfigError(f"{check.where}: must be a table")
    check.unknown(raw, _ADAPTIVE_KEYS)
    values = {key: check.duration(raw, key) for key in _ADAPTIVE_KEYS if key in raw}
    settings = AdaptiveSettings(**values)
    if settings.min_interval > settings.max_interval:
        raise check.fail(
            "min_interval",
            f"longer than max_interval ({format_duration(settings.max_interval)})",
        )
    if not settings.min_interval <= settings.default_interval <= settings.max_interval:
        raise check.fail("default_interval", "must lie between min_interval and max_interval")
    return settings


def load_schedules(path: str | Path | None = None, *, sources: SourceSet | None = None) -> Schedule:
    """Load and validate a schedules file (``schedules/default.toml`` by default).

    With ``sources``, job source names are checked against that source set.
    """
    path = Path(path) if path else DEFAULT_SCHEDULES_FILE
    data = load_toml(path)
    unknown = sorted(set(data) - {"daemon", "defaults", "adaptive", "job"})
    if unknown:
        raise ConfigError(
            f"{path}: unknown top-level key {unknown[0]!r} "
            "(expected [daemon], [defaults], [adaptive], [[job]])"
        )
    daemon = _daemon(path, data.get("daemon", {}))
    adaptive = _adaptive(path, data.get("adaptive", {}))
    raw_defaults = data.get("defaults", {})
    check = _Checker(f"{path}: [defaults]")
    if not isinstance(raw_defaults, dict):
        raise ConfigError(f"{check.where}: must be a table")
    check.unknown(raw_defaults, _DEFAULTS_KEYS)
    defaults = _job_fields(check, raw_defaults, sources)
    raw_jobs = data.get("job")
    if not isinstance(raw_jobs, list) or not raw_jobs:
        raise ConfigError(f"{path}: no [[job]] entries")
    jobs: list[Job] = []
    for index, raw in enumerate(raw_jobs):
        job = _job(path, index, raw, defaults, sources)
        if any(j.id == job.id for j in jobs):
            raise ConfigError(f"{path}: job {job.id!r}: duplicate id")
        jobs.append(job)
    return Schedule(path=path, daemon=daemon, jobs=tuple(jobs), adaptive=adaptive)
