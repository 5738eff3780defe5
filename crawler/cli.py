"""The ``newsmon`` command line: one click group, subcommands loaded lazily.

Lazy loading keeps ``newsmon status`` and the scheduler daemon free of Scrapy
and fast to start; only ``crawl`` and ``extract`` import it.
"""

from __future__ import annotations

import importlib
import sys

import click

from crawler import __version__

# name -> ("module:attribute", one-line help); each module holds one click command.
COMMANDS: dict[str, tuple[str, str]] = {
    "crawl": ("crawler.commands.crawl:crawl", "Crawl the configured sources into the database."),
    "extract": ("crawler.commands.extract:extract", "Extract one saved page (or a batch) to JSON."),
    "search": ("crawler.commands.search:search", "Full-text search of the stored articles."),
    "rescore": (
        "crawler.commands.rescore:rescore",
        "Re-apply the topics file to every stored article.",
    ),
    "schedule": ("crawler.commands.schedule:schedule", "Run the crawl daemon in the foreground."),
    "status": (
        "crawler.commands.status:status",
        "Jobs, sources' last runs and health, database size.",
    ),
    "runs": ("crawler.commands.runs:runs", "The crawl history."),
    "serve": (
        "crawler.commands.serve:serve",
        "Browse stories, coverage and search in Datasette (read-only).",
    ),
    "alerts": (
        "crawler.commands.alerts:alerts",
        "Deliver new relevant stories to webhooks, e-mail, commands.",
    ),
    "stories": (
        "crawler.commands.stories:stories",
        "Stories newest first, with the outlets that carried them.",
    ),
    "export": (
        "crawler.commands.export:export",
        "Export articles as JSON lines, CSV, Atom or a SQLite subset.",
    ),
    "backfill": (
        "crawler.commands.backfill:backfill",
        "Read articles of a past window from web archives.",
    ),
    "scrapyd-node": (
        "crawler.commands.node:scrapyd_node",
        "Serve the crawls of this installation as a Scrapyd node.",
    ),
}

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class LazyGroup(click.Group):
    """A group whose subcommands are imported only when used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module_name, attr = entry[0].split(":")
        return getattr(importlib.import_module(module_name), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Static help lines: listing commands must not import them all.
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMANDS[name][1]) for name in self.list_commands(ctx)])


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="newsmon")
def cli() -> None:
    """newsmon: monitor news coverage of the Nagorno-Karabakh blockade.

    \b
    Examples:
      newsmon crawl                      # every configured source, last 2 days
      newsmon crawl massispost news-am   # two sources
      newsmon extract page.html --url https://example.org/a/1
      newsmon status
    """


def main() -> None:
    """Console-script entry point: user errors end in one line, exit 2."""
    from crawler.config import ConfigError
    from crawler.store import StoreError

    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.UsageError as exc:
        # One line, like every other error: click's usage banner would bury it.
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
        click.echo(f"newsmon: error: {exc.format_message()}{hint}", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        click.echo(f"newsmon: error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except (ConfigError, StoreError) as exc:
        click.echo(f"newsmon: error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    sys.exit(0)


if __name__ == "__main__":
    main()
