"""The route book: config routes read-only, chat routes kept in the store, a route that
cannot be delivered to refused before anything is kept."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.route_book import RouteBook, RouteError
from bot.routes import Route
from bot.store import Store

NOW = datetime(2025, 11, 6, 9, 0, tzinfo=UTC)
CONFIG = (Route(name="legal", platform="discord", channel="1"),)


def test_chat_routes_survive_a_restart_and_config_routes_cannot_be_removed(
    tmp_path: Path,
) -> None:
    store = Store.open(tmp_path / "bot.db")
    book = RouteBook(CONFIG, store, lambda: NOW)
    book.add(Route(name="deals", platform="slack", channel="C0DEALS01"), "slack:U1")
    with pytest.raises(RouteError, match="already a route named legal"):
        book.add(Route(name="legal", platform="slack", channel="C0DEALS01"), "slack:U1")
    with pytest.raises(RouteError, match="route of the config file"):
        book.remove("legal")
    with pytest.raises(RouteError, match="channel: a Slack channel id"):
        book.add(Route(name="bad", platform="slack", channel="general"), "slack:U1")
    store.close()

    store = Store.open(tmp_path / "bot.db")
    again = RouteBook(CONFIG, store, lambda: NOW)
    assert [r.name for r in again.all()] == ["legal", "deals"]
    assert store.db["chat_routes"].get("deals")["added_by"] == "slack:U1"
    store.close()


def test_a_route_that_cannot_be_delivered_to_is_not_kept(store: Store) -> None:
    book = RouteBook((), store, lambda: NOW)
    attached: list[str] = []

    def attach(route: Route) -> None:
        if route.platform == "webhook":
            raise ConfigError(f"routes.{route.name}: {route.webhook_env} is not set")
        attached.append(route.name)

    book.attach = attach
    with pytest.raises(RouteError, match="HOOK is not set"):
        book.add(Route(name="hook", platform="webhook", webhook_env="HOOK"), "discord:1")
    assert store.chat_routes() == [] and book.all() == ()
    book.add(Route(name="ok", platform="discord", channel="2"), "discord:1")
    assert attached == ["ok"]


def test_removing_a_route_drops_what_it_held_and_what_waited_for_it(store: Store) -> None:
    book = RouteBook((), store, lambda: NOW)
    detached: list[str] = []
    book.detach = lambda route: detached.append(route.name)
    book.add(Route(name="daily", platform="discord", channel="2", mode="digest"), "discord:1")
    store.hold("daily", "a1", {"article_id": "a1"}, NOW)
    store.enqueue(kind="alert", destination="route:daily", payload={}, now=NOW, article_id="a2")
    book.remove("daily")
    assert detached == ["daily"]
    assert store.held_count("daily") == 0
    [row] = store.db["outbox"].rows
    assert (row["status"], row["last_error"]) == ("dead", "route removed")
    with pytest.raises(RouteError, match="no route named daily"):
        book.remove("daily")


def test_a_stored_route_that_no_longer_reads_is_skipped(store: Store) -> None:
    store.db["chat_routes"].insert(
        {"name": "old", "spec": '{"name": "old", "platform": "fax"}', "added_at": "2025"}
    )
    store.add_chat_route(Route(name="ok", platform="discord", channel="2"), "discord:1", NOW)
    assert [r.name for r in RouteBook((), store, lambda: NOW).all()] == ["ok"]
