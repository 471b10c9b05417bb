"""Slack's Web API client, and slack_sdk failures as ChatErrors.

Retries belong to the delivery loop: clients here never retry by themselves, and every
failure becomes a ChatError (with Slack's Retry-After on a 429; ThreadGone when a story's
thread can take no more replies), so a message is never posted twice by a hidden retry.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import ChatError, ThreadGone

SLACK_API_URL = "https://slack.com/api/"
DEFAULT_RETRY_AFTER = 30.0
REQUEST_TIMEOUT = 30

# Errors that say this message (not the channel or the token) is what Slack refuses.
_MESSAGE_REFUSED = {
    "invalid_blocks",
    "invalid_blocks_format",
    "msg_too_long",
    "msg_blocks_too_long",
}
# Errors that say a story's thread can take no more replies: the story starts a new one.
_THREAD_GONE = {"thread_not_found", "cannot_reply_to_message"}
# Errors an admin has to fix; the alert waits (with backoff) until they do.
_NEEDS_ADMIN = {
    "channel_not_found": "the channel does not exist or the bot cannot see it",
    "not_in_channel": "invite the bot to the channel (/invite @newsbot)",
    "is_archived": "the channel is archived",
    "invalid_auth": "SLACK_BOT_TOKEN is not valid",
    "not_authed": "SLACK_BOT_TOKEN is missing",
    "account_inactive": "the bot's token was revoked or the app uninstalled",
    "token_revoked": "the bot's token was revoked",
    "missing_scope": "the app lacks a scope it needs (see README, Slack app scopes)",
    "restricted_action": "the workspace does not allow the bot to post there",
}


def make_web_client(token: str, api_url: str = SLACK_API_URL) -> AsyncWebClient:
    """An AsyncWebClient with no built-in retries (the delivery loop owns retrying)."""
    return AsyncWebClient(token=token, base_url=api_url, timeout=REQUEST_TIMEOUT, retry_handlers=[])


def chat_error(exc: Exception, what: str = "Slack") -> ChatError:
    """A ChatError from a slack_sdk or network failure, with retry_after on a 429."""
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        code = str(exc.response.get("error") or "") if isinstance(exc.response.data, dict) else ""
        if status == 429 or code == "ratelimited":
            return ChatError(
                f"{what}: rate limited (HTTP 429)",
                retry_after=retry_after(exc.response.headers),
            )
        if code in _THREAD_GONE:
            return ThreadGone(f"{what}: {code}")
        hint = _NEEDS_ADMIN.get(code)
        if code == "missing_scope" and exc.response.get("needed"):
            hint = f"add the {exc.response.get('needed')} scope to the Slack app and reinstall it"
        if hint:
            return ChatError(f"{what}: {code}: {hint}")
        return ChatError(
            f"{what}: HTTP {status} {code or 'error'}", permanent=code in _MESSAGE_REFUSED
        )
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return ChatError(f"{what}: timed out")
    return ChatError(f"{what}: {type(exc).__name__}: {exc}")


def retry_after(headers: Any) -> float:
    try:
        for key, value in dict(headers or {}).items():
            if str(key).lower() == "retry-after":
                return max(0.0, float(value))
    except (TypeError, ValueError):
        pass
    return DEFAULT_RETRY_AFTER


NETWORK_ERRORS = (aiohttp.ClientError, TimeoutError, asyncio.TimeoutError, SlackClientError)
