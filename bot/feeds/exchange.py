"""One HTTP exchange as the Fetcher sees it: a GET sent, a reply to read and close.

Two ways to send it, with the same reply: straight to the aiohttp transport when the client
is the bot's own (make_client), skipping httpx's per-request layers (its Request, send,
auth and redirect wrappers, Response, header models), which cost about as much CPU as the
transport itself on a 304; or through any other httpx client as httpx sends it.
Either way the errors raised are httpx's (the Fetcher maps them to FetchResult values).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Protocol

import httpx

from bot.feeds.transport import AiohttpTransport, TransportReply


class Reply(Protocol):
    """A response's status line and headers, read; its body still to stream."""

    @property
    def status(self) -> int: ...

    @property
    def reason(self) -> str: ...

    @property
    def headers(self) -> Mapping[str, str]:
        """Lower-case names; repeated headers joined by ", "."""

    @property
    def url(self) -> str:
        """Where it came from."""

    def aiter_raw(self) -> AsyncIterator[bytes]: ...

    async def drain(self, limit: int = 65_536) -> None: ...

    async def aclose(self) -> None: ...


class _HttpxReply:
    """A streamed httpx.Response seen as a Reply."""

    def __init__(self, response: httpx.Response) -> None:
        self._response = response
        self.status = response.status_code
        self.reason = response.reason_phrase or ""
        self.headers = {k.lower(): v for k, v in response.headers.items()}
        self.url = str(response.url)

    def aiter_raw(self) -> AsyncIterator[bytes]:
        return self._response.aiter_raw()

    async def drain(self, limit: int = 65_536) -> None:
        read = 0
        async for chunk in self._response.aiter_raw():
            read += len(chunk)
            if read > limit:
                break

    async def aclose(self) -> None:
        await self._response.aclose()


class Sender:
    """Sends GETs for a Fetcher: directly on the bot's aiohttp transport, or via httpx."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client
        direct = getattr(client, "direct_transport", None)
        self._direct: AiohttpTransport | None = (
            direct if isinstance(direct, AiohttpTransport) else None
        )
        # What the client would add to every request, taken once: each request is built
        # here and sent as it is, skipping the client's per-request merging.
        self.headers = {k.decode("ascii"): v.decode("latin-1") for k, v in client.headers.raw}
        timeout = client.timeout
        self._connect, self._read = timeout.connect, timeout.read
        self._timeout = timeout.as_dict()

    async def get(self, url: httpx.URL, text: str, headers: dict[str, str]) -> Reply:
        """Send a GET for `url` (`text` is its string form) with exactly `headers`."""
        if self._direct is not None:
            if self._client.is_closed:
                raise RuntimeError("Cannot send a request, as the client has been closed.")
            reply: TransportReply = await self._direct.get(
                text, url.host, headers, self._connect, self._read
            )
            return reply
        request = httpx.Request("GET", url, headers=headers, extensions={"timeout": self._timeout})
        return _HttpxReply(await self._client.send(request, stream=True))
