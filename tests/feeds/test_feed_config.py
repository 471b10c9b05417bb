"""The feed-related config keys: defaults and one-line errors naming the key."""

from __future__ import annotations

import pytest

from bot.app import fetch_settings, poll_settings
from bot.config import parse_config
from bot.errors import ConfigError


def test_defaults_are_polite_and_safe() -> None:
    config = parse_config({})
    assert config.fetch.allow_private_addresses is False
    assert config.full_text.enabled is True
    settings = fetch_settings(config)
    assert settings.max_body_bytes == 5_000_000 and settings.total_timeout == 20.0
    assert settings.user_agent.startswith("newsbot/")
    polling = poll_settings(config)
    assert polling.bounds.backoff_cap_hours == 24 and polling.failure_notice_after == 5


def test_user_agent_contact_is_added() -> None:
    config = parse_config({"fetch": {"user_agent_contact": "ops@example.org"}})
    assert fetch_settings(config).user_agent.endswith("; ops@example.org)")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"polling": {"min_interval_minutes": 0}}, "polling.min_interval_minutes: must be"),
        ({"polling": {"backoff_cap_hours": 0}}, "polling.backoff_cap_hours: must be between"),
        ({"polling": {"failure_notice_after": 0}}, "polling.failure_notice_after: must be"),
        (
            {"polling": {"min_interval_minutes": 60, "max_interval_minutes": 30}},
            "polling.min_interval_minutes: must not be greater",
        ),
        ({"fetch": {"max_connections": 0}}, "fetch.max_connections: must be between"),
        ({"fetch": {"max_connections_per_host": 500}}, "fetch.max_connections_per_host: must"),
        ({"fetch": {"allow_private_addresses": "yes"}}, "fetch.allow_private_addresses: expected"),
        ({"fetch": {"user_agent_contact": "a (b)"}}, "fetch.user_agent_contact: must be"),
        ({"fetch": {"parse_processes": -1}}, "fetch.parse_processes: must be between"),
        ({"fetch": {"read_timeout_seconds": 0}}, "fetch.read_timeout_seconds: must be greater"),
        ({"full_text": {"teaser_chars": -5}}, "full_text.teaser_chars: must not be negative"),
        ({"full_text": {"enabled": 1}}, "full_text.enabled: expected true or false"),
    ],
)
def test_bad_values_name_the_key(raw: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(raw)
    assert str(info.value).startswith(message), str(info.value)
