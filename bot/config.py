"""Load and validate config.toml into frozen dataclasses; read chat secrets from the environment.

Every problem becomes one ConfigError whose message names the key, e.g.
``polling.interval_minutes: expected an integer, got "soon"``.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bot.errors import ConfigError
from bot.packaged import packaged_seeds
from bot.redact import looks_like_secret, redact


class Secret:
    """A value that never shows itself in logs, reprs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class FeedConfig:
    """One feed to watch."""

    url: str
    name: str = ""
    interval_minutes: int | None = None
    backfill: int = 0


@dataclass(frozen=True)
class BotConfig:
    database: Path = Path("data/newsbot.db")
    seeds_dir: Path = field(default_factory=packaged_seeds)  # the corpus shipped with newsbot
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"


@dataclass(frozen=True)
class PollingConfig:
    interval_minutes: int = 30
    jitter_seconds: int = 60
    timeout_seconds: float = 20.0
    max_body_bytes: int = 5_000_000
    # Feed ingestion: bounds on when a feed is checked next, and failure handling.
    min_interval_minutes: int = 5
    max_interval_minutes: int = 1440
    backoff_cap_hours: float = 24.0
    failure_notice_after: int = 5
    max_items_per_poll: int = 100


@dataclass(frozen=True)
class FetchConfig:
    """How feeds and article pages are fetched over HTTP."""

    connect_timeout_seconds: float = 10.0
    read_timeout_seconds: float = 20.0
    max_connections: int = 50
    max_connections_per_host: int = 4
    allow_private_addresses: bool = False
    user_agent_contact: str = ""
    parse_processes: int = 0


@dataclass(frozen=True)
class FullTextConfig:
    """Fetching an article's page when its feed item carries only a teaser."""

    enabled: bool = True
    teaser_chars: int = 600
    max_page_bytes: int = 2_000_000
    robots_cache_hours: float = 24.0
    max_pages_per_poll: int = 30
    max_pages_per_host: int = 20


@dataclass(frozen=True)
class AnalysisConfig:
    relevance_threshold: float = 0.5


@dataclass(frozen=True)
class ConsoleConfig:
    enabled: Literal["auto", "always", "never"] = "auto"


# --- ops: health and metrics (self-hosting) ---


@dataclass(frozen=True)
class HealthConfig:
    """The heartbeat the running bot writes and `newsbot health` checks."""

    heartbeat_seconds: int = 30
    max_age_seconds: int = 180


