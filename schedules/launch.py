"""Start a command under a memory limit: ``python -m schedules.launch --memory BYTES -- CMD ARG...``.

The daemon starts every crawl through this shim rather than with
``preexec_fn`` (which is unsafe in a process with threads, as the daemon is):
the limit is set here, in a fresh single-threaded process, which then
``exec``s the crawl so the limit and the process id carry over.
"""

from __future__ import annotations

import os
import resource
import sys


def main(argv: list[str]) -> None:
    if len(argv) < 4 or argv[0] != "--memory" or argv[2] != "--":
        sys.exit("usage: python -m schedules.launch --memory BYTES -- COMMAND [ARG...]")
    limit = int(argv[1])
    if limit > 0:
        # RLIMIT_AS: allocations past the limit fail (MemoryError in Python)
        # instead of the whole machine swapping or the OOM killer choosing a victim.
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    command = argv[3:]
    try:
        os.execvp(command[0], command)
    except OSError as exc:
        sys.exit(f"newsmon: cannot start {command[0]!r}: {exc.strerror or exc}")


if __name__ == "__main__":
    main(sys.argv[1:])
