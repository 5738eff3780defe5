"""A stand-in for ``newsmon crawl`` in the scheduler tests: the same options and run records, no Scrapy.

Its behaviour is chosen with the ``-s NAME=VALUE`` settings a schedule job passes:

  FAKE_SLEEP=S          crawl for S seconds; SIGINT ends it early and the run closes as
                        ``shutdown``, as Scrapy's graceful close does
  FAKE_IGNORE_SIGINT=1  ignore SIGINT (only a kill stops it) and start a grandchild that
                        does the same, to check that the whole process group is killed
  FAKE_EXIT=N           exit with status N without closing the run (a crash)
  FAKE_ALLOC_MB=N       allocate N MB (to hit the memory limit)
  FAKE_PIDS=DIR         write the pids of this process and its grandchild into DIR
  FAKE_JOURNAL=FILE     append "<time> start|end <source> <pid>" lines while holding the sources
  FAKE_POLL_NEW=a=5,b=0 record a poll of each feed of these sources (from --sources) listing
                        that many entries no earlier poll listed
  FAKE_POLL_STATUS=a=500 the status of those polls (default 200)

Like the real crawl it takes the per-source locks (waiting up to --wait) and
closes its ``crawl_runs`` row with per-source counters.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def note(journal: str | None, event: str, sources: list[str]) -> None:
    if journal:
        with open(journal, "a") as fh:  # O_APPEND: lines of concurrent crawls do not mix
            fh.write(
                "".join(f"{time.time():.6f} {event} {name} {os.getpid()}\n" for name in sources)
            )


def _per_source(text: str) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in text.split(",") if pair)


def record_fake_polls(db, sources_file: str | None, names: list[str], settings: dict) -> None:
    """Polls as a real crawl records them: new entries are links no earlier poll listed."""
    import uuid
    from datetime import UTC, datetime

    from crawler.config import load_sources
    from crawler.polling import PollDraft, record_polls

    new = _per_source(settings["FAKE_POLL_NEW"])
    statuses = _per_source(settings.get("FAKE_POLL_STATUS", ""))
    now = datetime.now(UTC)
    drafts = []
    for source in load_sources(sources_file):
        if source.name in names and source.name in new:
            status = int(statuses.get(source.name, "200"))
            for feed in source.feeds:
                draft = PollDraft(feed, source.name, now, status)
                if status == 200:
                    keys = [
                        f"{source.name}.example/{uuid.uuid4().hex}"
                        for _ in range(int(new[source.name]))
                    ]
                    draft.listed([(key, None) for key in keys], None)
                drafts.append(draft)
    record_polls(db, drafts, started_at=now)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("sources", nargs="*")
    parser.add_argument("--db", required=True)
    parser.add_argument("--run-id", type=int)
    parser.add_argument("--job-id")
    parser.add_argument("--trigger", default="manual")
    parser.add_argument("--wait", default="0")
    parser.add_argument("--sources", dest="sources_file")
    parser.add_argument("-s", dest="settings", action="append", default=[])
    args, _ = parser.parse_known_args()
    settings = dict(s.split("=", 1) for s in args.settings)
    if "FAKE_IGNORE_SIGINT" in settings:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    stop = {"requested": False}
    if "FAKE_IGNORE_SIGINT" not in settings:
        signal.signal(signal.SIGINT, lambda *_: stop.update(requested=True))
    # Imported only now: until the handlers above are in place a SIGINT
    # would end the process before it could show how it reacts to one.
    from crawler.store import open_store

    pids = [str(os.getpid())]
    if "FAKE_IGNORE_SIGINT" in settings:
        child = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(600)",
            ]
        )
        pids.append(str(child.pid))
    if "FAKE_PIDS" in settings:
        Path(settings["FAKE_PIDS"], f"{pids[0]}.pids").write_text(" ".join(pids))

    sources = args.sources or ["fake"]
    wait = float(args.wait.rstrip("s") or 0)
    db = open_store(args.db)
    locks = db.source_locks(sources)
    busy = locks.acquire(wait, run_id=args.run_id)
    run_id = args.run_id or db.start_run(trigger=args.trigger, sources=sources, job_id=args.job_id)
    if not locks.held:
        db.finish_run(run_id, status="skipped", message=f"busy: {', '.join(busy)}")
        return 4
    db.close()

    journal = settings.get("FAKE_JOURNAL")
    note(journal, "start", locks.held)

    if "FAKE_ALLOC_MB" in settings:
        hog = bytearray(int(settings["FAKE_ALLOC_MB"]) << 20)
        hog[::4096] = b"x" * len(hog[::4096])
    if "FAKE_EXIT" in settings:
        print("fake crawl: crashing on purpose", file=sys.stderr)
        return int(settings["FAKE_EXIT"])
    deadline = time.monotonic() + float(settings.get("FAKE_SLEEP", "0"))
    while time.monotonic() < deadline and not stop["requested"]:
        time.sleep(0.05)

    note(journal, "end", locks.held)
    db = open_store(args.db)
    if "FAKE_POLL_NEW" in settings:
        record_fake_polls(db, args.sources_file, locks.held, settings)
    counts = {name: {"pages_fetched": 1, "articles_new": 1} for name in locks.held}
    db.finish_run(
        run_id,
        status="shutdown" if stop["requested"] else "ok",
        per_source=counts,
        message="fake crawl",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
