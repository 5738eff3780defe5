"""The private-network guard: address classes, own endpoints, proxies, and the middleware's verdicts."""

from __future__ import annotations

import asyncio

import pytest
from scrapy import Request
from scrapy.exceptions import CannotResolveHostError, NotConfigured
from scrapy.utils.test import get_crawler

from crawler.config import Source
from crawler.middlewares.privatenet import (
    PrivateNetworkMiddleware,
    PrivateNetworkRefused,
    endpoint,
    is_public_address,
    own_endpoints,
    uses_proxy,
)

DNS = {
    "news.example": "93.184.216.34",
    "intranet.example": "10.0.0.5",
    "rebind.example": "127.0.0.1",
    "localhost": "127.0.0.1",
}


async def fake_resolve(host: str) -> str:
    if host not in DNS:
        raise OSError(f"no address for {host}")
    return DNS[host]


def source(name: str, url: str, *, allow_private: bool = False, feeds=()) -> Source:
    return Source(
        name=name,
        url=url,
        language="en",
        feeds=tuple(feeds) or (url + "feed/",),
        allow_private=allow_private,
    )


def middleware(*sources: Source, env_proxies: dict | None = None, **settings):
    crawler = get_crawler(settings_dict=settings)
    mw = PrivateNetworkMiddleware(crawler, use_env_proxies=False, resolve=fake_resolve)
    mw.env_proxies = env_proxies or {}
    mw.set_sources(sources)
    return mw, crawler.stats


def verdict(mw, url: str, source_name: str | None = None, **meta) -> str:
    if source_name:
        meta["newsmon_source"] = source_name
    try:
        asyncio.run(mw.process_request(Request(url, meta=meta)))
    except PrivateNetworkRefused:
        return "refused"
    return "allowed"


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "255.255.255.255",
        "224.0.0.1",
        "::1",
        "fe80::1%eth0",
        "fc00::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
    ],
)
def test_private_loopback_and_special_addresses_are_not_public(address):
    assert not is_public_address(address)


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "8.8.8.8", "2001:4860:4860::8888", "::ffff:8.8.8.8"]
)
def test_internet_addresses_are_public(address):
    assert is_public_address(address)


def test_endpoints_default_ports_and_ignore_other_schemes():
    assert endpoint("https://News.Example./a") == ("news.example", 443)
    assert endpoint("http://127.0.0.1:8080/x") == ("127.0.0.1", 8080)
    assert endpoint("file:///etc/passwd") is None and endpoint("ftp://host/x") is None
    # a source's own host is reachable on its ports and on 80/443 (the http -> https redirect), no other
    assert own_endpoints(
        ["http://intranet.example:8081/", "http://intranet.example:8081/feed"]
    ) == {
        ("intranet.example", 8081),
        ("intranet.example", 80),
        ("intranet.example", 443),
    }


def test_public_hosts_are_allowed_and_private_ones_refused_by_default():
    mw, stats = middleware(
        source("news", "https://news.example/"), source("intra", "http://intranet.example/")
    )
    assert verdict(mw, "https://news.example/a", "news") == "allowed"
    assert verdict(mw, "http://intranet.example/", "intra") == "refused"
    assert verdict(mw, "http://127.0.0.1:8080/admin", "news") == "refused"
    assert verdict(mw, "http://localhost/", "news") == "refused"
    # a public name that resolves to a private address (DNS rebinding) is judged by its address
    assert verdict(mw, "http://rebind.example/", "news") == "refused"
    assert stats.get_value("privatenet/refused") == 4


def test_a_source_allowing_private_addresses_reaches_only_its_own_endpoints():
    intra = source("intra", "http://intranet.example:8081/", allow_private=True)
    other = source("other", "http://10.9.9.9:9000/")
    mw, _ = middleware(intra, other)
    assert verdict(mw, "http://intranet.example:8081/news/1", "intra") == "allowed"
    assert (
        verdict(mw, "https://intranet.example/news/1", "intra") == "allowed"
    )  # redirected to https
    assert (
        verdict(mw, "http://intranet.example:22/", "intra") == "refused"
    )  # same host, another service
    assert (
        verdict(mw, "http://10.0.0.5:8081/", "intra") == "refused"
    )  # same address under another name
    assert verdict(mw, "http://127.0.0.1:8081/", "intra") == "refused"
    # another source may not use intra's permission
    assert verdict(mw, "http://intranet.example:8081/news/1", "other") == "refused"
    assert verdict(mw, "http://10.9.9.9:9000/feed/", "other") == "refused"
    # robots.txt requests carry no source: any source's own endpoints
    assert verdict(mw, "http://intranet.example:8081/robots.txt") == "allowed"
    assert verdict(mw, "http://10.9.9.9:9000/robots.txt") == "refused"


def test_a_name_that_does_not_resolve_is_a_download_error_not_a_refusal():
    mw, stats = middleware(source("news", "https://news.example/"))
    with pytest.raises(CannotResolveHostError):
        asyncio.run(
            mw.process_request(
                Request("http://no-such-host.invalid/", meta={"newsmon_source": "news"})
            )
        )
    assert stats.get_value("privatenet/refused") is None


def test_requests_through_a_proxy_are_not_checked(monkeypatch):
    monkeypatch.setenv("no_proxy", "bypassed.example")
    mw, stats = middleware(
        source("news", "https://news.example/"), env_proxies={"http": "http://proxy:3128"}
    )
    assert verdict(mw, "http://localhost/", "news") == "allowed"  # the proxy resolves and connects
    assert verdict(mw, "https://localhost/", "news") == "refused"  # no https proxy configured
    assert verdict(mw, "http://localhost/", "news", proxy=None) == "refused"  # meta says: no proxy
    assert verdict(mw, "https://localhost/", "news", proxy="http://proxy:3128") == "allowed"
    assert stats.get_value("privatenet/proxied") == 2


def test_uses_proxy_follows_no_proxy(monkeypatch):
    monkeypatch.setenv("no_proxy", "bypassed.example")
    proxies = {"http": "http://proxy:3128"}
    assert uses_proxy("http://news.example/", {}, proxies)
    assert not uses_proxy("http://bypassed.example/", {}, proxies)
    assert not uses_proxy("http://news.example/", {}, {})


def test_the_setting_turns_the_guard_off():
    crawler = get_crawler(settings_dict={"NEWSMON_ALLOW_PRIVATE_NETWORKS": True})
    with pytest.raises(NotConfigured):
        PrivateNetworkMiddleware.from_crawler(crawler)
