"""An httpx transport over aiohttp: the shared httpx client, with a faster HTTP engine below.

httpx's own transport (httpcore over anyio) cost ~3 ms of CPU per request here, which made a
warm poll cycle (1,000 conditional GETs) CPU-bound. aiohttp parses HTTP in C. The client,
its API and every rule above the transport stay httpx's (see fetch.py); this module only
moves bytes, maps aiohttp's errors to httpx's, and enforces the address guard:

- host names are resolved by a resolver that refuses every answer that is not a global
  address (private, carrier-grade NAT, loopback, link-local, site-local, and IPv6 forms
  that embed such an IPv4 address) (aiohttp then connects to exactly those vetted addresses);
- IP literals, which aiohttp does not resolve, are checked before the request.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp
import certifi
import httpx
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from bot.errors import AddressRefused, HostNotFound

URLS_KEPT = 50_000  # addresses a transport remembers parsed
_SKIP_AUTO_HEADERS = ("User-Agent", "Accept", "Accept-Encoding")  # ours, as given
# IPv6 ranges whose embedded IPv4 address is where a packet really goes.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix
# Never global, whatever the running Python's `is_global` says (3.11 calls fec0::/10 global).
_NOT_GLOBAL = (
    ipaddress.ip_network("fec0::/10"),  # site-local (deprecated)
    ipaddress.ip_network("64:ff9b:1::/48"),  # local-use NAT64 (RFC 8215)
    ipaddress.ip_network("::/96"),  # IPv4-compatible (deprecated)
)


def is_public_address(address: str) -> bool:
    """True only for a global address: not private, carrier-grade NAT (100.64.0.0/10),
    loopback, link-local, site-local, multicast, reserved or unspecified. An IPv6 address
    that carries an IPv4 one (IPv4-mapped, NAT64, 6to4, Teredo) is judged by that too."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv4Address):
        return _is_global(ip)
    if ip.ipv4_mapped is not None:
        return _is_global(ip.ipv4_mapped)
    if ip in _NAT64:
        return _is_global(ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF))
    if any(ip in network for network in _NOT_GLOBAL):
        return False
    embedded = [ip.sixtofour] if ip.sixtofour is not None else list(ip.teredo or ())
    return _is_global(ip) and all(_is_global(inner) for inner in embedded)


def _is_global(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local)
    )


def refusal(host: str, addresses: list[str]) -> str:
    allow = "set fetch.allow_private_addresses to allow it"
    if addresses == [host]:
        return f"refused: {host} is not a public address (private, local or reserved); {allow}"
    return (
        f"refused: {host} resolves to an address that is not public"
        f" ({', '.join(addresses) or 'none'}); {allow}"
    )


class GuardedResolver(AbstractResolver):
    """Resolves names and refuses any answer that is not a public address."""

    def __init__(self, inner: AbstractResolver | None = None) -> None:
        self._inner = inner or ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        blocked = [r["host"] for r in results if not is_public_address(r["host"])]
        if blocked or not results:
            raise AddressRefused(refusal(host, blocked))
        return results

    async def close(self) -> None:
        await self._inner.close()


class _Body(httpx.AsyncByteStream):
    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_any():
                yield chunk
        except aiohttp.ClientPayloadError as exc:
            raise httpx.RemoteProtocolError(str(exc)) from None
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise httpx.ReadTimeout(str(exc) or "read timed out") from None
        except aiohttp.ClientError as exc:
            raise httpx.ReadError(str(exc)) from None

    async def aclose(self) -> None:
        # A body read to the end returns the connection to the pool; otherwise it is closed.
        self._response.release()


class TransportReply:
    """An aiohttp response as the Fetcher reads it (exchange.Reply): status, headers as a
    dict of lower-case names (repeated ones joined by ", ", as httpx does), the body."""

    def __init__(self, response: aiohttp.ClientResponse, url: str) -> None:
        self._response = response
        self.status = response.status
        self.reason = response.reason or ""
        self.url = url
        headers: dict[str, str] = {}
        for raw_name, raw_value in response.raw_headers:
            name = raw_name.decode("latin-1").lower()
            value = _header_text(raw_value)
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        self.headers = headers

    def aiter_raw(self) -> AsyncIterator[bytes]:
        return _Body(self._response).__aiter__()

    async def drain(self, limit: int = 65_536) -> None:
        """Read a short body we do not need, so the connection goes back to the pool; a
        long one is left unread and the connection is closed instead."""
        if self._response.content.at_eof():  # a 304 or an empty body: nothing to read
            return
        read = 0
        async for chunk in self.aiter_raw():
            read += len(chunk)
            if read > limit:
                break

    async def aclose(self) -> None:
        # A body read to the end returns the connection to the pool; otherwise it is closed.
        self._response.release()


