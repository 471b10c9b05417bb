"""Routes: the filter, the digest schedule, the config shape and its one-line errors."""

from __future__ import annotations

import re
import time
import tomllib
from datetime import UTC, datetime

import pytest

from bot.config import parse_config
from bot.errors import ConfigError
from bot.routes import CATEGORIES, AlertFacts, Route, contains, matches, plan, route_from_dict
from tests.conftest import REPO


def facts(**kw: object) -> AlertFacts:
    values: dict[str, object] = {
        "category": "lawsuit",
        "story": "story:getty",
        "relevance": 0.9,
        "new_story": False,
        "text": "Getty Images v. Stability AI: the judge ruled on fair use.",
    }
    values.update(kw)
    return AlertFacts(**values)  # type: ignore[arg-type]


def route(**kw: object) -> Route:
    return Route(name="r", platform="discord", channel="1", **kw)  # type: ignore[arg-type]


def test_words_match_whole_words_in_any_case_and_phrases_across_spaces() -> None:
    text = "Getty Images sued; the FAIR\n  use defence failed. Metadata was scraped."
    assert contains(text, "getty")
    assert contains(text, "fair use")  # any whitespace between the words
    assert not contains(text, "meta")  # "Metadata" is another word
    assert not contains(text, "get")
    assert contains("C++ and .NET", "c++")  # punctuation is literal, never a pattern
    assert not contains("ccc", "c+")


def test_words_in_japanese_text_match_without_spaces_around_them() -> None:
    text = "集英社は、生成ＡＩの学習にOpenAIが作品を使ったと主張した。"
    assert contains(text, "集英社")  # followed by は: Japanese has no spaces between words
    assert contains(text, "主張")
    assert contains(text, "OpenAI")  # a Latin name between kana still counts as a word
    assert contains(text, "AI")  # the full-width ＡＩ is AI
    assert not contains(text, "Open")  # but not part of a Latin word
    assert not contains("読売新聞が提訴", "朝日")


def test_a_hostile_phrase_is_literal_and_fast() -> None:
    evil = "(a+)+$"
    text = "a" * 50_000 + "!"
    started = time.perf_counter()
    assert not contains(text, evil)
    assert not contains(text, "a" * 30 + "b")
    assert not contains("集" * 50_000 + "!", "集" * 30 + "(.*)*")  # no boundary: still literal
    assert time.perf_counter() - started < 1.0  # a regex read as a pattern would not end
    assert contains("it says (a+)+$ here", evil)


@pytest.mark.parametrize(
    ("spec", "seen", "wanted"),
    [
        ({}, {}, True),
        ({"categories": ("ruling",)}, {}, False),
        ({"categories": ("ruling", "lawsuit")}, {}, True),
        ({"follow_stories": ("story:other",)}, {}, False),
        ({"follow_stories": ("story:getty",)}, {}, True),
        ({"include_words": ("Meta", "fair use")}, {}, True),
        ({"include_words": ("Meta",)}, {}, False),
        ({"exclude_words": ("stability ai",)}, {}, False),
        ({"min_relevance": 0.95}, {}, False),
        ({"mode": "new_stories"}, {}, False),
        ({"mode": "new_stories"}, {"new_story": True}, True),
        ({"categories": ("lawsuit",)}, {"category": None}, False),
    ],
)
def test_each_part_of_the_filter(
    spec: dict[str, object], seen: dict[str, object], wanted: bool
) -> None:
    r = route(**spec)
    assert matches(r, facts(**seen), r.mute_stories) is wanted


def test_muted_stories_are_an_argument_and_the_route_s_own() -> None:
    r = route(mute_stories=("story:getty",))
    assert not matches(r, facts(), r.mute_stories)
    assert matches(route(), facts(), frozenset())
    assert not matches(route(), facts(), {"story:getty"})  # muted elsewhere (a button)
    where = plan([route()], facts(), ["discord"], muted={"r": frozenset({"story:getty"})})
    assert where.send == ("discord",)


def test_plan_sends_to_defaults_and_matching_routes_and_holds_for_digests() -> None:
    legal = Route(name="legal", platform="discord", channel="1", categories=("lawsuit",))
    deals = Route(name="deals", platform="discord", channel="2", categories=("licensing deal",))
    daily = Route(name="daily", platform="discord", channel="3", mode="digest")
    where = plan([legal, deals, daily], facts(), ["discord", "slack"])
    assert where.send == ("discord", "slack", "route:legal")
    assert where.hold == ("daily",)


def test_daily_and_weekly_digests_are_due_at_local_time() -> None:
    daily = route(mode="digest", digest_at="08:30", timezone="Europe/Berlin").schedule
    assert daily is not None
    winter = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # 11:00 in Berlin
    assert daily.last_due(winter) == datetime(2026, 12, 1, 7, 30, tzinfo=UTC)
    assert daily.next_due(winter) == datetime(2026, 12, 2, 7, 30, tzinfo=UTC)
    summer = datetime(2026, 7, 1, 6, 0, tzinfo=UTC)  # 08:00 CEST: not yet
    assert daily.last_due(summer) == datetime(2026, 6, 30, 6, 30, tzinfo=UTC)
    weekly = route(mode="digest", digest_day="monday", digest_at="09:00").schedule
    assert weekly is not None
    tuesday = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert weekly.last_due(tuesday) == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert weekly.next_due(tuesday) == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert route().schedule is None


