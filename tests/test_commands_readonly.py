"""Every reading command on a database handed over read-only, in a read-only folder, or missing.

The folder is made read-only by a read-only bind mount in a private mount
namespace (``unshare -m``): as root, file modes do not stop writes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, run_newsmon

# Written by a process that ends without closing the database, so that its
# write-ahead log (and -shm) stays beside it, holding every row.
WRITER = textwrap.dedent(
    """
    import os, sys
    from crawler.store import open_store
    from pipelines.storage import store_articles
    from tests.test_pipelines_storage import item
    store = open_store(sys.argv[1])
    body = "The Lachin corridor stayed closed for a third week, and Stepanakert shops rationed bread. " * 3
    store_articles(store, [item(1, body, title="Lachin corridor closed", source="armwire")])
    store.start_run(trigger="manual", sources=["armwire"])
    if sys.argv[2] == "keep-wal":
        os._exit(0)
    store.close()
    """
)

COMMANDS = [
    ("search", "Lachin"),
    ("stories",),
    ("export", "--format", "jsonl"),
    ("status",),
    ("runs",),
]


def _read_only_mount() -> list[str]:
    unshare = shutil.which("unshare")
    if unshare is None or os.geteuid() != 0:
        pytest.skip("needs root and unshare(1) to bind-mount a folder read-only")
    probe = subprocess.run([unshare, "-m", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"unshare -m is not allowed here: {probe.stderr.decode().strip()}")
    return [unshare, "-m", "sh", "-c", 'mount --bind -o ro "$0" "$0" && exec "$@"']


@pytest.fixture(params=["keep-wal", "checkpointed"])
def handed_over(request, tmp_path) -> Path:
    folder = tmp_path / "copy"
    folder.mkdir()
    db = folder / "news.db"
    subprocess.run(
        [sys.executable, "-c", WRITER, str(db), request.param], check=True, cwd=REPO_ROOT
    )
    wal = Path(f"{db}-wal")
    assert wal.exists() == (request.param == "keep-wal")
    return db


@pytest.mark.slow
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_reading_commands_work_in_a_read_only_folder(handed_over, command, tmp_path):
    mount = _read_only_mount()
    folder = handed_over.parent
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    result = subprocess.run(
        [
            *mount,
            str(folder),
            sys.executable,
            "-m",
            "crawler.cli",
            *command,
            "--db",
            str(handed_over),
        ],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={**os.environ, "NEWSMON_DB": ""},
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    if command[0] in ("search", "stories", "export"):
        assert "Lachin corridor closed" in result.stdout  # the rows in the write-ahead log too
    if command[0] == "runs":
        assert "armwire" in result.stdout
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before


@pytest.mark.parametrize(
    "command", [*COMMANDS, ("export", "--format", "sqlite", "--out", "x.db")], ids=lambda c: c[0]
)
def test_a_missing_database_is_one_line_and_creates_nothing(command, tmp_path):
    missing = tmp_path / "none" / "news.db"
    result = run_newsmon(*command, "--db", str(missing), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "no database at" in result.stderr or "no such database" in result.stderr
    assert str(missing) in result.stderr
    assert list(tmp_path.iterdir()) == []
