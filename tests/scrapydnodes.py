"""Real Scrapyd nodes on 127.0.0.1 for the tests and the benchmark: ``newsmon scrapyd-node`` processes.

Each node runs in its own session and process group, with its own folder
and port, so a test can kill a node with everything it started (its crawls
included), as a machine that goes down would lose them.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ScrapydNode:
    """``newsmon scrapyd-node`` on a free port of 127.0.0.1 in ``folder``."""

    def __init__(self, folder: Path, *, poll_interval: float = 0.2, max_proc: int = 4):
        self.folder = Path(folder)
        self.port = free_port()
        self.poll_interval = poll_interval
        self.max_proc = max_proc
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def name(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 90) -> ScrapydNode:
        self.folder.mkdir(parents=True, exist_ok=True)
        env = {**os.environ}
        env.pop("NEWSMON_DB", None)
        with (self.folder / "node.out").open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "crawler.cli", "scrapyd-node", "--dir", str(self.folder),
                 "--port", str(self.port), "--poll-interval", str(self.poll_interval),
                 "--max-proc", str(self.max_proc)],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                cwd=REPO_ROOT, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"scrapyd exited: {(self.folder / 'node.out').read_text()}")
            try:
                if self.api("daemonstatus.json")["status"] == "ok":
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"scrapyd on port {self.port} did not answer in {timeout:g}s")

    def api(self, endpoint: str, **params) -> dict:
        from urllib.parse import urlencode

        url = f"{self.url}/{endpoint}" + (f"?{urlencode(params)}" if params else "")
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.loads(response.read())

    def jobs(self, project: str = "newsmon") -> dict[str, list[str]]:
        """Job ids by state: ``{"pending": [...], "running": [...], "finished": [...]}``."""
        reply = self.api("listjobs.json", project=project)
        return {
            state: [j["id"] for j in reply[state]] for state in ("pending", "running", "finished")
        }

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL to the node and every crawl it started (its process group)."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()

    def output(self) -> str:
        return (self.folder / "node.out").read_text(errors="replace")

    def stop(self) -> None:
        self.kill()
