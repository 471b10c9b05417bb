"""Fetch feeds and pages over HTTP, politely and safely, through one shared httpx client.

- conditional GET (ETag / Last-Modified); 304 is "not modified", not an error;
- connect, read and total timeouts; the body is streamed and capped, and gzip/deflate
  are decoded with the cap checked inside the decoder (decode.py: compression bombs stop
  at the cap);
- redirects followed by hand (at most 5): each hop is checked, a chain of permanent
  redirects is reported so the caller can store the new URL, a loop is a clear error;
- a global and a per-host limit on requests in flight; the total timeout counts only
  while a request is under way, never while it waits for a slot;
- no cookies: a feed reader has no session to keep, and the jar cost CPU on every
  response (even a 304 without a cookie);
- every address that is not global (private, carrier-grade NAT, loopback, link-local,
  site-local, and IPv6 forms embedding one) refused at connect time, after DNS
  resolution, for the first request and every redirect (unless the config allows them;
  enforced by the transport, transport.py).

Every outcome is a FetchResult value; nothing here raises for a server's misbehaviour.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import httpx
from aiohttp.abc import AbstractResolver

from bot import PROJECT_URL, __version__
from bot.errors import AddressRefused, HostNotFound
from bot.feeds.decode import BodyTooLarge, BoundedDecoder, CorruptEncoding, UnsupportedEncoding
from bot.feeds.exchange import Reply, Sender
from bot.feeds.transport import AiohttpTransport

MAX_REDIRECTS = 5
PARSED_URLS_KEPT = 50_000  # parsed addresses a Fetcher remembers (a poll cycle asks each again)
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECT_CODES = frozenset({301, 308})
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9,"
    " application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)


def user_agent(contact: str = "") -> str:
    """Names the bot and its project page, plus an operator contact when configured."""
    extra = f"; {contact.strip()}" if contact.strip() else ""
    return f"newsbot/{__version__} (+{PROJECT_URL}{extra})"


USER_AGENT = user_agent()


@dataclass(frozen=True)
class FetchSettings:
    """Limits for one Fetcher; built from the config by the composition root."""

    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 20.0
    max_body_bytes: int = 5_000_000
    max_connections: int = 100
    max_connections_per_host: int = 4
    allow_private_addresses: bool = False
    user_agent: str = USER_AGENT


@dataclass(frozen=True)
class FetchState:
    """What the store remembers about a feed between fetches."""

    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class FetchResult:
    """The outcome of one fetch; errors are values, never exceptions.

    `url` is where the body finally came from; `permanent_url` is set when every hop to it
    was a permanent redirect (301/308), i.e. the address to remember from now on.
    `retry_after` (seconds) is the server's Retry-After, when it sent one.
    """

    url: str
    status: Literal["ok", "not_modified", "error"]
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    http_status: int | None = None
    permanent_url: str | None = None
    retry_after: float | None = None
    host_not_found: bool = False  # the host name did not resolve (offline, or no such host)


class _NoCookies(httpx.Cookies):
    """A cookie jar that keeps nothing and adds nothing."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None

    def set_cookie_header(self, request: httpx.Request) -> None:
        return None


class CookielessClient(httpx.AsyncClient):
    """An httpx client that neither stores nor sends cookies (httpx's jar wraps every
    response in urllib's cookie machinery, cookies or not). `direct_transport` is its
    aiohttp transport, which a Fetcher sends to directly (exchange.py)."""

    direct_transport: AiohttpTransport | None = None

    @property
    def cookies(self) -> httpx.Cookies:
        return _NoCookies()

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        return None


def make_client(settings: FetchSettings, dns: AbstractResolver | None = None) -> httpx.AsyncClient:
    """The one HTTP client the bot shares for feeds, robots.txt and article pages.

    Its transport is aiohttp (see transport.py): same httpx API, a fraction of the CPU per
    request; the private-address guard lives there, at connect time. `dns` replaces the
    system's name lookup (the guard still vets its answers). It keeps no cookies.
    """
    transport = AiohttpTransport(
        max_connections=settings.max_connections,
        allow_private_addresses=settings.allow_private_addresses,
        dns=dns,
    )
    client = CookielessClient(
        transport=transport,
        timeout=httpx.Timeout(
            settings.read_timeout,
            connect=settings.connect_timeout,
            pool=settings.total_timeout,
        ),
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        follow_redirects=False,
        trust_env=False,
    )
    client.direct_transport = transport
    return client


