"""Slack HTTP mode's front door: every request to the events path is checked before Bolt
sees it, so a malformed one gets a clean 400 and a replayed one is not run again.

Slack signs each request over its timestamp and body; a signature is accepted for 5
minutes (Bolt checks it). Bolt does not remember what it has accepted, and it answers a
non-numeric X-Slack-Request-Timestamp with a 500 and a traceback. Here:
- a missing or non-numeric timestamp is refused with 400;
- a validly signed request whose signature was already seen inside the window is refused
  with 401 (a replay); signatures are remembered for the window only, at most
  `max_remembered` of them.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable

from aiohttp import web
from slack_sdk.signature import Clock, SignatureVerifier

log = logging.getLogger(__name__)

WINDOW_SECONDS = 300  # how long Slack's signatures stay valid


class _CallableClock(Clock):
    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now()


class ReplayGuard:
    """Decides whether a request may go on to Bolt; remembers accepted signatures."""

    def __init__(
        self,
        signing_secret: str,
        *,
        now: Callable[[], float] = time.time,
        max_remembered: int = 100_000,
    ) -> None:
        self._now = now
        self._verifier = SignatureVerifier(signing_secret, clock=_CallableClock(now))
        self._max = max_remembered
        self._seen: set[str] = set()
        self._order: deque[tuple[float, str]] = deque()  # (forget after, signature)

    def refusal(
        self, timestamp: str | None, signature: str | None, body: bytes
    ) -> tuple[int, str] | None:
        """(status, reason) to refuse the request with, or None to let Bolt handle it."""
        if timestamp is None or not timestamp.strip().isdigit() or len(timestamp) > 12:
            return 400, "invalid X-Slack-Request-Timestamp"
        if not signature or not self._verifier.is_valid(body, timestamp.strip(), signature):
            return None  # Bolt refuses it (401) in its own words
        self._forget_expired()
        if signature in self._seen:
            return 401, "replayed request"
        self._seen.add(signature)
        self._order.append((int(timestamp) + WINDOW_SECONDS, signature))
        while len(self._order) > self._max:
            self._seen.discard(self._order.popleft()[1])
        return None

    def remembered(self) -> int:
        return len(self._seen)

    def _forget_expired(self) -> None:
        now = self._now()
        # Timestamps arrive roughly in order; one that expires later than those behind it
        # only keeps them a little longer (never forgets one early).
        while self._order and self._order[0][0] < now:
            self._seen.discard(self._order.popleft()[1])


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def guard_middleware(guard: ReplayGuard, path: str) -> Callable[..., Awaitable[web.StreamResponse]]:
    """An aiohttp middleware putting `guard` in front of the Bolt handler at `path`."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method != "POST" or request.path != path:
            return await handler(request)
        body = await request.read()  # aiohttp keeps it for Bolt's own read
        refused = guard.refusal(
            request.headers.get("X-Slack-Request-Timestamp"),
            request.headers.get("X-Slack-Signature"),
            body,
        )
        if refused is not None:
            status, reason = refused
            log.warning("slack: refused a request to %s: %s", path, reason)
            return web.Response(status=status, text=reason)
        return await handler(request)

    return middleware
