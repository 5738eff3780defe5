"""The daemon's log (stderr and a rotating file) and the per-run crawl logs it keeps."""

from __future__ import annotations

import logging
import logging.handlers
import sys
import time
from pathlib import Path

LOG_FILE_BYTES = 5 << 20
LOG_FILE_BACKUPS = 5


def configure_logging(log_dir: Path, verbose: int = 0) -> Path:
    """Log to stderr and to ``log_dir/schedule.log`` (rotated), with UTC timestamps."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "schedule.log"
    formatter = logging.Formatter("%(asctime)sZ %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S")
    formatter.converter = time.gmtime
    file_handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=LOG_FILE_BYTES, backupCount=LOG_FILE_BACKUPS, encoding="utf-8"
    )
    stream_handler = logging.StreamHandler(sys.stderr)
    root = logging.getLogger()
    for handler in (file_handler, stream_handler):
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose > 1 else logging.INFO)
    # APScheduler's INFO lines and warnings (skipped or missed runs) repeat ours; its errors still show.
    logging.getLogger("apscheduler").setLevel(
        {0: logging.ERROR, 1: logging.INFO}.get(verbose, logging.DEBUG)
    )
    return path


def prune_crawl_logs(directory: Path, keep: int) -> None:
    """Delete all but the newest ``keep`` ``run-<id>.log`` files."""
    logs = sorted(directory.glob("run-*.log"), key=_run_number)
    for path in logs[: max(0, len(logs) - keep)]:
        path.unlink(missing_ok=True)


def _run_number(path: Path) -> int:
    try:
        return int(path.stem.removeprefix("run-"))
    except ValueError:
        return 0
