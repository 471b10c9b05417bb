"""Config loading: defaults, validation messages naming the key, secrets, example completeness."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from bot.config import (
    Config,
    FetchConfig,
    Secret,
    config_keys,
    load_config,
    load_secrets,
    parse_config,
)
from bot.errors import ConfigError
from bot.feeds.fetch import FetchSettings

REPO = Path(__file__).resolve().parent.parent


def test_empty_config_gives_defaults() -> None:
    config = parse_config({})
    assert config == Config()
    assert config.polling.interval_minutes == 30


def test_example_config_loads_and_paths_resolve_against_its_folder() -> None:
    config = load_config(REPO / "config.example.toml")
    assert config.bot.database == REPO / "data" / "newsbot.db"
    assert config.bot.seeds_dir == REPO / "bot" / "resources" / "seeds"  # the packaged corpus
    assert sorted(p.name for p in config.bot.seeds_dir.iterdir()) == sorted(
        p.name for p in (REPO / "seeds").iterdir()
    )
    assert len(config.feeds) >= 5
    assert all(f.url.startswith("https://") for f in config.feeds)


def test_example_fetch_limits_are_the_defaults() -> None:
    # The example shows the shipped limits, and the Fetcher's own defaults are the same.
    example = load_config(REPO / "config.example.toml").fetch
    assert example.max_connections == FetchConfig().max_connections == 100
    assert example.max_connections_per_host == FetchConfig().max_connections_per_host == 4
    assert FetchSettings().max_connections == FetchConfig().max_connections
    assert FetchSettings().max_connections_per_host == FetchConfig().max_connections_per_host


def _documented_keys(text: str) -> set[str]:
    """Keys set in the example, those documented in comments of the [[feeds]] block, and
    those shown commented out (`# key = value`) where the default is best left alone."""
    data = tomllib.loads(text)
    keys: set[str] = set()
    for section, value in data.items():
        rows = value if isinstance(value, list) else [value]
        for row in rows:
            keys.update(f"{section}.{k}" for k in row)
    keys.update("feeds." + m for m in re.findall(r"^#\s{3}(\w+)\s", text, re.MULTILINE))
    routes = text.split("# Routes:", 1)[-1]
    keys.update("routes." + m for m in re.findall(r"^#\s{3}(\w+)\s", routes, re.MULTILINE))
    section = ""
    for line in text.splitlines():
        if header := re.match(r"^\[(\w+)\]$", line):
            section = header.group(1)
        elif section and (commented := re.match(r"^# (\w+) = \S", line)):
            keys.add(f"{section}.{commented.group(1)}")
    return keys


def test_example_config_documents_every_key() -> None:
    text = (REPO / "config.example.toml").read_text()
    missing = set(config_keys()) - _documented_keys(text)
    assert not missing, f"config.example.toml lacks: {sorted(missing)}"


def test_every_example_key_has_a_comment() -> None:
    lines = (REPO / "config.example.toml").read_text().splitlines()
    in_feeds = False
    for index, line in enumerate(lines):
        if line.startswith("["):
            in_feeds = line.startswith("[[feeds]]")
        if in_feeds or not re.match(r"^\w+\s*=", line):
            continue
        assert lines[index - 1].startswith("#"), f"no comment above {line!r}"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"polling": {"interval_minutes": "soon"}},
            "polling.interval_minutes: expected an integer",
        ),
        ({"polling": {"interval_minutes": 0}}, "polling.interval_minutes: must be at least 1"),
        ({"polling": {"interval_minute": 5}}, "polling.interval_minute: unknown key"),
        ({"bogus": {}}, "bogus: unknown key"),
        ({"bot": {"log_level": "LOUD"}}, "bot.log_level: must be one of"),
        ({"bot": "x"}, "bot: expected a table"),
        ({"analysis": {"relevance_threshold": 2}}, "analysis.relevance_threshold: must be between"),
        ({"console": {"enabled": True}}, "console.enabled: must be one of"),
        ({"feeds": [{"name": "x"}]}, "feeds[0].url: required key is missing"),
        ({"feeds": [{"url": "ftp://x"}]}, "feeds[0].url: must start with http"),
        ({"feeds": {"url": "https://x"}}, "feeds: expected a list"),
        ({"feeds": [{"url": "https://a/", "backfill": -1}]}, "feeds[0].backfill: must not be"),
        (
            {"feeds": [{"url": "https://a/"}, {"url": "https://a/"}]},
            "feeds.url: 'https://a/' is listed twice",
        ),
    ],
)
def test_bad_values_name_the_key(raw: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(raw)
    assert str(info.value).startswith(message), str(info.value)
    assert "\n" not in str(info.value)


def test_broken_toml_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[bot\nlog_level = 'INFO'\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")


def test_secrets_come_from_environment_and_files(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("file-secret-value\n")
    secrets = load_secrets(
        {"DISCORD_TOKEN": "env-secret-value", "SLACK_BOT_TOKEN_FILE": str(token_file)}
    )
    discord_token = secrets.get("DISCORD_TOKEN")
    slack_token = secrets.get("SLACK_BOT_TOKEN")
    assert discord_token is not None and discord_token.reveal() == "env-secret-value"
    assert slack_token is not None and slack_token.reveal() == "file-secret-value"
    shown = repr(secrets) + repr(discord_token) + str(slack_token) + f"{secrets}"
    assert "secret-value" not in shown


def test_secret_file_problems_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="DISCORD_TOKEN_FILE: cannot read"):
        load_secrets({"DISCORD_TOKEN_FILE": str(tmp_path / "missing")})
    with pytest.raises(ConfigError, match="either DISCORD_TOKEN or DISCORD_TOKEN_FILE"):
        load_secrets({"DISCORD_TOKEN": "a", "DISCORD_TOKEN_FILE": "b"})


def test_secret_never_equals_plain_string() -> None:
    assert Secret("x") != "x"
    assert Secret("x") == Secret("x")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"slack": {"mode": "rtm"}}, "slack.mode: must be one of"),
        ({"slack": {"http_port": 0}}, "slack.http_port: must be between 1 and 65535"),
        ({"slack": {"http_path": "events"}}, "slack.http_path: must start with /"),
        ({"slack": {"channel": "C1 C2"}}, "slack.channel: must be a channel id"),
        ({"slack": {"admin_user_ids": ["bob"]}}, "slack.admin_user_ids: must be Slack user ids"),
    ],
)
def test_bad_slack_settings_name_the_key(raw: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(raw)
