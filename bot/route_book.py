"""The routes in force: those of the config (read-only) and those added from chat (kept in
the store, so they survive restarts). Adding one first asks `attach` to start delivering
to it (the chat side builds its destination: a missing secret refuses the route before
anything is kept); removing one calls `detach`."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.errors import ConfigError
from bot.routes import Route, check_route
from bot.store import Store

log = logging.getLogger(__name__)

RouteHook = Callable[[Route], None]


class RouteError(Exception):
    """A route that cannot be added or removed; the message is one line for the user."""


class RouteBook:
    """Config routes plus chat routes, read once and kept up to date by add/remove."""

    def __init__(self, config_routes: Sequence[Route], store: Store, clock: Callable[[], datetime]):
        self._config = tuple(config_routes)
        self._store = store
        self._clock = clock
        self._lock = threading.Lock()
        self._chat = tuple(r for r in store.chat_routes() if r.name not in self.config_names)
        self.attach: RouteHook | None = None  # raises ConfigError when it cannot deliver
        self.detach: RouteHook | None = None

    @property
    def config_names(self) -> set[str]:
        return {r.name for r in self._config}

    def all(self) -> tuple[Route, ...]:
        """Every route in force, config routes first."""
        return self._config + self._chat

    def is_config(self, name: str) -> bool:
        return name in self.config_names

    def get(self, name: str) -> Route | None:
        return next((r for r in self.all() if r.name == name), None)

    def add(self, route: Route, added_by: str) -> Route:
        """Check and keep a chat route; raises RouteError with a one-line reason."""
        try:
            check_route(route)
        except ConfigError as exc:
            raise RouteError(str(exc).removeprefix(f"routes.{route.name}.")) from None
        with self._lock:
            if self.get(route.name) is not None:
                raise RouteError(f"there is already a route named {route.name}")
            if self.attach is not None:
                try:
                    self.attach(route)
                except ConfigError as exc:
                    raise RouteError(str(exc)) from None
            try:
                kept = self._store.add_chat_route(route, added_by, self._clock())
            except BaseException:
                self._detach(route)
                raise
            if not kept:
                self._detach(route)
                raise RouteError(f"there is already a route named {route.name}")
            self._chat = (*self._chat, route)
        return route

    def remove(self, name: str) -> Route:
        """Forget a chat route; a config route is refused (edit the config file)."""
        with self._lock:
            if self.is_config(name):
                raise RouteError(
                    f"{name} is a route of the config file; change it there (routes in"
                    " chat are only those added with /news route add)"
                )
            route = self.get(name)
            if route is None or not self._store.remove_chat_route(name):
                raise RouteError(f"there is no route named {name}")
            self._chat = tuple(r for r in self._chat if r.name != name)
        self._detach(route)
        return route

    def _detach(self, route: Route) -> None:
        if self.detach is None:
            return
        try:
            self.detach(route)
        except Exception:  # the route is gone from the book either way
            log.exception("route %s: could not stop its delivery", route.name)
