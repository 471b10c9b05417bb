"""Load and validate config.toml into frozen dataclasses; read chat secrets from the environment.

Every problem becomes one ConfigError whose message names the key, e.g.
``polling.interval_minutes: expected an integer, got "soon"``. The conversion and the value
checks are in bot/config_check.py, the secrets in bot/config_secrets.py; their public names are
importable from here.
"""

from __future__ import annotations

import dataclasses
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bot.config_check import convert, shown
from bot.config_secrets import SECRET_NAMES as SECRET_NAMES
from bot.config_secrets import Secret as Secret
from bot.config_secrets import Secrets as Secrets
from bot.config_secrets import environment as environment
from bot.config_secrets import load_secrets as load_secrets
from bot.errors import ConfigError
from bot.packaged import packaged_seeds
from bot.routes import ROUTE_NAME, Route, check_route, check_routes


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
    max_connections: int = 100
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
class RetentionConfig:
    """[retention]: how long what only grows is kept (bot/retention.py). Claims, verdicts,
    titles, links and story threads are kept forever."""

    bodies_days: int = 0  # full article text, days after fetch; 0 = forever
    outbox_days: int = 30  # payloads of sent/dead alerts and sent/dead notices; 0 = forever
    interval_hours: float = 6.0  # how often the running bot applies it


@dataclass(frozen=True)
class FeedbackConfig:
    """Refitting the relevance model on the installation's feedback (bot/feedback/)."""

    retrain_hours: float = 24.0  # 0: only on /news retrain
    retrain_max_seconds: float = 20.0
    prior_strength: float = 3.0


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
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    feedback: FeedbackConfig = field(default_factory=FeedbackConfig)
    console: ConsoleConfig = field(default_factory=ConsoleConfig)
    health: HealthConfig = field(default_factory=HealthConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    discord: DiscordSettings = field(default_factory=DiscordSettings)
    feeds: tuple[FeedConfig, ...] = ()
    slack: SlackConfig = field(default_factory=SlackConfig)
    routes: tuple[Route, ...] = ()  # [[routes]]: more destinations, each with its filter


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
    body = {k: v for k, v in raw.items() if k != "routes"}
    config = convert(body, Config, "")
    assert isinstance(config, Config)
    if "routes" in raw:
        config = dataclasses.replace(config, routes=parse_routes(raw["routes"]))
    if config.polling.min_interval_minutes > config.polling.max_interval_minutes:
        raise ConfigError(
            "polling.min_interval_minutes: must not be greater than polling.max_interval_minutes"
        )
    urls = [f.url for f in config.feeds]
    for url in urls:
        if urls.count(url) > 1:
            raise ConfigError(f"feeds.url: {shown(url)} is listed twice")
    if config.health.max_age_seconds < 2 * config.health.heartbeat_seconds:
        raise ConfigError(
            "health.max_age_seconds: must be at least twice health.heartbeat_seconds"
            f" ({2 * config.health.heartbeat_seconds}), got {config.health.max_age_seconds}"
        )
    feedback = config.feedback
    for name in ("retrain_hours", "retrain_max_seconds", "prior_strength"):
        value = getattr(feedback, name)
        if value < 0 or (name != "retrain_hours" and value == 0):
            must = "at least 0" if name == "retrain_hours" else "greater than 0"
            raise ConfigError(f"feedback.{name}: must be {must}, got {value}")
    return config


def parse_routes(raw: Any) -> tuple[Route, ...]:
    """[[routes]] blocks; an error names the route (`routes.legal.mode: ...`), or its
    position when it has no usable name (`routes[2].name: ...`)."""
    if not isinstance(raw, list):
        raise ConfigError(f"routes: expected a list of [[routes]] blocks, got {shown(raw)}")
    routes = []
    for index, item in enumerate(raw):
        name = item.get("name") if isinstance(item, Mapping) else None
        named = isinstance(name, str) and ROUTE_NAME.fullmatch(name) is not None
        where = f"routes.{name}" if named else f"routes[{index}]"
        route = convert(item, Route, where)
        check_route(route, where)
        routes.append(route)
    check_routes(routes)
    return tuple(routes)


def _resolve(base: Path, path: Path) -> Path:
    return path if path.is_absolute() else base / path


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
