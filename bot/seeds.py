"""Read a seed corpus folder: distilled claim files or raw article texts.

A seed file is UTF-8 text (`.md`, `.markdown` or `.txt`) with optional YAML front matter
between `---` lines. Keys: `seed_id`, `title`, `publisher`, `date`, `url`, `kind`.
With `kind: claims` the body is a bullet list, one distilled claim per `- ` line;
otherwise the body is the article's text. `README.md` files are documentation, not seeds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from bot.errors import SeedError

if TYPE_CHECKING:
    from bot.config import Config

SEED_SUFFIXES = (".md", ".markdown", ".txt")
FRONT_MATTER_KEYS = frozenset({"seed_id", "title", "publisher", "date", "url", "kind"})
MAX_SEED_BYTES = 2_000_000


@dataclass(frozen=True)
class Seed:
    """One seed article. `id` is how verdicts name it (`seen_in`, `duplicate_of`)."""

    id: str
    path: Path
    title: str | None
    publisher: str | None
    published: dt.datetime | None
    url: str | None
    text: str
    claims: tuple[str, ...] = ()

    @property
    def distilled(self) -> bool:
        return bool(self.claims)


def load_config_seeds(config: Config) -> list[Seed]:
    """The seed corpus the config names; every command (and check-config) loads it here."""
    folder = config.bot.seeds_dir
    if not folder.is_dir():
        raise SeedError(
            f"bot.seeds_dir: {folder}: seed folder not found (relative paths resolve against"
            " the config file's folder; set bot.seeds_dir or pass --seeds)"
        )
    return load_seeds(folder)


def load_seeds(folder: Path) -> list[Seed]:
    """Every seed in `folder`, sorted by file name. Raises SeedError naming file and problem."""
    if not folder.is_dir():
        raise SeedError(f"{folder}: seed folder not found")
    files = sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in SEED_SUFFIXES and p.name.lower() != "readme.md"
    )
    if not files:
        raise SeedError(f"{folder}: no seed files (*.md, *.markdown, *.txt) in this folder")
    seeds = [load_seed(p) for p in files]
    seen: dict[str, Path] = {}
    for seed in seeds:
        if seed.id in seen:
            raise SeedError(
                f"{seed.path}: seed_id {seed.id!r} is also used by {seen[seed.id].name}"
            )
        seen[seed.id] = seed.path
    return seeds


def load_seed(path: Path) -> Seed:
    """Read one seed file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SeedError(f"{path}: cannot read ({exc.strerror})") from None
    if len(data) > MAX_SEED_BYTES:
        raise SeedError(f"{path}: larger than {MAX_SEED_BYTES} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SeedError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    if "\x00" in text:
        raise SeedError(f"{path}: contains NUL bytes; is it a binary file?")
    meta, body = _split_front_matter(path, text)
    body = body.strip()
    if not body:
        raise SeedError(f"{path}: no text after the front matter")

    kind = meta.get("kind")
    claims: tuple[str, ...] = ()
    if kind == "claims":
        claims = _bullets(path, body)
        text_out = "\n".join(claims)
    elif kind is None:
        text_out = body
    else:
        raise SeedError(f"{path}: kind must be 'claims' or absent, got {kind!r}")

    title = _optional_str(path, meta, "title")
    if title is None and not claims:
        title = _headline(body)
    return Seed(
        id=_optional_str(path, meta, "seed_id") or path.name,
        path=path,
        title=title,
        publisher=_optional_str(path, meta, "publisher"),
        published=_date(path, meta.get("date")),
        url=_optional_str(path, meta, "url"),
        text=text_out,
        claims=claims,
    )


def _split_front_matter(path: Path, text: str) -> tuple[dict[str, Any], str]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}, text
    try:
        end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() == "---")
    except StopIteration:
        raise SeedError(f"{path}: front matter opened with '---' is never closed") from None
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise SeedError(f"{path}: front matter is not valid YAML{where}") from None
    if not isinstance(meta, dict):
        raise SeedError(f"{path}: front matter must be key: value pairs")
    unknown = sorted(set(map(str, meta)) - FRONT_MATTER_KEYS)
    if unknown:
        raise SeedError(
            f"{path}: unknown front matter key {unknown[0]!r}"
            f" (known: {', '.join(sorted(FRONT_MATTER_KEYS))})"
        )
    return meta, "\n".join(lines[end + 1 :])


def _bullets(path: Path, body: str) -> tuple[str, ...]:
    claims = []
    for number, line in enumerate(body.splitlines(), 1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith(("- ", "* ")):
            raise SeedError(
                f"{path}: with kind: claims every line must be a '- ' bullet"
                f" (body line {number} is not)"
            )
        claim = stripped[2:].strip()
        if claim:
            claims.append(claim)
    if not claims:
        raise SeedError(f"{path}: kind: claims but no claims listed")
    return tuple(claims)


def _optional_str(path: Path, meta: dict[str, Any], key: str) -> str | None:
    value = meta.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise SeedError(f"{path}: front matter {key} must be text, got {value!r}")
    return str(value).strip() or None


def _date(path: Path, value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise SeedError(f"{path}: date {value!r} is not an ISO date like 2025-11-04") from None
    else:
        raise SeedError(f"{path}: date {value!r} is not an ISO date like 2025-11-04")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _headline(body: str) -> str | None:
    """The first line, when it reads like a headline (short, no closing full stop)."""
    first = body.strip().splitlines()[0].strip().lstrip("#").strip()
    if 0 < len(first) <= 200 and not first.endswith((".", "…", ":")):
        return first
    return None
