"""Chat secrets: read only from the environment (NAME, or a NAME_FILE path for Docker
secrets), held in values that never show themselves in logs, reprs or tracebacks."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import ConfigError


class Secret:
    """A value that never shows itself in logs, reprs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


SECRET_NAMES = (
    "DISCORD_TOKEN",
    "DISCORD_WEBHOOK_URL",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_WEBHOOK_URL",
)


@dataclass(frozen=True)
class Secrets:
    """Chat credentials, only ever taken from the environment (or NAME_FILE paths)."""

    values: Mapping[str, Secret] = field(default_factory=dict)

    def get(self, name: str) -> Secret | None:
        return self.values.get(name)

    def __repr__(self) -> str:
        return f"Secrets(set={sorted(self.values)})"


def load_secrets(environ: Mapping[str, str]) -> Secrets:
    """Read each secret from NAME, or from the file named by NAME_FILE (Docker secrets)."""
    values: dict[str, Secret] = {}
    for name in SECRET_NAMES:
        secret = read_secret(environ, name)
        if secret is not None:
            values[name] = secret
    return Secrets(values)


def read_secret(environ: Mapping[str, str], name: str) -> Secret | None:
    """One secret from NAME or NAME_FILE (also those a route names, e.g. its webhook URL)."""
    direct = environ.get(name, "").strip()
    file_path = environ.get(f"{name}_FILE", "").strip()
    if direct and file_path:
        raise ConfigError(f"{name}: set either {name} or {name}_FILE, not both")
    if file_path:
        try:
            direct = Path(file_path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE: cannot read {file_path} ({exc.strerror})") from None
        if not direct:
            raise ConfigError(f"{name}_FILE: {file_path} is empty")
    return Secret(direct) if direct else None


def environment() -> Mapping[str, str]:
    """The process environment; a function so callers pass it in and tests pass their own."""
    return os.environ
