"""Whether a source looks healthy, judged over time against its own publishing rate.

Counting runs says nothing about an outlet: with a feeds job every 15
minutes, ten runs without a new article is 2½ quiet hours, and a feed that is
simply unchanged (a 304) is not a failure. So a source is judged on time:

- quiet: no new article for ``factor`` times its usual gap between articles
  (never less than ``floor``), measured up to its last finished run;
- failing: every run of it has failed (the run failed, or most of its
  requests did) for ``error_span`` or longer. A 304 is a fetched page.

The usual gap is measured from the stored articles of the recent ``window``
(their publication time, or when they were first seen if that is earlier or
unknown). It is the time-weighted median gap: the gap length such that half
of the time lies in gaps no longer than it. Unlike the plain median, a burst
of articles published together does not make a daily outlet look busy, and
unlike the mean, one long outage does not make it look slow. With fewer than
``min_articles`` articles (a new or rare outlet) ``default_gap`` stands in.

:func:`judge_health` is a pure function of the article times, the runs and
the time now; :func:`schedules.history.source_activity` reads the first two.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from schedules.history import Run

# Statuses of runs an operator stopped: they say nothing about the source.
NEUTRAL_STATUSES = frozenset({"interrupted", "shutdown", "skipped"})


@dataclass(frozen=True)
class HealthRule:
    """The thresholds of :func:`judge_health`."""

    window: timedelta = timedelta(days=30)
    """Recent past over which a source's usual gap between articles is measured."""
    factor: float = 4.0
    """A source is quiet after this many usual gaps without a new article..."""
    floor: timedelta = timedelta(hours=12)
    """... and never before this long (a busy outlet's night is not an outage)."""
    default_gap: timedelta = timedelta(days=1)
    """Usual gap assumed while a source has too few articles to measure one."""
    min_articles: int = 5
    """Articles in the window needed to measure the usual gap."""
    error_span: timedelta = timedelta(hours=6)
    """A source is failing once all its runs have failed for this long."""


@dataclass(frozen=True)
class Health:
    """A source's health and the figures behind it."""

    state: str
    """``ok``, ``unhealthy``, or ``unknown`` (no finished run yet)."""
    reasons: tuple[str, ...] = ()
    """Why it is unhealthy, in words."""
    last_article: datetime | None = None
    usual_gap: timedelta | None = None
    """The measured usual gap (None: too few articles, ``default_gap`` was used)."""
    quiet_for: timedelta | None = None
    """From its last article (or its first crawl) to its last finished run."""
    failing_since: datetime | None = None
    """Start of the current run of failed runs (None: its last run did not fail)."""

    def to_json(self) -> dict:
        return {
            "state": self.state,
            "reasons": list(self.reasons),
            "last_article_at": self.last_article.isoformat() if self.last_article else None,
            "usual_gap_seconds": int(self.usual_gap.total_seconds()) if self.usual_gap else None,
            "quiet_seconds": int(self.quiet_for.total_seconds()) if self.quiet_for else None,
            "failing_since": self.failing_since.isoformat() if self.failing_since else None,
        }


