"""What a user sees when the bot starts: no warnings they cannot act on, one check-config
line per chat platform, and digests of the size the config says."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import discord
import pytest

from bot.chat.commands import Commands
from bot.chat.delivery import Delivery
from bot.chat.discord.client import NewsClient
from bot.chat.discord.runtime import build_discord
from bot.chat.slack.runtime import build_slack
from bot.cli import main
from bot.config import load_config, parse_config
from bot.store import Store
from tests.conftest import REPO
from tests.outbox import queue_alerts
from tests.slack_fake import FakeSlack

NOW = datetime(2025, 11, 6, 9, 0, tzinfo=UTC)
HOOK = "https://discord.com/api/webhooks/123456789012345678/" + "t" * 68


def test_discord_does_not_warn_about_voice_libraries(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, store: Store
) -> None:
    # as in a fresh process: discord.py warns once, on the first client it builds
    monkeypatch.setattr(discord.VoiceClient, "warn_nacl", True)
    monkeypatch.setattr(discord.VoiceClient, "warn_dave", True)
    with caplog.at_level(logging.INFO):
        NewsClient(Commands(store, lambda: NOW))
    assert "voice will NOT be supported" not in caplog.text


def test_bolt_does_not_warn_that_the_token_will_be_unused(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, store: Store
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")  # where the bot's own token comes from
    with caplog.at_level(logging.INFO):
        runtime = build_slack(
            parse_config({"slack": {"channel": "C0ALERTS"}}).slack,
            bot_token="xoxb-1",
            app_token="xapp-1",
            signing_secret=None,
            webhook_url=None,
            store=store,
            commands=Commands(store, lambda: NOW),
            clock=lambda: NOW,
            api_url="http://127.0.0.1:9/api/",
        )
    assert runtime is not None and runtime.app is not None
    assert "will be unused" not in caplog.text
    assert "slack: alerts in C0ALERTS" in caplog.text  # what the user can act on stays


@pytest.fixture
def chatless_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DISCORD", "SLACK"):
        for suffix in ("_TOKEN", "_WEBHOOK_URL", "_BOT_TOKEN", "_APP_TOKEN", "_SIGNING_SECRET"):
            monkeypatch.delenv(name + suffix, raising=False)
            monkeypatch.delenv(name + suffix + "_FILE", raising=False)


@pytest.mark.usefixtures("chatless_env")
@pytest.mark.parametrize(
    ("env", "line"),
    [
        (
            {"DISCORD_TOKEN": "t"},
            "discord: alerts in channel 5 (story threads), /news in server 7",
        ),
        (
            {"DISCORD_WEBHOOK_URL": HOOK},
            "discord: alerts through the channel webhook (no /news commands, no threads)",
        ),
        ({}, "chat: no Discord or Slack secret in the environment; alerts go to the console"),
    ],
)
def test_check_config_prints_a_line_for_discord(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    line: str,
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[bot]\nseeds_dir = "{REPO / "seeds"}"\n[discord]\nchannel_id = 5\nguild_id = 7\n'
    )
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["check-config", "--config", str(config)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("config OK: ")
    assert out[1].startswith(line)
    assert "abc" not in "\n".join(out)  # the webhook's token part


def test_the_documented_digest_size_is_the_one_the_code_uses(store: Store) -> None:
    example = load_config(REPO / "config.example.toml")
    assert example.discord.digest_size == example.slack.digest_size == 20
    slack = build_slack(
        parse_config({"slack": {"digest_size": 7}}).slack,
        bot_token=None,
        app_token=None,
        signing_secret=None,
        webhook_url="https://hooks.slack.com/services/T/B/x",
        store=store,
        commands=Commands(store, lambda: NOW),
        clock=lambda: NOW,
    )
    discord_side = build_discord(
        parse_config({"discord": {"digest_size": 9}}).discord,
        token=None,
        webhook_url=HOOK,
        store=store,
        commands=Commands(store, lambda: NOW),
        clock=lambda: NOW,
    )
    assert slack is not None and slack.destination.policy.digest_size == 7
    assert discord_side is not None and discord_side.destination.policy.digest_size == 9


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    yield fake
    await fake.stop()


async def test_a_backlog_of_31_goes_out_in_digests_of_the_example_s_size(
    fake_slack: FakeSlack, store: Store
) -> None:
    queue_alerts(store, range(1, 32), ("slack",), NOW, title="Ruling number {n}")
    example = load_config(REPO / "config.example.toml")
    runtime = build_slack(
        example.slack,
        bot_token=None,
        app_token=None,
        signing_secret=None,
        webhook_url=f"{fake_slack.base}/webhook/T1",
        store=store,
        commands=Commands(store, lambda: NOW),
        clock=lambda: NOW,
    )
    assert runtime is not None
    report = await Delivery(store, [runtime.destination], lambda: NOW).deliver_due()
    assert report.sent == 31
    texts = [post.params["text"] for post in fake_slack.webhook_posts]
    assert texts == ["20 updates while you were away", "11 updates while you were away"]
