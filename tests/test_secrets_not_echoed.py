"""A token pasted into the config file is refused without being repeated, in errors and in
logs; a Slack channel must be a channel id."""

from __future__ import annotations

import io
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import parse_config
from bot.errors import ConfigError
from bot.logs import setup_logging
from bot.redact import looks_like_secret, redact
from tests.conftest import REPO

# Made-up values with the shapes of real credentials.
DISCORD_TOKEN = "MTA0NTY3ODkwMTIzNDU2Nzg5MA.GaBcDe.q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8"
SLACK_BOT = "xoxb-2045678901-5045678901234-AbCdEfGhIjKlMnOpQrStUvWx"
SLACK_USER = "xoxp-2045678901-5045678901234-5045678901234-0a1b2c3d4e5f"
SLACK_APP = "xapp-1-A045678901-5045678901234-0a1b2c3d4e5f6a7b8c9d"
SLACK_ROTATED = "xoxe.xoxb-1-MS0yLTIwNDU2Nzg5MDEtNTA0NTY3ODkwMTIzNA"
SIGNING_SECRET = "8f742231b10e8888abcd99b1e5a56b3f"
SLACK_HOOK = "https://hooks.slack.com/services/T0456789/B0456789/AbCdEfGhIjKlMnOpQrStUvWx"
DISCORD_HOOK = "https://discord.com/api/v10/webhooks/1045678901234/AbCd-EfGh_IjKlMnOpQrStUvWx"
LONG_RANDOM = "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MEFCQ0RFRg"
SECRETS = [
    DISCORD_TOKEN,
    SLACK_BOT,
    SLACK_USER,
    SLACK_APP,
    SLACK_ROTATED,
    SIGNING_SECRET,
    SLACK_HOOK,
    DISCORD_HOOK,
    LONG_RANDOM,
]


@pytest.mark.parametrize("secret", SECRETS)
@pytest.mark.parametrize(
    "where",
    [
        ("discord", "channel_id"),
        ("discord", "guild_id"),
        ("slack", "channel"),
        ("slack", "http_path"),
        ("bot", "log_level"),
        ("console", "enabled"),
        ("polling", "interval_minutes"),
    ],
)
def test_a_secret_in_the_wrong_key_is_refused_without_being_shown(
    secret: str, where: tuple[str, str]
) -> None:
    section, key = where
    with pytest.raises(ConfigError) as info:
        parse_config({section: {key: secret}})
    message = str(info.value)
    assert message.startswith(f"{section}.{key}: ")
    assert secret not in message
    assert "looks like a secret (not shown" in message


def test_a_secret_in_a_list_or_as_a_key_is_not_shown() -> None:
    with pytest.raises(ConfigError) as listed:
        parse_config({"slack": {"admin_user_ids": ["U012ABC", SLACK_BOT]}})
    assert SLACK_BOT not in str(listed.value)
    with pytest.raises(ConfigError) as keyed:
        parse_config({"slack": {SLACK_BOT: 1}})
    assert SLACK_BOT not in str(keyed.value)
    assert "unknown key" in str(keyed.value)


def test_ordinary_bad_values_are_still_quoted() -> None:
    with pytest.raises(ConfigError, match="got 'soon'"):
        parse_config({"polling": {"interval_minutes": "soon"}})
    with pytest.raises(ConfigError, match=re.escape("got 'ftp://example.com/feed.xml'")):
        parse_config({"feeds": [{"url": "ftp://example.com/feed.xml"}]})


@pytest.mark.parametrize("channel", ["C0123456789", "G01ABCDEF23", "D024BE91L"])
def test_a_slack_channel_id_is_accepted(channel: str) -> None:
    assert parse_config({"slack": {"channel": channel}}).slack.channel == channel


@pytest.mark.parametrize("channel", ["#general", "general", "c0123456789", "CHANNEL", SLACK_BOT])
def test_a_slack_channel_that_is_not_an_id_is_refused_with_where_to_find_it(
    channel: str,
) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config({"slack": {"channel": channel}})
    message = str(info.value)
    assert message.startswith("slack.channel: must be a channel id such as C0123456789")
    assert "About tab" in message


def test_check_config_never_prints_the_pasted_token(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[discord]\nchannel_id = "{DISCORD_TOKEN}"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check-config", "--config", str(config)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 2
    assert DISCORD_TOKEN not in result.stderr + result.stdout
    assert result.stderr.startswith("newsbot: discord.channel_id: expected an integer, got a value")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_logs_hide_token_shapes(fmt: str) -> None:
    stream = io.StringIO()
    setup_logging("INFO", fmt, stream)
    try:
        for secret in (DISCORD_TOKEN, SLACK_BOT, SLACK_APP, SLACK_HOOK, DISCORD_HOOK):
            logging.getLogger("bot.test").warning("slack: alerts in %s", secret)
    finally:
        setup_logging("INFO", "text")
    text = stream.getvalue()
    assert text.count("[hidden: looks like a secret]") == 5
    for secret in SECRETS:
        assert secret not in text


def test_what_is_not_a_secret_passes() -> None:
    ordinary = [
        "https://www.theverge.com/rss/ai-artificial-intelligence/index.xml",
        "feeds[12].interval_minutes",
        "C0123456789",
        "artificial-intelligence-newsletter",
        "data/newsbot.db",
    ]
    for text in ordinary:
        assert not looks_like_secret(text), text
        assert redact(text, entropy=True) == text
