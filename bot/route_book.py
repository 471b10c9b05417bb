"""The routes in force: those of the config (read-only) and those added from chat (kept in
the store, so they survive restarts). Adding or removing one tells the listeners (the
chat side builds or drops its destination)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.errors import ConfigError
from bot.routes import Route, check_route
from bot.store import Store

log = logging.getLogger(__name__)

RouteListener = Callable[[Route, bool], None]  # (route, added): called after the change


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
        self.listeners: list[RouteListener] = []

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
            if not self._store.add_chat_route(route, added_by, self._clock()):
                raise RouteError(f"there is already a route named {route.name}")
            self._chat = (*self._chat, route)
        self._tell(route, True)
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
        self._tell(route, False)
        return route

    def _tell(self, route: Route, added: bool) -> None:
        for listener in self.listeners:
            try:
                listener(route, added)
            except Exception:  # a listener's bug must not undo the change
                log.exception("route %s: a listener failed", route.name)
