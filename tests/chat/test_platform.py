"""build_chat / check_chat: the one call the composition root makes for chat."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.chat.commands import Commands
from bot.chat.console import ConsoleDestination
from bot.chat.platform import build_chat, check_chat
from bot.config import Config, load_config, load_secrets
from bot.errors import ConfigError
from bot.store import Store

NOW = datetime(2025, 11, 6, 9, 0, tzinfo=UTC)
HOOK = "https://discord.com/api/webhooks/123456789012345678/" + "t" * 68


def _config(tmp_path: Path, extra: str = "") -> Config:
    path = tmp_path / "config.toml"
    path.write_text(extra, encoding="utf-8")
    return load_config(path)


def test_without_secrets_alerts_go_to_the_console(tmp_path: Path) -> None:
    config = _config(tmp_path)
    store = Store.open(tmp_path / "bot.db")
    chat = build_chat(
        config,
        load_secrets({}),
        store,
        Commands(store, lambda: NOW),
        lambda: NOW,
        stdout=io.StringIO(),
    )
    assert chat.runtimes == [] and [type(d) for d in chat.destinations] == [ConsoleDestination]
    assert check_chat(config, load_secrets({})) == [
        "chat: no Discord or Slack secret in the environment; alerts go to the console (stdout)"
    ]


def test_check_chat_names_each_platform_and_refuses_a_bad_secret(tmp_path: Path) -> None:
    config = _config(tmp_path, '[slack]\nchannel = "C0123456789"\n')
    secrets = load_secrets(
        {
            "SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/x",
            "DISCORD_WEBHOOK_URL": HOOK,
        }
    )
    lines = check_chat(config, secrets)
    assert [line.split(":")[0] for line in lines] == ["discord", "slack"]
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        check_chat(config, load_secrets({"SLACK_BOT_TOKEN": "xapp-1"}))


async def test_a_webhook_platform_replaces_the_console_and_closes(tmp_path: Path) -> None:
    from bot.chat.slack.destination import SlackWebhookDestination

    config = _config(tmp_path)
    store = Store.open(tmp_path / "bot.db")
    secrets = load_secrets({"SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/x"})
    chat = build_chat(
        config, secrets, store, Commands(store, lambda: NOW), lambda: NOW, stdout=io.StringIO()
    )
    assert chat.slack is not None and chat.discord is None and chat.runtimes == [chat.slack]
    assert [type(d) for d in chat.destinations] == [SlackWebhookDestination]
    await chat.close()
