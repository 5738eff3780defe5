"""``newsmon scrapyd-node``: run this checkout as a Scrapyd node the daemon can hand crawls to."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

PASSWORD_ENV = "NEWSMON_SCRAPYD_PASSWORD"


def scrapyd_conf(
    *,
    bind: str,
    port: int,
    max_proc: int,
    poll_interval: float,
    username: str | None,
    password: str | None,
) -> str:
    """The ``scrapyd.conf`` of a node that runs the installed project (no egg to deploy).

    The ``scrapy.cfg`` beside it names the project's settings module: its
    crawls run ``scrapy crawl news`` with the code and the sources and topics
    files installed beside this command, so updating a node is updating its
    checkout (``git pull && make .venv/.installed``).
    """
    lines = [
        "[scrapyd]",
        f"bind_address = {bind}",
        f"http_port = {port}",
        f"max_proc = {max_proc}",
        f"poll_interval = {poll_interval:g}",
        "logs_dir = logs",
        "eggs_dir = eggs",
        "dbs_dir = dbs",
        "jobs_to_keep = 50",
        "finished_to_keep = 500",
    ]
    if username:
        lines += [f"username = {username}", f"password = {password}"]
    # Scrapyd's own answer plus max_proc: the daemon weighs nodes by their free slots.
    lines += ["", "[services]", "daemonstatus.json = crawler.nodestatus.DaemonStatus"]
    return "\n".join([*lines, ""])


@click.command("scrapyd-node")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The node's folder: scrapyd.conf, its queue, and every crawl's log under logs/.",
)
@click.option("--bind", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=6800, show_default=True)
@click.option(
    "--project",
    default="newsmon",
    show_default=True,
    help="Project name the daemon schedules in ([daemon] project).",
)
@click.option(
    "--max-proc",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="Crawls at once (0: 4 per CPU, Scrapyd's default).",
)
@click.option(
    "--poll-interval",
    type=click.FloatRange(0.1),
    default=5.0,
    show_default=True,
    help="Seconds between looks at the queue (a scheduled crawl starts within this).",
)
@click.option(
    "--username",
    default=None,
    help=f"Require HTTP basic auth with this user; the password comes from {PASSWORD_ENV}.",
)
@click.option("--check", is_flag=True, help="Write scrapyd.conf and show it; do not start.")
def scrapyd_node(
    folder: Path,
    bind: str,
    port: int,
    project: str,
    max_proc: int,
    poll_interval: float,
    username: str | None,
    check: bool,
) -> None:
    """Run Scrapyd in the foreground, serving this installation's `news` spider.

    The daemon (`newsmon schedule` with `runner = "scrapyd"`) schedules crawls
    here through Scrapyd's API, each with the PostgreSQL store to write to;
    the node needs this checkout installed (`make .venv/.installed`), network
    access to the sites and to the database server, nothing else. Details:
    docs/scaling.md, "Setting up nodes".

    \b
    Examples:
      newsmon scrapyd-node --dir /srv/newsmon-node --bind 0.0.0.0
      NEWSMON_SCRAPYD_PASSWORD=... newsmon scrapyd-node --dir node1 --port 6801 --username newsmon
    """
    password = os.environ.get(PASSWORD_ENV)
    if username and not password:
        raise click.UsageError(f"--username needs the password in {PASSWORD_ENV}")
    try:
        import scrapyd  # noqa: F401
    except ImportError as exc:
        raise click.ClickException(
            f"Scrapyd cannot be imported ({exc}): pip install 'scrapyd>=1.6,<1.7' 'setuptools<81'"
        ) from None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        conf = folder / "scrapyd.conf"
        conf.write_text(
            scrapyd_conf(
                bind=bind,
                port=port,
                max_proc=max_proc,
                poll_interval=poll_interval,
                username=username,
                password=password,
            )
        )
        # Scrapy finds the project's settings through it (`scrapy list`, which Scrapyd
        # runs before it accepts a crawl, and every crawl).
        (folder / "scrapy.cfg").write_text(f"[settings]\n{project} = crawler.settings\n")
    except OSError as exc:
        raise click.ClickException(f"cannot write {folder}: {exc.strerror or exc}") from None
    if password:
        conf.chmod(0o600)
    if check:
        click.echo(f"{conf}:\n{conf.read_text()}", nl=False)
        return
    os.chdir(folder)  # Scrapyd reads ./scrapyd.conf and keeps its folders relative to it
    # Scrapyd starts each crawl with this interpreter; it must see this installation.
    os.execv(sys.executable, [sys.executable, "-m", "scrapyd", "--pidfile", "scrapyd.pid"])