class _HostLimits:
    """A semaphore per host, created on first use."""

    def __init__(self, per_host: int) -> None:
        self._per_host = per_host
        self._sems: dict[str, asyncio.Semaphore] = {}

    def hold(self, url: httpx.URL) -> asyncio.Semaphore:
        key = f"{url.host}:{url.port or ''}"
        sem = self._sems.get(key)
        if sem is None:
            sem = self._sems[key] = asyncio.Semaphore(self._per_host)
        return sem


class _Budget:
    """The total time one fetch may take, spent only while a request is under way: time
    spent waiting for a connection slot (behind a slow feed of the same host) is free."""

    def __init__(self, seconds: float) -> None:
        self._left = seconds

    @asynccontextmanager
    async def spend(self) -> AsyncIterator[None]:
        if self._left <= 0:
            raise TimeoutError
        started = time.monotonic()
        try:
            async with asyncio.timeout(self._left):
                yield
        finally:
            self._left -= time.monotonic() - started


class Fetcher:
    """Fetches feeds (and other pages) through one shared httpx.AsyncClient."""

    def __init__(self, client: httpx.AsyncClient, settings: FetchSettings | None = None) -> None:
        self._client = client
        self.settings = settings or FetchSettings()
        self._global = asyncio.Semaphore(self.settings.max_connections)
        self._hosts = _HostLimits(self.settings.max_connections_per_host)
        self._sender = Sender(client)
        self._parsed: dict[str, tuple[httpx.URL, str]] = {}

    async def fetch(
        self,
        state: FetchState,
        *,
        max_bytes: int | None = None,
        accept: str = FEED_ACCEPT,
    ) -> FetchResult:
        """GET `state.url`, conditionally; never raises for network or server trouble."""
        cap = max_bytes or self.settings.max_body_bytes
        total = self.settings.total_timeout
        try:
            async with self._global:  # queueing for a slot is not request time
                return await self._follow(state, cap, accept, _Budget(total))
        except TimeoutError:
            return _error(state.url, f"timed out: no complete response within {total:g} s")
        except httpx.ConnectTimeout:
            return _error(
                state.url, f"timed out connecting (after {self.settings.connect_timeout:g} s)"
            )
        except httpx.ReadTimeout:
            return _error(
                state.url,
                f"timed out: the server sent nothing for {self.settings.read_timeout:g} s",
            )
        except httpx.TimeoutException as exc:
            return _error(state.url, f"timed out ({type(exc).__name__})")
        except httpx.ConnectError as exc:
            if isinstance(exc.__cause__, AddressRefused):  # the guard's refusal says why
                return _error(state.url, str(exc))
            if isinstance(exc.__cause__, HostNotFound):
                return FetchResult(
                    state.url, "error", error=f"could not connect: {exc}", host_not_found=True
                )
            return _error(state.url, f"could not connect: {exc}")
        except httpx.RemoteProtocolError as exc:
            return _error(state.url, f"the server broke off the response: {exc}")
        except httpx.DecodingError as exc:
            return _error(state.url, f"could not decompress the response: {exc}")
        except httpx.HTTPError as exc:
            return _error(state.url, f"{type(exc).__name__}: {exc}")

    async def _follow(
        self, state: FetchState, cap: int, accept: str, budget: _Budget
    ) -> FetchResult:
        headers = {**self._sender.headers, "Accept": accept}
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        url = state.url
        chain = [url]
        permanent: str | None = None
        all_permanent = True
        while True:
            parsed, problem = self._parse(url)
            if parsed is None:
                where = "redirected to an invalid address" if len(chain) > 1 else "invalid URL"
                return _error(state.url, f"refused: {where} ({url[:200]!r}: {problem})")
            address, text = parsed
            if address.scheme not in ("http", "https"):
                return _error(state.url, f"refused: redirected to a non-HTTP address ({url})")
            async with (
                self._hosts.hold(address),
                budget.spend(),
                _sent(self._sender, address, text, headers) as response,
            ):
                location = response.headers.get("location")
                if response.status in REDIRECT_CODES or response.status == 304:
                    await response.drain()  # so the connection can be reused
                if response.status in REDIRECT_CODES and location:
                    try:
                        target = urljoin(response.url, location.strip())
                    except ValueError as exc:  # e.g. "http://[oops/"
                        where = f"({location[:200]!r}: {exc})"
                        return _error(
                            state.url,
                            f"refused: redirected to an invalid address {where}",
                            response,
                        )
                    if target in chain:
                        loop = " → ".join([*chain[chain.index(target) :], target])
                        return _error(state.url, f"redirect loop: {loop}", response)
                    if len(chain) > MAX_REDIRECTS:
                        return _error(
                            state.url, f"too many redirects (more than {MAX_REDIRECTS})", response
                        )
                    if response.status in PERMANENT_REDIRECT_CODES and all_permanent:
                        permanent = target
                    else:
                        all_permanent = False
                    chain.append(target)
                    url = target
                    continue
                return await self._finish(state, response, cap, permanent)

    def _parse(self, url: str) -> tuple[tuple[httpx.URL, str], None] | tuple[None, str]:
        """`url` parsed as httpx would (and its normalised text), or None and why it cannot
        be requested (a port out of range, no host, bad IPv6 brackets)."""
        parsed = self._parsed.get(url)
        if parsed is None:
            try:
                address = httpx.URL(url)
                _ = urlsplit(url).port  # raises for "http://a:99999/"
            except (ValueError, httpx.InvalidURL) as exc:
                return None, str(exc)
            if address.scheme in ("http", "https") and not address.host:
                return None, "no host name"
            if len(self._parsed) >= PARSED_URLS_KEPT:
                self._parsed.clear()
            parsed = self._parsed[url] = (address, str(address))
        return parsed, None

    async def _finish(
        self, state: FetchState, response: Reply, cap: int, permanent: str | None
    ) -> FetchResult:
        headers = response.headers
        status = response.status
        common: dict[str, Any] = {
            "headers": headers,
            "http_status": status,
            "permanent_url": permanent,
            "retry_after": parse_retry_after(headers.get("retry-after")),
        }
        if status == 304:
            return FetchResult(
                response.url,
                "not_modified",
                etag=headers.get("etag") or state.etag,
                last_modified=headers.get("last-modified") or state.last_modified,
                **common,
            )
        if status >= 400 or status < 200:
            await response.drain()
            reason = response.reason
            return FetchResult(
                state.url, "error", error=f"HTTP {status} {reason}".strip(), **common
            )
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap and "content-encoding" not in headers:
            return FetchResult(state.url, "error", error=_too_big(cap, int(declared)), **common)
        try:
            body = await _read_capped(response, headers.get("content-encoding", ""), cap)
        except BodyTooLarge:
            await response.aclose()
            return FetchResult(state.url, "error", error=_too_big(cap), **common)
        except (UnsupportedEncoding, CorruptEncoding) as exc:
            await response.aclose()
            return FetchResult(
                state.url, "error", error=f"could not decode the response: {exc}", **common
            )
        return FetchResult(
            response.url,
            "ok",
            body=bytes(body),
            etag=headers.get("etag"),
            last_modified=headers.get("last-modified"),
            **common,
        )


