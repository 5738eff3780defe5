"""A small client of Scrapyd's JSON API (``daemonstatus``, ``schedule``, ``listjobs``, ``cancel``).

Standard library only (``urllib``): the daemon imports it, and the daemon
imports neither Scrapy nor anything heavy. Every failure to get an answer
(connection refused, timeout, an HTTP error, a reply with ``"status":
"error"``) is raised as :class:`NodeError` with a one-line message.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from schedules.config import Node

REQUEST_TIMEOUT_S = 10.0


class NodeError(RuntimeError):
    """A node did not answer, or answered with an error; the message is one line."""


@dataclass(frozen=True)
class NodeLoad:
    """What ``daemonstatus.json`` says of a node."""

    running: int
    pending: int
    max_proc: int | None = None
    """The crawls the node runs at once, when it says (``newsmon scrapyd-node`` does; a stock
    Scrapyd does not)."""

    @property
    def busy(self) -> int:
        return self.running + self.pending


class ScrapydClient:
    """The API of one node."""

    def __init__(self, node: Node, *, timeout: float = REQUEST_TIMEOUT_S):
        self.node = node
        self.timeout = timeout

    def _call(self, endpoint: str, params: Iterable[tuple[str, str]] | None = None, *, post=False):
        url = f"{self.node.url}/{endpoint}"
        data = None
        if post:
            data = urlencode(list(params or ())).encode()
        elif params:
            url += "?" + urlencode(list(params))
        request = urllib.request.Request(url, data=data)
        if self.node.username is not None:
            token = f"{self.node.username}:{self.node.password}".encode()
            request.add_header("Authorization", "Basic " + base64.b64encode(token).decode())
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            raise NodeError(f"{self.node.name}: {endpoint}: HTTP {exc.code} {exc.reason}") from None
        except urllib.error.URLError as exc:
            reason = getattr(exc.reason, "strerror", None) or exc.reason
            raise NodeError(f"{self.node.name}: {endpoint}: {reason}") from None
        except OSError as exc:  # a timeout or a reset while reading
            raise NodeError(f"{self.node.name}: {endpoint}: {exc.strerror or exc}") from None
        try:
            reply = json.loads(body)
        except ValueError:
            raise NodeError(f"{self.node.name}: {endpoint}: the answer is not JSON") from None
        if not isinstance(reply, dict) or reply.get("status") != "ok":
            message = reply.get("message", reply) if isinstance(reply, dict) else reply
            raise NodeError(f"{self.node.name}: {endpoint}: {str(message).strip()[:300]}")
        return reply

    def load(self) -> NodeLoad:
        """Jobs running and waiting on the node (all projects)."""
        reply = self._call("daemonstatus.json")
        max_proc = reply.get("max_proc")
        return NodeLoad(
            running=int(reply.get("running", 0)),
            pending=int(reply.get("pending", 0)),
            max_proc=max_proc if isinstance(max_proc, int) and max_proc > 0 else None,
        )

    def schedule(
        self,
        project: str,
        spider: str,
        *,
        job_id: str,
        arguments: dict[str, str],
        settings: dict[str, str],
    ) -> str:
        """Queue one crawl; returns Scrapyd's job id (``job_id`` unless the node overrides it)."""
        params = [("project", project), ("spider", spider), ("jobid", job_id)]
        params += [("setting", f"{name}={value}") for name, value in settings.items()]
        params += list(arguments.items())
        return str(self._call("schedule.json", params, post=True).get("jobid", job_id))

    def job_state(self, project: str, job_id: str) -> tuple[str | None, dict]:
        """``pending``, ``running`` or ``finished`` and the job's entry; None when the node does not know it."""
        reply = self._call("listjobs.json", [("project", project)])
        for state in ("pending", "running", "finished"):
            for entry in reply.get(state, []):
                if entry.get("id") == job_id:
                    return state, entry
        return None, {}

    def cancel(self, project: str, job_id: str, signal: str = "INT") -> str | None:
        """Stop a job with ``signal`` (a pending job is dropped); returns its state before."""
        reply = self._call(
            "cancel.json", [("project", project), ("job", job_id), ("signal", signal)], post=True
        )
        return reply.get("prevstate")
