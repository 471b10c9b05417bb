"""Which Slack parts run, from config and secrets, and the one-line errors when they clash."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.chat.commands import Commands
from bot.chat.slack_chat import SlackDestination, SlackWebhookDestination, build_slack
from bot.config import SlackConfig
from bot.errors import ConfigError
from bot.store import Store
from tests.conftest import REPO

NOW = datetime(2025, 11, 6, tzinfo=UTC)


def _build(store: Store, settings: SlackConfig, **secrets: str | None) -> Any:
    values: dict[str, str | None] = {
        "bot_token": None,
        "app_token": None,
        "signing_secret": None,
        "webhook_url": None,
    }
    values.update(secrets)
    return build_slack(
        settings,
        store=store,
        commands=Commands(store, lambda: NOW),
        clock=lambda: NOW,
        api_url="http://127.0.0.1:9/api/",
        **values,  # type: ignore[arg-type]
    )


def test_nothing_without_slack_secrets(store: Store) -> None:
    assert _build(store, SlackConfig()) is None


def test_bot_token_gives_threads_and_socket_mode_commands(store: Store) -> None:
    runtime = _build(
        store,
        SlackConfig(channel="C0ALERTS", rate_per_minute=5),
        bot_token="xoxb-1",
        app_token="xapp-1",
    )
    assert isinstance(runtime.destination, SlackDestination)
    assert runtime.destination.name == "slack"
    assert runtime.destination.policy.rate_per_minute == 5
    assert runtime.app is not None and runtime.app.mode == "socket"


def test_http_mode_needs_the_signing_secret(store: Store) -> None:
    settings = SlackConfig(channel="C0ALERTS", mode="http")
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        _build(store, settings, bot_token="xoxb-1")
    runtime = _build(store, settings, bot_token="xoxb-1", signing_secret="s")
    assert runtime.app.mode == "http"


def test_webhook_only_gives_alerts_and_no_commands(store: Store) -> None:
    runtime = _build(store, SlackConfig(), webhook_url="https://hooks.slack.com/services/T/B/x")
    assert isinstance(runtime.destination, SlackWebhookDestination)
    assert runtime.destination.name == "slack" and runtime.app is None


@pytest.mark.parametrize(
    ("settings", "secrets", "message"),
    [
        (SlackConfig(), {"bot_token": "xoxb-1", "app_token": "xapp-1"}, "slack.channel: required"),
        (SlackConfig(channel="C1"), {"bot_token": "xoxb-1"}, "SLACK_APP_TOKEN"),
        (SlackConfig(channel="C1"), {"bot_token": "xapp-1", "app_token": "xoxb-1"}, "swap"),
        (SlackConfig(channel="C1"), {"bot_token": "xoxb-1", "app_token": "xoxb-2"}, "xapp-"),
        (SlackConfig(), {"webhook_url": "hooks.slack.com/x"}, "SLACK_WEBHOOK_URL"),
    ],
)
def test_clashing_settings_name_the_key(
    store: Store, settings: SlackConfig, secrets: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        _build(store, settings, **secrets)


def test_check_config_describes_slack_or_names_the_bad_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    config = tmp_path / "config.toml"
    config.write_text(f'[bot]\nseeds_dir = "{REPO / "seeds"}"\n[slack]\nchannel = "C0ALERTS"\n')
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    assert main(["check-config", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "slack: alerts in C0ALERTS (story threads), /news over Socket Mode" in out
    assert "xoxb-1" not in out

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xapp-1")
    assert main(["check-config", "--config", str(config)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "newsbot: SLACK_BOT_TOKEN: expected a bot token starting with xoxb-"
        " (that is the app-level token: swap the two)"
    )
