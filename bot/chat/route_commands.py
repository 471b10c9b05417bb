"""/news route (admins only): list, add and remove routes from chat, as answers.

`add` takes the route's name, where it goes (by default the channel the command is run
in) and its options as `key=value` words, the keys of a [[routes]] block, lists comma
separated: `mode=digest digest_at=08:30 timezone=Europe/Berlin include_words="fair use,Getty"`.
Routes of the config file are listed, never changed from chat.
"""

from __future__ import annotations

import dataclasses
import shlex
import typing
from collections.abc import Mapping
from typing import Any

from bot.chat.answers import Answer, Item, error
from bot.route_book import RouteBook, RouteError
from bot.routes import Route

FIXED = ("name",)  # given as the command's own argument
USAGE = (
    "Usage: /news route add <name> [key=value …] (keys: "
    + ", ".join(f.name for f in dataclasses.fields(Route) if f.name not in FIXED)
    + "; lists comma-separated)"
)


class RouteSpecError(ValueError):
    """A `key=value` option that cannot be read; the message is one line."""


def parse_route_options(text: str) -> dict[str, Any]:
    """`key=value` words as Route field values (lists split at commas, true/false, numbers)."""
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise RouteSpecError(f"cannot read the options ({exc})") from None
    hints = typing.get_type_hints(Route)
    known = {f.name for f in dataclasses.fields(Route)} - set(FIXED)
    options: dict[str, Any] = {}
    for word in words:
        key, sep, value = word.partition("=")
        key = key.strip().lower()
        if not sep:
            raise RouteSpecError(f"{word[:40]!r} is not key=value")
        if key not in known:
            raise RouteSpecError(f"unknown key {key[:40]!r} (known: {', '.join(sorted(known))})")
        options[key] = _value(key, value.strip(), hints[key])
    return options


def _value(key: str, value: str, tp: Any) -> Any:
    if typing.get_origin(tp) is tuple:
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if tp is bool:
        if value.lower() not in ("true", "false", "yes", "no"):
            raise RouteSpecError(f"{key}: expected true or false, got {value[:40]!r}")
        return value.lower() in ("true", "yes")
    if tp is float:
        try:
            return float(value)
        except ValueError:
            raise RouteSpecError(f"{key}: expected a number, got {value[:40]!r}") from None
    if typing.get_origin(tp) is typing.Literal and value not in typing.get_args(tp):
        choices = ", ".join(typing.get_args(tp))
        raise RouteSpecError(f"{key}: one of {choices}, got {value[:40]!r}")
    return value


class RouteCommands:
    """The route commands of `Commands`; `routes` is the route book (None: no routes)."""

    routes: RouteBook | None

    def route_list(self) -> Answer:
        book = self.routes
        routes = book.all() if book is not None else ()
        if not routes:
            return Answer(
                title="Routes",
                text="No routes: every alert goes to the default channel. Add one with"
                " /news route add.",
            )
        items = tuple(
            Item(
                title=r.name,
                meta="config file" if book is not None and book.is_config(r.name) else "chat",
                text=r.describe(),
            )
            for r in routes
        )
        return Answer(title=f"Routes ({len(items)})", items=items)

    def route_add(
        self,
        name: str,
        platform: str,
        channel: str,
        options: str,
        added_by: str,
        *,
        defaults: Mapping[str, Any] | None = None,
    ) -> Answer:
        """Add a route named `name` to `channel` of `platform` (options may change both);
        `defaults` are options for that platform the command's own options override."""
        if self.routes is None:
            return error("Routes are not available here.")
        try:
            values = parse_route_options(options)
        except RouteSpecError as exc:
            return error(f"{exc}. {USAGE}")
        values.setdefault("platform", platform)
        if values["platform"] != "webhook":
            values.setdefault("channel", channel)
        if values["platform"] == platform:
            for key, value in (defaults or {}).items():
                values.setdefault(key, value)
        try:
            route = Route(name=name.strip().lower(), **values)
            self.routes.add(route, added_by)
        except RouteError as exc:
            return error(_sentence(str(exc)))
        return Answer(
            title="Route added",
            text=f"{route.name}: {route.describe()}. Alerts that match go there from now on.",
            public=True,
        )

    def route_remove(self, name: str) -> Answer:
        if self.routes is None:
            return error("Routes are not available here.")
        try:
            route = self.routes.remove(name.strip().lower())
        except RouteError as exc:
            return error(_sentence(str(exc)))
        return Answer(
            title="Route removed",
            text=f"{route.name} gets no more alerts ({route.describe()}).",
            public=True,
        )


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "."
