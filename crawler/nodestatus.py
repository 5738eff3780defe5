"""``daemonstatus.json`` of a ``newsmon scrapyd-node``: Scrapyd's answer, plus the node's ``max_proc``.

Scrapyd runs at most ``max_proc`` crawls at once and queues the rest, but its
API does not say how many that is. The daemon weighs nodes by their free
slots (``schedules.remote``); a node started with ``newsmon scrapyd-node``
tells its capacity here, so the schedules file need not repeat it. Loaded by
Scrapyd from the ``[services]`` table the command writes.
"""

from __future__ import annotations

from scrapyd.webservice import DaemonStatus as ScrapydDaemonStatus


class DaemonStatus(ScrapydDaemonStatus):
    def render_GET(self, txrequest):
        reply = super().render_GET(txrequest)
        reply["max_proc"] = self.root.launcher.max_proc
        return reply