@dataclass(frozen=True)
class MetricsConfig:
    """The optional HTTP port with /healthz and Prometheus /metrics."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = 9464


# --- end ops ---


# ---------------------------------------------------------------- slack


@dataclass(frozen=True)
class SlackConfig:
    """Slack: where alerts go and how the /news command reaches the bot.

    Tokens are secrets (environment only): SLACK_BOT_TOKEN, SLACK_APP_TOKEN (Socket Mode),
    SLACK_SIGNING_SECRET (HTTP mode), SLACK_WEBHOOK_URL (alerts only, no commands).
    """

    channel: str = ""
    mode: Literal["socket", "http"] = "socket"
    http_host: str = "0.0.0.0"
    http_port: int = 3000
    http_path: str = "/slack/events"
    admin_user_ids: tuple[str, ...] = ()
    threads: bool = True
    broadcast_follow_ups: bool = False
    rate_per_minute: int = 20
    digest_minutes: int = 0
    backlog_digest_at: int = 10
    digest_size: int = 20


@dataclass(frozen=True)
class DiscordSettings:
    """[discord]: used when DISCORD_TOKEN (bot) or DISCORD_WEBHOOK_URL (webhook) is set."""

    channel_id: int = 0
    guild_id: int = 0
    admin_role: str = ""
    threads: bool = True
    sync_commands: bool = True
    rate_per_minute: int = 20
    digest_minutes: int = 0
    backlog_digest_at: int = 10
    digest_size: int = 20
    webhook_username: str = "newsbot"


@dataclass(frozen=True)
class Config:
    bot: BotConfig = field(default_factory=BotConfig)
    polling: PollingConfig = field(default_factory=PollingConfig)
    fetch: FetchConfig = field(default_factory=FetchConfig)
    full_text: FullTextConfig = field(default_factory=FullTextConfig)
    analysis: AnalysisConfig = field(default_factory=AnalysisConfig)
    console: ConsoleConfig = field(default_factory=ConsoleConfig)
    health: HealthConfig = field(default_factory=HealthConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    discord: DiscordSettings = field(default_factory=DiscordSettings)
    feeds: tuple[FeedConfig, ...] = ()
    slack: SlackConfig = field(default_factory=SlackConfig)


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


def load_config(path: Path) -> Config:
    """Read and validate a TOML file; relative paths in it resolve against its folder."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except IsADirectoryError:  # ops: what a bind mount of a missing file leaves behind
        raise ConfigError(
            f"{path}: is a folder, not a file (Docker makes an empty folder when the file to"
            " mount is missing: remove it and copy config.example.toml to config.toml)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    config = parse_config(raw)
    base = path.resolve().parent
    bot = dataclasses.replace(
        config.bot,
        database=_resolve(base, config.bot.database),
        seeds_dir=_resolve(base, config.bot.seeds_dir),
    )
    return dataclasses.replace(config, bot=bot)


def parse_config(raw: Mapping[str, Any]) -> Config:
    """Turn a TOML document (already parsed) into a Config, or raise ConfigError."""
    config = _convert(raw, Config, "")
    assert isinstance(config, Config)
    if config.polling.min_interval_minutes > config.polling.max_interval_minutes:
        raise ConfigError(
            "polling.min_interval_minutes: must not be greater than polling.max_interval_minutes"
        )
    urls = [f.url for f in config.feeds]
    for url in urls:
        if urls.count(url) > 1:
            raise ConfigError(f"feeds.url: {_shown(url)} is listed twice")
    if config.health.max_age_seconds < 2 * config.health.heartbeat_seconds:
        raise ConfigError(
            "health.max_age_seconds: must be at least twice health.heartbeat_seconds"
            f" ({2 * config.health.heartbeat_seconds}), got {config.health.max_age_seconds}"
        )
    return config


def _resolve(base: Path, path: Path) -> Path:
    return path if path.is_absolute() else base / path


def _convert(value: Any, tp: Any, key: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return _convert_table(value, tp, key)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _convert(value, inner, key)
    if origin is Literal:
        if value not in args:
            choices = ", ".join(repr(a) for a in args)
            raise ConfigError(f"{key}: must be one of {choices}, got {_shown(value)}")
        return value
    if origin is tuple:
        if not isinstance(value, list):
            raise ConfigError(f"{key}: expected a list, got {_kind(value)}")
        return tuple(_convert(item, args[0], f"{key}[{i}]") for i, item in enumerate(value))
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key}: expected true or false, got {_shown(value)}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key}: expected an integer, got {_shown(value)}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{key}: expected a number, got {_shown(value)}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key}: expected a string, got {_shown(value)}")
        return value
    if tp is Path:
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{key}: expected a path string, got {_shown(value)}")
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
        converted = _convert(value[name], hints[name], path)
        check = _CHECKS.get(check_path)
        if check is not None and not check[0](converted):
            raise ConfigError(f"{path}: {check[1]}, got {_shown(value[name])}")
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
    return _shown(value)


SECRET_NOT_SHOWN = (
    "a value that looks like a secret (not shown; secrets go in environment variables,"
    " never in the config file)"
)


def _shown(value: Any) -> str:
    """How an error quotes a bad value: its repr, unless that looks like a secret."""
    text = repr(value)
    return SECRET_NOT_SHOWN if looks_like_secret(text) else text


def config_keys(cls: type = Config, prefix: str = "") -> list[str]:
    """Every key a config file may set, as dotted paths (used to keep the example complete)."""
    keys: list[str] = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        path = f"{prefix}.{f.name}" if prefix else f.name
        tp = hints[f.name]
        if typing.get_origin(tp) is tuple:
            tp = typing.get_args(tp)[0]
        if dataclasses.is_dataclass(tp) and isinstance(tp, type):
            keys.extend(config_keys(tp, path))
        else:
            keys.append(path)
    return keys


# ---------------------------------------------------------------- secrets

SECRET_NAMES = (
    "DISCORD_TOKEN",
    "DISCORD_WEBHOOK_URL",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_WEBHOOK_URL",
)


@dataclass(frozen=True)
class Secrets:
    """Chat credentials, only ever taken from the environment (or NAME_FILE paths)."""

    values: Mapping[str, Secret] = field(default_factory=dict)

    def get(self, name: str) -> Secret | None:
        return self.values.get(name)

    def __repr__(self) -> str:
        return f"Secrets(set={sorted(self.values)})"


def load_secrets(environ: Mapping[str, str]) -> Secrets:
    """Read each secret from NAME, or from the file named by NAME_FILE (Docker secrets)."""
    values: dict[str, Secret] = {}
    for name in SECRET_NAMES:
        direct = environ.get(name, "").strip()
        file_path = environ.get(f"{name}_FILE", "").strip()
        if direct and file_path:
            raise ConfigError(f"{name}: set either {name} or {name}_FILE, not both")
        if file_path:
            try:
                direct = Path(file_path).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(
                    f"{name}_FILE: cannot read {file_path} ({exc.strerror})"
                ) from None
            if not direct:
                raise ConfigError(f"{name}_FILE: {file_path} is empty")
        if direct:
            values[name] = Secret(direct)
    return Secrets(values)


def environment() -> Mapping[str, str]:
    """The process environment; a function so callers pass it in and tests pass their own."""
    return os.environ