def test_a_route_round_trips_through_its_stored_form() -> None:
    r = route(include_words=("fair use",), compact=True, min_relevance=0.5)
    assert route_from_dict(r.to_dict()) == r


def test_categories_are_the_analysis_s() -> None:
    data = tomllib.loads((REPO / "bot/analysis/data/relevance_terms.toml").read_text())
    assert set(CATEGORIES) == set(data["categories"])


def test_config_routes_parse() -> None:
    config = parse_config(
        {
            "routes": [
                {
                    "name": "legal",
                    "platform": "slack",
                    "channel": "C0123456789",
                    "mode": "digest",
                    "digest_day": "friday",
                    "timezone": "America/New_York",
                    "include_words": ["fair use"],
                },
                {"name": "hook", "platform": "webhook", "webhook_env": "LEGAL_HOOK"},
            ]
        }
    )
    assert [r.destination for r in config.routes] == ["route:legal", "route:hook"]
    assert config.routes[0].include_words == ("fair use",)
    assert parse_config({}).routes == ()


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ({"name": "a", "platform": "teams"}, "routes.a.platform: must be one of"),
        ({"name": "a", "platform": "discord", "channel": "#news"}, "routes.a.channel: a Discord"),
        ({"name": "a", "platform": "discord", "channel": 5}, "routes.a.channel: expected a str"),
        ({"name": "a", "platform": "slack", "channel": "news"}, "routes.a.channel: a Slack"),
        ({"name": "a", "platform": "webhook"}, "routes.a.webhook_env: the name of"),
        (
            {"name": "a", "platform": "discord", "channel": "1", "digest_at": "9am"},
            "routes.a.digest_at",
        ),
        (
            {"name": "a", "platform": "discord", "channel": "1", "digest_day": "fri"},
            "routes.a.digest_day",
        ),
        (
            {"name": "a", "platform": "discord", "channel": "1", "timezone": "CET+1"},
            "routes.a.timezone",
        ),
        (
            {"name": "a", "platform": "discord", "channel": "1", "categories": ["law"]},
            "routes.a.categories",
        ),
        (
            {"name": "a", "platform": "discord", "channel": "1", "min_relevance": 2},
            "routes.a.min_relevance",
        ),
        (
            {"name": "a", "platform": "discord", "channel": "1", "colour": "red"},
            "routes.a.colour: unknown key",
        ),
        # hostile values (a route added from chat): one short line each, never an OSError
        (
            {
                "name": "a",
                "platform": "discord",
                "channel": "1",
                "timezone": "Europe/" + "a" * 5000,
            },
            "routes.a.timezone: an IANA time zone",
        ),
        ({"name": "a", "platform": "discord", "channel": "１２３"}, "routes.a.channel: a Discord"),
        ({"name": "a", "platform": "discord", "channel": "²"}, "routes.a.channel: a Discord"),
        ({"name": "a", "platform": "discord", "channel": "1" * 500}, "routes.a.channel: a Discord"),
        (
            {"name": "a", "platform": "discord", "channel": "1", "mode": "x" * 5000},
            "routes.a.mode: must be one of",
        ),
        ({"name": "Bad Name", "platform": "discord", "channel": "1"}, "routes[0].name: must be"),
        ({"platform": "discord", "channel": "1"}, "routes[0].name: required key is missing"),
        ({"name": "a", "channel": "1"}, "routes.a.platform: required key is missing"),
    ],
)
def test_bad_routes_name_the_route_and_key(block: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config({"routes": [block]})
    assert str(info.value).startswith(message), str(info.value)
    assert "\n" not in str(info.value) and len(str(info.value)) < 300


def test_a_name_used_twice_is_refused() -> None:
    block = {"name": "a", "platform": "discord", "channel": "1"}
    with pytest.raises(ConfigError, match=re.escape("routes.a: the name is used twice")):
        parse_config({"routes": [block, block]})
    with pytest.raises(ConfigError, match="routes: expected a list"):
        parse_config({"routes": {"name": "a"}})


def test_feedback_buttons_under_a_route_alert_carry_the_route() -> None:
    """A click under a route's alert is feedback for that route (a mute stops that route,
    not the default channel); a default channel's buttons read as before."""
    from bot.chat.discord.render import alert_buttons
    from bot.chat.slack.render import feedback_buttons
    from bot.routes import button_value, read_button_value

    assert button_value("a1", "discord") == "a1"
    assert read_button_value(button_value("a1", "route:legal"), "discord") == ("a1", "route:legal")
    assert read_button_value("a1", "slack") == ("a1", "slack")
    view = alert_buttons("a1", "route:legal")
    assert view is not None
    ids = [str(getattr(item, "custom_id", "")) for item in view.children]
    assert ids and all(i.endswith(":route:legal|a1") for i in ids)
    block = feedback_buttons("a1", "route:legal")
    assert block is not None
    assert {e["value"] for e in block["elements"]} == {"route:legal|a1"}
    default = feedback_buttons("a1", "slack")
    assert default is not None and {e["value"] for e in default["elements"]} == {"a1"}