def _header_text(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Sends httpx requests with one aiohttp session (created on first use, in the loop)."""

    def __init__(
        self,
        *,
        max_connections: int,
        allow_private_addresses: bool,
        keepalive_seconds: float = 5,
        dns: AbstractResolver | None = None,
    ) -> None:
        self._max_connections = max_connections
        self._guard = not allow_private_addresses
        self._dns = dns  # the name lookup below the guard (tests pass their own answers)
        self._keepalive = keepalive_seconds
        self._session: aiohttp.ClientSession | None = None
        # the same few timeouts for every request, built once
        self._timeouts: dict[tuple[Any, Any], aiohttp.ClientTimeout] = {}
        # Text -> the address aiohttp parsed from it (a response's `url`), handed back on
        # the next request for the same text: a poll cycle asks every feed again.
        self._urls: dict[str, Any] = {}

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self._max_connections,
                limit_per_host=0,  # the Fetcher keeps its own per-host limit
                resolver=GuardedResolver(self._dns) if self._guard else self._dns,
                ssl=ssl.create_default_context(cafile=certifi.where()),
                keepalive_timeout=self._keepalive,
                ttl_dns_cache=300,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=False,  # httpx decodes, so size caps apply after decoding
                cookie_jar=aiohttp.DummyCookieJar(),
                trust_env=False,
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts: dict[str, Any] = request.extensions.get("timeout", {})
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        data = None if request.method in ("GET", "HEAD") else await request.aread()
        response = await self._send(
            request.method,
            str(request.url),
            request.url.host,
            headers,
            timeouts.get("connect"),
            timeouts.get("read"),
            data=data,
            request=request,
        )
        return httpx.Response(
            response.status,
            headers=list(response.raw_headers),
            stream=_Body(response),
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": (response.reason or "").encode("ascii", "replace"),
            },
            request=request,
        )

    async def get(
        self,
        url: str,
        host: str,
        headers: Mapping[str, str],
        connect: float | None,
        read: float | None,
    ) -> TransportReply:
        """A GET sent with exactly `headers`, its reply read up to the body; for the
        Fetcher, without building httpx's request and response models. Raises httpx's
        errors, as a request through the client would."""
        parsed = self._urls.get(url)
        response = await self._send("GET", parsed or url, host, headers, connect, read)
        if parsed is None:
            if len(self._urls) >= URLS_KEPT:
                self._urls.clear()
            self._urls[url] = response.url
        return TransportReply(response, url)

    async def _send(
        self,
        method: str,
        url: Any,  # text, or the yarl URL aiohttp made of it for an earlier request
        host: str,
        headers: Mapping[str, str] | list[tuple[str, str]],
        connect: float | None,
        read: float | None,
        *,
        data: bytes | None = None,
        request: httpx.Request | None = None,
    ) -> aiohttp.ClientResponse:
        if self._guard and _is_ip(host) and not is_public_address(host.strip("[]")):
            refused = AddressRefused(refusal(host, [host]))
            raise httpx.ConnectError(str(refused), request=request) from refused
        key = (connect, read)
        timeout = self._timeouts.get(key)
        if timeout is None:
            timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect, sock_read=read)
            self._timeouts[key] = timeout
        try:
            return await self._get_session().request(
                method,
                url,
                headers=headers,
                data=data,
                allow_redirects=False,
                timeout=timeout,
                skip_auto_headers=_SKIP_AUTO_HEADERS,
            )
        except aiohttp.ConnectionTimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc) or "connect timed out", request=request) from None
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise httpx.ReadTimeout(str(exc) or "read timed out", request=request) from None
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, AddressRefused):  # the guard's answer, as it is
                raise httpx.ConnectError(str(exc.os_error), request=request) from exc.os_error
            if isinstance(exc, aiohttp.ClientConnectorDNSError):  # a value the bot can tell
                message = _connect_message(exc)
                raise httpx.ConnectError(message, request=request) from HostNotFound(message)
            raise httpx.ConnectError(_connect_message(exc), request=request) from None
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError) as exc:
            raise httpx.RemoteProtocolError(str(exc), request=request) from None
        except aiohttp.ClientResponseError as exc:  # e.g. a malformed status line
            raise httpx.RemoteProtocolError(str(exc), request=request) from None
        except aiohttp.ClientError as exc:
            raise httpx.TransportError(f"{type(exc).__name__}: {exc}", request=request) from None

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
            await asyncio.sleep(0)  # let the connector close its sockets


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _connect_message(exc: aiohttp.ClientConnectorError) -> str:
    cause = exc.os_error
    text = str(cause) if cause is not None else str(exc)
    return f"{exc.host}:{exc.port}: {text}"
