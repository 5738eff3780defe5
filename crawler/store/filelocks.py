"""Per-source crawl locks of the SQLite backend: OS file locks in ``locks/`` beside the database.

Two crawls of one source at the same time would fetch every page twice and
race to store the same articles. Each crawl therefore holds an exclusive
``flock(2)`` on ``locks/source-<name>.lock`` for every source it crawls. The
kernel drops such a lock when the holding process exits or is killed, so a
crash never leaves a stale lock behind (a pid file would). The file also
records who holds it (pid, run id, since when) for the waiting side's message.

The lock files are never deleted: unlinking a file another process is about
to lock would let two processes each hold "the" lock on different inodes.
Callers reach them through the store (``store.source_locks(names)``), so
a backend without a local file can lock otherwise. This module never imports
Scrapy.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from crawler.store.base import Holder, StoreError, utcnow_iso

LOCK_DIR_NAME = "locks"
POLL_SECONDS = 0.2


def lock_dir(db_path: str | Path) -> Path:
    """The lock folder of the database at ``db_path``: ``<its folder>/locks``."""
    return Path(db_path).resolve().parent / LOCK_DIR_NAME


def daemon_state_path(db: str | Path) -> Path:
    """The scheduler daemon's state file for the store ``db``: ``<its folder>/<stem>.schedule.json``."""
    from crawler.store import local_path

    path = (local_path(db) or Path("newsmon")).resolve()
    return path.parent / f"{path.stem}.schedule.json"


def source_lock_path(directory: Path, source: str) -> Path:
    """The lock file of one source."""
    return directory / f"source-{source}.lock"


class FileLock:
    """An exclusive, non-blocking ``flock`` on one file, released by :meth:`release` or process death."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self, *, run_id: int | None = None) -> bool:
        """Take the lock if it is free; return whether this object now holds it."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # O_CLOEXEC: a program this process execs must not inherit (and so prolong) the lock.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return False
            raise
        self._fd = fd
        self.write_holder(run_id=run_id)
        return True

    def write_holder(self, *, run_id: int | None = None) -> None:
        """Record this process (and its run id) as the holder."""
        if self._fd is None:
            return
        record = {
            "pid": os.getpid(),
            "run_id": run_id,
            "since": utcnow_iso(),
        }
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, json.dumps(record).encode(), 0)

    def holder(self) -> Holder | None:
        """The recorded holder (None when the file is missing or being rewritten)."""
        try:
            data = json.loads(self.path.read_text() or "null")
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict):
            return None
        return Holder(pid=data.get("pid"), run_id=data.get("run_id"), since=data.get("since"))

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        # Clear the holder record first: after the unlock another process may write its own.
        os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


class SourceLocks:
    """The locks of the sources one crawl wants; see :meth:`acquire`."""

    def __init__(self, directory: Path, sources: Iterable[str]):
        self.directory = directory
        self.locks = {
            name: FileLock(source_lock_path(directory, name)) for name in dict.fromkeys(sources)
        }

    @property
    def held(self) -> list[str]:
        """Sources whose lock this object holds, in the order given."""
        return [name for name, lock in self.locks.items() if lock.held]

    def acquire(
        self,
        wait: float,
        *,
        run_id: int | None = None,
        on_wait: Callable[[str, Holder | None], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> dict[str, Holder | None]:
        """Take every free lock at once, then wait up to ``wait`` seconds for the busy ones.

        Returns the sources still busy at the deadline with their holders;
        the caller crawls the others (:attr:`held`) and skips these. The locks
        already taken are kept while waiting: the wait is bounded, so two
        crawls wanting each other's sources cannot deadlock, they each skip.
        ``on_wait(source, holder)`` is called once per busy source when the
        wait starts (not at all when ``wait`` is 0).
        """
        deadline = clock() + max(0.0, wait)
        announced: set[str] = set()
        while True:
            try:
                busy = [
                    name for name, lock in self.locks.items() if not lock.try_acquire(run_id=run_id)
                ]
            except OSError as exc:
                raise StoreError(
                    f"cannot create the lock file in {self.directory}: {exc.strerror or exc}"
                ) from None
            if not busy or clock() >= deadline:
                return {name: self.locks[name].holder() for name in busy}
            for name in busy:
                if name not in announced and on_wait is not None:
                    on_wait(name, self.locks[name].holder())
                announced.add(name)
            time.sleep(min(POLL_SECONDS, max(0.0, deadline - clock())))

    def set_run_id(self, run_id: int) -> None:
        """Record the run id in every held lock once the run has one."""
        for lock in self.locks.values():
            lock.write_holder(run_id=run_id)

    def release(self) -> None:
        for lock in self.locks.values():
            lock.release()

    def __enter__(self) -> SourceLocks:
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()
