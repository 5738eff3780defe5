"""One pass of every alert over the store: what is pending goes out, the ledger keeps what was accepted.

For each alert and each of its channels: take the channel's lease in the
ledger (a second ``alerts run`` at the same time skips a channel it finds
leased), skip it if its retry time has not come, then send the pending
stories in messages of at most ``max_stories`` (an e-mail digest takes them
all), recording each message's stories once the channel accepted it. A
failure records the next attempt time (exponential backoff, capped) and
stops that channel for this run; nothing is marked sent that was not.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from crawler.alerts.channels import ChannelError, send
from crawler.alerts.config import Alert, AlertSet
from crawler.store.base import AlertStory, SearchQueryError, Store

logger = logging.getLogger("newsmon.alerts")

EMAIL_DIGEST_MAX = 500
"""Most stories in one e-mail digest (the rest wait for the next run)."""
MAX_MESSAGES_PER_RUN = 100
"""A bound on one channel's messages in one run (stories keep coming during a crawl)."""

Sender = Callable[..., None]


@dataclass
class ChannelResult:
    """What one run did with one alert's channel."""

    alert: str
    channel: str
    stories: int = 0
    """Stories the channel accepted in this run."""
    messages: int = 0
    error: str | None = None
    """Why the channel (or the alert) failed; it is retried at ``retry_at``."""
    retry_at: str | None = None
    skipped: str | None = None
    """Why the channel was not tried (waiting for a retry, leased by another run)."""

    def describe(self) -> str:
        head = f"{self.alert} {self.channel}: "
        if self.skipped:
            return head + self.skipped
        sent = f"{self.stories} stor{'y' if self.stories == 1 else 'ies'} sent"
        if self.error:
            retry = f", retry at {self.retry_at}" if self.retry_at else ""
            return head + f"{sent}, then failed: {self.error}{retry}"
        return head + (sent if self.stories else "nothing new")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def run_owner() -> str:
    """Who holds a lease: host, pid and a random part (a pid is reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def lease_length(timeout: float) -> timedelta:
    """How long a lease lasts: several attempts' time, so it never lapses while a message is out."""
    return timedelta(seconds=4 * timeout + 60)


def run_alerts(
    store: Store,
    alerts: AlertSet,
    *,
    names: Sequence[str] = (),
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    sender: Sender = send,
) -> list[ChannelResult]:
    """Deliver what is pending for every alert (or those ``names``); one result per channel."""
    owner = run_owner()
    results: list[ChannelResult] = []
    for alert in alerts.alerts:
        if names and alert.name not in names:
            continue
        # Recorded even with `since`: an alert that drops it later keeps its start.
        start = store.alert_start(alert.name, _iso(clock()))
        start = alert.since or start
        for channel in alert.channels:
            result = ChannelResult(alert.name, channel)
            results.append(result)
            try:
                _run_channel(store, alerts, alert, channel, start, owner, clock, sender, result)
            except SearchQueryError as exc:
                result.error = f"field 'search': invalid query {alert.search!r}: {exc}"
            finally:
                store.release_alert_channel(alert.name, channel, owner=owner)
            log = logger.warning if result.error else logger.info
            log("alert %s", result.describe())
    return results


def _run_channel(
    store: Store,
    alerts: AlertSet,
    alert: Alert,
    channel: str,
    start: str,
    owner: str,
    clock: Callable[[], datetime],
    sender: Sender,
    result: ChannelResult,
) -> None:
    delivery = alerts.delivery
    lease = lease_length(delivery.timeout)
    now = clock()
    claim = store.claim_alert_channel(
        alert.name, channel, owner=owner, now=_iso(now), lease_until=_iso(now + lease)
    )
    if not claim.claimed:
        if claim.busy_until:
            result.skipped = f"being sent by another run (until {claim.busy_until})"
        else:
            result.skipped = (
                f"waiting after {claim.failures} failure(s); next attempt {claim.next_attempt_at}"
            )
        return
    failures = claim.failures
    limit = EMAIL_DIGEST_MAX if channel == "email" else delivery.max_stories
    for _ in range(MAX_MESSAGES_PER_RUN):
        stories = store.alert_stories(
            topics=alert.topics,
            search=alert.search,
            since=start,
            pending_for=(alert.name, channel),
            updates=alert.updates,
            limit=limit,
        )
        if not stories:
            return
        try:
            sender(alert, channel, stories, smtp=alerts.smtp, timeout=delivery.timeout)
        except ChannelError as exc:
            retry_at = _iso(clock() + delivery.retry_delay(failures + 1))
            store.record_alert_failure(
                alert.name, channel, owner=owner, error=str(exc), retry_at=retry_at
            )
            result.error, result.retry_at = str(exc), retry_at
            return
        now = clock()
        store.record_alert_delivery(
            alert.name, channel, stories, owner=owner, now=_iso(now), lease_until=_iso(now + lease)
        )
        result.stories += len(stories)
        result.messages += 1
        failures = 0
        if channel == "email":
            return  # one digest per run


SAMPLE_STORY = AlertStory(
    story_id=0,
    title="Sample story: this is how newsmon alerts look",
    url="https://example.org/newsmon-sample",
    outlets=["example-outlet"],
    languages=["en"],
    first_seen="2024-01-01T00:00:00+00:00",
    topics=[],
)


def send_sample(
    store: Store | None,
    alerts: AlertSet,
    alert: Alert,
    *,
    sender: Sender = send,
    count: int = 3,
) -> list[ChannelResult]:
    """Send the alert's newest matching stories (or a made-up sample) through each of its
    channels, leaving the ledger alone; one result per channel."""
    stories: list[AlertStory] = []
    if store is not None:
        stories = store.alert_stories(topics=alert.topics, search=alert.search, limit=count)
    stories = stories or [SAMPLE_STORY]
    results = []
    for channel in alert.channels:
        result = ChannelResult(alert.name, channel)
        try:
            sender(alert, channel, stories, smtp=alerts.smtp, timeout=alerts.delivery.timeout)
            result.stories, result.messages = len(stories), 1
        except ChannelError as exc:
            result.error = str(exc)
        results.append(result)
    return results
