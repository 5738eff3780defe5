"""A throwaway PostgreSQL server for the tests and the benchmarks: the machine's own binaries.

PostgreSQL refuses to run as root, and tests and CI run as root; the server
then runs as an unprivileged user (``postgres`` when the packages created it,
else ``newsmon-pg``, created here) through ``runuser``. It listens on
127.0.0.1 on a free port, keeps its data in a temporary folder with fsync off
(a test server need not survive a power cut) and trusts local connections.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

SERVER_USER = "newsmon-pg"


class ServerUnavailable(RuntimeError):
    """No PostgreSQL server can be started here; the message says why."""


def find_bindir() -> Path:
    """The folder of ``initdb`` and ``pg_ctl``: ``NEWSMON_PG_BINDIR``, PATH, or Debian's layout."""
    candidates = [os.environ.get("NEWSMON_PG_BINDIR", "")]
    on_path = shutil.which("initdb")
    candidates.append(str(Path(on_path).parent) if on_path else "")
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for folder in filter(None, candidates):
        if (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    raise ServerUnavailable("no PostgreSQL server binaries (initdb, pg_ctl) on this machine")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_user() -> str | None:
    """The user the server runs as when this process is root (None: run as ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", SERVER_USER):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    made = subprocess.run(
        ["useradd", "--system", "--no-create-home", SERVER_USER], capture_output=True, text=True
    )
    if made.returncode != 0:
        raise ServerUnavailable(f"cannot create the user {SERVER_USER}: {made.stderr.strip()}")
    return SERVER_USER


def tree_cpu_seconds(pid: int) -> float:
    """CPU of a process, its live descendants, and the descendants it has reaped."""
    import psutil

    root = psutil.Process(pid)
    times = root.cpu_times()
    total = times.user + times.system + times.children_user + times.children_system
    for child in root.children(recursive=True):
        try:
            child_times = child.cpu_times()
        except psutil.Error:
            continue  # ended meanwhile: counted in its parent's children times
        total += child_times.user + child_times.system
    return total


class PostgresServer:
    """One PostgreSQL cluster in a temporary folder: :meth:`start`, :meth:`url`, :meth:`stop`."""

    def __init__(self) -> None:
        self.bindir = find_bindir()
        self.user = _server_user()
        self.port = _free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="newsmon-pg-"))
        self.data = self.folder / "data"
        self.superuser = "newsmon"
        self._databases = 0

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise ServerUnavailable(f"{args[0]} failed: {(done.stderr or done.stdout).strip()}")
        return done

    def start(self) -> PostgresServer:
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        # C.UTF-8: the server's own word and case rules then know every script
        # (newsmon folds the searched text itself, so this is belt and braces).
        self._run(
            "initdb", "-D", str(self.data), "-U", self.superuser, "-A", "trust",
            "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"),
                  "-w", "-t", "120", "start")  # fmt: skip
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.superuser}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; its URL."""
        import psycopg

        self._databases += 1
        name = name or f"newsmon_{os.getpid()}_{self._databases}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def cpu_seconds(self) -> float:
        """CPU time the server has used so far: postmaster, live backends and the backends it reaped."""
        return tree_cpu_seconds(int((self.data / "postmaster.pid").read_text().split()[0]))

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except ServerUnavailable:
            pass  # never started, or already gone: the folder goes anyway
        shutil.rmtree(self.folder, ignore_errors=True)


if __name__ == "__main__":
    # `python tests/pgserver.py`: a server for a manual session, until Enter.
    server = PostgresServer().start()
    print(server.url(), flush=True)
    try:
        input()
    finally:
        server.stop()
