"""The address guard: only global addresses are fetched, for feeds, redirects, article pages
and OPML URLs. Names are answered by a hand-written resolver (the transport's DNS seam), so
no packet is ever sent to the refused ranges."""

from __future__ import annotations

import dataclasses
import socket
from datetime import UTC, datetime

import httpx
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.errors import AddressRefused
from bot.feeds.fetch import Fetcher, FetchState, make_client
from bot.feeds.fulltext import FullText, FullTextSettings
from bot.feeds.manage import FeedManagementError, web_download
from bot.feeds.transport import AiohttpTransport, GuardedResolver, is_public_address
from tests.feeds.conftest import TEST_FETCH
from tests.feedserver import FeedServer

STRICT = dataclasses.replace(TEST_FETCH, allow_private_addresses=False)

# One address from every range that must be refused, with what it is.
NOT_GLOBAL = [
    ("100.64.0.1", "carrier-grade NAT (Tailscale)"),
    ("100.100.100.200", "carrier-grade NAT (a cloud metadata address)"),
    ("100.127.255.254", "carrier-grade NAT, top of the range"),
    ("10.0.0.1", "private"),
    ("172.16.0.1", "private"),
    ("192.168.1.1", "private"),
    ("127.0.0.1", "loopback"),
    ("169.254.169.254", "link-local (metadata)"),
    ("0.0.0.0", "unspecified"),
    ("224.0.0.1", "multicast"),
    ("240.0.0.1", "reserved"),
    ("198.18.0.1", "benchmarking"),
    ("::1", "IPv6 loopback"),
    ("fe80::1", "IPv6 link-local"),
    ("fec0::1", "IPv6 site-local"),
    ("fd00::1", "IPv6 unique local"),
    ("ff02::1", "IPv6 multicast"),
    ("::127.0.0.1", "IPv4-compatible loopback"),
    ("::ffff:127.0.0.1", "IPv4-mapped loopback"),
    ("::ffff:100.100.100.200", "IPv4-mapped carrier-grade NAT"),
    ("2002:7f00:1::1", "6to4 of 127.0.0.1"),
    ("2002:a00:1::1", "6to4 of 10.0.0.1"),
    ("2002:6464:64c8::1", "6to4 of 100.100.100.200"),
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"),
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "Teredo of 127.0.0.1"),
    ("64:ff9b::7f00:1", "NAT64 of 127.0.0.1"),
    ("64:ff9b::6464:64c8", "NAT64 of 100.100.100.200"),
    ("64:ff9b:1::a00:1", "local-use NAT64"),
]
GLOBAL = [
    "93.184.216.34",
    "8.8.8.8",
    "2606:4700::6810:84e5",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
]


@pytest.mark.parametrize(("address", "what"), NOT_GLOBAL)
def test_non_global_addresses_are_not_public(address: str, what: str) -> None:
    assert is_public_address(address) is False, what


@pytest.mark.parametrize("address", GLOBAL)
def test_global_addresses_are_public(address: str) -> None:
    assert is_public_address(address) is True


class FakeDns(AbstractResolver):
    """Answers every name with the given addresses; records the names asked."""

    def __init__(self, *addresses: str) -> None:
        self.addresses = addresses
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in self.addresses
        ]

    async def close(self) -> None:
        pass


@pytest.mark.parametrize(("address", "what"), NOT_GLOBAL)
async def test_a_name_resolving_to_a_non_global_address_is_refused(address: str, what: str) -> None:
    guard = GuardedResolver(FakeDns(address))
    with pytest.raises(AddressRefused, match=r"^refused: feeds\.example resolves to"):
        await guard.resolve("feeds.example", 80)  # an OSError for aiohttp, typed for us


async def test_one_bad_answer_among_good_ones_refuses_the_name() -> None:
    guard = GuardedResolver(FakeDns("93.184.216.34", "100.100.100.200"))
    with pytest.raises(OSError, match=r"100\.100\.100\.200"):
        await guard.resolve("feeds.example", 80)


@pytest.mark.parametrize(
    "address", ["100.100.100.200", "[fec0::1]", "[2002:7f00:1::1]", "[64:ff9b::7f00:1]"]
)
async def test_feed_urls_with_non_global_literals_are_refused(address: str) -> None:
    async with make_client(STRICT) as client:
        result = await Fetcher(client, STRICT).fetch(FetchState(f"http://{address}/feed.xml"))
    assert result.status == "error"
    assert (result.error or "").startswith("refused:"), result.error


async def test_a_feed_name_resolving_to_cgnat_is_refused_before_connecting() -> None:
    dns = FakeDns("100.100.100.200")
    async with make_client(STRICT, dns=dns) as client:
        result = await Fetcher(client, STRICT).fetch(FetchState("http://metadata.example/"))
    assert dns.asked == ["metadata.example"]
    assert result.status == "error" and "100.100.100.200" in (result.error or "")
    assert (result.error or "").startswith("refused: metadata.example")  # not "could not connect"


class PublicNameForTestServer(AiohttpTransport):
    """A guarded transport, except that `public.example` is the local test server (as if
    it were a public site): the hops after it meet the real guard."""

    def __init__(self, server: FeedServer) -> None:
        super().__init__(max_connections=4, allow_private_addresses=False)
        self._port = server.port
        self._open = AiohttpTransport(max_connections=4, allow_private_addresses=True)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "public.example":
            local = request.url.copy_with(host="127.0.0.1", port=self._port)
            return await self._open.handle_async_request(
                httpx.Request(request.method, local, headers=request.headers)
            )
        return await super().handle_async_request(request)

    async def aclose(self) -> None:
        await self._open.aclose()
        await super().aclose()


@pytest.mark.parametrize(
    "target", ["http://[2002:a00:1::1]/latest.xml", "http://100.100.100.200/latest.xml"]
)
async def test_a_redirect_to_a_non_global_address_is_refused(
    server: FeedServer, target: str
) -> None:
    server.redirect("/moved", target)
    transport = PublicNameForTestServer(server)
    async with httpx.AsyncClient(transport=transport, trust_env=False) as client:
        result = await Fetcher(client, STRICT).fetch(FetchState("http://public.example/moved"))
    assert server.count("/moved") == 1  # the first hop was fetched, the redirect was not
    assert (result.error or "").startswith("refused:"), result.error


async def test_article_pages_on_non_global_addresses_are_not_fetched() -> None:
    dns = FakeDns("100.64.1.2")
    async with make_client(STRICT, dns=dns) as client:
        full = FullText(
            Fetcher(client, STRICT),
            FullTextSettings(teaser_chars=600),
            lambda: datetime(2025, 11, 6, tzinfo=UTC),
            extract=lambda body, url: "x" * 1000,
        )
        page = await full.text_for("http://tailnet.example/story", "a teaser")
    assert page.source == "feed"
    assert "refused" in (page.note or "") and "100.64.1.2" in (page.note or "")


async def test_opml_urls_on_non_global_addresses_are_not_fetched() -> None:
    dns = FakeDns("fec0::5")
    async with make_client(STRICT, dns=dns) as client:
        download = web_download(Fetcher(client, STRICT))
        with pytest.raises(FeedManagementError, match="refused:"):
            await download("http://intranet.example/feeds.opml")
