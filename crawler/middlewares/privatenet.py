"""Refuse requests to private, loopback and other non-public addresses.

A feed, a sitemap or a redirect chooses what newsmon fetches next; without
this guard a hostile page could point the crawler at the operator's own
network (a router's admin page, a database console on 127.0.0.1). Every
request is checked, including redirects and robots.txt (they pass through the
downloader middlewares again).

Rules:

- A host is resolved with the reactor's resolver, the one Scrapy's downloader
  uses: its cache hands the downloader the very address checked here, and the
  lookup runs in the reactor's thread pool, not in the reactor thread.
- A request whose address is not public is refused (``privatenet/refused``;
  the spider counts it as an error of its source) unless the host and port
  are one of its source's own endpoints (the host:port of the source's
  ``url``, ``feeds``, ``sitemaps`` and ``wordpress_api``) and the source says
  ``allow_private = true``. Ports 80 and 443 of such a host are allowed too,
  for the http -> https redirect; any other port is another service, even on
  the same loopback address, and is refused. Requests made without a source
  (robots.txt) may reach the endpoints of any source that allows them.
- ``NEWSMON_ALLOW_PRIVATE_NETWORKS = True`` turns the check off.
- Through a proxy (``meta['proxy']``, or ``http_proxy`` / ``https_proxy`` from
  the environment unless ``no_proxy`` bypasses the host) the proxy resolves
  names and connects, so nothing is checked here.
- A name that does not resolve fails here with Scrapy's own
  ``CannotResolveHostError``, a normal download error (retried like one), not
  a refusal; it is not left to the downloader, whose second lookup could
  answer with an address nobody checked.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Awaitable, Callable, Iterable
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

from scrapy import signals
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest, NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future

logger = logging.getLogger(__name__)

DEFAULT_PORTS = {"http": 80, "https": 443}

Endpoint = tuple[str, int]
Resolve = Callable[[str], Awaitable[str]]


class PrivateNetworkRefused(IgnoreRequest):
    """A request to a private or loopback address that no source allows."""


def is_public_address(address: str) -> bool:
    """True for a globally routable unicast IPv4/IPv6 address (scope id ignored)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def endpoint(url: str) -> Endpoint | None:
    """``(host, port)`` of an http(s) URL, the port defaulted by scheme; None for other URLs."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        return None
    return parts.hostname.lower().rstrip("."), port


def own_endpoints(urls: Iterable[str]) -> frozenset[Endpoint]:
    """The endpoints a source may reach on a private network: its URLs' host:port, plus ports 80/443."""
    result: set[Endpoint] = set()
    for url in urls:
        found = endpoint(url)
        if found is None:
            continue
        host, port = found
        result.update({(host, port), (host, 80), (host, 443)})
    return frozenset(result)


def source_urls(source) -> list[str]:
    """Every URL a source's configuration names."""
    return [
        source.url,
        *source.feeds,
        *source.sitemaps,
        *([source.wordpress_api] if source.wordpress_api else []),
    ]


def uses_proxy(url: str, meta: dict, env_proxies: dict[str, str]) -> bool:
    """Whether the request goes through a proxy (set in ``meta`` or by the environment).

    Mirrors Scrapy's HttpProxyMiddleware, which runs later in the chain:
    ``meta['proxy']`` wins (None meaning "no proxy"), else the environment's
    proxy for the scheme unless ``no_proxy`` bypasses the host.
    """
    if "proxy" in meta:
        return meta["proxy"] is not None
    parts = urlsplit(url)
    if parts.scheme not in env_proxies:
        return False
    return not (parts.hostname and proxy_bypass(parts.hostname))


async def reactor_resolve(host: str) -> str:
    """Resolve ``host`` with the reactor's resolver (Scrapy's caching, threaded one)."""
    from twisted.internet import reactor

    return await maybe_deferred_to_future(reactor.resolve(host))


class PrivateNetworkMiddleware:
    """Downloader middleware refusing non-public addresses (see the module docstring)."""

    def __init__(
        self, crawler, *, use_env_proxies: bool = True, resolve: Resolve = reactor_resolve
    ):
        self.crawler = crawler
        self.stats = crawler.stats
        self.resolve = resolve
        self.env_proxies = getproxies() if use_env_proxies else {}
        self.allowed: dict[str, frozenset[Endpoint]] = {}
        self.allowed_any: frozenset[Endpoint] = frozenset()
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if settings.getbool("NEWSMON_ALLOW_PRIVATE_NETWORKS"):
            raise NotConfigured
        return cls(crawler, use_env_proxies=settings.getbool("HTTPPROXY_ENABLED", True))

    def spider_opened(self, spider=None):
        spider = spider or self.crawler.spider
        self.set_sources(getattr(spider, "selected_sources", []))

    def set_sources(self, sources: Iterable) -> None:
        """Take the allowed endpoints from the sources that say ``allow_private``."""
        self.allowed = {s.name: own_endpoints(source_urls(s)) for s in sources if s.allow_private}
        self.allowed_any = frozenset().union(*self.allowed.values())

    async def _address(self, host: str) -> str:
        try:
            ipaddress.ip_address(host.split("%", 1)[0])
            return host
        except ValueError:
            pass
        try:
            # cached by the resolver: the downloader then connects to this very address
            return await self.resolve(host)
        except Exception as exc:  # DNSLookupError, timeouts: every failure is "does not resolve"
            raise CannotResolveHostError(f"{host}: {exc}") from exc

    async def process_request(self, request, spider=None):
        found = endpoint(request.url)
        if found is None:  # not http(s): no download handler is enabled for it anyway
            return None
        if uses_proxy(request.url, request.meta, self.env_proxies):
            self.stats.inc_value("privatenet/proxied")
            return None
        host, port = found
        address = await self._address(host)
        if is_public_address(address):
            return None
        source = request.meta.get("newsmon_source")
        allowed = self.allowed.get(source, frozenset()) if source else self.allowed_any
        if (host, port) in allowed:
            return None
        self.stats.inc_value("privatenet/refused")
        hint = (
            "not one of its source's own endpoints"
            if source in self.allowed
            else "set allow_private = true in the source, or NEWSMON_ALLOW_PRIVATE_NETWORKS"
        )
        raise PrivateNetworkRefused(
            f"{host}:{port} is a private or loopback address ({address}); {hint}"
        )
