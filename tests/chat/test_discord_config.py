"""The [discord] section and the choice between bot mode, webhook mode and none."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.chat.commands import Commands
from bot.chat.discord_chat import DiscordDestination, WebhookDestination, build_discord
from bot.cli import main
from bot.config import DiscordSettings, parse_config
from bot.errors import ConfigError
from bot.store import Store
from tests.conftest import REPO

HOOK = "https://discord.com/api/webhooks/123456789012345678/" + "t" * 68


def build(store: Store, settings: DiscordSettings, **secrets: str | None) -> object:
    commands = Commands(store, lambda: datetime.now(UTC))
    return build_discord(
        settings,
        token=secrets.get("token"),
        webhook_url=secrets.get("webhook"),
        store=store,
        commands=commands,
        clock=lambda: datetime.now(UTC),
    )


def test_defaults_and_overrides() -> None:
    config = parse_config({"discord": {"channel_id": 42, "digest_minutes": 15}})
    assert config.discord.channel_id == 42 and config.discord.digest_minutes == 15
    assert config.discord.rate_per_minute == 20 and config.discord.threads is True


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"rate_per_minute": 500}, "discord.rate_per_minute: must be between 0 (no cap) and 120"),
        ({"channel_id": "general"}, "discord.channel_id: expected an integer"),
        ({"backlog_digest_at": 1}, "discord.backlog_digest_at: must be 0 (off) or at least 2"),
        ({"threads": "yes"}, "discord.threads: expected true or false"),
        ({"chanel_id": 1}, "discord.chanel_id: unknown key"),
    ],
)
def test_bad_values_name_the_key(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_config({"discord": table})


def test_mode_follows_the_secrets(store: Store) -> None:
    assert build(store, DiscordSettings()) is None
    with pytest.raises(ConfigError, match=r"discord\.channel_id: required"):
        build(store, DiscordSettings(), token="t")
    bot = build(store, DiscordSettings(channel_id=5), token="t", webhook=HOOK)
    assert isinstance(bot.destination, DiscordDestination)  # type: ignore[attr-defined]
    hook = build(store, DiscordSettings(), webhook=HOOK)
    assert isinstance(hook.destination, WebhookDestination)  # type: ignore[attr-defined]
    assert hook.client is None  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match="DISCORD_WEBHOOK_URL: expected"):
        build(store, DiscordSettings(), webhook="https://example.com/hook")


def test_check_config_reports_a_missing_channel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[discord]\nguild_id = 1\n", encoding="utf-8")
    monkeypatch.setenv("DISCORD_TOKEN", "t")
    assert main(["check-config", "--config", str(config)]) == 2
    assert "discord.channel_id: required when DISCORD_TOKEN is set" in capsys.readouterr().err
    config.write_text(
        f'[bot]\nseeds_dir = "{REPO / "seeds"}"\n[discord]\nchannel_id = 5\n', encoding="utf-8"
    )
    assert main(["check-config", "--config", str(config)]) == 0


@pytest.mark.parametrize(
    "url",
    [
        "https://discord.com/api/v10/webhooks/123456789012345678/" + "t" * 68,  # API version
        "https://discord.com/api/webhooks/123/" + "t" * 68,  # id too short for Discord
        "https://discord.com/api/webhooks/123456789012345678/short",
    ],
)
def test_check_config_refuses_a_webhook_url_discord_py_cannot_use(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    monkeypatch.setenv("DISCORD_WEBHOOK_URL", url)
    assert main(["check-config", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "newsbot: DISCORD_WEBHOOK_URL: expected https://discord.com/api/webhooks/"
    )
    assert err.count("\n") == 1 and "t" * 20 not in err  # one line, the token not echoed
    if "/v10/" in url:
        assert "drop the API version" in err
    with pytest.raises(ConfigError, match="DISCORD_WEBHOOK_URL"):
        WebhookDestination(url)  # the bot refuses it at start too, before any session opens


def test_check_config_accepts_discords_own_webhook_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    monkeypatch.setenv("DISCORD_WEBHOOK_URL", HOOK)
    assert main(["check-config", "--config", str(config)]) == 0
