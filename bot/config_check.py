"""Turns a parsed TOML document into the config dataclasses, checking every value.

`convert(value, type, key)` follows the dataclass field types (tables, lists, literals, numbers,
paths) and the value checks below; each problem is one ConfigError naming the key. An error
never quotes a value that looks like a secret.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from bot.errors import ConfigError
from bot.redact import looks_like_secret, redact

# A Slack conversation id: C (public channel), G (private), D (direct message); the
# Web API wants the id, and a name would be one more thing a token could be pasted into.
SLACK_CHANNEL_ID = re.compile(r"[CGD](?=[A-Z0-9]*[0-9])[A-Z0-9]{6,20}")

# Value checks beyond the type: key path -> (predicate, message).
_CHECKS: dict[str, tuple[typing.Callable[[Any], bool], str]] = {
    "polling.interval_minutes": (lambda v: v >= 1, "must be at least 1"),
    "polling.jitter_seconds": (lambda v: v >= 0, "must not be negative"),
    "polling.timeout_seconds": (lambda v: v > 0, "must be greater than 0"),
    "polling.max_body_bytes": (lambda v: v >= 1024, "must be at least 1024"),
    "polling.min_interval_minutes": (lambda v: v >= 1, "must be at least 1"),
    "polling.max_interval_minutes": (lambda v: v >= 1, "must be at least 1"),
    "polling.backoff_cap_hours": (lambda v: 0 < v <= 168, "must be between 0 and 168"),
    "polling.failure_notice_after": (lambda v: v >= 1, "must be at least 1"),
    "polling.max_items_per_poll": (lambda v: v >= 1, "must be at least 1"),
    "fetch.connect_timeout_seconds": (lambda v: v > 0, "must be greater than 0"),
    "fetch.read_timeout_seconds": (lambda v: v > 0, "must be greater than 0"),
    "fetch.max_connections": (lambda v: 1 <= v <= 1000, "must be between 1 and 1000"),
    "fetch.max_connections_per_host": (lambda v: 1 <= v <= 100, "must be between 1 and 100"),
    "fetch.user_agent_contact": (
        lambda v: all(c.isprintable() and c not in "()" for c in v),
        "must be printable text without parentheses",
    ),
    "fetch.parse_processes": (lambda v: 0 <= v <= 64, "must be between 0 and 64"),
    "full_text.teaser_chars": (lambda v: v >= 0, "must not be negative"),
    "full_text.max_page_bytes": (lambda v: v >= 1024, "must be at least 1024"),
    "full_text.robots_cache_hours": (lambda v: v > 0, "must be greater than 0"),
    "full_text.max_pages_per_poll": (lambda v: v >= 1, "must be at least 1"),
    "full_text.max_pages_per_host": (lambda v: v >= 1, "must be at least 1"),
    "analysis.relevance_threshold": (lambda v: 0 <= v <= 1, "must be between 0 and 1"),
    "retention.bodies_days": (
        lambda v: 0 <= v <= 36500,
        "must be a number of days from 1 to 36500, or 0 (keep forever)",
    ),
    "retention.outbox_days": (
        lambda v: 0 <= v <= 36500,
        "must be a number of days from 1 to 36500, or 0 (keep forever)",
    ),
    "retention.interval_hours": (lambda v: 0.1 <= v <= 168, "must be between 0.1 and 168"),
    "discord.channel_id": (lambda v: v >= 0, "must be a channel id (a positive number)"),
    "discord.guild_id": (lambda v: v >= 0, "must be a server id (a positive number)"),
    "discord.rate_per_minute": (lambda v: 0 <= v <= 120, "must be between 0 (no cap) and 120"),
    "discord.digest_minutes": (lambda v: 0 <= v <= 1440, "must be between 0 (off) and 1440"),
    "discord.backlog_digest_at": (lambda v: v == 0 or v >= 2, "must be 0 (off) or at least 2"),
    "discord.digest_size": (lambda v: 2 <= v <= 200, "must be between 2 and 200"),
    "discord.webhook_username": (lambda v: 1 <= len(v) <= 80, "must be 1 to 80 characters"),
    "feeds.interval_minutes": (lambda v: v is None or v >= 1, "must be at least 1"),
    "feeds.backfill": (lambda v: v >= 0, "must not be negative"),
    "feeds.url": (
        lambda v: v.startswith(("http://", "https://")),
        "must start with http:// or https://",
    ),
    "health.heartbeat_seconds": (lambda v: v >= 1, "must be at least 1"),
    "health.max_age_seconds": (lambda v: v >= 1, "must be at least 1"),
    "metrics.host": (lambda v: bool(v.strip()), "must not be empty"),
    "metrics.port": (lambda v: 0 <= v <= 65535, "must be between 0 and 65535"),
    "slack.channel": (
        lambda v: v == "" or SLACK_CHANNEL_ID.fullmatch(v) is not None,
        "must be a channel id such as C0123456789, not a name (in Slack: open the channel's"
        " details; the id is at the bottom of the About tab)",
    ),
    "slack.rate_per_minute": (lambda v: 0 <= v <= 60, "must be between 0 (no cap) and 60"),
    "slack.digest_minutes": (lambda v: 0 <= v <= 1440, "must be between 0 (off) and 1440"),
    "slack.backlog_digest_at": (lambda v: v == 0 or v >= 2, "must be 0 (off) or at least 2"),
    "slack.digest_size": (lambda v: 2 <= v <= 200, "must be between 2 and 200"),
    "slack.http_port": (lambda v: 1 <= v <= 65535, "must be between 1 and 65535"),
    "slack.http_path": (lambda v: v.startswith("/"), "must start with /"),
    "slack.admin_user_ids": (
        lambda v: all(re.fullmatch(r"[UW][A-Z0-9]{2,}", u) for u in v),
        "must be Slack user ids such as U0123456789",
    ),
}


def convert(value: Any, tp: Any, key: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return _convert_table(value, tp, key)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return convert(value, inner, key)
    if origin is Literal:
        if value not in args:
            choices = ", ".join(repr(a) for a in args)
            raise ConfigError(f"{key}: must be one of {choices}, got {shown(value)}")
        return value
    if origin is tuple:
        if not isinstance(value, list):
            raise ConfigError(f"{key}: expected a list, got {_kind(value)}")
        return tuple(convert(item, args[0], f"{key}[{i}]") for i, item in enumerate(value))
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key}: expected true or false, got {shown(value)}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key}: expected an integer, got {shown(value)}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{key}: expected a number, got {shown(value)}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key}: expected a string, got {shown(value)}")
        return value
    if tp is Path:
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{key}: expected a path string, got {shown(value)}")
        return Path(value)
    raise TypeError(f"unsupported config type {tp!r} at {key}")  # a bug in this module


def _convert_table(value: Any, cls: type, key: str) -> Any:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{key or 'config'}: expected a table, got {_kind(value)}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for name in value:
        if name not in fields:
            known = ", ".join(sorted(fields))
            where = redact(f"{key}.{name}" if key else name, entropy=True)
            raise ConfigError(f"{where}: unknown key (known keys here: {known})")
    kwargs: dict[str, Any] = {}
    for name, f in fields.items():
        path = f"{key}.{name}" if key else name
        check_path = _check_path(path)
        if name not in value:
            no_default = (
                f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            )
            if no_default:
                raise ConfigError(f"{path}: required key is missing")
            continue
        converted = convert(value[name], hints[name], path)
        check = _CHECKS.get(check_path)
        if check is not None and not check[0](converted):
            raise ConfigError(f"{path}: {check[1]}, got {shown(value[name])}")
        kwargs[name] = converted
    return cls(**kwargs)


def _check_path(path: str) -> str:
    """`feeds[3].url` -> `feeds.url`, the form the checks are keyed by."""
    parts = [p.split("[", 1)[0] for p in path.split(".")]
    return ".".join(parts)


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return shown(value)


SECRET_NOT_SHOWN = (
    "a value that looks like a secret (not shown; secrets go in environment variables,"
    " never in the config file)"
)


def shown(value: Any) -> str:
    """How an error quotes a bad value: its repr (at most 60 characters, so a pasted wall
    of text stays one short line), unless that looks like a secret."""
    text = repr(value)
    if looks_like_secret(text):
        return SECRET_NOT_SHOWN
    return text if len(text) <= 60 else text[:59] + "…"
