"""Fetch a feed over HTTP with httpx: conditional GET, timeouts and a body size cap."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import httpx

from bot import PROJECT_URL, __version__

USER_AGENT = f"newsbot/{__version__} (+{PROJECT_URL})"


@dataclass(frozen=True)
class FetchState:
    """What the store remembers about a feed between fetches."""

    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class FetchResult:
    """The outcome of one fetch; errors are values, never exceptions."""

    url: str
    status: Literal["ok", "not_modified", "error"]
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None


class Fetcher:
    """Fetches feeds through one shared httpx.AsyncClient."""

    def __init__(self, client: httpx.AsyncClient, *, max_body_bytes: int) -> None:
        self._client = client
        self._max_body_bytes = max_body_bytes

    async def fetch(self, state: FetchState) -> FetchResult:
        headers = {}
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        try:
            async with self._client.stream("GET", state.url, headers=headers) as response:
                if response.status_code == 304:
                    return FetchResult(
                        state.url,
                        "not_modified",
                        etag=state.etag,
                        last_modified=state.last_modified,
                    )
                if response.status_code >= 400:
                    return FetchResult(state.url, "error", error=f"HTTP {response.status_code}")
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body.extend(chunk)
                    if len(body) > self._max_body_bytes:
                        return FetchResult(
                            state.url,
                            "error",
                            error=f"response larger than {self._max_body_bytes} bytes",
                        )
                return FetchResult(
                    str(response.url),
                    "ok",
                    body=bytes(body),
                    headers=dict(response.headers),
                    etag=response.headers.get("etag"),
                    last_modified=response.headers.get("last-modified"),
                )
        except httpx.TimeoutException:
            return FetchResult(state.url, "error", error="timed out")
        except httpx.HTTPError as exc:
            return FetchResult(state.url, "error", error=f"{type(exc).__name__}: {exc}")


def make_client(timeout_seconds: float) -> httpx.AsyncClient:
    """The one HTTP client the bot shares for feeds."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout_seconds, connect=min(10.0, timeout_seconds)),
        headers={"User-Agent": USER_AGENT},
        follow_redirects=True,
        max_redirects=5,
    )