def span(delta: timedelta, *, nearest: bool = False) -> str:
    """``3d``, ``4h``, ``25m``, ``40s``: the largest whole unit, rounded down (or to the ``nearest``)."""
    seconds = max(0, int(delta.total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        # Rounded, 23h58m is "1d": what a reader calls a daily outlet's gap.
        if seconds >= (size - size // 48 if nearest else size):
            count = int(seconds / size + 0.5) if nearest else seconds // size
            return f"{count}{unit}"
    return f"{seconds}s"


def usual_gap(times: Sequence[datetime]) -> timedelta | None:
    """The time-weighted median gap between consecutive ``times`` (None with fewer than two)."""
    ordered = sorted(times)
    gaps = sorted(b - a for a, b in zip(ordered, ordered[1:], strict=False))
    total = sum(gaps, timedelta(0))
    if not gaps or not total:
        return None
    covered = timedelta(0)
    for gap in gaps:
        covered += gap
        if covered * 2 >= total:
            return gap
    return gaps[-1]


def run_failed(run: Run) -> bool:
    """Whether a run failed for its source: the whole run failed, or most of the source's requests did.

    A failed article request is also a fetched page (its error response came
    back), so ``errors`` greater than the pages that did not fail means most
    requests failed; a DNS failure or a refused connection fetches nothing.
    """
    if run.status not in ("ok", "error"):
        return True  # unreachable, timeout, crashed, oom, failed, abandoned, database_error
    errors, pages = run.counts.get("errors", 0), run.counts.get("pages_fetched", 0)
    return errors > 0 and errors > pages - errors


def _error_kinds(message: str | None) -> str:
    """The ``errors: DNS lookup failed ×40, timeout ×12`` part of a run's message (the crawl's errors by kind)."""
    for part in (message or "").split(";"):
        part = part.strip()
        if part.startswith("errors: "):
            return part.removeprefix("errors: ")
    return ""


def trouble(run: Run) -> str:
    """What went wrong in a failed run, in a few words."""
    kinds = _error_kinds(run.message)
    if run.status == "unreachable":
        return f"no page could be fetched: {kinds}" if kinds else "no page could be fetched"
    if run.status not in ("ok", "error"):
        detail = (run.message or "").split(";")[0].strip()
        return f"{run.status}: {detail}" if detail else run.status
    if kinds and len(run.sources) == 1:
        return kinds  # the crawl's errors are this source's
    errors, pages = run.counts.get("errors", 0), run.counts.get("pages_fetched", 0)
    said = (
        f"all {errors} request(s) failed" if not pages else f"{errors} of {pages} request(s) failed"
    )
    return f"{said} (in the run: {kinds})" if kinds else said


def judge_health(
    article_times: Sequence[datetime],
    history: Sequence[Run],
    now: datetime,
    *,
    last_article: datetime | None = None,
    first_crawl: datetime | None = None,
    rule: HealthRule = HealthRule(),
) -> Health:
    """The health of a source.

    ``article_times``: when its articles of the recent window appeared;
    ``history``: its finished runs, newest first; ``last_article``: its latest
    article time ever (default: the latest of ``article_times``);
    ``first_crawl``: its first run ever (default: the oldest of ``history``).
    """
    runs = [run for run in history if run.status not in NEUTRAL_STATUSES]
    if last_article is None and article_times:
        last_article = max(article_times)
    if not runs:
        return Health(state="unknown", last_article=last_article)
    checked = runs[0].finished or runs[0].started
    reasons = []

    recent = [t for t in article_times if t >= now - rule.window]
    measured = usual_gap(recent) if len(recent) >= rule.min_articles else None
    gap = measured or rule.default_gap
    since = last_article or first_crawl or runs[-1].started
    quiet = max(timedelta(0), checked - since)
    if quiet > max(rule.floor, gap * rule.factor):
        if last_article is None:
            reasons.append(f"no article in {span(quiet)} of crawling")
        elif measured:
            reasons.append(
                f"no new article for {span(quiet)}, usually every {span(measured, nearest=True)}"
            )
        else:
            reasons.append(
                f"no new article for {span(quiet)} (too few articles to know its usual gap; "
                f"assumed {span(rule.default_gap)})"
            )

    failing = []
    for run in runs:
        if not run_failed(run):
            break
        failing.append(run)
    failing_since = failing[-1].started if failing else None
    if failing and checked - failing_since >= rule.error_span:
        reasons.append(f"errors for {span(checked - failing_since)}: {trouble(failing[0])}")

    return Health(
        state="unhealthy" if reasons else "ok",
        reasons=tuple(reasons),
        last_article=last_article,
        usual_gap=measured,
        quiet_for=quiet,
        failing_since=failing_since,
    )
