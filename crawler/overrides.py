"""Setting overrides given as ``-s NAME=VALUE``: checked before a crawl starts.

Scrapy reads a setting with a typed getter (``getfloat("DOWNLOAD_DELAY")``)
only when the component that uses it is built, inside the running crawl: a
value of the wrong type then ends in a Deferred traceback and a crawl that
fetched nothing. Here each override is read the same way up front, its type
taken from the setting's declared default (the project's ``settings.py`` over
Scrapy's defaults), so a bad value is a usage error naming the setting.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping

from crawler.durations import parse_since

# Scrapy declares several float settings with integer defaults
# (DOWNLOAD_TIMEOUT = 180, DOWNLOAD_DELAY = 0); names of this form are read
# with getfloat, so a fraction is allowed for them whatever their default.
_FLOAT_SUFFIXES = ("_DELAY", "_TIMEOUT", "_SECONDS", "_HOURS", "_INTERVAL", "_CONCURRENCY")


def _workers(value: str) -> None:
    from crawler.extraction.pool import workers_from_setting

    workers_from_setting(value)


SETTING_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
"""What a setting name looks like; any other name would be ignored without a word."""

# Settings whose values are more than a type: checked by their own parser.
_PARSERS: dict[str, Callable[[str], object]] = {
    "NEWSMON_SINCE": parse_since,
    "NEWSMON_EXTRACT_WORKERS": _workers,
}


def check_override(name: str, value: str, settings) -> str | None:
    """A one-line problem with ``-s name=value`` against ``settings`` (Scrapy ``Settings``), or None."""
    from scrapy.settings import BaseSettings

    if not SETTING_NAME.fullmatch(name):
        return f"{name!r} is not a setting name (upper case, e.g. DOWNLOAD_DELAY)"
    if name in _PARSERS:
        try:
            _PARSERS[name](value)
        except ValueError as exc:
            return f"{name}={value!r}: {exc}"
        return None
    default = settings.get(name)
    probe = BaseSettings({name: value})
    try:
        if isinstance(default, bool):
            probe.getbool(name)
        elif isinstance(default, int) and not name.endswith(_FLOAT_SUFFIXES):
            probe.getint(name)
        elif isinstance(default, int | float):
            if not math.isfinite(probe.getfloat(name)):
                raise ValueError
        elif isinstance(default, dict | BaseSettings):
            probe.getdict(name)
    except ValueError:
        return f"{name}={value!r}: {_expected(default, name)}"
    return None


def _expected(default: object, name: str) -> str:
    if isinstance(default, bool):
        return "expected True or False (or 1 / 0)"
    if isinstance(default, int) and not name.endswith(_FLOAT_SUFFIXES):
        return f"expected a whole number (default {default})"
    if isinstance(default, int | float):
        return f"expected a number (default {default})"
    return "expected a JSON object such as '{\"name\": 100}'"


def check_overrides(overrides: Mapping[str, str], settings) -> None:
    """Raise ValueError with the first problem of ``overrides`` (see :func:`check_override`)."""
    for name, value in overrides.items():
        if problem := check_override(name, value, settings):
            raise ValueError(problem)