@asynccontextmanager
async def _sent(
    sender: Sender, url: httpx.URL, text: str, headers: dict[str, str]
) -> AsyncIterator[Reply]:
    """A GET for `url` sent with exactly `headers`, its response streamed; closed on the
    way out."""
    response = await sender.get(url, text, headers)
    try:
        yield response
    finally:
        await response.aclose()


async def _read_capped(response: Reply, content_encoding: str, cap: int) -> bytes:
    """The body, decoded, or BodyTooLarge once it (or any layer of its encoding) passes
    `cap`. Decoding goes in bounded steps, yielding to the event loop after each chunk."""
    decoder = BoundedDecoder(content_encoding, cap)
    body = bytearray()
    async for chunk in response.aiter_raw():
        for piece in decoder.decode(chunk):
            body.extend(piece)
            if len(body) > cap:
                raise BodyTooLarge
        await asyncio.sleep(0)
    return bytes(body)


def _too_big(cap: int, declared: int | None = None) -> str:
    size = f" ({declared:,} bytes announced)" if declared else ""
    return f"response larger than the {cap:,}-byte limit{size}"


def _error(url: str, message: str, response: Reply | None = None) -> FetchResult:
    if response is None:
        return FetchResult(url, "error", error=message)
    return FetchResult(url, "error", error=message, http_status=response.status)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Retry-After as seconds from now: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    delta = when.timestamp() - (time.time() if now is None else now)
    return max(0.0, delta)
